//! Accounts and sessions: shoppers, sellers (and a cooperative's member artisans) and admins
//! log in with an e-mail and a password; sessions live in the storage, so several processes
//! behind one database serve the same logged-in users.
//!
//! Passwords are hashed with Argon2id ([`hash_password`], [`verify_password`], the `argon2`
//! crate's defaults: 19 MiB, 2 passes, a random salt per password). Hashing takes tens of
//! milliseconds of CPU on purpose: call it where blocking is allowed (for example
//! `tokio::task::spawn_blocking`).
//!
//! A login is three steps so that the hashing stays out of the async engine:
//! [`Tijara::login_candidate`] (the account, unless it is locked), [`verify_password`], then
//! [`Tijara::record_login`] (counts failures: [`MAX_LOGIN_FAILURES`] within
//! [`LOGIN_WINDOW_MINUTES`] lock the account for that long, whichever process served them).
//!
//! Session tokens are chosen by the caller (32 random bytes, say) and only their SHA-256 is
//! stored, so a copy of the database does not hold live tokens.

use crate::engine::{IdempotencyKey, Loaded, Tijara, Write};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind, ListQuery};
use crate::usecases::catalog::{MAX_PAGE, Page, SellerInput};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use tijara_core::catalog::Seller;
use tijara_core::{CustomerId, Lang, MemberId, SellerId};

/// Failed logins within [`LOGIN_WINDOW_MINUTES`] that lock an account.
pub const MAX_LOGIN_FAILURES: usize = 5;
/// The window of counted failures, and how long a lock lasts.
pub const LOGIN_WINDOW_MINUTES: i64 = 15;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// What an account may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// A shopper: their own carts and orders.
    Customer,
    /// A seller's account; with `member`, a cooperative's or GIE's member artisan who sees only
    /// the products they made.
    Seller {
        /// The seller.
        seller_id: SellerId,
        /// The member artisan, for a member's own login.
        #[serde(default)]
        member: Option<MemberId>,
    },
    /// A marketplace administrator.
    Admin,
}

/// A login.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Id (also the customer id of a shopper's carts and orders).
    pub id: String,
    /// E-mail, trimmed and lower-cased (unique).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Preferred language.
    pub lang: Lang,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Recent failed logins (within the window).
    #[serde(default)]
    pub failed_logins: Vec<DateTime<Utc>>,
    /// Locked until then after too many failures.
    #[serde(default)]
    pub locked_until: Option<DateTime<Utc>>,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("password_hash", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Account {
    /// The customer id of this account's carts and orders.
    pub fn customer_id(&self) -> Result<CustomerId, TijaraError> {
        CustomerId::new(self.id.clone()).map_err(|e| TijaraError::Invalid(e.to_string()))
    }

    /// The seller this account acts for, if any.
    pub fn seller_id(&self) -> Option<&SellerId> {
        match &self.role {
            Role::Seller { seller_id, .. } => Some(seller_id),
            _ => None,
        }
    }

    /// True for an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// A new account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    /// E-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// The password's hash, from [`hash_password`].
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Preferred language.
    pub lang: Lang,
}

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A logged-in session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// SHA-256 of the token, hex (the token itself is never stored).
    pub id: String,
    /// The account.
    pub account_id: String,
    /// The anti-CSRF token of this session's forms.
    pub csrf: String,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Ends.
    pub expires_at: DateTime<Utc>,
    /// Logged out.
    pub revoked: bool,
}

/// Why a login is refused before the password is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginCandidate {
    /// Check the password against this account.
    Account(Box<Account>),
    /// No account has this e-mail (check a dummy hash anyway, so timing does not tell).
    Unknown,
    /// Too many failures: locked until then.
    Locked(DateTime<Utc>),
}

/// A payout made to a seller (a bank transfer of what its statement says it is owed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutRecord {
    /// Id.
    pub id: String,
    /// The seller paid.
    pub seller_id: SellerId,
    /// Amount paid.
    pub amount: tijara_core::Money,
    /// The bank transfer's reference (unique per seller).
    pub reference: String,
    /// The statement period it settles.
    pub period_from: DateTime<Utc>,
    /// End of the period (excluded).
    pub period_until: DateTime<Utc>,
    /// When it was marked paid.
    pub paid_at: DateTime<Utc>,
}

/// Normalizes an e-mail address (trimmed, lower case) and checks its shape.
pub fn normalize_email(email: &str) -> Result<String, TijaraError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(char::is_whitespace)
        && e.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if ok {
        Ok(e)
    } else {
        Err(TijaraError::Invalid(format!(
            "{email:?} is not an e-mail address"
        )))
    }
}

