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

/// Records inserted several at a time ([`Storage::insert_idempotency_records`]): each new
/// scope and key stored as given and answered `true`; one stored already (whatever its
/// fingerprint) left as it was and answered `false`; a scope and key repeated in one call
/// stored once (the first `true`); keys are per scope; of two calls racing for one key,
/// exactly one stores it. [`Storage::idempotency_many`] reads what [`Storage::idempotency`]
/// reads, key by key.
pub async fn idempotency_records_are_stored_once_each<S: Storage + ?Sized>(s: &S) {
    let (a, b, c, d) = (
        unique("mark"),
        unique("mark"),
        unique("mark"),
        unique("mark"),
    );
    let at = t0() + Duration::minutes(3);
    let rec = |scope: &str, key: &str, response: &str| {
        IdempotencyRecord::new(scope, key.to_owned(), "done", response, at)
    };
    let insert = |records: Vec<IdempotencyRecord>| async move {
        s.insert_idempotency_records(&records)
            .await
            .unwrap_or_else(|e| panic!("insert_idempotency_records: {e}"))
    };
    assert_eq!(insert(vec![]).await, Vec::<bool>::new(), "nothing to store");
    let mut before = one(doc(DocKind::Order, &unique("o"), None, "{}"));
    before.idempotency = Some(IdempotencyRecord::new(
        "done:test",
        c.clone(),
        "other",
        "first",
        t0(),
    ));
    ok(s, before, "a record stored before").await;
    assert_eq!(
        insert(vec![
            rec("done:test", &a, "a"),
            rec("done:test", &b, "b"),
            rec("done:test", &a, "a again"),
            rec("done:test", &c, "c"),
            rec("done:other", &a, "a elsewhere"),
        ])
        .await,
        vec![true, true, false, false, true],
        "new, new, repeated in the call, stored before, another scope"
    );
    let read = |scope: &'static str, key: String| async move {
        s.idempotency(scope, &key)
            .await
            .unwrap_or_else(|e| panic!("idempotency: {e}"))
    };
    assert_eq!(
        read("done:test", a.clone()).await,
        Some(rec("done:test", &a, "a")),
        "stored as given, the first of a repeated key"
    );
    assert_eq!(
        read("done:other", a.clone()).await,
        Some(rec("done:other", &a, "a elsewhere"))
    );
    assert_eq!(
        read("done:test", c.clone())
            .await
            .map(|r| (r.fingerprint, r.response)),
        Some(("other".to_owned(), "first".to_owned())),
        "a record stored before is left as it was"
    );
    assert_eq!(
        insert(vec![
            rec("done:test", &b, "b again"),
            rec("done:test", &d, "d")
        ])
        .await,
        vec![false, true],
        "a second call stores only what is new"
    );
    assert_eq!(
        read("done:test", b.clone()).await,
        Some(rec("done:test", &b, "b"))
    );
    let many = s
        .idempotency_many(
            "done:test",
            &[d.clone(), unique("mark"), a.clone(), c.clone(), d.clone()],
        )
        .await
        .unwrap_or_else(|e| panic!("idempotency_many: {e}"));
    assert_eq!(
        many,
        vec![
            read("done:test", d.clone()).await,
            None,
            read("done:test", a.clone()).await,
            read("done:test", c.clone()).await,
            read("done:test", d.clone()).await,
        ],
        "idempotency_many answers what idempotency answers, key by key, in the order asked"
    );
    assert!(
        many[0].is_some() && many[2].is_some(),
        "the records stored are read"
    );
    assert_eq!(
        s.idempotency_many("done:other", &[b.clone(), a.clone()])
            .await
            .unwrap_or_else(|e| panic!("idempotency_many: {e}")),
        vec![None, Some(rec("done:other", &a, "a elsewhere"))],
        "keys are per scope"
    );
    assert_eq!(
        s.idempotency_many("done:test", &[])
            .await
            .unwrap_or_else(|e| panic!("idempotency_many: {e}")),
        Vec::<Option<IdempotencyRecord>>::new()
    );
    // More records and keys than one statement takes (the SQL adapters split them), one key
    // repeated across where they split.
    let many_keys: Vec<String> = (0..1_001).map(|_| unique("bulk")).collect();
    let mut bulk: Vec<IdempotencyRecord> =
        many_keys.iter().map(|k| rec("done:bulk", k, "b")).collect();
    bulk.insert(1_000, rec("done:bulk", &many_keys[3], "again"));
    let stored = insert(bulk).await;
    assert_eq!(stored.len(), 1_002);
    assert_eq!(
        stored.iter().filter(|n| **n).count(),
        1_001,
        "each new key stored once"
    );
    assert!(
        !stored[1_000],
        "the repeat after the split is not stored again"
    );
    let read_back = s
        .idempotency_many("done:bulk", &many_keys)
        .await
        .unwrap_or_else(|e| panic!("idempotency_many: {e}"));
    assert_eq!(read_back.len(), 1_001);
    assert!(
        read_back
            .iter()
            .zip(&many_keys)
            .all(|(r, k)| r.as_ref().is_some_and(|r| &r.key == k && r.response == "b")),
        "all read back, in the order asked, the first of the repeated key kept"
    );
    let e = unique("mark");
    let (x, y) = futures::join!(
        insert(vec![rec("done:race", &e, "x")]),
        insert(vec![rec("done:race", &e, "y")])
    );
    assert_eq!(
        [x, y].concat().iter().filter(|n| **n).count(),
        1,
        "of two calls racing for one key, exactly one stores it"
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
