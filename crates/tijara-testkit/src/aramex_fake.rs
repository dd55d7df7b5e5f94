//! A local fake of Aramex's JSON shipping API (the shapes `tijara-carrier-aramex` uses):
//! `ClientInfo` checked on every call, `Accept: application/json` required, `HasErrors` and
//! `Notifications` for refusals, rates for domestic (`DOM`) and express international (`EXP`)
//! parcels with the `CODS` service, shipments (one per `Reference1`), labels, scripted tracking;
//! it can fail with server errors or answer slowly.
//!
//! Needs the `fakes` feature.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A scripted tracking update: (code, description, epoch milliseconds).
type Update = (String, String, i64);

struct Fake {
    user: String,
    password: String,
    account: String,
    pin: String,
    counter: AtomicU64,
    by_reference: Mutex<HashMap<String, String>>,
    events: Mutex<HashMap<String, Vec<Update>>>,
    fail_next: AtomicU32,
    delay_ms: AtomicU64,
    base: Mutex<String>,
    /// Taken off rates with cash on delivery (whole MAD).
    cod_rebate: AtomicU64,
    /// The last shipment asked (its `Shipments[0]`).
    last_shipment: Mutex<Option<Value>>,
}

/// A running fake Aramex.
#[derive(Clone)]
pub struct AramexFake {
    /// `http://127.0.0.1:PORT/ShippingAPI.V2`.
    pub base_url: String,
    fake: Arc<Fake>,
}

impl std::fmt::Debug for AramexFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AramexFake")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

fn refused(code: &str, message: &str) -> Response {
    Json(json!({"HasErrors": true, "Notifications": [{"Code": code, "Message": message}]}))
        .into_response()
}

impl Fake {
    async fn gate(&self, headers: &HeaderMap, body: &Value) -> Result<(), Response> {
        let delay = self.delay_ms.load(Ordering::Relaxed);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if self.fail_next.load(Ordering::Relaxed) > 0 {
            self.fail_next.fetch_sub(1, Ordering::Relaxed);
            return Err((StatusCode::SERVICE_UNAVAILABLE, "busy").into_response());
        }
        if headers.get("accept").and_then(|v| v.to_str().ok()) != Some("application/json") {
            return Err(
                (StatusCode::OK, "<xml>send Accept: application/json</xml>").into_response()
            );
        }
        let c = &body["ClientInfo"];
        let ok = c["UserName"] == self.user.as_str()
            && c["Password"] == self.password.as_str()
            && c["AccountNumber"] == self.account.as_str()
            && c["AccountPin"] == self.pin.as_str()
            && c["Version"] == "v1.0";
        if !ok {
            return Err(refused("ERR01", "Invalid username or password"));
        }
        Ok(())
    }
}

fn weight(body: &Value) -> Decimal {
    match &body["Value"] {
        Value::Number(n) => n.to_string().parse().unwrap_or(Decimal::ONE),
        Value::String(s) => s.parse().unwrap_or(Decimal::ONE),
        _ => Decimal::ONE,
    }
}

fn amount(details: &Value) -> Decimal {
    let kilos = weight(&details["ActualWeight"]).ceil().max(Decimal::ONE);
    let international = details["ProductGroup"] == "EXP";
    let mut total = if international {
        Decimal::from(250) + Decimal::from(80) * (kilos - Decimal::ONE)
    } else {
        Decimal::from(30) + Decimal::from(15) * (kilos - Decimal::ONE)
    };
    if details["Services"] == "CODS" {
        let cod = weight(&details["CashOnDeliveryAmount"]);
        let fee = (cod * Decimal::new(2, 2))
            .round_dp(2)
            .max(Decimal::from(15));
        total += fee;
    }
    total.round_dp(2)
}

impl AramexFake {
    /// Starts the fake for these credentials.
    pub async fn start(
        user: &str,
        password: &str,
        account: &str,
        pin: &str,
    ) -> std::io::Result<Self> {
        let fake = Arc::new(Fake {
            user: user.into(),
            password: password.into(),
            account: account.into(),
            pin: pin.into(),
            counter: AtomicU64::new(0),
            by_reference: Mutex::new(HashMap::new()),
            events: Mutex::new(HashMap::new()),
            fail_next: AtomicU32::new(0),
            delay_ms: AtomicU64::new(0),
            base: Mutex::new(String::new()),
            cod_rebate: AtomicU64::new(0),
            last_shipment: Mutex::new(None),
        });
        let app = Router::new()
            .route(
                "/ShippingAPI.V2/RateCalculator/Service_1_0.svc/json/CalculateRate",
                post(rate),
            )
            .route(
                "/ShippingAPI.V2/Shipping/Service_1_0.svc/json/CreateShipments",
                post(create),
            )
            .route(
                "/ShippingAPI.V2/Shipping/Service_1_0.svc/json/PrintLabel",
                post(label),
            )
            .route(
                "/ShippingAPI.V2/Tracking/Service_1_0.svc/json/TrackShipments",
                post(track),
            )
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}/ShippingAPI.V2", listener.local_addr()?);
        if let Ok(mut b) = fake.base.lock() {
            *b = base_url.clone();
        }
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(AramexFake { base_url, fake })
    }

    /// Scripts the tracking updates of an AWB: (code, description, epoch milliseconds).
    pub fn set_events(&self, awb: &str, events: Vec<(String, String, i64)>) {
        if let Ok(mut e) = self.fake.events.lock() {
            e.insert(awb.to_owned(), events);
        }
    }
    /// The next `n` calls fail with a 503.
    pub fn fail_next(&self, n: u32) {
        self.fake.fail_next.store(n, Ordering::Relaxed);
    }
    /// Answers `ms` late.
    pub fn set_delay_ms(&self, ms: u64) {
        self.fake.delay_ms.store(ms, Ordering::Relaxed);
    }
    /// Takes `mad` off every rate with cash on delivery, as a promotion can (so that a rate
    /// with COD may come out below the plain one).
    pub fn set_cod_rebate(&self, mad: u64) {
        self.fake.cod_rebate.store(mad, Ordering::Relaxed);
    }
    /// The last shipment asked, as sent (`Shipments[0]` of the request: consignee, details,
    /// customs value and items).
    pub fn last_shipment(&self) -> Option<Value> {
        self.fake.last_shipment.lock().ok().and_then(|s| s.clone())
    }
    /// Shipments created.
    pub fn shipments_created(&self) -> usize {
        self.fake.by_reference.lock().map(|m| m.len()).unwrap_or(0)
    }
}

