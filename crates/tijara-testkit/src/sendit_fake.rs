//! A local fake of Sendit's API (the shapes the `tijara-carrier-sendit` adapter uses): login
//! with keys for a bearer token that can be made to expire, paginated districts, deliveries
//! created with validation errors like the real service's, looked up by code or reference; it
//! can answer slowly or with server errors.
//!
//! Needs the `fakes` feature.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
struct Delivery {
    code: String,
    reference: String,
    status: String,
    last_action_at: String,
    amount: String,
}

struct Fake {
    base: Mutex<String>,
    public_key: String,
    secret_key: String,
    tokens: Mutex<HashMap<String, u32>>,
    token_uses: AtomicU32,
    delay_ms: AtomicU64,
    fail_next: AtomicU32,
    counter: AtomicU64,
    deliveries: Mutex<Vec<Delivery>>,
    logins: AtomicU32,
}

/// A running fake Sendit.
#[derive(Clone)]
pub struct SenditFake {
    /// `http://127.0.0.1:PORT/api/v1`.
    pub base_url: String,
    fake: Arc<Fake>,
}

impl std::fmt::Debug for SenditFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenditFake")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"success": false, "message": message}))).into_response()
}

impl Fake {
    async fn gate(&self, headers: &HeaderMap) -> Result<(), Response> {
        let delay = self.delay_ms.load(Ordering::Relaxed);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if self.fail_next.load(Ordering::Relaxed) > 0 {
            self.fail_next.fetch_sub(1, Ordering::Relaxed);
            return Err(error(StatusCode::INTERNAL_SERVER_ERROR, "Server Error"));
        }
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("")
            .to_owned();
        let mut tokens = self
            .tokens
            .lock()
            .map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "poisoned"))?;
        match tokens.get_mut(&token) {
            Some(left) if *left > 0 => {
                *left -= 1;
                Ok(())
            }
            _ => Err(error(StatusCode::UNAUTHORIZED, "Unauthenticated.")),
        }
    }
}

impl SenditFake {
    /// Starts the fake on `127.0.0.1` for these keys.
    pub async fn start(public_key: &str, secret_key: &str) -> std::io::Result<Self> {
        let fake = Arc::new(Fake {
            base: Mutex::new(String::new()),
            public_key: public_key.to_owned(),
            secret_key: secret_key.to_owned(),
            tokens: Mutex::new(HashMap::new()),
            token_uses: AtomicU32::new(1000),
            delay_ms: AtomicU64::new(0),
            fail_next: AtomicU32::new(0),
            counter: AtomicU64::new(0),
            deliveries: Mutex::new(Vec::new()),
            logins: AtomicU32::new(0),
        });
        let app = Router::new()
            .route("/api/v1/login", post(login))
            .route("/api/v1/districts", get(districts))
            .route("/api/v1/deliveries", post(create).get(search))
            .route("/api/v1/deliveries/{code}", get(delivery))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}/api/v1", listener.local_addr()?);
        if let Ok(mut b) = fake.base.lock() {
            *b = base_url.clone();
        }
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(SenditFake { base_url, fake })
    }

    /// Tokens issued from now on expire after `uses` requests.
    pub fn set_token_uses(&self, uses: u32) {
        self.fake.token_uses.store(uses, Ordering::Relaxed);
    }
    /// Expires every token issued.
    pub fn expire_tokens(&self) {
        if let Ok(mut t) = self.fake.tokens.lock() {
            t.clear();
        }
    }
    /// Answers every request `ms` milliseconds late.
    pub fn set_delay_ms(&self, ms: u64) {
        self.fake.delay_ms.store(ms, Ordering::Relaxed);
    }
    /// The next `n` authenticated requests fail with a 500.
    pub fn fail_next(&self, n: u32) {
        self.fake.fail_next.store(n, Ordering::Relaxed);
    }
    /// How many deliveries exist.
    pub fn deliveries_created(&self) -> usize {
        self.fake.deliveries.lock().map(|d| d.len()).unwrap_or(0)
    }
    /// How many logins happened.
    pub fn logins(&self) -> u32 {
        self.fake.logins.load(Ordering::Relaxed)
    }
    /// Moves a delivery to `status` at `at` (`YYYY-MM-DD HH:MM:SS`).
    pub fn set_status(&self, code: &str, status: &str, at: &str) {
        if let Ok(mut d) = self.fake.deliveries.lock()
            && let Some(x) = d.iter_mut().find(|x| x.code == code)
        {
            x.status = status.to_owned();
            x.last_action_at = at.to_owned();
        }
    }
    /// The amount to collect of a delivery.
    pub fn amount_of(&self, code: &str) -> Option<String> {
        self.fake
            .deliveries
            .lock()
            .ok()?
            .iter()
            .find(|x| x.code == code)
            .map(|x| x.amount.clone())
    }
}

