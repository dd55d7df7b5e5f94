//! Password reset by e-mail: a single-use link, [`RESET_MINUTES`] long, whose token only the
//! e-mail holds (the account stores its SHA-256). Asking again replaces the previous link.
//! Asking for an e-mail no account has answers the same as for one that has an account
//! (nothing to send), so the form does not tell who has an account.

use super::{Account, Accounts, OneTimeLink, account_change, normalize_email};
use crate::engine::Loaded;
use crate::error::{LinkProblem, LinkPurpose, TijaraError};
use crate::ports::storage::DocKind;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use std::fmt;
use tijara_core::Lang;

/// How long a password-reset link works.
pub const RESET_MINUTES: i64 = 30;

/// Reset links sent for one account within an hour; further asks within the hour send
/// nothing (and answer the same).
pub const MAX_RESETS_PER_HOUR: usize = 3;

/// Reset asks from one client address (IPv6: its /48) within an hour, whatever the e-mails;
/// further asks are refused with [`TijaraError::LoginThrottled`] until the hour is over.
pub const MAX_RESET_ASKS_PER_ADDRESS: u32 = 10;

/// A client address's count of reset asks, stored as a throttle document of the login
/// throttles' shape, so their purge ([`super::Sessions::purge_login_throttles`]) reads it and
/// deletes it once it no longer matters.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct AddressCount {
    failures: u32,
    reserved: u64,
    last_at: Option<DateTime<Utc>>,
    blocked_until: Option<DateTime<Utc>>,
    #[serde(default)]
    known_until: Option<DateTime<Utc>>,
}

/// The address a reset throttle counts: an IPv6 address by its /48 network, an IPv4 address
/// (or an IPv4-mapped one) as it is, `unknown` without one.
fn address_key(client: Option<&str>) -> String {
    let Some(c) = client.map(str::trim).filter(|c| !c.is_empty()) else {
        return "unknown".into();
    };
    match c.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
        Ok(ip) => ip.to_string(),
        Err(_) => c.chars().take(64).collect(),
    }
}

/// A one-time link to send to an account's e-mail: the token (the only copy: the account
/// stores its hash) and to whom. Its `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkMail {
    /// The account.
    pub account_id: String,
    /// Where to send it.
    pub email: String,
    /// The account's display name.
    pub name: String,
    /// The account's language.
    pub lang: Lang,
    /// The token to put in the link (`{account id}.{64 hex digits}`).
    pub token: String,
    /// The link stops working then.
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for LinkMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkMail")
            .field("account_id", &self.account_id)
            .field("email", &self.email)
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The stored hash of a link token.
pub(super) fn link_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new token for an account, and its stored part.
pub(super) fn new_link(account_id: &str, expires_at: DateTime<Utc>) -> (String, OneTimeLink) {
    let token = format!("{account_id}.{}", hex::encode(crate::support::os_random()));
    let link = OneTimeLink {
        hash: link_hash(&token),
        expires_at,
        used_at: None,
    };
    (token, link)
}

/// The account id a token names (`None`: not a token's shape).
pub(super) fn token_account(token: &str) -> Option<&str> {
    let (account, secret) = token.trim().rsplit_once('.')?;
    (!account.is_empty()
        && account.len() <= 100
        && secret.len() == 64
        && secret.bytes().all(|b| b.is_ascii_hexdigit()))
    .then_some(account)
}

/// Checks a token against a stored link.
pub(super) fn check_link(
    link: Option<&OneTimeLink>,
    token: &str,
    now: DateTime<Utc>,
    purpose: LinkPurpose,
) -> Result<(), TijaraError> {
    let refused = |problem| TijaraError::LinkRefused { purpose, problem };
    let Some(link) = link.filter(|l| l.hash == link_hash(token.trim())) else {
        return Err(refused(LinkProblem::Unknown));
    };
    if link.used_at.is_some() {
        return Err(refused(LinkProblem::Used));
    }
    if link.expires_at <= now {
        return Err(refused(LinkProblem::Expired));
    }
    Ok(())
}

