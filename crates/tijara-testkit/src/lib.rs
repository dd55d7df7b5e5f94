//! Conformance suites and test doubles for Tijara.
//!
//! - [`storage`]: the storage conformance suite. An adapter is correct when it passes every
//!   check; run them all with [`storage_conformance!`] (the SQLite, PostgreSQL and memory
//!   stores' `tests/conformance*.rs` are complete, compiled examples):
//!
//! ```text
//! // tests/conformance.rs of your adapter crate
//! tijara_testkit::storage_conformance!(async {
//!     Some(std::sync::Arc::new(my_adapter::MyStore::connect("...").await.unwrap())
//!         as std::sync::Arc<dyn tijara::ports::storage::Storage>)
//! });
//! ```
//!
//!   The factory is called once per check and may return `None` to skip (for a database that
//!   is not configured on this machine: print why).
//! - [`payment`]: the payment conformance suite: a gateway adapter is correct when it passes
//!   every check; implement [`payment::PaymentHarness`] for it and run
//!   `tijara_testkit::payment_conformance!(async { Arc::new(MyHarness::new()) as Arc<dyn PaymentHarness> });`.
//! - [`carrier`]: the carrier conformance suite; implement [`carrier::CarrierHarness`] and run
//!   `tijara_testkit::carrier_conformance!(async { Arc::new(MyHarness::new()) as Arc<dyn CarrierHarness> });`.
//! - [`engine`]: an engine ready around the adapter under test (memory store, fixed clock,
//!   sequential ids, a seller and a product in the region's currency), so an author's own
//!   end-to-end test is a few lines: `tijara_testkit::engine::with_gateway(gateway).await`.
//! - [`stubs`]: a fixed clock, sequential ids, a stub gateway and carrier, a recording event
//!   sink, for embedders' tests.
//! - [`outage`]: a storage wrapper with an off switch, to test how a frontend behaves while
//!   the database is down.
//!
//! Behind features (off by default, so a test build that needs neither pulls in no HTTP
//! server or client):
//!
//! - `cmi-sim`: `cmi_sim`, a CMI simulator (hosted card page, signed callbacks, XML API) on
//!   loopback (axum, reqwest, `tijara-pay-cmi`);
//! - `fakes`: `sendit_fake` and `aramex_fake`, local fakes of the Sendit and Aramex HTTP
//!   APIs (axum).
//!
//! ```toml
//! [dev-dependencies]
//! tijara-testkit = { version = "0.1", features = ["cmi-sim"] }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "fakes")]
pub mod aramex_fake;
pub mod carrier;
#[cfg(feature = "cmi-sim")]
pub mod cmi_sim;
pub mod engine;
pub mod outage;
pub mod payment;
#[cfg(feature = "fakes")]
pub mod sendit_fake;
pub mod storage;
pub mod stubs;

#[doc(hidden)]
pub use tokio as __tokio;

/// Expands into one `#[tokio::test]` per carrier check, each calling `$factory` (an async
/// expression of type `Arc<dyn CarrierHarness>`) for a fresh harness.
#[macro_export]
macro_rules! carrier_conformance {
    ($factory:expr) => {
        $crate::carrier_conformance!(@each $factory;
            quotes_are_positive_mad_with_estimates,
            create_is_idempotent,
            codes_are_normalized_and_unknown_ones_kept,
            other_carriers_codes_stay_unknown,
            polling_keeps_the_carriers_times,
            tracking_in_any_order_gives_one_status,
            capabilities_are_honoured
        );
    };
    (@each $factory:expr; $($check:ident),*) => {$(
        #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $check() {
            let harness: ::std::sync::Arc<dyn $crate::carrier::CarrierHarness> = $factory.await;
            $crate::carrier::$check(&*harness).await;
        }
    )*};
}

