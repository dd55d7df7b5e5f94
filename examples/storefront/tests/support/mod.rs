//! A cookie-keeping client for the storefront's router, in process: it remembers cookies like a
//! browser and adds the page's CSRF token to the forms it posts.

#![allow(dead_code, clippy::unwrap_used)] // test helpers fail the test by unwrapping

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use std::collections::BTreeMap;
use tijara_storefront::App;
use tower::ServiceExt;

/// Panics unless `body` (a page in Arabic) names the product `slug` by its Arabic title (its
/// French one when it has none), as an order line should, not by its SKU.
pub async fn assert_names_in_arabic(app: &App, slug: &str, body: &str) {
    let view = app.engine.catalog().product_by_slug(slug).await.unwrap();
    let title = view
        .product
        .title
        .get(tijara_core::Lang::AR, tijara_core::Lang::FR);
    assert!(
        body.contains(title.unwrap()),
        "the item by its name: {body}"
    );
}

/// A demo marketplace on in-memory SQLite.
pub async fn demo_app() -> App {
    demo_app_with(None, Vec::new()).await
}

/// A data folder of its own for one test app (photos, keys): tests running at once never see
/// each other's files, nor those an earlier run left.
#[allow(dead_code)]
pub fn data_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(tijara_testkit::storage::unique(&format!(
        "tijara-test-app-{}",
        std::process::id()
    )));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A marketplace on in-memory SQLite (CMI simulator, a data folder of its own) for a region
/// and its rate-card carriers, built but not seeded.
async fn built_app(
    region: Option<tijara_core::Region>,
    carriers: Vec<tijara_carrier_table::TableCarrier>,
) -> App {
    let settings = tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir(),
        database_url: Some("sqlite::memory:".into()),
        public_url: Some("http://127.0.0.1:9".into()),
        cmi: None,
        display_rates: tijara_storefront::indicative_rates(
            tijara_core::Decimal::new(92, 3),
            tijara_core::Decimal::new(100, 3),
        ),
        region,
        carriers,
    };
    tijara_storefront::build(&settings).await.unwrap()
}

/// An empty marketplace (as a production start leaves it: no category, no seller, no account).
#[allow(dead_code)]
pub async fn empty_app() -> App {
    built_app(None, Vec::new()).await
}

/// A demo marketplace on in-memory SQLite for a region and its rate-card carriers.
pub async fn demo_app_with(
    region: Option<tijara_core::Region>,
    carriers: Vec<tijara_carrier_table::TableCarrier>,
) -> App {
    let app = built_app(region, carriers).await;
    assert!(
        tijara_storefront::seed::seed_if_empty(&app.engine)
            .await
            .unwrap()
    );
    app
}

/// One visitor.
#[derive(Clone)]
pub struct Client {
    pub router: axum::Router,
    pub jar: BTreeMap<String, String>,
    pub csrf: Option<String>,
}

/// An answer: status, `Location`, body, and every header.
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub headers: axum::http::HeaderMap,
}

impl Answer {
    /// The header `name`'s value, if it has one (as text).
    #[allow(dead_code)]
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

fn hidden_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

impl Client {
    pub fn new(app: &App) -> Client {
        Client {
            router: tijara_storefront::router(app.clone()),
            jar: BTreeMap::new(),
            csrf: None,
        }
    }

    fn cookies(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: axum::http::request::Builder, body: Body) -> Answer {
        let req = if self.jar.is_empty() {
            req
        } else {
            req.header(header::COOKIE, self.cookies())
        };
        let res = self
            .router
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (name, value) = v.split(';').next().unwrap().split_once('=').unwrap();
            if v.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let headers = res.headers().clone();
        let bytes = to_bytes(res.into_body(), 4 << 20).await.unwrap();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(t) = hidden_csrf(&body) {
            self.csrf = Some(t);
        }
        Answer {
            status,
            location,
            body,
            headers,
        }
    }

    pub async fn get(&mut self, uri: &str) -> Answer {
        self.send(Request::get(uri), Body::empty()).await
    }

    /// Sends a request built by the test (its own headers), with this visitor's cookies.
    pub async fn request(&mut self, req: axum::http::request::Builder, body: Body) -> Answer {
        self.send(req, body).await
    }

    /// Posts a form as the page would: with the last page's CSRF token.
    pub async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone().unwrap_or_default();
        fields.push(("csrf", &token));
        self.post_raw(uri, &fields).await
    }

    /// Posts exactly these fields.
    pub async fn post_raw(&mut self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    /// Logs in from the login page; returns where it was sent.
    pub async fn login(&mut self, email: &str, password: &str) -> Answer {
        self.get("/account/login").await;
        self.post(
            "/account/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

impl Client {
    /// Posts one file as `multipart/form-data` (field `name`).
    pub async fn post_file(&mut self, uri: &str, name: &str, file: &[u8]) -> Answer {
        let boundary = "tijara-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"photo\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post(uri).header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ),
            Body::from(body),
        )
        .await
    }
}

impl Client {
    /// Posts a `multipart/form-data` form as a browser would: text `fields`, then `files`
    /// (field name, bytes); the last page's CSRF token goes in the query, as the shop's
    /// multipart forms send it.
    pub async fn post_multipart(
        &mut self,
        uri: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Answer {
        let boundary = "tijara-test-boundary-9QwErTy2026";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"photo.jpg\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(file);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let token = self.csrf.clone().unwrap_or_default();
        let sep = if uri.contains('?') { '&' } else { '?' };
        self.send(
            Request::post(format!("{uri}{sep}csrf={token}")).header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ),
            Body::from(body),
        )
        .await
    }
}

/// A JSON API call: `token` as a bearer, `body` as JSON; answers the status and the JSON body
/// (`Null` when the body is not JSON).
pub async fn call(
    router: &axum::Router,
    method: axum::http::Method,
    uri: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let res = router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// A bearer token for an account (the login must succeed).
pub async fn token(router: &axum::Router, email: &str, password: &str) -> String {
    let (status, v) = call(
        router,
        axum::http::Method::POST,
        "/api/v1/sessions",
        None,
        Some(serde_json::json!({"email": email, "password": password})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

/// A storefront on a SQLite file of its own (rusqlite, the default adapter): the app, the
/// file's path.
pub async fn file_app(name: &str) -> (tijara_storefront::App, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "tijara-file-{name}-{}-{}",
        std::process::id(),
        tijara_testkit::storage::unique("t")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("tijara.db");
    let settings = tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.clone(),
        database_url: Some(format!("sqlite://{}", db.display())),
        public_url: Some("http://127.0.0.1:9".into()),
        cmi: None,
        display_rates: Vec::new(),
        region: None,
        carriers: Vec::new(),
    };
    (tijara_storefront::build(&settings).await.unwrap(), db)
}
