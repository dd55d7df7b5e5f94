//! The stub gateway passes the payment conformance suite (it is the reference harness).

tijara_testkit::payment_conformance!(async {
    std::sync::Arc::new(tijara_testkit::payment::StubHarness::card())
        as std::sync::Arc<dyn tijara_testkit::payment::PaymentHarness>
});

/// A sale-only gateway (approvals are sales, no capture) passes the whole suite too.
mod sale_only {
    tijara_testkit::payment_conformance!(async {
        std::sync::Arc::new(tijara_testkit::payment::StubHarness::sale())
            as std::sync::Arc<dyn tijara_testkit::payment::PaymentHarness>
    });
}

/// A gateway that refunds by API whole payments only: the suite asks it for no part of one
/// (the engine refuses with `PartialRefundUnsupported` first).
mod whole_refunds_only {
    tijara_testkit::payment_conformance!(async {
        std::sync::Arc::new(tijara_testkit::payment::StubHarness::whole_refunds_only())
            as std::sync::Arc<dyn tijara_testkit::payment::PaymentHarness>
    });
}
