//! Password hashing (behind the `accounts` feature): Argon2id with the `argon2` crate's
//! defaults, bounded per process by a [`HashGate`].

use super::*;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

pub use crate::support::{HashGate, HashPermit};

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

impl<'a> Accounts<'a> {
    /// A password-hashing slot of this process, or [`TijaraError::Busy`] if all
    /// [`crate::EngineConfig::max_concurrent_hashes`] are taken: hold it while hashing a new
    /// password ([`hash_password`]) or checking one ([`LoginAttempt::check_password`]).
    pub fn hash_permit(self) -> Result<HashPermit, TijaraError> {
        let e = self.engine;
        e.inner.hash_gate.try_acquire().ok_or(TijaraError::Busy {
            retry_after_secs: 1,
        })
    }

    /// The process's password-hashing slots (a gauge: taken now, most taken at once).
    pub fn hash_gate(self) -> &'a HashGate {
        let e = self.engine;
        &e.inner.hash_gate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
