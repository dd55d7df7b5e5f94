//! A CMI simulator: an HTTP service on loopback that behaves like CMI's hosted 3-D Secure
//! page, for tests and for the storefront's demo mode.
//!
//! - `POST /fim/est3Dgate` takes the merchant's form, checks its ver3 hash and shows a card
//!   page (`POST /fim/pay`);
//! - test cards: `4000000000000010` and `5453010000066100` are approved, `5191630100004896`
//!   fails 3-D Secure, any other number is declined;
//! - after the card page it posts the signed callback to `callbackUrl` (server to server),
//!   records the merchant's answer, then sends the browser to `okUrl` or `failUrl` with the
//!   signed fields, as CMI does;
//! - it can repeat callbacks, send them late, or send a forged one first;
//! - `POST /fim/api` answers `CC5Request`s (`PostAuth`, `Void`, `Credit`) for accounts with
//!   the API.
//!
//! Needs the `cmi-sim` feature.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tijara_pay_cmi::hash;

/// A callback the simulator sent, and what the merchant answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRecord {
    /// The payment attempt.
    pub oid: String,
    /// True for an approval.
    pub approved: bool,
    /// True when it was sent with a wrong hash on purpose.
    pub forged: bool,
    /// HTTP status of the merchant's answer (0 if unreachable).
    pub status: u16,
    /// The merchant's answer body.
    pub answer: String,
}

/// An API call received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    /// `PostAuth`, `Void` or `Credit`.
    pub kind: String,
    /// The `OrderId` (attempt).
    pub order_id: String,
    /// The `Total`, if any.
    pub total: Option<String>,
    /// The `TransId` (the approved transaction), if any.
    pub trans_id: Option<String>,
}

/// Form fields, in order.
type Fields = Vec<(String, String)>;

struct Sim {
    client_id: String,
    store_key: String,
    api_user: String,
    api_password: String,
    sessions: Mutex<HashMap<String, Vec<(String, String)>>>,
    last_callback: Mutex<Option<(String, Fields)>>,
    callbacks: Mutex<Vec<CallbackRecord>>,
    api_calls: Mutex<Vec<ApiCall>>,
    counter: AtomicU64,
    repeat: AtomicU32,
    delay_ms: AtomicU64,
    forge_first: AtomicBool,
    http: reqwest::Client,
}

/// A running simulator.
#[derive(Clone)]
pub struct CmiSimulator {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    sim: Arc<Sim>,
}

