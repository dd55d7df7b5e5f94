//! Accounts and sessions: shoppers, sellers (and a cooperative's member artisans) and admins
//! log in with an e-mail and a password; sessions live in the storage, so several processes
//! behind one database serve the same logged-in users.
//!
//! # The `accounts` feature
//! Logins, sessions, login throttling and password hashing (everything that needs `argon2`,
//! in the `auth`, `password` and `sessions` submodules, re-exported here) compile only with the engine's `accounts`
//! cargo feature, on by default. Without it the engine still stores and reads account
//! documents ([`Account`], [`Role`], [`Accounts::create_account`] with a hash made elsewhere,
//! [`Accounts::seller_accounts`] for notifications), registers seller applications and keeps
//! the [`LogKey`]; an embedder with its own identity provider turns it off
//! (`default-features = false`) and does not compile `argon2`.
//!
//! Passwords are hashed with Argon2id ([`hash_password`], [`verify_password`], the `argon2`
//! crate's defaults: 19 MiB, 2 passes, a random salt per password). Hashing takes tens of
//! milliseconds of CPU on purpose: call it where blocking is allowed (for example
//! `tokio::task::spawn_blocking`).
//!
//! A login is three steps so that the hashing stays out of the async engine:
//! [`Sessions::begin_login`] reserves the attempt in the login throttles (a conditional write,
//! so concurrent attempts are counted one by one before any password is checked);
//! [`LoginAttempt::check_password`] runs Argon2 (on a blocking thread) in one of the
//! process's password-hashing slots ([`Accounts::hash_permit`], [`HashGate`]:
//! [`TijaraError::Busy`] when all are taken); then [`Sessions::finish_login`] answers the account
//! or [`TijaraError::BadCredentials`]. An attempt that gets no hashing slot is given back with
//! [`Sessions::release_login`] (a busy server is no wrong password); one reserved and never
//! finished otherwise stays counted as a failure.
//!
//! # Throttling, not locking
//! Every attempt counts as a failure until its password proves right. Three throttles, stored
//! as documents (so every process behind the database shares them), each allow a number of
//! free failures, then make each further attempt wait 2, 4, 8... seconds (at most
//! [`MAX_LOGIN_DELAY_SECS`]); attempts during a delay are refused with
//! [`TijaraError::LoginThrottled`] without being checked or counted. Failures are forgotten
//! [`LOGIN_FORGET_MINUTES`] after the last one.
//! - one account from one client address (IPv6: its /64): [`FREE_FAILURES_ACCOUNT_ADDRESS`];
//! - one client address, whatever the e-mails (known or not; IPv6: its /48, a site's
//!   allocation, so an attacker with a /48 gets 20 free failures, not 65,536 × 20):
//!   [`FREE_FAILURES_ADDRESS`];
//! - one account from every address: [`FREE_FAILURES_ACCOUNT`], except for an address (its
//!   /64) that logged in to the account within [`KNOWN_ADDRESS_DAYS`], which this throttle
//!   does not refuse (it still faces the first two).
//!
//! A refused attempt creates no throttle document; [`Sessions::purge_login_throttles`] deletes
//! those that no longer matter. Sign-ups are counted per address in the same documents
//! ([`Accounts::begin_signup`], [`FREE_SIGNUPS_ADDRESS`]) before their password is hashed.
//!
//! The trade-off: an attacker guessing from one address only delays that address, so the
//! owner still logs in from theirs; an attacker with many addresses can delay the account for
//! every address it was never logged in from, at most [`MAX_LOGIN_DELAY_SECS`] at a time, and
//! only after [`FREE_FAILURES_ACCOUNT`] failures; the owner's usual addresses keep trying. A right password is refused when other attempts for
//! the account came from the same address while it was being checked (or a delay for the
//! account started after it is pending), so a right guess hidden among many wrong ones sent
//! together does not win; a double-clicked login still succeeds by its last attempt.
//!
//! Security log lines name the e-mail by a 12-hex-digit HMAC-SHA256 tag under the
//! installation's [`LogKey`] ([`crate::EngineConfig::log_key`]), never by the e-mail or a plain
//! hash of it.
//!
//! # Sessions
//! Session tokens are chosen by the caller (32 random bytes, say) and only their SHA-256 is
//! stored, so a copy of the database does not hold live tokens. A session ends after its
//! absolute lifetime, or after [`STAFF_IDLE_MINUTES`] (admins, sellers) or
//! [`CUSTOMER_IDLE_MINUTES`] (shoppers) without use. When recording a use loses to another
//! write, the session is read again: a logout that won is obeyed. Opening a session ends the account's
//! other sessions; logging out and changing the password end them all.