async fn rate(State(f): State<Arc<Fake>>, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    if let Err(r) = f.gate(&headers, &b).await {
        return r;
    }
    if b["DestinationAddress"]["City"]
        .as_str()
        .unwrap_or("")
        .trim()
        .is_empty()
    {
        return refused("ERR02", "Destination city is required");
    }
    let mut total = amount(&b["ShipmentDetails"]);
    if b["ShipmentDetails"]["Services"] == "CODS" {
        total -= Decimal::from(f.cod_rebate.load(Ordering::Relaxed));
    }
    Json(json!({"HasErrors": false, "Notifications": [], "TotalAmount": {"Value": total, "CurrencyCode": "MAD"}})).into_response()
}

async fn create(State(f): State<Arc<Fake>>, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    if let Err(r) = f.gate(&headers, &b).await {
        return r;
    }
    let s = &b["Shipments"][0];
    if let Ok(mut last) = f.last_shipment.lock() {
        *last = Some(s.clone());
    }
    // Like Aramex, an express parcel abroad (dutiable) needs its customs value.
    let d = &s["Details"];
    if d["ProductGroup"] == "EXP" && d["CustomsValueAmount"]["Value"].is_null() {
        return Json(json!({"HasErrors": true, "Notifications": [], "Shipments": [{"ID": "", "HasErrors": true,
            "Notifications": [{"Code": "ERR31", "Message": "Customs value is required for dutiable shipments"}]}]}))
        .into_response();
    }
    if d["ProductGroup"] == "EXP" && d["Services"] == "CODS" {
        return Json(json!({"HasErrors": true, "Notifications": [], "Shipments": [{"ID": "", "HasErrors": true,
            "Notifications": [{"Code": "ERR32", "Message": "COD is not available for international shipments"}]}]}))
        .into_response();
    }
    let phone = s["Consignee"]["Contact"]["PhoneNumber1"]
        .as_str()
        .unwrap_or("");
    if phone.chars().filter(char::is_ascii_digit).count() < 9 {
        return Json(json!({"HasErrors": true, "Notifications": [], "Shipments": [{"ID": "", "HasErrors": true,
            "Notifications": [{"Code": "ERR10", "Message": "Consignee phone is invalid"}]}]}))
        .into_response();
    }
    let reference = s["Reference1"].as_str().unwrap_or("").to_owned();
    let awb = {
        let mut m = match f.by_reference.lock() {
            Ok(m) => m,
            Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "poisoned").into_response(),
        };
        m.entry(reference.clone())
            .or_insert_with(|| {
                format!(
                    "{}",
                    44_000_000_000u64 + f.counter.fetch_add(1, Ordering::Relaxed)
                )
            })
            .clone()
    };
    let base = f.base.lock().map(|x| x.clone()).unwrap_or_default();
    Json(json!({"HasErrors": false, "Notifications": [], "Shipments": [{
        "ID": awb, "Reference1": reference, "HasErrors": false, "Notifications": [],
        "ShipmentLabel": {"LabelURL": format!("{base}/labels/{awb}.pdf"), "LabelFileContents": null}
    }]}))
    .into_response()
}

async fn label(State(f): State<Arc<Fake>>, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    if let Err(r) = f.gate(&headers, &b).await {
        return r;
    }
    let awb = b["ShipmentNumber"].as_str().unwrap_or("");
    let base = f.base.lock().map(|x| x.clone()).unwrap_or_default();
    Json(json!({"HasErrors": false, "Notifications": [], "ShipmentLabel": {"LabelURL": format!("{base}/labels/{awb}.pdf")}})).into_response()
}

async fn track(State(f): State<Arc<Fake>>, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    if let Err(r) = f.gate(&headers, &b).await {
        return r;
    }
    let awbs: Vec<String> = b["Shipments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect();
    let events = f.events.lock().map(|e| e.clone()).unwrap_or_default();
    let results: Vec<Value> = awbs
        .iter()
        .map(|awb| {
            let updates: Vec<Value> = events
                .get(awb)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|(code, desc, ms)| {
                    json!({"WaybillNumber": awb, "UpdateCode": code, "UpdateDescription": desc,
                    "UpdateDateTime": format!("/Date({ms}+0100)/"), "UpdateLocation": "Casablanca"})
                })
                .collect();
            json!({"Key": awb, "Value": updates})
        })
        .collect();
    Json(json!({"HasErrors": false, "Notifications": [], "TrackingResults": results}))
        .into_response()
}