impl std::fmt::Debug for CmiSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CmiSimulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl CmiSimulator {
    /// Starts a simulator on `127.0.0.1` (a free port) for a merchant with this client id and
    /// store key; the XML API accepts `api`/`api-password`.
    pub async fn start(client_id: &str, store_key: &str) -> std::io::Result<Self> {
        let sim = Arc::new(Sim {
            client_id: client_id.to_owned(),
            store_key: store_key.to_owned(),
            api_user: "api".into(),
            api_password: "api-password".into(),
            sessions: Mutex::new(HashMap::new()),
            last_callback: Mutex::new(None),
            callbacks: Mutex::new(Vec::new()),
            api_calls: Mutex::new(Vec::new()),
            counter: AtomicU64::new(0),
            repeat: AtomicU32::new(1),
            delay_ms: AtomicU64::new(0),
            forge_first: AtomicBool::new(false),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(std::io::Error::other)?,
        });
        let app = Router::new()
            .route("/fim/est3Dgate", post(gate))
            .route("/fim/pay", post(pay))
            .route("/fim/api", post(api))
            .with_state(sim.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(CmiSimulator {
            base_url: format!("http://{addr}"),
            sim,
        })
    }

    /// The hosted page's URL (`CmiConfig::gateway_url`).
    pub fn gateway_url(&self) -> String {
        format!("{}/fim/est3Dgate", self.base_url)
    }

    /// The XML API's URL.
    pub fn api_url(&self) -> String {
        format!("{}/fim/api", self.base_url)
    }

    /// Sends every callback `n` times (at least once).
    pub fn set_repeat(&self, n: u32) {
        self.sim.repeat.store(n.max(1), Ordering::Relaxed);
    }

    /// Sends callbacks `ms` milliseconds after the card page, in the background.
    pub fn set_delay_ms(&self, ms: u64) {
        self.sim.delay_ms.store(ms, Ordering::Relaxed);
    }

    /// Sends a forged callback (wrong hash, approval) before each genuine one.
    pub fn set_forge_first(&self, forge: bool) {
        self.sim.forge_first.store(forge, Ordering::Relaxed);
    }

    /// The callbacks sent so far.
    pub fn callbacks(&self) -> Vec<CallbackRecord> {
        self.sim
            .callbacks
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// The API calls received so far.
    pub fn api_calls(&self) -> Vec<ApiCall> {
        self.sim
            .api_calls
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// The signed fields of a callback for `request` (the merchant's form) and a card outcome,
    /// as the simulator would post them.
    pub fn callback_fields(
        &self,
        request: &[(String, String)],
        approved: bool,
    ) -> Vec<(String, String)> {
        self.sim.callback(
            request,
            if approved {
                Outcome::Approved
            } else {
                Outcome::Declined
            },
        )
    }

    /// Posts a callback to `url` now and returns the merchant's answer.
    pub async fn post_callback(
        &self,
        url: &str,
        fields: &[(String, String)],
        forged: bool,
    ) -> CallbackRecord {
        self.sim.send(url, fields, forged).await
    }

    /// Posts the last genuine callback again, `n` times at once; returns the answers.
    pub async fn replay_last(&self, n: usize) -> Vec<CallbackRecord> {
        let last = self.sim.last_callback.lock().ok().and_then(|l| l.clone());
        let Some((url, fields)) = last else {
            return vec![];
        };
        let sends = (0..n).map(|_| {
            let sim = self.sim.clone();
            let (url, fields) = (url.clone(), fields.clone());
            tokio::spawn(async move { sim.send(&url, &fields, false).await })
        });
        let mut out = Vec::new();
        for s in sends {
            if let Ok(r) = s.await {
                out.push(r);
            }
        }
        out
    }

    /// The store key's ver3 hash of fields (to forge variations in tests).
    pub fn sign(&self, fields: &[(String, String)]) -> String {
        hash::ver3(fields, &self.sim.store_key)
    }
}

#[derive(Clone, Copy)]
enum Outcome {
    Approved,
    Declined,
    ThreeDsFailed,
}

impl Sim {
    fn callback(&self, request: &[(String, String)], outcome: Outcome) -> Vec<(String, String)> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields: Vec<(String, String)> = request
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("hash"))
            .cloned()
            .collect();
        let oid = get(request, "oid").to_owned();
        let (code, response, md, err) = match outcome {
            Outcome::Approved => ("00", "Approved", "1", ""),
            Outcome::Declined => ("05", "Declined", "1", "Transaction refusée"),
            Outcome::ThreeDsFailed => ("99", "Error", "0", "3-D Secure authentication failed"),
        };
        let approved = matches!(outcome, Outcome::Approved);
        for (k, v) in [
            ("ReturnOid", oid.clone()),
            ("ProcReturnCode", code.to_owned()),
            ("Response", response.to_owned()),
            ("mdStatus", md.to_owned()),
            ("ErrMsg", err.to_owned()),
            (
                "AuthCode",
                if approved {
                    format!("{:06}", n)
                } else {
                    String::new()
                },
            ),
            (
                "TransId",
                if approved {
                    format!("SIM{n:010}")
                } else {
                    String::new()
                },
            ),
            ("HostRefNum", format!("{n:012}")),
            ("MaskedPan", "400000***0010".to_owned()),
            (
                "EXTRA.TRXDATE",
                format!("28/11/2026 10:{:02}:{:02}", (n / 60) % 60, n % 60),
            ),
            ("callbackCall", "true".to_owned()),
        ] {
            fields.push((k.to_owned(), v));
        }
        let h = hash::ver3(&fields, &self.store_key);
        fields.push(("HASH".to_owned(), h));
        fields
    }

    async fn send(&self, url: &str, fields: &[(String, String)], forged: bool) -> CallbackRecord {
        let mut body = fields.to_vec();
        if forged {
            for (k, v) in body.iter_mut() {
                if k == "HASH" {
                    *v = "Zm9yZ2VkIGhhc2g=".into();
                }
            }
        }
        let (status, answer) = match self.http.post(url).form(&body).send().await {
            Ok(r) => {
                let s = r.status().as_u16();
                (s, r.text().await.unwrap_or_default())
            }
            Err(_) => (0, String::new()),
        };
        let rec = CallbackRecord {
            oid: get(fields, "oid").to_owned(),
            approved: get(fields, "ProcReturnCode") == "00",
            forged,
            status,
            answer,
        };
        if let Ok(mut c) = self.callbacks.lock() {
            c.push(rec.clone());
        }
        rec
    }
}

async fn gate(State(sim): State<Arc<Sim>>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    if get(&fields, "clientid") != sim.client_id || !hash::verify(&fields, &sim.store_key) {
        return (
            StatusCode::BAD_REQUEST,
            Html("<h1>CMI — erreur</h1><p>Signature de la requête invalide (HASH).</p>".to_owned()),
        )
            .into_response();
    }
    let session = format!("s{}", sim.counter.fetch_add(1, Ordering::Relaxed) + 1);
    let amount = esc(get(&fields, "amount"));
    let oid = esc(get(&fields, "oid"));
    if let Ok(mut s) = sim.sessions.lock() {
        s.insert(session.clone(), fields.clone());
    }
    Html(format!(
        r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>CMI — Paiement sécurisé (simulateur)</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:1rem}}label{{display:block;margin:.8rem 0 .2rem}}
input{{font-size:1.2rem;width:100%;padding:.4rem}}button{{margin-top:1.2rem;font-size:1.2rem;padding:.6rem 1.4rem}}
.note{{color:#555;font-size:.9rem}}</style></head><body>
<h1>Paiement sécurisé</h1><p class="note">Simulateur CMI — aucun paiement réel.</p>
<p>Commande <strong id="oid">{oid}</strong> — montant <strong id="amount">{amount} MAD</strong></p>
<form method="post" action="/fim/pay">
<input type="hidden" name="session" value="{session}">
<label for="pan">Numéro de carte</label><input id="pan" name="pan" inputmode="numeric" autocomplete="off" value="">
<label for="expiry">Expiration (MM/AA)</label><input id="expiry" name="expiry" value="12/30">
<label for="cvv">CVV</label><input id="cvv" name="cvv" value="000">
<button id="pay" type="submit">Payer</button></form>
<p class="note">Cartes de test : 4000000000000010 (acceptée), 5191630100004896 (échec 3-D Secure), autre (refusée).</p>
</body></html>"#
    ))
    .into_response()
}

async fn pay(State(sim): State<Arc<Sim>>, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let session = get(&fields, "session");
    let request = sim.sessions.lock().ok().and_then(|mut s| s.remove(session));
    let Some(request) = request else {
        return (
            StatusCode::BAD_REQUEST,
            Html("<h1>Session expirée</h1>".to_owned()),
        )
            .into_response();
    };
    let pan: String = get(&fields, "pan")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let outcome = match pan.as_str() {
        "4000000000000010" | "5453010000066100" => Outcome::Approved,
        "5191630100004896" => Outcome::ThreeDsFailed,
        _ => Outcome::Declined,
    };
    let signed = sim.callback(&request, outcome);
    let callback_url = get(&request, "callbackUrl").to_owned();
    if let Ok(mut l) = sim.last_callback.lock() {
        *l = Some((callback_url.clone(), signed.clone()));
    }
    let repeat = sim.repeat.load(Ordering::Relaxed);
    let forge = sim.forge_first.load(Ordering::Relaxed);
    let delay = sim.delay_ms.load(Ordering::Relaxed);
    let job = {
        let sim = sim.clone();
        let signed = signed.clone();
        async move {
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            if forge {
                sim.send(&callback_url, &signed, true).await;
            }
            for _ in 0..repeat {
                sim.send(&callback_url, &signed, false).await;
            }
        }
    };
    if delay > 0 {
        tokio::spawn(job);
    } else {
        job.await;
    }
    let target = if matches!(outcome, Outcome::Approved) {
        get(&request, "okUrl")
    } else {
        get(&request, "failUrl")
    };
    let inputs: String = signed
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                esc(k),
                esc(v)
            )
        })
        .collect();
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>CMI — retour au marchand</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="{}">{inputs}
<noscript><button type="submit">Retour au site marchand</button></noscript></form></body></html>"#,
        esc(target)
    ))
    .into_response()
}