/// Expands into one `#[tokio::test]` per payment check, each calling `$factory` (an async
/// expression of type `Arc<dyn PaymentHarness>`) for a fresh harness.
#[macro_export]
macro_rules! payment_conformance {
    ($factory:expr) => {
        $crate::payment_conformance!(@each $factory;
            starting_never_pays,
            valid_notification_is_applied_once,
            verification_has_no_side_effects,
            forged_notifications_change_nothing,
            wrong_amount_or_order_is_refused,
            late_declines_never_unpay,
            refunds_are_bounded_and_capabilities_honoured,
            operations_carry_the_transaction_reference,
            sale_only_gateways_never_capture
        );
    };
    (@each $factory:expr; $($check:ident),*) => {$(
        #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $check() {
            let harness: ::std::sync::Arc<dyn $crate::payment::PaymentHarness> = $factory.await;
            $crate::payment::$check(&*harness).await;
        }
    )*};
}

/// Expands into one `#[tokio::test]` per storage check, each calling `$factory` (an async
/// expression of type `Option<Arc<dyn Storage>>`) for a fresh store.
#[macro_export]
macro_rules! storage_conformance {
    ($factory:expr) => {
        $crate::storage_conformance!(@ref $factory;
            documents_are_versioned_and_exact,
            keys_are_unique_and_replaced,
            rewrites_keep_exactly_their_keys_and_owners,
            updates_may_keep_their_keys_and_owners,
            documents_are_deleted_at_their_version,
            listing_is_stable_and_by_owner,
            owners_are_counted,
            owners_are_listed_together,
            commits_hold_to_their_owner_counts,
            deferred_commits_answer_as_flushed_ones,
            commits_hold_to_their_incarnation,
            changesets_are_atomic,
            a_placed_order_is_written_whole_or_not_at_all,
            stock_counters_obey_their_guards,
            reservations_hold_commit_and_release,
            untracked_variants_never_run_out,
            idempotency_replays_and_refuses,
            idempotency_records_are_stored_once_each,
            outbox_keeps_order_until_acknowledged,
            product_search_filters,
            search_finds_what_shoppers_mean,
            search_follows_product_changes,
            search_follows_availability,
            search_pages_as_ids_when_held,
            search_follows_category_changes,
            search_index_versions_are_counted,
            hostile_searches_never_fail,
            checkout_snapshot_matches_its_parts,
            product_page_matches_its_parts,
            catalog_version_follows_catalog_writes,
            commits_hold_to_their_catalog_version,
            commits_hold_to_their_stock_checks,
            pricing_stock_matches_its_parts,
            get_at_catalog_matches_its_parts,
            multi_variant_sales_are_all_or_nothing,
            idempotency_claims_hold_until_released_or_expired,
            deliveries_are_recorded_and_retried,
            purge_keeps_what_is_young_or_pending,
            outbox_backlog_counts_every_pending_event,
            schema_is_current_once_opened,
            pool_status_settles_when_idle
        );
        $crate::storage_conformance!(@arc $factory;
            concurrent_checkouts_never_oversell,
            concurrent_reservations_never_oversell,
            concurrent_duplicate_keys_create_one_order,
            concurrent_writes_conflict,
            concurrent_restocks_and_sales_lose_nothing,
            reads_see_the_latest_commit,
            concurrent_claims_grant_one,
            every_kind_is_stored_and_compared,
            concurrent_takeovers_of_an_expired_claim_grant_one,
            concurrent_delivery_attempts_are_all_counted,
            concurrent_renames_leave_no_stale_category_text
        );
    };
    (@ref $factory:expr; $($check:ident),*) => {$(
        #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $check() {
            let store: ::std::option::Option<::std::sync::Arc<dyn ::tijara::ports::storage::Storage>> = $factory.await;
            if let Some(store) = store {
                $crate::storage::$check(&*store).await;
            }
        }
    )*};
    (@arc $factory:expr; $($check:ident),*) => {$(
        #[$crate::__tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $check() {
            let store: ::std::option::Option<::std::sync::Arc<dyn ::tijara::ports::storage::Storage>> = $factory.await;
            if let Some(store) = store {
                $crate::storage::$check(store).await;
            }
        }
    )*};
}
