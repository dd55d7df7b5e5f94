//! What the engine value holds and the use cases use too: the password-hashing gate, the log
//! key and the operating system's random bytes. Below both `engine` and `usecases` (it uses
//! neither), so the engine does not depend on the use cases that depend on it. The items are
//! public at their old paths (`tijara::usecases::accounts::{HashGate, HashPermit, LogKey}`).

use sha2::{Digest, Sha256};
use std::fmt;
#[cfg(feature = "accounts")]
use std::sync::Arc;
#[cfg(feature = "accounts")]
use std::sync::atomic::{AtomicUsize, Ordering};

/// 32 random bytes from the operating system (access tokens, log keys).
///
/// # Panics
/// If the operating system has no random numbers to give, as the RNG it replaces did: no
/// token may be made up without them.
pub(crate) fn os_random() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes
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
        LogKey(os_random())
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

/// The password-hashing slots of a process: at most `max` Argon2 hashes or checks at once, so
/// a flood of logins cannot take memory without bound (each holds 19 MiB). Lock-free; the
/// permit frees its slot when dropped.
#[cfg(feature = "accounts")]
#[derive(Debug)]
pub struct HashGate {
    max: usize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

#[cfg(feature = "accounts")]
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
#[cfg(feature = "accounts")]
#[derive(Debug)]
pub struct HashPermit(Arc<HashGate>);

#[cfg(feature = "accounts")]
impl Drop for HashPermit {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}
