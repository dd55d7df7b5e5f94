//! Logins and sign-ups with their throttles: the part of accounts behind the `accounts` cargo
//! feature, with the `sessions` and `password` submodules. See the [parent module](super) for how
//! logins are throttled.

use super::*;
use crate::engine::Loaded;
use chrono::Duration;

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
/// An address that logged in to an account is let past that account's throttle (not past
/// its own) for this long after its last successful login.
pub const KNOWN_ADDRESS_DAYS: i64 = 90;
/// Sign-ups from one client address before further ones wait (as failed logins do).
pub const FREE_SIGNUPS_ADDRESS: u32 = 10;

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

/// A login attempt reserved by [`Sessions::begin_login`]: check its password with
/// [`LoginAttempt::check_password`] (off the async threads), then give the outcome to
/// [`Sessions::finish_login`].
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

impl Sessions<'_> {
    /// First step of a login from `client` (the client's IP address, if known): reserves the
    /// attempt in the login throttles with one conditional write
    /// ([`TijaraError::LoginThrottled`] while a delay is pending; a refused attempt writes
    /// nothing new). An address that logged in to the account within [`KNOWN_ADDRESS_DAYS`]
    /// is not refused by the account-wide throttle. See the module docs.
    pub async fn begin_login(
        self,
        email: &str,
        client: Option<&str>,
    ) -> Result<LoginAttempt, TijaraError> {
        let e = self.engine;
        let email = normalize_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
        let email_key = short_hash(&email);
        let log_tag = e.inner.config.log_key.tag(&email);
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
        let now = e.now();
        let forget = Duration::minutes(LOGIN_FORGET_MINUTES);
        let keys = &keys;
        let reserved = e
            .mutate("begin_login", None, &(), || async move {
                let mut loaded = Vec::new();
                for (id, _, _) in keys {
                    let (t, version) = match e.inner.storage.get(DocKind::Throttle, id).await? {
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
        let account = e.accounts().account_by_email(&email).await?;
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
    pub async fn release_login(self, attempt: LoginAttempt) -> Result<(), TijaraError> {
        let e = self.engine;
        let tickets = &attempt.tickets;
        e.mutate("release_login", None, &(), || async move {
            let mut docs = Vec::new();
            for ticket in tickets {
                let Some(doc) = e.inner.storage.get(DocKind::Throttle, &ticket.id).await? else {
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
}

impl Accounts<'_> {
    /// Before a sign-up's password is hashed: the e-mail, normalized, if it is well formed
    /// and not taken ([`TijaraError::BadEmail`], [`TijaraError::EmailTaken`] otherwise), and the sign-up counted against
    /// `client`'s address ([`FREE_SIGNUPS_ADDRESS`], then delays as for failed logins:
    /// [`TijaraError::LoginThrottled`]). A refused sign-up writes nothing.
    pub async fn begin_signup(
        self,
        email: &str,
        client: Option<&str>,
    ) -> Result<String, TijaraError> {
        let e = self.engine;
        let email = normalize_email(email)?;
        if self.account_by_email(&email).await?.is_some() {
            return Err(TijaraError::EmailTaken { email });
        }
        let id = format!("signup-address:{}", short_hash(&network_key(client, 48)));
        let client = network_key(client, 48);
        let now = e.now();
        let id = &id;
        let counted = e
            .mutate("begin_signup", None, &(), || async move {
                let (mut t, version) = match e.inner.storage.get(DocKind::Throttle, id).await? {
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
}

impl Sessions<'_> {
    /// Deletes up to `limit` login and sign-up throttles that no longer matter (failures
    /// forgotten [`LOGIN_FORGET_MINUTES`] ago, no delay pending, no known address), reading
    /// at most `limit` of them from `after` on (ids in order). Answers how many it deleted and
    /// where the next call starts (`None`: the end was reached, start over). Run it now and
    /// then (the storefront does every 30 s).
    pub async fn purge_login_throttles(
        self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(usize, Option<String>), TijaraError> {
        let e = self.engine;
        let now = e.now();
        let limit = limit.clamp(1, MAX_PAGE);
        let page = e
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
                && e.inner
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
        self,
        attempt: LoginAttempt,
        password_ok: bool,
    ) -> Result<Account, TijaraError> {
        let e = self.engine;
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
        let now = e.now();
        let tickets = &tickets;
        let outcome = e
            .mutate("finish_login", None, &(), || async move {
                let mut docs = Vec::new();
                for ticket in tickets {
                    let Some(doc) = e.inner.storage.get(DocKind::Throttle, &ticket.id).await?
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
}

impl Accounts<'_> {
    /// Changes an account's password hash, and ends all its sessions.
    pub async fn set_password(
        self,
        account_id: &str,
        password_hash: &str,
    ) -> Result<Account, TijaraError> {
        let e = self.engine;
        let account = e
            .mutate("set_password", None, &(), || async move {
                let Loaded { mut value, version } =
                    e.load::<Account>(DocKind::Account, account_id).await?;
                value.password_hash = password_hash.to_owned();
                value.failed_logins.clear();
                value.locked_until = None;
                let changes = account_change(&value, Some(version))?;
                Ok((value, changes))
            })
            .await?;
        e.sessions()
            .close_account_sessions(account_id, None)
            .await?;
        Ok(account)
    }
}

/// Whole seconds from `now` until `until` (at least 1).
fn retry_after(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1)
}
