//! What a start puts in the database before serving: the demo marketplace in demo mode, the
//! first admin in production.
//!
//! The demo marketplace's logins have passwords published in the README and the docs, so they
//! exist only where the CMI simulator takes the payments (demo mode). With CMI credentials an
//! empty database stays empty; its first admin is made from `--admin-email`
//! (`TIJARA_ADMIN_EMAIL`) and the password in the `TIJARA_ADMIN_PASSWORD` environment variable
//! (never a command-line argument: those are visible to every user of the machine in the
//! process list). The binary calls [`prepare`] once at start; the logic is here so it is tested
//! without the binary.

use crate::App;
use tijara::TijaraError;
use tijara::usecases::accounts::{NewAccount, Role, hash_password, normalize_email};

/// The environment variable the first admin's password is read from.
pub const ADMIN_PASSWORD_ENV: &str = "TIJARA_ADMIN_PASSWORD";

/// The shortest first-admin password accepted (longer than the engine's minimum for any
/// account: this one opens the whole marketplace).
pub const MIN_ADMIN_PASSWORD_CHARS: usize = 12;

/// The longest password the engine hashes, in bytes.
const MAX_PASSWORD_BYTES: usize = 1024;

/// Said at a production start on a database without any account.
pub const FIRST_ADMIN_HINT: &str = "No account exists yet. To create the first admin, start \
     with --admin-email (TIJARA_ADMIN_EMAIL) and the password in the environment variable \
     TIJARA_ADMIN_PASSWORD (at least 12 characters; never on the command line). The account \
     is created when no account has that e-mail; an existing one is left as it is.";

/// Why the first-admin settings are refused (the storefront does not start).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BootstrapError {
    /// An e-mail without a password.
    #[error(
        "--admin-email (TIJARA_ADMIN_EMAIL) is set but TIJARA_ADMIN_PASSWORD is not: the first \
         admin's password is read from that environment variable only (once the admin exists, \
         unset both)"
    )]
    NoPassword,
    /// A password without an e-mail.
    #[error(
        "TIJARA_ADMIN_PASSWORD is set but --admin-email (TIJARA_ADMIN_EMAIL) is not: give the \
         first admin's e-mail, or unset the password"
    )]
    NoEmail,
    /// A malformed e-mail.
    #[error("--admin-email (TIJARA_ADMIN_EMAIL): {0}")]
    BadEmail(String),
    /// A password shorter than [`MIN_ADMIN_PASSWORD_CHARS`].
    #[error(
        "TIJARA_ADMIN_PASSWORD is too short: the first admin's password has at least \
         {MIN_ADMIN_PASSWORD_CHARS} characters"
    )]
    ShortPassword,
    /// A password longer than the engine hashes.
    #[error("TIJARA_ADMIN_PASSWORD is too long: at most {MAX_PASSWORD_BYTES} bytes")]
    LongPassword,
}

/// The first admin to create at start when no account has its e-mail. The password is kept
/// only until it is hashed, and never shown by `Debug`.
#[derive(Clone)]
pub struct AdminBootstrap {
    email: String,
    password: String,
}

impl std::fmt::Debug for AdminBootstrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminBootstrap")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl AdminBootstrap {
    /// Checks the e-mail (normalized as the engine stores it) and the password (at least
    /// [`MIN_ADMIN_PASSWORD_CHARS`] characters, at most 1024 bytes).
    pub fn new(email: &str, password: &str) -> Result<AdminBootstrap, BootstrapError> {
        let email = normalize_email(email).map_err(|e| BootstrapError::BadEmail(e.to_string()))?;
        if password.chars().count() < MIN_ADMIN_PASSWORD_CHARS {
            return Err(BootstrapError::ShortPassword);
        }
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(BootstrapError::LongPassword);
        }
        Ok(AdminBootstrap {
            email,
            password: password.to_owned(),
        })
    }

    /// From the start's settings: the e-mail of `--admin-email` and the password of
    /// [`ADMIN_PASSWORD_ENV`]. Neither given: `None`; one without the other is refused.
    pub fn from_settings(
        email: Option<&str>,
        password: Option<&str>,
    ) -> Result<Option<AdminBootstrap>, BootstrapError> {
        // An empty variable (`TIJARA_ADMIN_EMAIL=`) counts as not set.
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        let password = password.filter(|p| !p.is_empty());
        match (email, password) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(BootstrapError::NoPassword),
            (None, Some(_)) => Err(BootstrapError::NoEmail),
            (Some(email), Some(password)) => AdminBootstrap::new(email, password).map(Some),
        }
    }

    /// The admin's e-mail, normalized.
    pub fn email(&self) -> &str {
        &self.email
    }
}