/// Hashes a password with Argon2id and a random salt (a PHC string). Refuses passwords shorter
/// than [`MIN_PASSWORD_CHARS`] characters or longer than 1024 bytes. CPU-heavy: see the module
/// docs.
pub fn hash_password(password: &str) -> Result<String, TijaraError> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(TijaraError::Invalid(format!(
            "a password has at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > 1024 {
        return Err(TijaraError::Invalid(
            "a password has at most 1024 bytes".into(),
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| TijaraError::Invalid(format!("cannot hash the password: {e}")))
}

/// Checks a password against a hash from [`hash_password`] (constant time in the password).
/// An unreadable hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    if password.len() > 1024 {
        return false;
    }
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A valid Argon2id hash of no one's password, to verify against when the e-mail is unknown
/// (so a login takes as long whether or not the account exists).
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Ww7yb1A0jIC+7B3wI3Sm1Uy8v0rf3RJ7Kdm2kP5n5rU";

/// The stored id of a session token.
pub fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn email_key(email: &str) -> String {
    format!("email:{email}")
}

/// The one way an account is written: its e-mail as unique key, and a seller's logins listed
/// under the seller (to notify them). Keys and owners replace the old ones on every write, so
/// every write must carry both.
fn account_change(account: &Account, version: Option<u64>) -> Result<Changeset, TijaraError> {
    let owners = match &account.role {
        Role::Seller { seller_id, .. } => vec![format!("seller:{seller_id}")],
        _ => vec![],
    };
    Ok(Changeset {
        docs: vec![
            Write::new(DocKind::Account, account.id.as_str(), version)
                .keys(vec![email_key(&account.email)])
                .owners(owners)
                .body(account)?,
        ],
        ..Changeset::default()
    })
}

impl Tijara {
    /// Creates an account; [`TijaraError::Invalid`] if the e-mail is malformed or taken.
    pub async fn create_account(
        &self,
        new: NewAccount,
        key: Option<&IdempotencyKey>,
    ) -> Result<Account, TijaraError> {
        let email = normalize_email(&new.email)?;
        let name = new.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(TijaraError::Invalid(
                "a name has 1 to 120 characters".into(),
            ));
        }
        if let Role::Seller { seller_id, member } = &new.role {
            let seller = self.seller(seller_id).await?;
            if let Some(m) = member
                && !seller.members.iter().any(|x| &x.id == m)
            {
                return Err(TijaraError::Invalid(format!(
                    "{m} is not a member of seller {seller_id}"
                )));
            }
        }
        let account = Account {
            id: self.new_id("acc"),
            email,
            name,
            password_hash: new.password_hash.clone(),
            role: new.role.clone(),
            lang: new.lang,
            created_at: self.now(),
            failed_logins: vec![],
            locked_until: None,
        };
        let fingerprint = (&account.email, &account.role, &new.password_hash);
        let account_ref = &account;
        let result = self
            .mutate("create_account", key, &fingerprint, || async move {
                Ok((account_ref.clone(), account_change(account_ref, None)?))
            })
            .await;
        match result {
            Err(TijaraError::Storage(crate::ports::storage::StorageError::KeyTaken { .. })) => Err(
                TijaraError::Invalid(format!("{} already has an account", account.email)),
            ),
            other => other,
        }
    }

    /// An account by id.
    pub async fn account(&self, id: &str) -> Result<Account, TijaraError> {
        Ok(self.load::<Account>(DocKind::Account, id).await?.value)
    }

    /// An account by e-mail (any case).
    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>, TijaraError> {
        let Ok(email) = normalize_email(email) else {
            return Ok(None);
        };
        Ok(self
            .load_by_key::<Account>(DocKind::Account, &email_key(&email))
            .await?
            .map(|(_, l)| l.value))
    }

    /// Accounts, by id (admin).
    pub async fn list_accounts(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Account>, TijaraError> {
        self.list_page(ListQuery::new(DocKind::Account, limit.clamp(1, MAX_PAGE)).after(after))
            .await
    }

    /// The logins of a seller (its own and its member artisans').
    pub async fn seller_accounts(&self, seller: &SellerId) -> Result<Vec<Account>, TijaraError> {
        Ok(self
            .list_page::<Account>(
                ListQuery::new(DocKind::Account, MAX_PAGE).owner(format!("seller:{seller}")),
            )
            .await?
            .items)
    }

    /// First step of a login: the account to check the password against, unless it is locked.
    pub async fn login_candidate(&self, email: &str) -> Result<LoginCandidate, TijaraError> {
        let Some(account) = self.account_by_email(email).await? else {
            return Ok(LoginCandidate::Unknown);
        };
        match account.locked_until {
            Some(until) if until > self.now() => Ok(LoginCandidate::Locked(until)),
            _ => Ok(LoginCandidate::Account(Box::new(account))),
        }
    }

    /// Last step of a login: records its outcome. A failure is counted; the
    /// [`MAX_LOGIN_FAILURES`]th within the window locks the account for
    /// [`LOGIN_WINDOW_MINUTES`]. A success clears the count. Returns the account as stored.
    pub async fn record_login(
        &self,
        account_id: &str,
        success: bool,
    ) -> Result<Account, TijaraError> {
        let now = self.now();
        let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
        self.mutate("record_login", None, &(), || async move {
            let Loaded { mut value, version } =
                self.load::<Account>(DocKind::Account, account_id).await?;
            value.failed_logins.retain(|t| now - *t < window);
            if success {
                value.failed_logins.clear();
                value.locked_until = None;
            } else {
                value.failed_logins.push(now);
                if value.failed_logins.len() >= MAX_LOGIN_FAILURES {
                    value.locked_until = Some(now + window);
                    value.failed_logins.clear();
                }
            }
            let changes = account_change(&value, Some(version))?;
            Ok((value, changes))
        })
        .await
    }

    /// Changes an account's password hash (and unlocks it).
    pub async fn set_password(
        &self,
        account_id: &str,
        password_hash: &str,
    ) -> Result<Account, TijaraError> {
        self.mutate("set_password", None, &(), || async move {
            let Loaded { mut value, version } =
                self.load::<Account>(DocKind::Account, account_id).await?;
            value.password_hash = password_hash.to_owned();
            value.failed_logins.clear();
            value.locked_until = None;
            let changes = account_change(&value, Some(version))?;
            Ok((value, changes))
        })
        .await
    }

    /// Opens a session for `token` (kept by the client; only its hash is stored), valid for
    /// `ttl`, with its anti-CSRF token.
    pub async fn open_session(
        &self,
        account_id: &str,
        token: &str,
        csrf: &str,
        ttl: Duration,
    ) -> Result<Session, TijaraError> {
        if token.len() < 16 || csrf.len() < 16 {
            return Err(TijaraError::Invalid(
                "session and CSRF tokens have at least 16 characters".into(),
            ));
        }
        self.account(account_id).await?;
        let now = self.now();
        let session = Session {
            id: session_id(token),
            account_id: account_id.to_owned(),
            csrf: csrf.to_owned(),
            created_at: now,
            expires_at: now + ttl,
            revoked: false,
        };
        let s = &session;
        self.mutate("open_session", None, &(), || async move {
            let write = Write::new(DocKind::Session, s.id.as_str(), None)
                .owners(vec![format!("account:{}", s.account_id)])
                .body(s)?;
            Ok((
                s.clone(),
                Changeset {
                    docs: vec![write],
                    ..Changeset::default()
                },
            ))
        })
        .await
    }

    /// The live session of a token and its account; `None` if unknown, expired or logged out.
    pub async fn session(&self, token: &str) -> Result<Option<(Session, Account)>, TijaraError> {
        let id = session_id(token);
        let Some(doc) = self.inner.storage.get(DocKind::Session, &id).await? else {
            return Ok(None);
        };
        let session: Session = crate::engine::decode(DocKind::Session, &id, &doc.body)?;
        if session.revoked || session.expires_at <= self.now() {
            return Ok(None);
        }
        match self.account(&session.account_id).await {
            Ok(account) => Ok(Some((session, account))),
            Err(TijaraError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Logs a session out (unknown tokens are ignored).
    pub async fn close_session(&self, token: &str) -> Result<(), TijaraError> {
        let id = session_id(token);
        let id = &id;
        self.mutate("close_session", None, &(), || async move {
            let Some(doc) = self.inner.storage.get(DocKind::Session, id).await? else {
                return Ok(((), Changeset::default()));
            };
            let mut s: Session = crate::engine::decode(DocKind::Session, id, &doc.body)?;
            if s.revoked {
                return Ok(((), Changeset::default()));
            }
            s.revoked = true;
            let write = Write::new(DocKind::Session, id.as_str(), Some(doc.version))
                .owners(vec![format!("account:{}", s.account_id)])
                .body(&s)?;
            Ok((
                (),
                Changeset {
                    docs: vec![write],
                    ..Changeset::default()
                },
            ))
        })
        .await
    }

    /// Registers a seller who applied on the storefront: stored inactive (its products cannot
    /// be bought) until an admin approves it with [`Tijara::set_seller_active`].
    pub async fn apply_as_seller(
        &self,
        input: SellerInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        let id =
            SellerId::new(self.new_id("slr")).map_err(|e| TijaraError::Invalid(e.to_string()))?;
        let seller = self.seller_from(id, input.clone(), false);
        seller.validate()?;
        let seller = &seller;
        self.mutate("apply_as_seller", key, &input, || async move {
            let write = Write::new(DocKind::Seller, seller.id.as_str(), None).body(seller)?;
            Ok((
                seller.clone(),
                Changeset {
                    docs: vec![write],
                    ..Changeset::default()
                },
            ))
        })
        .await
    }

    /// Records a payout paid to a seller. The bank reference is the idempotency key: once per
    /// seller and reference, a repeat with the same amount and period answers the first
    /// record, and the same reference with another amount or period is
    /// [`TijaraError::IdempotencyMismatch`]. The amount must be positive.
    pub async fn record_payout(
        &self,
        seller: &SellerId,
        amount: tijara_core::Money,
        reference: &str,
        period: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<PayoutRecord, TijaraError> {
        self.seller(seller).await?;
        let reference = reference.trim();
        if reference.is_empty() || reference.len() > 64 {
            return Err(TijaraError::Invalid(
                "a payout reference has 1 to 64 characters".into(),
            ));
        }
        if amount.currency() != self.inner.region.currency || !amount.is_positive() {
            return Err(TijaraError::Invalid(format!(
                "a payout is a positive amount in {}",
                self.inner.region.currency
            )));
        }
        if period.0 >= period.1 {
            return Err(TijaraError::Invalid(
                "the period ends after it starts".into(),
            ));
        }
        let key = format!("ref:{seller}:{reference}");
        if let Some((_, l)) = self
            .load_by_key::<PayoutRecord>(DocKind::Payout, &key)
            .await?
        {
            return same_payout(l.value, amount, period);
        }
        let record = PayoutRecord {
            id: self.new_id("pay"),
            seller_id: seller.clone(),
            amount,
            reference: reference.to_owned(),
            period_from: period.0,
            period_until: period.1,
            paid_at: self.now(),
        };
        let (r, key) = (&record, &key);
        let result = self
            .mutate("record_payout", None, &(), || async move {
                let write = Write::new(DocKind::Payout, r.id.as_str(), None)
                    .keys(vec![key.clone()])
                    .owners(vec![format!("seller:{}", r.seller_id)])
                    .body(r)?;
                let event = crate::ports::storage::NewEvent {
                    aggregate: format!("seller:{}", r.seller_id),
                    kind: "payout.paid".into(),
                    payload: crate::engine::encode(r)?,
                };
                Ok((
                    r.clone(),
                    Changeset {
                        docs: vec![write],
                        events: vec![event],
                        ..Changeset::default()
                    },
                ))
            })
            .await;
        match result {
            // Another process recorded the same reference first: answer its record.
            Err(TijaraError::Storage(crate::ports::storage::StorageError::KeyTaken { .. })) => self
                .load_by_key::<PayoutRecord>(DocKind::Payout, key)
                .await?
                .ok_or_else(|| TijaraError::Invalid("payout reference taken".into()))
                .and_then(|(_, l)| same_payout(l.value, amount, period)),
            other => other,
        }
    }

    /// A seller's payouts, by id.
    pub async fn payouts(
        &self,
        seller: &SellerId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<PayoutRecord>, TijaraError> {
        self.list_page(
            ListQuery::new(DocKind::Payout, limit.clamp(1, MAX_PAGE))
                .owner(format!("seller:{seller}"))
                .after(after),
        )
        .await
    }
}

/// The payout already recorded under a reference, if it is the one asked for again.
fn same_payout(
    first: PayoutRecord,
    amount: tijara_core::Money,
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<PayoutRecord, TijaraError> {
    if first.amount == amount && (first.period_from, first.period_until) == period {
        Ok(first)
    } else {
        Err(TijaraError::IdempotencyMismatch {
            key: first.reference,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            normalize_email("  Fatima@Example.MA ").ok(),
            Some("fatima@example.ma".to_owned())
        );
        for bad in ["", "no-at", "@example.ma", "a@nodot", "a b@example.ma"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("tajine-2026").unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("tajine-2026", &hash));
        assert!(!verify_password("tajine-2027", &hash));
        assert!(!verify_password("tajine-2026", "not a hash"));
        assert!(hash_password("short").is_err());
        // Two hashes of one password differ (random salt).
        assert_ne!(hash, hash_password("tajine-2026").unwrap_or_default());
    }

    #[test]
    fn the_dummy_hash_is_a_valid_hash_of_nothing_guessable() {
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("password", DUMMY_HASH));
    }

    #[test]
    fn session_ids_are_hashes_of_tokens() {
        let id = session_id("token-token-token");
        assert_eq!(id.len(), 64);
        assert_ne!(id, "token-token-token");
    }
}