async fn login(State(f): State<Arc<Fake>>, Json(body): Json<Value>) -> Response {
    if body["public_key"] != f.public_key.as_str() || body["secret_key"] != f.secret_key.as_str() {
        return error(StatusCode::UNAUTHORIZED, "Invalid credentials");
    }
    f.logins.fetch_add(1, Ordering::Relaxed);
    let token = format!("tok{}", f.counter.fetch_add(1, Ordering::Relaxed));
    if let Ok(mut t) = f.tokens.lock() {
        t.insert(token.clone(), f.token_uses.load(Ordering::Relaxed));
    }
    Json(json!({"success": true, "data": {"token": token}})).into_response()
}

async fn districts(
    State(f): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = f.gate(&headers).await {
        return r;
    }
    let base = f.base.lock().map(|b| b.clone()).unwrap_or_default();
    let (data, next) = match q.get("page").map(String::as_str) {
        Some("2") => (
            json!([
                {"id": 3, "name": "Laayoune", "arabic_name": "العيون", "price": "30", "delais": 1},
                {"id": 4, "name": "Rabat", "arabic_name": "الرباط", "price": "40", "delais": 1}
            ]),
            Value::Null,
        ),
        _ => (
            json!([
                {"id": 1, "name": "Dakhla", "arabic_name": "الداخلة", "price": "35", "delais": "2"},
                {"id": 2, "name": "Casablanca", "arabic_name": "الدار البيضاء", "price": 40, "delais": 1}
            ]),
            Value::String(format!("{base}/districts?page=2")),
        ),
    };
    Json(json!({"success": true, "data": {"current_page": 1, "data": data, "next_page_url": next}}))
        .into_response()
}

async fn create(State(f): State<Arc<Fake>>, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    if let Err(r) = f.gate(&headers).await {
        return r;
    }
    let phone = b["phone"].as_str().unwrap_or("");
    if !(1..=4).contains(&b["district_id"].as_u64().unwrap_or(0)) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The selected district id is invalid.",
        );
    }
    if b["name"].as_str().unwrap_or("").trim().is_empty()
        || b["address"].as_str().unwrap_or("").trim().is_empty()
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The name and address fields are required.",
        );
    }
    if phone.chars().filter(char::is_ascii_digit).count() < 9 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The phone must be a valid phone number.",
        );
    }
    let n = f.counter.fetch_add(1, Ordering::Relaxed);
    let d = Delivery {
        code: format!("SD{n:08}"),
        reference: b["reference"].as_str().unwrap_or("").to_owned(),
        status: "PENDING".into(),
        last_action_at: "2026-11-28 09:00:00".into(),
        amount: b["amount"].as_str().unwrap_or("0").to_owned(),
    };
    if let Ok(mut all) = f.deliveries.lock() {
        all.push(d.clone());
    }
    Json(json!({"success": true, "data": {"code": d.code, "reference": d.reference, "status": d.status}})).into_response()
}

async fn search(
    State(f): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = f.gate(&headers).await {
        return r;
    }
    let reference = q.get("reference").cloned().unwrap_or_default();
    let found: Vec<Value> = f
        .deliveries
        .lock()
        .map(|all| {
            all.iter()
                .filter(|d| d.reference == reference)
                .map(|d| json!({"code": d.code, "reference": d.reference, "status": d.status, "last_action_at": d.last_action_at}))
                .collect()
        })
        .unwrap_or_default();
    Json(json!({"success": true, "data": found})).into_response()
}

async fn delivery(
    State(f): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    if let Err(r) = f.gate(&headers).await {
        return r;
    }
    let d = f
        .deliveries
        .lock()
        .ok()
        .and_then(|all| all.iter().find(|d| d.code == code).cloned());
    match d {
        Some(d) => Json(json!({"success": true, "data": {
            "code": d.code, "reference": d.reference, "status": d.status, "last_action_at": d.last_action_at, "amount": d.amount
        }}))
        .into_response(),
        None => error(StatusCode::NOT_FOUND, "Delivery not found"),
    }
}
