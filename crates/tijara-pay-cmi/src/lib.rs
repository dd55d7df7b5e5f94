//! CMI, Morocco's interbank card gateway, for the Tijara engine: the hosted 3-D Secure page
//! (`storetype=3D_PAY_HOSTING`), its server-to-server callbacks, and capture, void and refund
//! through CMI's XML API when the merchant account has it.
//!
//! - [`CmiGateway::start`] builds the form the shopper's browser posts to CMI, signed with the
//!   ver3 hash ([`hash`]).
//! - [`CmiGateway::verify_notification`] verifies a callback's hash over every received field
//!   (in constant time) and reads it: `ProcReturnCode == "00"` is an approval.
//! - [`CmiGateway::answer`] gives CMI the plain-text answer it expects: `ACTION=POSTAUTH` for an
//!   approval with automatic capture (`APPROVED` when capture is manual), `APPROVED` to
//!   acknowledge a decline, `FAILURE` for a bad hash, a refused notification or an error.
//! - The store key and the API password are [`secrecy::SecretString`]s: never logged, never
//!   serialized, redacted in `Debug`.
//!
//! ```
//! use tijara_pay_cmi::{CmiConfig, CmiGateway};
//! let config = CmiConfig::test("600000001", "TEST1234", "https://shop.example.ma");
//! assert!(!format!("{config:?}").contains("TEST1234"));
//! let cmi = CmiGateway::new(config).unwrap();
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
pub mod hash;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tijara::ports::payment::*;
use tijara::usecases::payments::PaymentEventKind;
use tijara_core::payment::PaymentMethod;
use tijara_core::{Currency, Lang, Money};

/// Re-exported: `CmiConfig::store_key` and `CmiApi::password` are [`secrecy::SecretString`]s,
/// so a configuration can be built without a dependency of its own on `secrecy` (of a version
/// matching this crate's).
pub use secrecy;

/// CMI's test platform (hosted page).
pub const TEST_GATEWAY_URL: &str = "https://testpayment.cmi.co.ma/fim/est3Dgate";
/// CMI's production platform (hosted page).
pub const PRODUCTION_GATEWAY_URL: &str = "https://payment.cmi.co.ma/fim/est3Dgate";
/// CMI's test XML API.
pub const TEST_API_URL: &str = "https://testpayment.cmi.co.ma/fim/api";

/// `TranType`: hold the funds (capture later) or take them at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TranType {
    /// Authorization only (`PreAuth`), captured by `ACTION=POSTAUTH` or the API.
    #[default]
    PreAuth,
    /// Sale (`Auth`): captured at once.
    Auth,
}

impl TranType {
    fn as_str(&self) -> &'static str {
        match self {
            TranType::PreAuth => "PreAuth",
            TranType::Auth => "Auth",
        }
    }
}

/// The XML API's credentials (only for accounts that have it).
#[derive(Debug, Clone)]
pub struct CmiApi {
    /// API endpoint (`…/fim/api`).
    pub url: String,
    /// API user name.
    pub user: String,
    /// API password (secret).
    pub password: SecretString,
}

/// The merchant's CMI settings.
#[derive(Debug, Clone)]
pub struct CmiConfig {
    /// `clientid` given by CMI.
    pub client_id: String,
    /// The store key (secret): signs requests and verifies callbacks.
    pub store_key: SecretString,
    /// The hosted page (`…/fim/est3Dgate`).
    pub gateway_url: String,
    /// `PreAuth` (default) or `Auth`.
    pub tran_type: TranType,
    /// Answer approvals with `ACTION=POSTAUTH` so CMI captures at once.
    pub auto_capture: bool,
    /// Where the browser returns after an approval (display only).
    pub ok_url: String,
    /// Where the browser returns after a failure.
    pub fail_url: String,
    /// Where CMI posts its callbacks.
    pub callback_url: String,
    /// The "cancel" link of the hosted page.
    pub shop_url: String,
    /// The XML API, for capture, void and refund by API.
    pub api: Option<CmiApi>,
    /// Timeout of API calls.
    pub timeout: std::time::Duration,
}

