//! The account's language preference: saved when a logged-in person switches the language,
//! so the choice follows them to another device and to the messages they are sent.

use super::*;
use crate::engine::Loaded;

impl Accounts<'_> {
    /// Saves `lang` as the account's preferred language, chosen by the person
    /// ([`Account::lang_chosen_at`] is set). Answers `true` when it changed, `false` when it
    /// already was their chosen preference (nothing written).
    pub async fn set_language(self, account_id: &str, lang: Lang) -> Result<bool, TijaraError> {
        let e = self.engine;
        e.mutate("set_account_language", None, &(), || async move {
            let Loaded { mut value, version } =
                e.load::<Account>(DocKind::Account, account_id).await?;
            if value.lang == lang && value.lang_chosen_at.is_some() {
                return Ok((false, Changeset::default()));
            }
            value.lang = lang;
            value.lang_chosen_at = Some(e.now());
            Ok((true, account_change(&value, Some(version))?))
        })
        .await
    }
}
