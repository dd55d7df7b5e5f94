//! The CMI adapter runs the payment conformance suite twice: a merchant account without the
//! XML API (capture by `ACTION=POSTAUTH`, refunds by hand), and one with it, against the CMI
//! simulator.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tijara::ports::payment::{NotificationRequest, PaymentGateway};
use tijara_core::Money;
use tijara_pay_cmi::{CmiApi, CmiConfig, CmiGateway};
use tijara_testkit::payment::{PaymentHarness, SignatureLocation};

const CLIENT: &str = "600000001";
const KEY: &str = "TEST1234";

struct CmiHarness {
    gateway: Arc<CmiGateway>,
    n: AtomicU32,
    sim: Option<tijara_testkit::cmi_sim::CmiSimulator>,
}

impl CmiHarness {
    fn callback(&self, attempt: &str, amount: Money, code: &str) -> NotificationRequest {
        let n = self.n.fetch_add(1, Ordering::Relaxed);
        let fields: Vec<(String, String)> = [
            ("clientid", CLIENT.to_owned()),
            ("oid", attempt.to_owned()),
            ("amount", format!("{:.2}", amount.amount())),
            ("currency", "504".to_owned()),
            ("ProcReturnCode", code.to_owned()),
            (
                "Response",
                if code == "00" { "Approved" } else { "Declined" }.to_owned(),
            ),
            (
                "TransId",
                if code == "00" {
                    format!("T{n}")
                } else {
                    String::new()
                },
            ),
            ("EXTRA.TRXDATE", format!("28/11/2026 10:00:{n:02}")),
            ("MaskedPan", "400000***0010".to_owned()),
            ("hashAlgorithm", "ver3".to_owned()),
            ("encoding", "UTF-8".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        NotificationRequest::form(self.gateway.sign(fields))
    }
}

#[async_trait::async_trait]
impl PaymentHarness for CmiHarness {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.gateway.clone()
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(self.callback(attempt, amount, "00"))
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(self.callback(attempt, amount, "05"))
    }
    fn unsigned_fields(&self) -> Vec<String> {
        vec!["encoding".into()]
    }
    fn signature_location(&self) -> SignatureLocation {
        SignatureLocation::Field("HASH".into())
    }
    fn gateway_calls(&self) -> Option<u64> {
        // With the XML API, every call reaches the simulator; without it the adapter has no
        // client to call with, and nothing to count.
        self.sim.as_ref().map(|s| s.api_calls().len() as u64)
    }
}

async fn without_api() -> Arc<dyn PaymentHarness> {
    let gateway =
        CmiGateway::new(CmiConfig::test(CLIENT, KEY, "https://shop.example.ma")).expect("config");
    Arc::new(CmiHarness {
        gateway: Arc::new(gateway),
        n: AtomicU32::new(0),
        sim: None,
    })
}

async fn with_api() -> Arc<dyn PaymentHarness> {
    Arc::new(api_harness().await)
}

async fn api_harness() -> CmiHarness {
    let sim = tijara_testkit::cmi_sim::CmiSimulator::start(CLIENT, KEY)
        .await
        .expect("simulator");
    let mut config = CmiConfig::test(CLIENT, KEY, "https://shop.example.ma");
    config.gateway_url = sim.gateway_url();
    config.auto_capture = false;
    config.api = Some(CmiApi {
        url: sim.api_url(),
        user: "api".into(),
        password: "api-password".to_owned().into(),
    });
    CmiHarness {
        gateway: Arc::new(CmiGateway::new(config).expect("config")),
        n: AtomicU32::new(0),
        sim: Some(sim),
    }
}

tijara_testkit::payment_conformance!(without_api());

mod api_account {
    use super::*;
    tijara_testkit::payment_conformance!(with_api());
}

/// A void names the approved transaction (`TransId`, the engine's transaction reference) as
/// well as the order; a refund names the order only.
#[tokio::test]
async fn void_sends_the_transaction_reference() {
    use tijara::ports::payment::PaymentOperation;
    let harness = api_harness().await;
    let order = tijara_core::OrderId::new("ord_1").expect("id");
    let op = PaymentOperation::new(order, "ord_1-1").with_transaction_reference("T7");
    harness.gateway.void(&op).await.expect("void");
    let refund = op.with_amount(Money::mad("10.00").expect("amount"));
    harness.gateway.refund(&refund).await.expect("refund");
    let calls = harness.sim.as_ref().expect("simulator").api_calls();
    let seen: Vec<_> = calls
        .iter()
        .map(|c| (c.kind.as_str(), c.order_id.as_str(), c.trans_id.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [("Void", "ord_1-1", Some("T7")), ("Credit", "ord_1-1", None)]
    );
}

/// A PreAuth account answered with `ACTION=POSTAUTH`, or an Auth (sale) account, is sale-only:
/// it declares it and refuses a capture without calling CMI.
#[tokio::test]
async fn sale_accounts_are_sale_only() {
    use tijara::ports::payment::{GatewayError, PaymentOperation};
    let harness = api_harness().await;
    assert!(
        !harness.gateway.capabilities().sale_only,
        "PreAuth, captured later"
    );
    let auto =
        CmiGateway::new(CmiConfig::test(CLIENT, KEY, "https://shop.example.ma")).expect("config");
    assert!(
        auto.capabilities().sale_only,
        "PreAuth with ACTION=POSTAUTH"
    );
    let mut sale = CmiConfig::test(CLIENT, KEY, "https://shop.example.ma");
    sale.auto_capture = false;
    sale.tran_type = tijara_pay_cmi::TranType::Auth;
    let sale = CmiGateway::new(sale).expect("config");
    assert!(sale.capabilities().sale_only, "Auth is a sale");
    let op = PaymentOperation::new(tijara_core::OrderId::new("ord_1").expect("id"), "ord_1-1");
    assert!(matches!(
        sale.capture(&op).await,
        Err(GatewayError::Unsupported(_))
    ));
}