use crate::engine::{IdempotencyKey, Tijara, Write};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind, ListQuery};
use crate::usecases::catalog::{MAX_PAGE, Page, SellerInput};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
#[cfg(feature = "accounts")]
use sha2::{Digest, Sha256};
use std::fmt;
use tijara_core::catalog::Seller;
use tijara_core::{CustomerId, Lang, MemberId, SellerId};

mod addresses;
pub use addresses::*;
#[cfg(feature = "accounts")]
mod auth;
mod language;
#[cfg(feature = "accounts")]
mod password;
#[cfg(feature = "accounts")]
mod reset;
#[cfg(feature = "accounts")]
mod sessions;
#[cfg(feature = "accounts")]
mod verify;
#[cfg(feature = "accounts")]
pub use auth::*;
#[cfg(feature = "accounts")]
pub use password::*;
#[cfg(feature = "accounts")]
pub use reset::*;
#[cfg(feature = "accounts")]
pub use sessions::*;
#[cfg(feature = "accounts")]
pub use verify::*;

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
#[non_exhaustive]
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
    /// Preferred language (the language of the page the account was created on, until the
    /// person chooses one: see [`Account::lang_chosen_at`]).
    pub lang: Lang,
    /// When the person chose [`Account::lang`] themselves (switching the language while
    /// logged in, [`Accounts::set_language`]); `None` while it is only the sign-up page's.
    /// A login keeps the language the visitor was using unless this is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang_chosen_at: Option<DateTime<Utc>>,
    /// A phone to reach the person by SMS (E.164), if they gave one (a seller's application).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Unused since logins are throttled (see the module docs); kept for stored accounts.
    #[serde(default)]
    pub failed_logins: Vec<DateTime<Utc>>,
    /// Unused since logins are throttled (see the module docs); kept for stored accounts.
    #[serde(default)]
    pub locked_until: Option<DateTime<Utc>>,
    /// Saved delivery addresses, the default first (see [`Accounts::save_address`]); absent
    /// from the stored JSON when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<SavedAddress>,
    /// When the owner proved the e-mail address (a verification link opened); `None` until
    /// then. Guest orders with this e-mail are attached to the account only once it is set.
    #[serde(default)]
    pub email_verified_at: Option<DateTime<Utc>>,
    /// The live password-reset link, if one was asked for (only its hash).
    #[serde(default)]
    pub reset_link: Option<OneTimeLink>,
    /// When password-reset links were last asked for (the last hour's, for the throttle).
    #[serde(default)]
    pub reset_requests: Vec<DateTime<Utc>>,
    /// The live e-mail verification link, if any (only its hash).
    #[serde(default)]
    pub verify_link: Option<OneTimeLink>,
}

/// A one-time link's stored part: the SHA-256 of its secret (never the secret), its end,
/// and when it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OneTimeLink {
    /// SHA-256 of the token, hex.
    pub hash: String,
    /// No use after this instant.
    pub expires_at: DateTime<Utc>,
    /// When it was used (a used link is refused as [`crate::LinkProblem::Used`]).
    #[serde(default)]
    pub used_at: Option<DateTime<Utc>>,
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
        Ok(CustomerId::new(self.id.clone())?)
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
#[non_exhaustive]
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
    /// A phone to reach the person by SMS (E.164), if they gave one.
    #[serde(default)]
    pub phone: Option<String>,
}

