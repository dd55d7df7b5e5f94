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
//! [`Tijara::begin_login`] reserves the attempt in the login throttles (a conditional write,
//! so concurrent attempts are counted one by one before any password is checked);
//! [`LoginAttempt::check_password`] runs Argon2 (on a blocking thread) in one of the
//! process's password-hashing slots ([`Tijara::hash_permit`], [`HashGate`]:
//! [`TijaraError::Busy`] when all are taken); then [`Tijara::finish_login`] answers the account
//! or [`TijaraError::BadCredentials`]. An attempt that gets no hashing slot is given back with
//! [`Tijara::release_login`] (a busy server is no wrong password); one reserved and never
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
//! A refused attempt creates no throttle document; [`Tijara::purge_login_throttles`] deletes
//! those that no longer matter. Sign-ups are counted per address in the same documents
//! ([`Tijara::begin_signup`], [`FREE_SIGNUPS_ADDRESS`]) before their password is hashed.
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

use crate::engine::{IdempotencyKey, Loaded, Tijara, Write};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind, ListQuery};
use crate::usecases::catalog::{MAX_PAGE, Page, SellerInput};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tijara_core::catalog::Seller;
use tijara_core::{CustomerId, Lang, MemberId, SellerId};

/// Failed logins for one account from one client address before further tries wait.
pub const FREE_FAILURES_ACCOUNT_ADDRESS: u32 = 5;
/// Failed logins from one client address (any e-mails) before further tries wait.
pub const FREE_FAILURES_ADDRESS: u32 = 20;
/// Failed logins for one account from all addresses before further tries wait.
pub const FREE_FAILURES_ACCOUNT: u32 = 50;
/// The longest wait between two tries.
pub const MAX_LOGIN_DELAY_SECS: i64 = 900;
/// Failures are forgotten this long after the last one.
pub const LOGIN_FORGET_MINUTES: i64 = 60;
/// An admin's or seller's session ends after this long without use.
pub const STAFF_IDLE_MINUTES: i64 = 30;
/// A shopper's session ends after this long without use.
pub const CUSTOMER_IDLE_MINUTES: i64 = 120;
/// A live session's last use is written at most this often (not on every request).
const SESSION_TOUCH_SECS: i64 = 60;
/// An address that logged in to an account is let past that account's throttle (not past
/// its own) for this long after its last successful login.
pub const KNOWN_ADDRESS_DAYS: i64 = 90;
/// Sign-ups from one client address before further ones wait (as failed logins do).
pub const FREE_SIGNUPS_ADDRESS: u32 = 10;
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
    /// Unused since logins are throttled (see the module docs); kept for stored accounts.
    #[serde(default)]
    pub failed_logins: Vec<DateTime<Utc>>,
    /// Unused since logins are throttled (see the module docs); kept for stored accounts.
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
    /// Last used (written at most once a minute); `None` for sessions stored before.
    #[serde(default)]
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// How long a session of this role may stay unused.
pub fn idle_limit(role: &Role) -> Duration {
    match role {
        Role::Customer => Duration::minutes(CUSTOMER_IDLE_MINUTES),
        _ => Duration::minutes(STAFF_IDLE_MINUTES),
    }
}

/// The password-hashing slots of a process: at most `max` Argon2 hashes or checks at once, so
/// a flood of logins cannot take memory without bound (each holds 19 MiB). Lock-free; the
/// permit frees its slot when dropped.
#[derive(Debug)]
pub struct HashGate {
    max: usize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl HashGate {
    /// A gate of `max` slots (at least 1).
    pub fn new(max: usize) -> HashGate {
        HashGate {
            max: max.max(1),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// A slot, if one is free.
    pub fn try_acquire(self: &Arc<Self>) -> Option<HashPermit> {
        let taken = self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()?;
        self.peak.fetch_max(taken + 1, Ordering::AcqRel);
        Some(HashPermit(Arc::clone(self)))
    }

    /// The number of slots.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Slots taken now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// The most slots ever taken at once (a gauge for tests and metrics).
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Acquire)
    }
}

/// A password-hashing slot of a [`HashGate`], freed on drop.
#[derive(Debug)]
pub struct HashPermit(Arc<HashGate>);

impl Drop for HashPermit {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What a throttle counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// One account (e-mail) from one address.
    AccountAddress,
    /// One address.
    Address,
    /// One account from everywhere.
    Account,
}

/// A login throttle document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Throttle {
    /// Failed (or not yet checked) attempts since the count was last forgotten or cleared.
    failures: u32,
    /// Attempts ever reserved (numbers each attempt, to tell which came after which); the
    /// account-and-address throttle also counts the attempts it refused.
    reserved: u64,
    /// The last attempt.
    last_at: Option<DateTime<Utc>>,
    /// No attempt before then.
    blocked_until: Option<DateTime<Utc>>,
    /// Account-and-address throttles: this address logged in to the account, so the
    /// account-wide throttle lets it try until then.
    #[serde(default)]
    known_until: Option<DateTime<Utc>>,
}

