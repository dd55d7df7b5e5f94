//! Sessions (behind the `accounts` feature): stored by the SHA-256 of their token, ended by
//! their lifetime, by idleness, by logging out or by a password change.

use super::*;
use chrono::Duration;

/// An admin's or seller's session ends after this long without use.
pub const STAFF_IDLE_MINUTES: i64 = 30;
/// A shopper's session ends after this long without use.
pub const CUSTOMER_IDLE_MINUTES: i64 = 120;
/// A live session's last use is written at most this often (not on every request).
const SESSION_TOUCH_SECS: i64 = 60;

/// A logged-in session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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

/// The stored id of a session token.
pub fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Sessions<'_> {
    /// Ends every live session of an account but `keep` (a session id); returns how many.
    pub async fn close_account_sessions(
        self,
        account_id: &str,
        keep: Option<&str>,
    ) -> Result<usize, TijaraError> {
        let e = self.engine;
        let now = e.now();
        let owner = format!("account:{account_id}");
        let mut closed = 0;
        let mut after: Option<String> = None;
        loop {
            let page = e
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
                e.revoke_session(&doc.id).await?;
                closed += 1;
            }
            if !full {
                break;
            }
        }
        Ok(closed)
    }
}

impl Sessions<'_> {
    /// Deletes sessions that expired before `expired_before` (logged-out ones too, once
    /// expired), reading every session `batch` at a time; answers how many it deleted. A
    /// session is deleted only at the version read, so one renewed meanwhile is kept. Run by
    /// [`Operations::purge`](crate::Operations::purge).
    pub async fn purge_expired(
        self,
        expired_before: chrono::DateTime<chrono::Utc>,
        batch: u32,
    ) -> Result<u64, TijaraError> {
        let e = self.engine;
        let mut deleted = 0u64;
        let mut after: Option<String> = None;
        let batch = batch.clamp(1, MAX_PAGE);
        loop {
            let page = e
                .inner
                .storage
                .list(&ListQuery::new(DocKind::Session, batch).after(after.as_deref()))
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            let full = page.len() >= batch as usize;
            for doc in page {
                // An unreadable session is left for an operator to look at, not deleted.
                let Ok(s) = crate::engine::decode::<Session>(DocKind::Session, &doc.id, &doc.body)
                else {
                    continue;
                };
                if s.expires_at < expired_before
                    && e.inner
                        .storage
                        .delete_doc(DocKind::Session, &doc.id, doc.version)
                        .await?
                {
                    deleted += 1;
                }
            }
            if !full {
                break;
            }
        }
        Ok(deleted)
    }
}

impl Tijara {
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
}

impl Sessions<'_> {
    /// Opens a session for `token` (kept by the client; only its hash is stored), valid for
    /// `ttl` at most (and ended sooner by [`idle_limit`] without use), with its anti-CSRF
    /// token. The account's other sessions end.
    pub async fn open_session(
        self,
        account_id: &str,
        token: &str,
        csrf: &str,
        ttl: Duration,
    ) -> Result<Session, TijaraError> {
        let e = self.engine;
        if token.len() < 16 || csrf.len() < 16 {
            return Err(TijaraError::InvalidField {
                field: if token.len() < 16 { "token" } else { "csrf" },
                rule: "must have at least 16 characters".into(),
            });
        }
        e.accounts().account(account_id).await?;
        let now = e.now();
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
        let session = e
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
    pub async fn session(self, token: &str) -> Result<Option<(Session, Account)>, TijaraError> {
        let e = self.engine;
        let id = session_id(token);
        let Some(doc) = e.inner.storage.get(DocKind::Session, &id).await? else {
            return Ok(None);
        };
        let session: Session = crate::engine::decode(DocKind::Session, &id, &doc.body)?;
        let now = e.now();
        if session.revoked || session.expires_at <= now {
            return Ok(None);
        }
        let account = match e.accounts().account(&session.account_id).await {
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
            match e
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
                    let Some(doc) = e.inner.storage.get(DocKind::Session, &id).await? else {
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
    pub async fn close_session(self, token: &str) -> Result<(), TijaraError> {
        let e = self.engine;
        let id = session_id(token);
        let Some(doc) = e.inner.storage.get(DocKind::Session, &id).await? else {
            return Ok(());
        };
        let s: Session = crate::engine::decode(DocKind::Session, &id, &doc.body)?;
        e.revoke_session(&id).await?;
        self.close_account_sessions(&s.account_id, None).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_hashes_of_tokens() {
        let id = session_id("token-token-token");
        assert_eq!(id.len(), 64);
        assert_ne!(id, "token-token-token");
    }
}