/// What [`prepare`] did about the first admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOutcome {
    /// No first admin was asked for.
    NotAsked,
    /// The admin account was created with the given password.
    Created,
    /// An account with that e-mail exists: left as it is (its password is never reset at
    /// start). `is_admin` says whether it is an admin.
    Existing {
        /// The existing account is an admin.
        is_admin: bool,
    },
}

/// What a start put in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Demo mode loaded the demo marketplace and its logins just now (the start that did
    /// prints their passwords; later ones do not).
    pub demo_seeded: bool,
    /// The first admin.
    pub admin: AdminOutcome,
    /// In production: the database has no account at all (say [`FIRST_ADMIN_HINT`]).
    pub no_accounts: bool,
    /// In production: demo logins found in the database that still have their published
    /// password (left by an earlier demo start on this database); anyone can log in with them.
    pub public_demo_logins: Vec<String>,
}

/// Prepares the database for serving. In demo mode (the app runs the CMI simulator,
/// [`AppParts::simulator`](crate::AppParts::simulator)) it loads the demo marketplace on an empty database
/// ([`crate::seed::seed_if_empty`]); with CMI credentials it never does, and reports demo logins
/// still holding their published password. Then it creates `admin` when no account has its
/// e-mail (an existing account is left untouched: a start never resets a password).
///
/// Safe when several storefronts start at once on one database: the seed is, and of two
/// starts creating the same admin, one creates it and the other finds it.
pub async fn prepare(app: &App, admin: Option<&AdminBootstrap>) -> Result<Prepared, TijaraError> {
    let engine = &app.engine;
    let demo = app.simulator.is_some();
    let demo_seeded = demo && crate::seed::seed_if_empty(engine).await?;
    let mut public_demo_logins = Vec::new();
    if !demo {
        for (_, email, password) in crate::seed::demo_accounts() {
            if let Some(account) = engine.accounts().account_by_email(&email).await?
                && tijara::usecases::accounts::verify_password(password, &account.password_hash)
            {
                public_demo_logins.push(email);
            }
        }
    }
    let admin = match admin {
        None => AdminOutcome::NotAsked,
        Some(admin) => create_admin(engine, admin).await?,
    };
    let no_accounts = !demo
        && engine
            .accounts()
            .list_accounts(None, 1)
            .await?
            .items
            .is_empty();
    Ok(Prepared {
        demo_seeded,
        admin,
        no_accounts,
        public_demo_logins,
    })
}

async fn create_admin(
    engine: &tijara::Tijara,
    admin: &AdminBootstrap,
) -> Result<AdminOutcome, TijaraError> {
    let existing = |account: tijara::usecases::accounts::Account| AdminOutcome::Existing {
        is_admin: account.is_admin(),
    };
    if let Some(account) = engine.accounts().account_by_email(&admin.email).await? {
        return Ok(existing(account));
    }
    let created = engine
        .accounts()
        .create_account(
            NewAccount::new(
                admin.email.clone(),
                admin.email.split('@').next().unwrap_or(&admin.email),
                hash_password(&admin.password)?,
                Role::Admin,
                engine.region().default_lang,
            ),
            None,
        )
        .await;
    match created {
        Ok(_) => Ok(AdminOutcome::Created),
        // Another start created an account with this e-mail meanwhile: it is left as it is.
        Err(e) => match engine.accounts().account_by_email(&admin.email).await? {
            Some(account) => Ok(existing(account)),
            None => Err(e),
        },
    }
}