impl Throttle {
    fn delay_after(failures: u32, free: u32) -> Option<Duration> {
        if failures < free {
            return None;
        }
        let exponent = (failures - free + 1).min(20);
        Some(Duration::seconds(
            (1i64 << exponent).min(MAX_LOGIN_DELAY_SECS),
        ))
    }

    fn blocked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.blocked_until.filter(|u| *u > now)
    }

    fn known_at(&self, now: DateTime<Utc>) -> bool {
        self.known_until.is_some_and(|u| u > now)
    }

    /// True when nothing in it matters any more: failures forgotten, no delay pending, not a
    /// known address.
    fn stale(&self, now: DateTime<Utc>) -> bool {
        self.last_at
            .is_none_or(|l| now - l >= Duration::minutes(LOGIN_FORGET_MINUTES))
            && self.blocked_at(now).is_none()
            && !self.known_at(now)
    }
}

/// One throttle an attempt was counted in.
#[derive(Debug, Clone)]
struct Ticket {
    id: String,
    scope: Scope,
    free: u32,
    /// The attempt's number in that throttle.
    number: u64,
}

/// A login attempt reserved by [`Tijara::begin_login`]: check its password with
/// [`LoginAttempt::check_password`] (off the async threads), then give the outcome to
/// [`Tijara::finish_login`].
pub struct LoginAttempt {
    account: Option<Account>,
    tickets: Vec<Ticket>,
    email_tag: String,
    client: String,
    /// The address logged in to the account before: the account-wide throttle does not
    /// refuse it.
    known: bool,
}

impl fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("email_tag", &self.email_tag)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl LoginAttempt {
    /// Checks the password in a password-hashing slot (Argon2: tens of milliseconds of CPU and
    /// 19 MiB; call it where blocking is allowed). For an unknown e-mail, a dummy hash is
    /// checked, so the time does not tell.
    pub fn check_password(&self, _slot: &HashPermit, password: &str) -> bool {
        let hash = self
            .account
            .as_ref()
            .map_or(DUMMY_HASH, |a| a.password_hash.as_str());
        let ok = verify_password(password, hash);
        ok && self.account.is_some()
    }
}

/// The address a throttle counts: an IPv6 address by its /64 network (one subscriber's), the
/// text itself if it is not an IP address, `unknown` without one.
fn client_key(client: Option<&str>) -> String {
    network_key(client, 64)
}

/// The same by a shorter IPv6 network (`prefix` of 48 or 64).
fn network_key(client: Option<&str>, prefix: u8) -> String {
    let Some(c) = client.map(str::trim).filter(|c| !c.is_empty()) else {
        return "unknown".into();
    };
    match c.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None if prefix <= 48 => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(ip) => ip.to_string(),
        Err(_) => c.chars().take(64).collect(),
    }
}

fn short_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}

/// The installation's secret for the e-mail tags of security log lines
/// ([`crate::EngineConfig::log_key`]): 32 bytes, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct LogKey([u8; 32]);

impl LogKey {
    /// A key of these bytes (keep them: the same e-mail then has the same tag across
    /// restarts).
    pub fn from_bytes(bytes: [u8; 32]) -> LogKey {
        LogKey(bytes)
    }

    /// A random key (tags then change at every start).
    pub fn random() -> LogKey {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        LogKey(bytes)
    }

    /// The log tag of a text: the first 6 bytes of HMAC-SHA256 under this key, hex. Without
    /// the key, a list of e-mails cannot be matched to the tags.
    pub fn tag(&self, text: &str) -> String {
        hex::encode(&hmac_sha256(&self.0, text.as_bytes())[..6])
    }
}

impl Default for LogKey {
    fn default() -> Self {
        LogKey::random()
    }
}