impl CmiConfig {
    /// A configuration for CMI's test platform with the usual merchant URLs under `shop`
    /// (`/cmi/ok`, `/cmi/fail`, `/cmi/callback`, `/checkout`), PreAuth with automatic capture,
    /// no API.
    pub fn test(client_id: &str, store_key: &str, shop: &str) -> Self {
        let shop = shop.trim_end_matches('/');
        CmiConfig {
            client_id: client_id.to_owned(),
            store_key: SecretString::from(store_key.to_owned()),
            gateway_url: TEST_GATEWAY_URL.to_owned(),
            tran_type: TranType::PreAuth,
            auto_capture: true,
            ok_url: format!("{shop}/cmi/ok"),
            fail_url: format!("{shop}/cmi/fail"),
            callback_url: format!("{shop}/cmi/callback"),
            shop_url: format!("{shop}/checkout"),
            api: None,
            timeout: std::time::Duration::from_secs(20),
        }
    }
}

/// The CMI gateway.
#[derive(Debug, Clone)]
pub struct CmiGateway {
    config: CmiConfig,
    http: reqwest::Client,
}

/// Fields removed from callbacks before they are kept in the audit trail.
const SECRET_FIELDS: [&str; 6] = [
    "hash",
    "pan",
    "cv2",
    "cardnumber",
    "ecom_payment_card_expdate_month",
    "ecom_payment_card_expdate_year",
];

impl CmiGateway {
    /// Checks the configuration and builds the gateway.
    pub fn new(config: CmiConfig) -> Result<Self, GatewayError> {
        if config.client_id.trim().is_empty() || config.store_key.expose_secret().is_empty() {
            return Err(GatewayError::Config(
                "CMI needs a client id and a store key".into(),
            ));
        }
        for (name, url) in [
            ("gateway", &config.gateway_url),
            ("ok", &config.ok_url),
            ("fail", &config.fail_url),
            ("callback", &config.callback_url),
            ("shop", &config.shop_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(GatewayError::Config(format!(
                    "the {name} URL must be absolute: {url:?}"
                )));
            }
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| GatewayError::Config(e.to_string()))?;
        Ok(CmiGateway { config, http })
    }

    /// The configuration (secrets stay redacted).
    pub fn config(&self) -> &CmiConfig {
        &self.config
    }

    /// Signs a set of fields (adds `HASH`), as the hosted page and callbacks are signed.
    pub fn sign(&self, mut fields: Vec<(String, String)>) -> Vec<(String, String)> {
        fields.retain(|(k, _)| !k.eq_ignore_ascii_case("hash"));
        let h = hash::ver3(&fields, self.config.store_key.expose_secret());
        fields.push(("HASH".to_owned(), h));
        fields
    }