impl NewAccount {
    /// With a phone to reach the person by SMS (E.164, e.g. from
    /// [`tijara_core::onboarding::normalize_phone`]).
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// A new account (every field is required; hash the password with [`hash_password`]).
    ///
    /// ```
    /// use tijara::usecases::accounts::{NewAccount, Role};
    /// use tijara_core::Lang;
    ///
    /// # fn demo(password_hash: String) {
    /// let account =
    ///     NewAccount::new("amina@example.ma", "Amina", password_hash, Role::Customer, Lang::AR);
    /// assert_eq!(account.role, Role::Customer);
    /// # }
    /// ```
    pub fn new(
        email: impl Into<String>,
        name: impl Into<String>,
        password_hash: impl Into<String>,
        role: Role,
        lang: Lang,
    ) -> Self {
        NewAccount {
            email: email.into(),
            name: name.into(),
            password_hash: password_hash.into(),
            role,
            lang,
            phone: None,
        }
    }
}

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

pub use crate::support::LogKey;

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
        Err(TijaraError::BadEmail {
            email: email.to_owned(),
        })
    }
}

fn email_key(email: &str) -> String {
    format!("email:{email}")
}

/// `result` with the storage's refusal of the e-mail's key (another account holds it) as
/// [`TijaraError::EmailTaken`].
fn email_taken<T>(result: Result<T, TijaraError>, email: &str) -> Result<T, TijaraError> {
    match result {
        Err(TijaraError::Storage(crate::ports::storage::StorageError::KeyTaken { .. })) => {
            Err(TijaraError::EmailTaken {
                email: email.to_owned(),
            })
        }
        other => other,
    }
}

/// A new account's record from `new`: its e-mail checked and normalized
/// ([`TijaraError::BadEmail`]), its name 1 to 120 characters.
fn account_record(e: &Tijara, new: &NewAccount) -> Result<Account, TijaraError> {
    let email = normalize_email(&new.email)?;
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(TijaraError::InvalidField {
            field: "name",
            rule: "must have 1 to 120 characters".into(),
        });
    }
    Ok(Account {
        id: e.new_id("acc"),
        email,
        name,
        password_hash: new.password_hash.clone(),
        role: new.role.clone(),
        lang: new.lang,
        lang_chosen_at: None,
        phone: new.phone.clone(),
        created_at: e.now(),
        failed_logins: vec![],
        locked_until: None,
        addresses: vec![],
        email_verified_at: None,
        reset_link: None,
        reset_requests: vec![],
        verify_link: None,
    })
}

/// The one way an account is written: its e-mail as unique key, and a seller's logins listed
/// under the seller (to notify them). Keys and owners replace the old ones on every write, so
/// every write must carry both.
fn account_change(account: &Account, version: Option<u64>) -> Result<Changeset, TijaraError> {
    let owners = match &account.role {
        Role::Seller { seller_id, .. } => vec![seller_owner(seller_id)],
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

/// Account records, roles, sign-up and passwords: the accounts' use cases
/// (`engine.accounts()`). Logins and sessions are `engine.sessions()` (`Sessions`, with the
/// `accounts` feature).
///
/// ```
/// # async fn demo(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
/// if let Some(account) = engine.accounts().account_by_email("Fatima@Example.MA").await? {
///     println!("{} is an admin: {}", account.email, account.is_admin());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Accounts<'a> {
    engine: &'a Tijara,
}

impl fmt::Debug for Accounts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accounts").finish_non_exhaustive()
    }
}

impl Tijara {
    /// Account records, roles, sign-up and passwords.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { engine: self }
    }
}