impl fmt::Debug for LogKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LogKey(<redacted>)")
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under a 32-byte key.
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    let mut inner_pad = [0x36u8; 64];
    let mut outer_pad = [0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        inner_pad[i] ^= k;
        outer_pad[i] ^= k;
    }
    let inner = Sha256::new()
        .chain_update(inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
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
        Err(TijaraError::BadEmail {
            email: email.to_owned(),
        })
    }
}

/// The largest Argon2 memory cost a stored hash may ask for (64 MiB): a hash asking more is
/// treated as unreadable rather than allocated.
const MAX_M_COST_KIB: u32 = 64 * 1024;

thread_local! {
    /// This thread's Argon2 memory, reused by every hash it computes: allocating 19 MiB per
    /// hash (aligned) fragments the C allocator's heaps so that each hash left its memory
    /// resident, about 17 MiB per login, until the process was restarted.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Argon2 of `password` and `salt` into `out`, in this thread's reused memory.
fn argon2_into(
    params: &argon2::Params,
    algorithm: argon2::Algorithm,
    version: argon2::Version,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let argon = argon2::Argon2::new(algorithm, version, params.clone());
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        let need = params.block_count();
        if blocks.len() < need {
            blocks.resize(need, argon2::Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..need])
    })
}

/// Hashes a password with Argon2id and a random salt (a PHC string). Refuses passwords shorter
/// than [`MIN_PASSWORD_CHARS`] characters or longer than 1024 bytes. CPU-heavy: see the module
/// docs. The memory it works in is kept by the thread for its next hash.
pub fn hash_password(password: &str) -> Result<String, TijaraError> {
    use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng};
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(TijaraError::InvalidField {
            field: "password",
            rule: format!("must have at least {MIN_PASSWORD_CHARS} characters"),
        });
    }
    if password.len() > 1024 {
        return Err(TijaraError::InvalidField {
            field: "password",
            rule: "must have at most 1024 bytes".into(),
        });
    }
    let fail =
        |e: &dyn fmt::Display| TijaraError::Invalid(format!("cannot hash the password: {e}"));
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| fail(&e))?;
    let params = argon2::Params::default();
    let mut out = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
    argon2_into(
        &params,
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        password.as_bytes(),
        salt_bytes,
        &mut out,
    )
    .map_err(|e| fail(&e))?;
    let hash = PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(hash.to_string())
}