    /// True when an approval already moves the money: `TranType` `Auth` (a sale), or
    /// `PreAuth` answered with `ACTION=POSTAUTH` (automatic capture). Such a gateway declares
    /// `sale_only` and refuses `capture`.
    pub fn sale_only(&self) -> bool {
        self.config.tran_type == TranType::Auth || self.config.auto_capture
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[async_trait]
impl PaymentGateway for CmiGateway {
    fn code(&self) -> &str {
        "cmi"
    }

    fn method(&self) -> PaymentMethod {
        PaymentMethod::Card
    }

    fn capabilities(&self) -> PaymentCapabilities {
        let api = self.config.api.is_some();
        let sale_only = self.sale_only();
        PaymentCapabilities::default()
            .with_redirect(true)
            .with_sale_only(sale_only)
            .with_partial_capture(api && !sale_only)
            .with_partial_refund(api)
            .with_void(api)
            .with_refund_by_api(api)
    }

    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        if request.amount.currency() != Currency::MAD {
            return Err(GatewayError::Config(format!(
                "CMI charges MAD, not {}",
                request.amount.currency()
            )));
        }
        let c = &self.config;
        let lang = match request.lang {
            Lang::AR => "ar",
            Lang::EN => "en",
            _ => "fr",
        };
        let rnd = chrono::Utc::now().timestamp_micros().to_string();
        let fields: Vec<(String, String)> = [
            ("clientid", c.client_id.clone()),
            ("storetype", "3D_PAY_HOSTING".to_owned()),
            ("TranType", c.tran_type.as_str().to_owned()),
            ("amount", format!("{:.2}", request.amount.amount())),
            ("currency", "504".to_owned()),
            ("oid", request.attempt_id.clone()),
            ("okUrl", c.ok_url.clone()),
            ("failUrl", c.fail_url.clone()),
            ("shopurl", c.shop_url.clone()),
            ("callbackUrl", c.callback_url.clone()),
            ("rnd", rnd),
            ("lang", lang.to_owned()),
            ("hashAlgorithm", "ver3".to_owned()),
            ("encoding", "UTF-8".to_owned()),
            ("email", request.email.trim().to_owned()),
            ("BillToName", request.name.trim().to_owned()),
            ("tel", request.phone.trim().to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Ok(PaymentStart::Redirect {
            url: c.gateway_url.clone(),
            fields: self.sign(fields),
        })
    }

    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        let fields = &request.fields;
        if !hash::verify(fields, self.config.store_key.expose_secret()) {
            return Err(GatewayError::Invalid(
                "the HASH does not match the fields".into(),
            ));
        }
        let oid = field(fields, "oid")
            .or_else(|| field(fields, "ReturnOid"))
            .ok_or_else(|| GatewayError::Invalid("no oid".into()))?;
        if field(fields, "clientid").is_some_and(|c| c != self.config.client_id) {
            return Err(GatewayError::Invalid("another merchant's callback".into()));
        }
        if field(fields, "currency").is_some_and(|c| c.trim() != "504") {
            return Err(GatewayError::Invalid("not in MAD (504)".into()));
        }
        let amount_text =
            field(fields, "amount").ok_or_else(|| GatewayError::Invalid("no amount".into()))?;
        let amount = Money::mad(amount_text).map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let code = field(fields, "ProcReturnCode").unwrap_or("");
        let approved = code == "00";
        let event = if approved {
            if self.config.tran_type == TranType::Auth || self.config.auto_capture {
                PaymentEventKind::Captured { amount }
            } else {
                PaymentEventKind::Authorized { amount }
            }
        } else {
            let reason = field(fields, "ErrMsg")
                .or_else(|| field(fields, "mdErrorMsg"))
                .or_else(|| field(fields, "Response"))
                .unwrap_or("declined");
            PaymentEventKind::Declined {
                reason: format!("{code} {reason}").trim().to_owned(),
            }
        };
        let reference = match (approved, field(fields, "TransId")) {
            (true, Some(t)) if !t.is_empty() => t.to_owned(),
            _ => format!(
                "{oid}:{code}:{}",
                field(fields, "EXTRA.TRXDATE")
                    .or_else(|| field(fields, "HostRefNum"))
                    .unwrap_or("")
            ),
        };
        let raw: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .filter(|(k, _)| {
                let l = k.to_ascii_lowercase();
                !SECRET_FIELDS.contains(&l.as_str()) || l == "maskedpan"
            })
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        Ok(VerifiedNotification::new(oid, event, reference)
            .with_raw(serde_json::Value::Object(raw)))
    }

    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        NotificationAnswer::text(match verdict {
            NotificationVerdict::Approved
                if self.config.tran_type == TranType::PreAuth && self.config.auto_capture =>
            {
                "ACTION=POSTAUTH"
            }
            NotificationVerdict::Approved | NotificationVerdict::Declined => "APPROVED",
            _ => "FAILURE",
        })
    }

    async fn capture(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        if self.sale_only() {
            // The approval was a sale (or CMI captured it on our ACTION=POSTAUTH answer).
            return Err(GatewayError::Unsupported("capture of a sale"));
        }
        api::call(self, "PostAuth", op).await
    }

    async fn void(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        api::call(self, "Void", op).await
    }

    async fn refund(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        api::call(self, "Credit", op).await
    }
}