#[derive(serde::Deserialize)]
#[serde(rename = "CC5Request")]
struct Cc5In {
    #[serde(rename = "Name", default)]
    name: String,
    #[serde(rename = "Password", default)]
    password: String,
    #[serde(rename = "ClientId", default)]
    client_id: String,
    #[serde(rename = "Type", default)]
    kind: String,
    #[serde(rename = "OrderId", default)]
    order_id: String,
    #[serde(rename = "Total", default)]
    total: Option<String>,
    #[serde(rename = "TransId", default)]
    trans_id: Option<String>,
}

async fn api(State(sim): State<Arc<Sim>>, body: String) -> Response {
    let answer = |code: &str, response: &str, err: &str, trans: &str| {
        (
            [("content-type", "text/xml; charset=utf-8")],
            format!(
                "<CC5Response><Response>{response}</Response><ProcReturnCode>{code}</ProcReturnCode><ErrMsg>{}</ErrMsg><TransId>{trans}</TransId></CC5Response>",
                esc(err)
            ),
        )
            .into_response()
    };
    let Ok(req) = quick_xml::de::from_str::<Cc5In>(&body) else {
        return answer("99", "Error", "Malformed CC5Request", "");
    };
    if req.name != sim.api_user
        || req.password != sim.api_password
        || req.client_id != sim.client_id
    {
        return answer("99", "Error", "Invalid credentials", "");
    }
    if !matches!(req.kind.as_str(), "PostAuth" | "Void" | "Credit") {
        return answer("99", "Error", "Unsupported Type", "");
    }
    let n = sim.counter.fetch_add(1, Ordering::Relaxed) + 1;
    if let Ok(mut c) = sim.api_calls.lock() {
        c.push(ApiCall {
            kind: req.kind.clone(),
            order_id: req.order_id.clone(),
            total: req.total.clone(),
            trans_id: req.trans_id.clone(),
        });
    }
    answer("00", "Approved", "", &format!("API{n:010}"))
}
