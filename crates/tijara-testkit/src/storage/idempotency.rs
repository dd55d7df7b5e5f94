//! The storage checks of idempotency: records replayed or refused, and claims held until
//! released or expired.

use super::*;

/// Idempotency: the same key and input is replayed and applies nothing; another input is
/// refused.
pub async fn idempotency_replays_and_refuses<S: Storage + ?Sized>(s: &S) {
    let key = unique("idem");
    let rec = |fp: &str, response: &str| {
        IdempotencyRecord::new("place_order", key.clone(), fp, response, t0())
    };
    let (a, b) = (unique("o"), unique("o"));
    let mut cs = one(doc(DocKind::Order, &a, None, "{}"));
    cs.idempotency = Some(rec("fp1", r#"{"order":"a"}"#));
    ok(s, cs, "first call").await;
    let mut again = one(doc(DocKind::Order, &b, None, "{}"));
    again.idempotency = Some(rec("fp1", r#"{"order":"b"}"#));
    match commit(s, again).await {
        Ok(CommitOutcome::Replayed(r)) => assert_eq!(
            r.response, r#"{"order":"a"}"#,
            "the first answer is replayed"
        ),
        other => panic!("same key and input must be Replayed, got {other:?}"),
    }
    assert_eq!(
        s.get(DocKind::Order, &b)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "a replay writes nothing"
    );
    let mut other = one(doc(DocKind::Order, &b, None, "{}"));
    other.idempotency = Some(rec("fp2", "{}"));
    assert!(
        matches!(
            commit(s, other).await,
            Err(StorageError::IdempotencyMismatch { .. })
        ),
        "same key, other input must be IdempotencyMismatch"
    );
    let stored = s
        .idempotency("place_order", &key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.map(|r| r.fingerprint), Some("fp1".to_owned()));
    assert_eq!(
        s.idempotency("other_scope", &key)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "keys are per scope"
    );
}

/// Idempotency claims: a key is claimed by one token until released by that token or until
/// its expiry, after which another token takes it over; claims are per scope and write no
/// idempotency record.
pub async fn idempotency_claims_hold_until_released_or_expired<S: Storage + ?Sized>(s: &S) {
    let key = unique("claim");
    let at = |minutes: i64| t0() + Duration::minutes(minutes);
    let claim = |token: &'static str, now: i64, until: i64| {
        let key = key.clone();
        async move {
            s.claim_idempotency("refund_payment", &key, token, at(now), at(until))
                .await
                .unwrap_or_else(|e| panic!("claim: {e}"))
        }
    };
    let release = |token: &'static str| {
        let key = key.clone();
        async move {
            s.release_idempotency("refund_payment", &key, token)
                .await
                .unwrap_or_else(|e| panic!("release: {e}"));
        }
    };
    assert_eq!(
        claim("a", 0, 5).await,
        IdempotencyClaim::Claimed,
        "a free key is claimed"
    );
    assert_eq!(
        claim("b", 1, 6).await,
        IdempotencyClaim::Held { expires_at: at(5) },
        "a held key is Held, with the holder's expiry"
    );
    release("b").await;
    assert!(
        matches!(claim("c", 1, 6).await, IdempotencyClaim::Held { .. }),
        "only the holder's token releases a claim"
    );
    assert_eq!(
        claim("b", 5, 10).await,
        IdempotencyClaim::Claimed,
        "an expired claim is taken over"
    );
    release("a").await;
    assert!(
        matches!(claim("c", 6, 11).await, IdempotencyClaim::Held { .. }),
        "the token that lost its claim cannot release the new holder's"
    );
    release("b").await;
    assert_eq!(
        claim("c", 6, 11).await,
        IdempotencyClaim::Claimed,
        "a released key is free"
    );
    assert_eq!(
        s.claim_idempotency("capture_payment", &key, "d", at(6), at(11))
            .await
            .unwrap_or_else(|e| panic!("claim: {e}")),
        IdempotencyClaim::Claimed,
        "claims are per scope"
    );
    assert_eq!(
        s.idempotency("refund_payment", &key)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        None,
        "a claim is not an answer"
    );
    s.release_idempotency("refund_payment", &unique("never-claimed"), "x")
        .await
        .unwrap_or_else(|e| panic!("releasing a free key must succeed: {e}"));
}