/// Logins, logouts and sessions, with the login throttles: the sessions' use cases
/// (`engine.sessions()`, with the `accounts` feature). A login is three steps (see the
/// [module docs](crate::usecases::accounts)): [`Sessions::begin_login`],
/// [`LoginAttempt::check_password`] in a password-hashing slot ([`Accounts::hash_permit`]),
/// [`Sessions::finish_login`].
///
/// ```
/// # async fn demo(engine: &tijara::Tijara, token: &str) -> Result<(), tijara::TijaraError> {
/// match engine.sessions().session(token).await? {
///     Some((session, account)) => println!("{} until {}", account.email, session.expires_at),
///     None => println!("not logged in"),
/// }
/// # Ok(()) }
/// ```
#[cfg(feature = "accounts")]
#[derive(Clone, Copy)]
pub struct Sessions<'a> {
    engine: &'a Tijara,
}

#[cfg(feature = "accounts")]
impl fmt::Debug for Sessions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

#[cfg(feature = "accounts")]
impl Tijara {
    /// Logins, logouts, sessions and the login throttles.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions { engine: self }
    }
}

impl Accounts<'_> {
    /// Creates an account; [`TijaraError::BadEmail`] if the e-mail is malformed,
    /// [`TijaraError::EmailTaken`] if an account has it.
    pub async fn create_account(
        self,
        new: NewAccount,
        key: Option<&IdempotencyKey>,
    ) -> Result<Account, TijaraError> {
        let e = self.engine;
        let account = account_record(e, &new)?;
        if let Role::Seller { seller_id, member } = &new.role {
            let seller = e.catalog().seller(seller_id).await?;
            if let Some(m) = member
                && !seller.members.iter().any(|x| &x.id == m)
            {
                return Err(TijaraError::NotAMember {
                    member: m.clone(),
                    seller: seller_id.clone(),
                });
            }
        }
        let fingerprint = (&account.email, &account.role, &new.password_hash);
        let account_ref = &account;
        let result = e
            .mutate("create_account", key, &fingerprint, || async move {
                Ok((account_ref.clone(), account_change(account_ref, None)?))
            })
            .await;
        email_taken(result, &account.email)
    }

    /// An account by id.
    pub async fn account(self, id: &str) -> Result<Account, TijaraError> {
        let e = self.engine;
        Ok(e.load::<Account>(DocKind::Account, id).await?.value)
    }

    /// An account by e-mail (any case).
    pub async fn account_by_email(self, email: &str) -> Result<Option<Account>, TijaraError> {
        let e = self.engine;
        let Ok(email) = normalize_email(email) else {
            return Ok(None);
        };
        Ok(
            e.load_by_key::<Account>(DocKind::Account, &email_key(&email))
                .await?
                .map(|(_, l)| l.value),
        )
    }

    /// Accounts, by id (admin).
    pub async fn list_accounts(
        self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Account>, TijaraError> {
        let e = self.engine;
        e.list_page(ListQuery::new(DocKind::Account, limit.clamp(1, MAX_PAGE)).after(after))
            .await
    }

    /// The logins of a seller (its own and its member artisans').
    pub async fn seller_accounts(self, seller: &SellerId) -> Result<Vec<Account>, TijaraError> {
        let e = self.engine;
        Ok(e.list_page::<Account>(
            ListQuery::new(DocKind::Account, MAX_PAGE).owner(seller_owner(seller)),
        )
        .await?
        .items)
    }

    /// The logins of several sellers, as [`Accounts::seller_accounts`] gives each, in the order
    /// given, read in one storage call ([`Storage::list_by_owners`]).
    ///
    /// [`Storage::list_by_owners`]: crate::ports::storage::Storage::list_by_owners
    pub async fn sellers_accounts(
        self,
        sellers: &[SellerId],
    ) -> Result<Vec<Vec<Account>>, TijaraError> {
        let e = self.engine;
        if sellers.is_empty() {
            return Ok(Vec::new());
        }
        let owners: Vec<String> = sellers.iter().map(seller_owner).collect();
        e.inner
            .storage
            .list_by_owners(DocKind::Account, &owners, MAX_PAGE)
            .await?
            .iter()
            .map(|docs| Ok(Page::<Account>::decode(DocKind::Account, docs, MAX_PAGE)?.items))
            .collect()
    }

    /// Registers a seller who applied on the storefront: stored inactive (its products cannot
    /// be bought) until an admin approves it with [`Catalog::set_seller_active`](crate::Catalog::set_seller_active).
    /// Appends `seller.applied` to the outbox with it; `tijara-notify` thanks the seller's
    /// logins it finds when the event is delivered, so a login created after this call may be
    /// missed: [`Accounts::apply_as_seller_with_login`] stores both at once.
    pub async fn apply_as_seller(
        self,
        input: SellerInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        let e = self.engine;
        let id = SellerId::new(e.new_id("slr"))?;
        let seller = e.seller_from(id, input.clone(), false);
        seller.validate()?;
        let seller = &seller;
        e.mutate("apply_as_seller", key, &input, || async move {
            let write = Write::new(DocKind::Seller, seller.id.as_str(), None).body(seller)?;
            Ok((
                seller.clone(),
                Changeset {
                    docs: vec![write],
                    events: vec![applied(e, seller)?],
                    ..Changeset::default()
                },
            ))
        })
        .await
    }
}