/// Checks a password against a hash from [`hash_password`] (constant time in the password).
/// An unreadable hash, or one asking more than 64 MiB, never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{Output, PasswordHash};
    if password.len() > 1024 {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        argon2::Algorithm::try_from(parsed.algorithm),
        argon2::Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    if params.m_cost() > MAX_M_COST_KIB {
        return false;
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if argon2_into(
        &params,
        algorithm,
        version,
        password.as_bytes(),
        salt,
        &mut out,
    )
    .is_err()
    {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|o| o == expected)
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
    /// Creates an account; [`TijaraError::BadEmail`] if the e-mail is malformed,
    /// [`TijaraError::EmailTaken`] if an account has it.
    pub async fn create_account(
        &self,
        new: NewAccount,
        key: Option<&IdempotencyKey>,
    ) -> Result<Account, TijaraError> {
        let email = normalize_email(&new.email)?;
        let name = new.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(TijaraError::InvalidField {
                field: "name",
                rule: "must have 1 to 120 characters".into(),
            });
        }
        if let Role::Seller { seller_id, member } = &new.role {
            let seller = self.seller(seller_id).await?;
            if let Some(m) = member
                && !seller.members.iter().any(|x| &x.id == m)
            {
                return Err(TijaraError::NotAMember {
                    member: m.clone(),
                    seller: seller_id.clone(),
                });
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
            Err(TijaraError::Storage(crate::ports::storage::StorageError::KeyTaken { .. })) => {
                Err(TijaraError::EmailTaken {
                    email: account.email.clone(),
                })
            }
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

    /// A password-hashing slot of this process, or [`TijaraError::Busy`] if all
    /// [`crate::EngineConfig::max_concurrent_hashes`] are taken: hold it while hashing a new
    /// password ([`hash_password`]) or checking one ([`LoginAttempt::check_password`]).
    pub fn hash_permit(&self) -> Result<HashPermit, TijaraError> {
        self.inner.hash_gate.try_acquire().ok_or(TijaraError::Busy {
            retry_after_secs: 1,
        })
    }

    /// The process's password-hashing slots (a gauge: taken now, most taken at once).
    pub fn hash_gate(&self) -> &HashGate {
        &self.inner.hash_gate
    }

    /// First step of a login from `client` (the client's IP address, if known): reserves the
    /// attempt in the login throttles with one conditional write
    /// ([`TijaraError::LoginThrottled`] while a delay is pending; a refused attempt writes
    /// nothing new). An address that logged in to the account within [`KNOWN_ADDRESS_DAYS`]
    /// is not refused by the account-wide throttle. See the module docs.
    pub async fn begin_login(
        &self,
        email: &str,
        client: Option<&str>,
    ) -> Result<LoginAttempt, TijaraError> {
        let email = normalize_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
        let email_key = short_hash(&email);
        let log_tag = self.inner.config.log_key.tag(&email);
        let network_tag = short_hash(&network_key(client, 48));
        let client = client_key(client);
        let address_tag = short_hash(&client);
        let keys = [
            (
                format!("login:{email_key}:{address_tag}"),
                Scope::AccountAddress,
                FREE_FAILURES_ACCOUNT_ADDRESS,
            ),
            (
                format!("login-address:{network_tag}"),
                Scope::Address,
                FREE_FAILURES_ADDRESS,
            ),
            (
                format!("login-account:{email_key}"),
                Scope::Account,
                FREE_FAILURES_ACCOUNT,
            ),
        ];
        let now = self.now();
        let forget = Duration::minutes(LOGIN_FORGET_MINUTES);
        let keys = &keys;
        let reserved = self
            .mutate("begin_login", None, &(), || async move {
                let mut loaded = Vec::new();
                for (id, _, _) in keys {
                    let (t, version) = match self.inner.storage.get(DocKind::Throttle, id).await? {
                        Some(doc) => (
                            crate::engine::decode::<Throttle>(DocKind::Throttle, id, &doc.body)?,
                            Some(doc.version),
                        ),
                        None => (Throttle::default(), None),
                    };
                    loaded.push((t, version));
                }
                // An address the account logged in from before passes the account-wide
                // throttle (not its own): attackers elsewhere cannot lock the owner out.
                let known = loaded.first().is_some_and(|(t, _)| t.known_at(now));
                let mut wait: Option<DateTime<Utc>> = None;
                for ((_, scope, _), (t, _)) in keys.iter().zip(&loaded) {
                    if *scope == Scope::Account && known {
                        continue;
                    }
                    if let Some(until) = t.blocked_at(now) {
                        wait = wait.max(Some(until));
                    }
                }
                let mut docs = Vec::new();
                let mut counted = Vec::new();
                for (i, ((id, scope, free), (mut t, version))) in
                    keys.iter().zip(loaded).enumerate()
                {
                    if wait.is_some() {
                        // A refused attempt is still seen by the account-and-address throttle,
                        // so a right password checked meanwhile knows it was not alone; it
                        // creates no document (random e-mails would each leave one).
                        if *scope == Scope::AccountAddress && version.is_some() {
                            t.reserved += 1;
                            docs.push(
                                Write::new(DocKind::Throttle, id.as_str(), version).body(&t)?,
                            );
                        }
                        continue;
                    }
                    if *scope == Scope::Account && known && t.blocked_at(now).is_some() {
                        // Not counted where it was let past.
                        continue;
                    }
                    if t.last_at.is_some_and(|l| now - l >= forget) {
                        t.failures = 0;
                        t.blocked_until = None;
                    }
                    t.failures = t.failures.saturating_add(1);
                    t.reserved += 1;
                    t.last_at = Some(now);
                    t.blocked_until = Throttle::delay_after(t.failures, *free).map(|d| now + d);
                    counted.push((i, t.reserved));
                    docs.push(Write::new(DocKind::Throttle, id.as_str(), version).body(&t)?);
                }
                let changes = Changeset {
                    docs,
                    ..Changeset::default()
                };
                match wait {
                    Some(until) => Ok((Err(until), changes)),
                    None => Ok((Ok((counted, known)), changes)),
                }
            })
            .await;
        let (counted, known) = match reserved {
            Ok(Ok(counted)) => counted,
            Ok(Err(until)) => {
                let retry_after_secs = retry_after(until, now);
                tracing::warn!(target: "security", event = "login_throttled", email = %log_tag, client = %client, retry_after_secs, "login refused: throttled");
                return Err(TijaraError::LoginThrottled { retry_after_secs });
            }
            // Many attempts at once kept colliding: this one waits like a throttled one.
            Err(TijaraError::Conflict { .. }) => {
                tracing::warn!(target: "security", event = "login_throttled", email = %log_tag, client = %client, retry_after_secs = 1, "login refused: concurrent attempts");
                return Err(TijaraError::LoginThrottled {
                    retry_after_secs: 1,
                });
            }
            Err(e) => return Err(e),
        };
        let account = self.account_by_email(&email).await?;
        Ok(LoginAttempt {
            account,
            tickets: counted
                .into_iter()
                .filter_map(|(i, number)| {
                    let (id, scope, free) = keys.get(i)?;
                    Some(Ticket {
                        id: id.clone(),
                        scope: *scope,
                        free: *free,
                        number,
                    })
                })
                .collect(),
            email_tag: log_tag,
            client,
            known,
        })
    }

    /// Gives back a reserved attempt that was never checked (no password-hashing slot was
    /// free: the caller answers [`TijaraError::Busy`]), so it does not count as a failure.
    pub async fn release_login(&self, attempt: LoginAttempt) -> Result<(), TijaraError> {
        let tickets = &attempt.tickets;
        self.mutate("release_login", None, &(), || async move {
            let mut docs = Vec::new();
            for ticket in tickets {
                let Some(doc) = self
                    .inner
                    .storage
                    .get(DocKind::Throttle, &ticket.id)
                    .await?
                else {
                    continue;
                };
                let mut t: Throttle =
                    crate::engine::decode(DocKind::Throttle, &ticket.id, &doc.body)?;
                if t.failures == 0 {
                    continue;
                }
                t.failures -= 1;
                t.blocked_until = Throttle::delay_after(t.failures, ticket.free)
                    .and_then(|d| t.last_at.map(|l| l + d));
                docs.push(
                    Write::new(DocKind::Throttle, ticket.id.as_str(), Some(doc.version))
                        .body(&t)?,
                );
            }
            Ok((
                (),
                Changeset {
                    docs,
                    ..Changeset::default()
                },
            ))
        })
        .await
    }

    /// Before a sign-up's password is hashed: the e-mail, normalized, if it is well formed
    /// and not taken ([`TijaraError::BadEmail`], [`TijaraError::EmailTaken`] otherwise), and the sign-up counted against
    /// `client`'s address ([`FREE_SIGNUPS_ADDRESS`], then delays as for failed logins:
    /// [`TijaraError::LoginThrottled`]). A refused sign-up writes nothing.
    pub async fn begin_signup(
        &self,
        email: &str,
        client: Option<&str>,
    ) -> Result<String, TijaraError> {
        let email = normalize_email(email)?;
        if self.account_by_email(&email).await?.is_some() {
            return Err(TijaraError::EmailTaken { email });
        }
        let id = format!("signup-address:{}", short_hash(&network_key(client, 48)));
        let client = network_key(client, 48);
        let now = self.now();
        let id = &id;
        let counted = self
            .mutate("begin_signup", None, &(), || async move {
                let (mut t, version) = match self.inner.storage.get(DocKind::Throttle, id).await? {
                    Some(doc) => (
                        crate::engine::decode::<Throttle>(DocKind::Throttle, id, &doc.body)?,
                        Some(doc.version),
                    ),
                    None => (Throttle::default(), None),
                };
                if let Some(until) = t.blocked_at(now) {
                    return Ok((Err(until), Changeset::default()));
                }
                if t.last_at
                    .is_some_and(|l| now - l >= Duration::minutes(LOGIN_FORGET_MINUTES))
                {
                    t.failures = 0;
                }
                t.failures = t.failures.saturating_add(1);
                t.reserved += 1;
                t.last_at = Some(now);
                t.blocked_until =
                    Throttle::delay_after(t.failures, FREE_SIGNUPS_ADDRESS).map(|d| now + d);
                let write = Write::new(DocKind::Throttle, id.as_str(), version).body(&t)?;
                Ok((
                    Ok(()),
                    Changeset {
                        docs: vec![write],
                        ..Changeset::default()
                    },
                ))
            })
            .await;
        let refused = match counted {
            Ok(Ok(())) => return Ok(email),
            Ok(Err(until)) => retry_after(until, now),
            Err(TijaraError::Conflict { .. }) => 1,
            Err(e) => return Err(e),
        };
        tracing::warn!(target: "security", event = "signup_throttled", client = %client, retry_after_secs = refused, "sign-up refused: throttled");
        Err(TijaraError::LoginThrottled {
            retry_after_secs: refused,
        })
    }

    /// Deletes up to `limit` login and sign-up throttles that no longer matter (failures
    /// forgotten [`LOGIN_FORGET_MINUTES`] ago, no delay pending, no known address), reading
    /// at most `limit` of them from `after` on (ids in order). Answers how many it deleted and
    /// where the next call starts (`None`: the end was reached, start over). Run it now and
    /// then (the storefront does every 30 s).
    pub async fn purge_login_throttles(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(usize, Option<String>), TijaraError> {
        let now = self.now();
        let limit = limit.clamp(1, MAX_PAGE);
        let page = self
            .inner
            .storage
            .list(&ListQuery::new(DocKind::Throttle, limit).after(after))
            .await?;
        let next = (page.len() >= limit as usize)
            .then(|| page.last().map(|d| d.id.clone()))
            .flatten();
        let mut deleted = 0;
        for doc in page {
            let Ok(t) = crate::engine::decode::<Throttle>(DocKind::Throttle, &doc.id, &doc.body)
            else {
                continue;
            };
            // Deleted only at the version read: an attempt meanwhile keeps it.
            if t.stale(now)
                && self
                    .inner
                    .storage
                    .delete_doc(DocKind::Throttle, &doc.id, doc.version)
                    .await?
            {
                deleted += 1;
            }
        }
        Ok((deleted, next))
    }

    /// Last step of a login: the account if the password was right, unless other attempts for
    /// the account came from the same address while it was checked, or a delay for the account
    /// started after it is pending ([`TijaraError::LoginThrottled`]); else
    /// [`TijaraError::BadCredentials`] (the attempt stays counted as a failure). A success
    /// clears the account's count from this address and takes this attempt off the others.
    pub async fn finish_login(
        &self,
        attempt: LoginAttempt,
        password_ok: bool,
    ) -> Result<Account, TijaraError> {
        let LoginAttempt {
            account,
            tickets,
            email_tag,
            client,
            known,
        } = attempt;
        let account = match account {
            Some(a) if password_ok => a,
            _ => {
                tracing::warn!(target: "security", event = "login_failed", email = %email_tag, client = %client, "login refused: wrong e-mail or password");
                return Err(TijaraError::BadCredentials);
            }
        };
        let now = self.now();
        let tickets = &tickets;
        let outcome = self
            .mutate("finish_login", None, &(), || async move {
                let mut docs = Vec::new();
                for ticket in tickets {
                    let Some(doc) = self
                        .inner
                        .storage
                        .get(DocKind::Throttle, &ticket.id)
                        .await?
                    else {
                        continue;
                    };
                    let mut t: Throttle =
                        crate::engine::decode(DocKind::Throttle, &ticket.id, &doc.body)?;
                    // Attempts for this account arrived from the same address while this one
                    // was checked (a right guess among many sent together), or a delay started
                    // after it for this account: the right password does not win the race.
                    let later = t.reserved > ticket.number;
                    let refused = match ticket.scope {
                        Scope::AccountAddress if later => {
                            Some(t.blocked_at(now).unwrap_or(now + Duration::seconds(1)))
                        }
                        Scope::Account if later && !known => t.blocked_at(now),
                        _ => None,
                    };
                    if let Some(until) = refused {
                        return Ok((Err(until), Changeset::default()));
                    }
                    if ticket.scope == Scope::AccountAddress {
                        t.failures = 0;
                        t.known_until = Some(now + Duration::days(KNOWN_ADDRESS_DAYS));
                    } else {
                        t.failures = t.failures.saturating_sub(1);
                    }
                    if t.failures < ticket.free {
                        t.blocked_until = None;
                    }
                    docs.push(
                        Write::new(DocKind::Throttle, ticket.id.as_str(), Some(doc.version))
                            .body(&t)?,
                    );
                }
                Ok((
                    Ok(()),
                    Changeset {
                        docs,
                        ..Changeset::default()
                    },
                ))
            })
            .await;
        match outcome {
            Ok(Ok(())) => Ok(account),
            Ok(Err(until)) => {
                let retry_after_secs = retry_after(until, now);
                tracing::warn!(target: "security", event = "login_throttled", email = %email_tag, client = %client, retry_after_secs, "right password refused: attempts sent with it are throttled");
                Err(TijaraError::LoginThrottled { retry_after_secs })
            }
            Err(TijaraError::Conflict { .. }) => Err(TijaraError::LoginThrottled {
                retry_after_secs: 1,
            }),
            Err(e) => Err(e),
        }
    }

    /// Changes an account's password hash, and ends all its sessions.
    pub async fn set_password(
        &self,
        account_id: &str,
        password_hash: &str,
    ) -> Result<Account, TijaraError> {
        let account = self
            .mutate("set_password", None, &(), || async move {
                let Loaded { mut value, version } =
                    self.load::<Account>(DocKind::Account, account_id).await?;
                value.password_hash = password_hash.to_owned();
                value.failed_logins.clear();
                value.locked_until = None;
                let changes = account_change(&value, Some(version))?;
                Ok((value, changes))
            })
            .await?;
        self.close_account_sessions(account_id, None).await?;
        Ok(account)
    }

    /// Ends every live session of an account but `keep` (a session id); returns how many.
    pub async fn close_account_sessions(
        &self,
        account_id: &str,
        keep: Option<&str>,
    ) -> Result<usize, TijaraError> {
        let now = self.now();
        let owner = format!("account:{account_id}");
        let mut closed = 0;
        let mut after: Option<String> = None;
        loop {
            let page = self
                .inner
                .storage
                .list(
                    &ListQuery::new(DocKind::Session, MAX_PAGE)
                        .owner(owner.clone())
                        .after(after.as_deref()),
                )
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            let full = page.len() >= MAX_PAGE as usize;
            for doc in page {
                if Some(doc.id.as_str()) == keep {
                    continue;
                }
                let s: Session = crate::engine::decode(DocKind::Session, &doc.id, &doc.body)?;
                if s.revoked || s.expires_at <= now {
                    continue;
                }
                self.revoke_session(&doc.id).await?;
                closed += 1;
            }
            if !full {
                break;
            }
        }
        Ok(closed)
    }

    /// Marks one session revoked (retrying on concurrent writes).
    async fn revoke_session(&self, id: &str) -> Result<(), TijaraError> {
        self.mutate("close_session", None, &(), || async move {
            let Some(doc) = self.inner.storage.get(DocKind::Session, id).await? else {
                return Ok(((), Changeset::default()));
            };
            let mut s: Session = crate::engine::decode(DocKind::Session, id, &doc.body)?;
            if s.revoked {
                return Ok(((), Changeset::default()));
            }
            s.revoked = true;
            let write = Write::new(DocKind::Session, id, Some(doc.version))
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

    /// Opens a session for `token` (kept by the client; only its hash is stored), valid for
    /// `ttl` at most (and ended sooner by [`idle_limit`] without use), with its anti-CSRF
    /// token. The account's other sessions end.
    pub async fn open_session(
        &self,
        account_id: &str,
        token: &str,
        csrf: &str,
        ttl: Duration,
    ) -> Result<Session, TijaraError> {
        if token.len() < 16 || csrf.len() < 16 {
            return Err(TijaraError::InvalidField {
                field: if token.len() < 16 { "token" } else { "csrf" },
                rule: "must have at least 16 characters".into(),
            });
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
            last_seen_at: Some(now),
        };
        let s = &session;
        let session = self
            .mutate("open_session", None, &(), || async move {
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
            .await?;
        self.close_account_sessions(account_id, Some(&session.id))
            .await?;
        Ok(session)
    }

    /// The live session of a token and its account; `None` if unknown, expired, unused for
    /// longer than its [`idle_limit`], or logged out. Records the use (at most once a minute).
    pub async fn session(&self, token: &str) -> Result<Option<(Session, Account)>, TijaraError> {
        let id = session_id(token);
        let Some(doc) = self.inner.storage.get(DocKind::Session, &id).await? else {
            return Ok(None);
        };
        let session: Session = crate::engine::decode(DocKind::Session, &id, &doc.body)?;
        let now = self.now();
        if session.revoked || session.expires_at <= now {
            return Ok(None);
        }
        let account = match self.account(&session.account_id).await {
            Ok(account) => account,
            Err(TijaraError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let last = session.last_seen_at.unwrap_or(session.created_at);
        if now - last > idle_limit(&account.role) {
            return Ok(None);
        }
        if now - last >= Duration::seconds(SESSION_TOUCH_SECS) {
            let mut touched = session.clone();
            touched.last_seen_at = Some(now);
            let write = Write::new(DocKind::Session, id.as_str(), Some(doc.version))
                .owners(vec![format!("account:{}", session.account_id)])
                .body(&touched)?;
            match self
                .inner
                .storage
                .commit(Changeset {
                    docs: vec![write],
                    now: Some(now),
                    ..Changeset::default()
                })
                .await
            {
                Ok(_) => {}
                // Another write came first: another request's touch, or a logout. Read what
                // it wrote, so a revoked session is not let through once more.
                Err(crate::ports::storage::StorageError::Conflict { .. }) => {
                    let Some(doc) = self.inner.storage.get(DocKind::Session, &id).await? else {
                        return Ok(None);
                    };
                    let now_stored: Session =
                        crate::engine::decode(DocKind::Session, &id, &doc.body)?;
                    if now_stored.revoked || now_stored.expires_at <= now {
                        return Ok(None);
                    }
                    return Ok(Some((now_stored, account)));
                }
                Err(e) => return Err(e.into()),
            }
            return Ok(Some((touched, account)));
        }
        Ok(Some((session, account)))
    }

    /// Logs a session out, and every other session of its account (unknown tokens are
    /// ignored).
    pub async fn close_session(&self, token: &str) -> Result<(), TijaraError> {
        let id = session_id(token);
        let Some(doc) = self.inner.storage.get(DocKind::Session, &id).await? else {
            return Ok(());
        };
        let s: Session = crate::engine::decode(DocKind::Session, &id, &doc.body)?;
        self.revoke_session(&id).await?;
        self.close_account_sessions(&s.account_id, None).await?;
        Ok(())
    }

    /// Registers a seller who applied on the storefront: stored inactive (its products cannot
    /// be bought) until an admin approves it with [`Tijara::set_seller_active`].
    pub async fn apply_as_seller(
        &self,
        input: SellerInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Seller, TijaraError> {
        let id = SellerId::new(self.new_id("slr"))?;
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
            return Err(TijaraError::InvalidField {
                field: "reference",
                rule: "must have 1 to 64 characters".into(),
            });
        }
        if amount.currency() != self.inner.region.currency {
            return Err(TijaraError::WrongCurrency {
                expected: self.inner.region.currency,
                got: amount.currency(),
            });
        }
        if !amount.is_positive() {
            return Err(TijaraError::InvalidField {
                field: "amount",
                rule: "must be positive".into(),
            });
        }
        if period.0 >= period.1 {
            return Err(TijaraError::InvalidField {
                field: "period",
                rule: "must end after it starts".into(),
            });
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
                let event = crate::engine::outbox(&tijara_core::DomainEvent::PayoutPaid(
                    tijara_core::events::PayoutSnapshot::new(
                        r.id.clone(),
                        r.seller_id.clone(),
                        r.amount,
                        r.reference.clone(),
                        (r.period_from, r.period_until),
                        r.paid_at,
                    ),
                ))?;
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
                .ok_or_else(|| TijaraError::Conflict {
                    kind: DocKind::Payout,
                    id: key.clone(),
                })
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

/// Whole seconds from `now` until `until` (at least 1).
fn retry_after(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1)
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
    fn hashes_agree_with_the_argon2_crates_own() {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        let stock = argon2::Argon2::default()
            .hash_password(b"tajine-2026", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(verify_password("tajine-2026", &stock));
        assert!(!verify_password("tajine-2027", &stock));
        let ours = hash_password("tajine-2026").unwrap_or_default();
        let parsed = argon2::password_hash::PasswordHash::new(&ours);
        assert!(parsed.is_ok_and(|p| {
            argon2::password_hash::PasswordVerifier::verify_password(
                &argon2::Argon2::default(),
                b"tajine-2026",
                &p,
            )
            .is_ok()
        }));
        // A stored hash asking for more than 64 MiB is refused, not allocated.
        assert!(!verify_password(
            "x",
            "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Ww7yb1A0jIC+7B3wI3Sm1Uy8v0rf3RJ7Kdm2kP5n5rU"
        ));
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
