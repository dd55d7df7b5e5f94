//! Saved delivery addresses on an account: a shopper keeps up to [`MAX_SAVED_ADDRESSES`], the
//! default first, and the checkout fills its form with the default.

use super::*;
use crate::engine::Loaded;
use tijara_core::order::Address;

/// How many addresses an account keeps.
pub const MAX_SAVED_ADDRESSES: usize = 5;

/// A delivery address kept on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SavedAddress {
    /// Identifier (to delete it).
    pub id: String,
    /// The address, normalized ([`Address::normalized`]).
    pub address: Address,
    /// When it was saved (or last saved again).
    pub saved_at: DateTime<Utc>,
}

impl Accounts<'_> {
    /// The account's saved addresses, the default first.
    pub async fn addresses(self, account_id: &str) -> Result<Vec<SavedAddress>, TijaraError> {
        let Loaded { value, .. } = self
            .engine
            .load::<Account>(DocKind::Account, account_id)
            .await?;
        Ok(value.addresses)
    }

    /// The account's default address (the first saved), if it has one.
    pub async fn default_address(self, account_id: &str) -> Result<Option<Address>, TijaraError> {
        Ok(self
            .addresses(account_id)
            .await?
            .into_iter()
            .next()
            .map(|s| s.address))
    }

    /// Saves `address` (checked and tidied by [`Address::normalized`]: a refusal is
    /// [`TijaraError::Order`]) as the account's default. The same address saved again moves
    /// to the front instead of being kept twice; a new one beyond [`MAX_SAVED_ADDRESSES`] is
    /// refused with [`TijaraError::TooManyAddresses`]. Answers the saved entry.
    pub async fn save_address(
        self,
        account_id: &str,
        address: &Address,
    ) -> Result<SavedAddress, TijaraError> {
        let e = self.engine;
        let address = address.normalized()?;
        let new_id = e.new_id("adr");
        let (address, new_id) = (&address, &new_id);
        e.mutate("save_address", None, &(), || async move {
            let Loaded { mut value, version } =
                e.load::<Account>(DocKind::Account, account_id).await?;
            let now = e.now();
            let entry = match value.addresses.iter().position(|s| &s.address == address) {
                Some(i) => {
                    let mut old = value.addresses.remove(i);
                    old.saved_at = now;
                    old
                }
                None if value.addresses.len() >= MAX_SAVED_ADDRESSES => {
                    return Err(TijaraError::TooManyAddresses {
                        max: MAX_SAVED_ADDRESSES,
                    });
                }
                None => SavedAddress {
                    id: new_id.clone(),
                    address: address.clone(),
                    saved_at: now,
                },
            };
            value.addresses.insert(0, entry.clone());
            let changes = account_change(&value, Some(version))?;
            Ok((entry, changes))
        })
        .await
    }

    /// Deletes the saved address `address_id`; `false` when the account has none by that id
    /// (nothing written).
    pub async fn delete_address(
        self,
        account_id: &str,
        address_id: &str,
    ) -> Result<bool, TijaraError> {
        let e = self.engine;
        e.mutate("delete_address", None, &(), || async move {
            let Loaded { mut value, version } =
                e.load::<Account>(DocKind::Account, account_id).await?;
            let before = value.addresses.len();
            value.addresses.retain(|s| s.id != address_id);
            if value.addresses.len() == before {
                return Ok((false, Changeset::default()));
            }
            let changes = account_change(&value, Some(version))?;
            Ok((true, changes))
        })
        .await
    }
}