impl Accounts<'_> {
    /// A seller's application and its login, in one commit: the seller stored inactive as
    /// [`Accounts::apply_as_seller`] does, and the account of `login` (checked as
    /// [`Accounts::create_account`] does) with the new seller's role, whatever `login.role`
    /// says. Both are stored or neither: an e-mail that has an account is
    /// [`TijaraError::EmailTaken`] with no seller left behind (two steps could leave a shop
    /// without a login when the same e-mail applied twice at once). The outbox's
    /// `seller.applied` is committed with them (`tijara-notify` thanks the applicant).
    ///
    /// ```
    /// # async fn demo(engine: &tijara::Tijara, input: tijara::usecases::catalog::SellerInput,
    /// #     login: tijara::usecases::accounts::NewAccount) -> Result<(), tijara::TijaraError> {
    /// let (seller, account) = engine.accounts().apply_as_seller_with_login(input, login, None).await?;
    /// assert!(!seller.active);
    /// assert_eq!(account.seller_id(), Some(&seller.id));
    /// # Ok(()) }
    /// ```
    pub async fn apply_as_seller_with_login(
        self,
        input: SellerInput,
        login: NewAccount,
        key: Option<&IdempotencyKey>,
    ) -> Result<(Seller, Account), TijaraError> {
        let e = self.engine;
        let id = SellerId::new(e.new_id("slr"))?;
        let seller = e.seller_from(id, input.clone(), false);
        seller.validate()?;
        let mut account = account_record(e, &login)?;
        account.role = Role::Seller {
            seller_id: seller.id.clone(),
            member: None,
        };
        let fingerprint = (&input, &account.email, &login.password_hash);
        let (seller_ref, account_ref) = (&seller, &account);
        let result = e
            .mutate(
                "apply_as_seller_with_login",
                key,
                &fingerprint,
                || async move {
                    let mut change = account_change(account_ref, None)?;
                    change.docs.insert(
                        0,
                        Write::new(DocKind::Seller, seller_ref.id.as_str(), None)
                            .body(seller_ref)?,
                    );
                    change.events.push(applied(e, seller_ref)?);
                    Ok(((seller_ref.clone(), account_ref.clone()), change))
                },
            )
            .await;
        email_taken(result, &account.email)
    }
}

/// The outbox's `seller.applied` of a new application, committed with it: the applicant's
/// acknowledgement is retried, never lost.
fn applied(e: &Tijara, seller: &Seller) -> Result<crate::ports::storage::NewEvent, TijaraError> {
    crate::engine::outbox(&tijara_core::DomainEvent::SellerApplied(
        tijara_core::events::SellerApplicationSnapshot::new(
            seller.id.clone(),
            seller.name.clone(),
            e.now(),
        ),
    ))
}

/// The owner under which a seller's logins are listed.
fn seller_owner(seller: &SellerId) -> String {
    format!("seller:{seller}")
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
}