impl Accounts<'_> {
    /// Asks for a password-reset link for `email`: `Some` with the link to send when an
    /// account has this e-mail (the previous link no longer works), `None` otherwise — and
    /// `None` too past [`MAX_RESETS_PER_HOUR`] for the account, so the caller answers the same
    /// page in every case and tells no one who has an account. A malformed e-mail is `None`.
    ///
    /// `client` (the client's IP address, if known) is counted first, whatever the e-mail:
    /// past [`MAX_RESET_ASKS_PER_ADDRESS`] within the hour the ask is refused with
    /// [`TijaraError::LoginThrottled`] and nothing is sent.
    pub async fn request_password_reset(
        self,
        email: &str,
        client: Option<&str>,
    ) -> Result<Option<LinkMail>, TijaraError> {
        let e = self.engine;
        self.count_reset_ask(client).await?;
        let Ok(email) = normalize_email(email) else {
            return Ok(None);
        };
        let Some(found) = self.account_by_email(&email).await? else {
            return Ok(None);
        };
        let now = e.now();
        let id = found.id.as_str();
        let expires_at = now + Duration::minutes(RESET_MINUTES);
        let (token, link) = new_link(id, expires_at);
        let link = &link;
        let saved: Option<Account> = e
            .mutate("request_password_reset", None, &(), || async move {
                let Loaded {
                    value: mut account,
                    version,
                } = e.load::<Account>(DocKind::Account, id).await?;
                account
                    .reset_requests
                    .retain(|t| now - *t < Duration::hours(1));
                if account.reset_requests.len() >= MAX_RESETS_PER_HOUR {
                    tracing::warn!(target: "security", event = "reset_throttled", account = %account.id, "password reset link not sent: too many asked within the hour");
                    return Ok((None, crate::ports::storage::Changeset::default()));
                }
                account.reset_requests.push(now);
                account.reset_link = Some(link.clone());
                let changes = account_change(&account, Some(version))?;
                Ok((Some(account), changes))
            })
            .await?;
        Ok(saved.map(|account| LinkMail {
            account_id: account.id,
            email: account.email,
            name: account.name,
            lang: account.lang,
            token,
            expires_at,
        }))
    }

    /// Counts a reset ask against the client's address; refuses it past the hour's allowance.
    async fn count_reset_ask(self, client: Option<&str>) -> Result<(), TijaraError> {
        let e = self.engine;
        let now = e.now();
        let key = address_key(client);
        let id = format!(
            "reset-address:{}",
            hex::encode(&Sha256::digest(key.as_bytes())[..16])
        );
        let id = &id;
        let counted = e
            .mutate("count_reset_ask", None, &(), || async move {
                let (mut t, version) = match e.inner.storage.get(DocKind::Throttle, id).await? {
                    Some(doc) => (
                        crate::engine::decode::<AddressCount>(DocKind::Throttle, id, &doc.body)?,
                        Some(doc.version),
                    ),
                    None => (AddressCount::default(), None),
                };
                if let Some(until) = t.blocked_until.filter(|u| *u > now) {
                    return Ok((Some(until), crate::ports::storage::Changeset::default()));
                }
                if t.last_at.is_some_and(|l| now - l >= Duration::hours(1)) {
                    t.failures = 0;
                }
                t.failures = t.failures.saturating_add(1);
                t.reserved += 1;
                t.last_at = Some(now);
                if t.failures >= MAX_RESET_ASKS_PER_ADDRESS {
                    t.blocked_until = Some(now + Duration::hours(1));
                }
                let write =
                    crate::engine::Write::new(DocKind::Throttle, id.as_str(), version).body(&t)?;
                Ok((
                    None,
                    crate::ports::storage::Changeset {
                        docs: vec![write],
                        ..crate::ports::storage::Changeset::default()
                    },
                ))
            })
            .await;
        let until = match counted {
            Ok(None) => return Ok(()),
            Ok(Some(until)) => until,
            Err(TijaraError::Conflict { .. }) => now + Duration::seconds(1),
            Err(other) => return Err(other),
        };
        tracing::warn!(target: "security", event = "reset_throttled", client = %key, "password reset ask refused: too many from this address");
        Err(TijaraError::LoginThrottled {
            retry_after_secs: u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1),
        })
    }

    /// The account a password-reset token opens, without using it (to show the form);
    /// [`TijaraError::LinkRefused`] if it is unknown, expired or used.
    pub async fn check_password_reset(self, token: &str) -> Result<Account, TijaraError> {
        let e = self.engine;
        let unknown = TijaraError::LinkRefused {
            purpose: LinkPurpose::PasswordReset,
            problem: LinkProblem::Unknown,
        };
        let Some(id) = token_account(token) else {
            return Err(unknown);
        };
        let account = match e.load::<Account>(DocKind::Account, id).await {
            Ok(l) => l.value,
            Err(TijaraError::NotFound { .. }) => return Err(unknown),
            Err(other) => return Err(other),
        };
        check_link(
            account.reset_link.as_ref(),
            token,
            e.now(),
            LinkPurpose::PasswordReset,
        )?;
        Ok(account)
    }

    /// Sets a new password with a reset token: the token is used up, the password hash (from
    /// [`super::hash_password`]) replaced and every session of the account closed. Refused with
    /// [`TijaraError::LinkRefused`] (unknown, expired, used); nothing is written then. Opening
    /// the link proves the e-mail too: an unverified account becomes verified.
    pub async fn finish_password_reset(
        self,
        token: &str,
        password_hash: &str,
    ) -> Result<Account, TijaraError> {
        let e = self.engine;
        let checked = self.check_password_reset(token).await?;
        let now = e.now();
        let id = checked.id.as_str();
        let account = e
            .mutate("finish_password_reset", None, &(), || async move {
                let Loaded {
                    value: mut account,
                    version,
                } = e.load::<Account>(DocKind::Account, id).await?;
                check_link(
                    account.reset_link.as_ref(),
                    token,
                    now,
                    LinkPurpose::PasswordReset,
                )?;
                if let Some(link) = account.reset_link.as_mut() {
                    link.used_at = Some(now);
                }
                account.password_hash = password_hash.to_owned();
                account.failed_logins.clear();
                account.locked_until = None;
                account.email_verified_at.get_or_insert(now);
                let changes = account_change(&account, Some(version))?;
                Ok((account, changes))
            })
            .await?;
        e.sessions().close_account_sessions(id, None).await?;
        tracing::info!(target: "security", event = "password_reset", account = %account.id, "password changed with a reset link; sessions closed");
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_account_and_are_checked_by_hash() {
        let now = Utc::now();
        let (token, link) = new_link("acc_1", now + Duration::minutes(30));
        assert_eq!(token_account(&token), Some("acc_1"));
        assert_ne!(link.hash, token);
        assert!(check_link(Some(&link), &token, now, LinkPurpose::PasswordReset).is_ok());
        let refused = |r: Result<(), TijaraError>| match r {
            Err(TijaraError::LinkRefused { problem, .. }) => Some(problem),
            _ => None,
        };
        let other = new_link("acc_1", now).0;
        assert_eq!(
            refused(check_link(
                Some(&link),
                &other,
                now,
                LinkPurpose::PasswordReset
            )),
            Some(LinkProblem::Unknown)
        );
        assert_eq!(
            refused(check_link(
                Some(&link),
                &token,
                now + Duration::minutes(30),
                LinkPurpose::PasswordReset
            )),
            Some(LinkProblem::Expired)
        );
        let used = OneTimeLink {
            used_at: Some(now),
            ..link
        };
        assert_eq!(
            refused(check_link(
                Some(&used),
                &token,
                now,
                LinkPurpose::PasswordReset
            )),
            Some(LinkProblem::Used)
        );
        for bad in [
            "",
            "acc_1",
            ".abc",
            "acc_1.xyz",
            &format!("acc_1.{}", "g".repeat(64)),
        ] {
            assert_eq!(token_account(bad), None, "{bad}");
        }
    }
}
