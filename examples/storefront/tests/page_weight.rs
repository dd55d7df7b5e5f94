//! The first visit's weight: the home page, its style sheet and the fonts the style sheet
//! names, compressed as a browser asks for them, stay within 150 KB (in Arabic, which loads the
//! Arabic typefaces, and in French, which does not need them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

mod support;

/// The budget of a first visit to the home page (HTML + CSS + fonts, compressed).
const BUDGET: usize = 150 * 1024;

struct Fetched {
    status: StatusCode,
    encoding: Option<String>,
    cache: Option<String>,
    /// The bytes on the wire (compressed when the answer is).
    wire: usize,
    /// The text, decompressed (for finding what the page links).
    text: String,
}

async fn fetch(router: &axum::Router, uri: &str, encoding: &str) -> Fetched {
    let res = router
        .clone()
        .oneshot(
            Request::get(uri)
                .header(header::ACCEPT_ENCODING, encoding)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let head = |h| {
        res.headers()
            .get(h)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let enc = head(header::CONTENT_ENCODING);
    let cache = head(header::CACHE_CONTROL);
    let bytes = to_bytes(res.into_body(), 8 << 20).await.unwrap();
    let text = match enc.as_deref() {
        Some("gzip") => {
            use std::io::Read as _;
            let mut out = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut out)
                .unwrap();
            out
        }
        None => String::from_utf8_lossy(&bytes).into_owned(),
        // Only counted, not read.
        Some(_) => String::new(),
    };
    Fetched {
        status,
        encoding: enc,
        cache,
        wire: bytes.len(),
        text,
    }
}

/// Every `attr="…"` value in `html` after `marker` (e.g. the `href` of `rel="stylesheet"`).
fn stylesheets(html: &str) -> Vec<String> {
    html.split("<link ")
        .skip(1)
        .filter(|l| l.contains("rel=\"stylesheet\""))
        .filter_map(|l| {
            l.split("href=\"")
                .nth(1)?
                .split('"')
                .next()
                .map(str::to_owned)
        })
        .collect()
}

/// The `url(…)` addresses a style sheet names.
fn urls(css: &str) -> Vec<String> {
    css.split("url(")
        .skip(1)
        .filter_map(|u| u.split(')').next())
        .map(|u| u.trim_matches(['"', '\'']).to_owned())
        .collect()
}

/// The compressed weight of the home page in `lang` with everything it links for styling
/// and fonts (all fonts when `fonts`).
async fn first_visit(router: &axum::Router, lang: &str, fonts: bool) -> usize {
    let page = fetch(router, &format!("/?lang={lang}"), "gzip").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.encoding.as_deref(),
        Some("gzip"),
        "the page is compressed"
    );
    let sheets = stylesheets(&page.text);
    assert_eq!(sheets.len(), 1, "one style sheet: {sheets:?}");
    let mut total = page.wire;
    for sheet in sheets {
        let css = fetch(router, &sheet, "gzip").await;
        assert_eq!(css.status, StatusCode::OK, "{sheet}");
        assert_eq!(
            css.encoding.as_deref(),
            Some("gzip"),
            "the style sheet is compressed"
        );
        assert_eq!(
            css.cache.as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{sheet}"
        );
        assert!(
            !css.text.contains("overflow-wrap:anywhere"),
            "nothing splits amounts"
        );
        assert!(css.text.contains(".money"), "amounts stay on one line");
        total += css.wire;
        let font_urls = urls(&css.text);
        assert_eq!(font_urls.len(), 3, "{font_urls:?}");
        if fonts {
            for font in font_urls {
                let f = fetch(router, &font, "gzip, br").await;
                assert_eq!(f.status, StatusCode::OK, "{font}");
                assert_eq!(
                    f.cache.as_deref(),
                    Some("public, max-age=31536000, immutable")
                );
                assert_eq!(f.encoding, None, "WOFF2 is compressed already");
                total += f.wire;
            }
        }
    }
    total
}

#[tokio::test]
async fn the_home_page_with_its_styles_and_fonts_weighs_at_most_150_kb_compressed() {
    let app = support::demo_app().await;
    let router = tijara_storefront::router(app);
    let ar = first_visit(&router, "ar", true).await;
    println!("first visit in Arabic: {ar} bytes");
    assert!(ar <= BUDGET, "Arabic home page: {ar} bytes > {BUDGET}");
    let fr = first_visit(&router, "fr", false).await;
    println!("first visit in French: {fr} bytes");
    assert!(fr <= BUDGET, "French home page: {fr} bytes > {BUDGET}");
    // French pages name the Arabic fonts only for Arabic letters (`unicode-range`), so a
    // French page does not download them.
    let css_path = stylesheets(&fetch(&router, "/?lang=fr", "identity").await.text)[0].clone();
    let css = fetch(&router, &css_path, "identity").await.text;
    for face in css.split("@font-face").skip(1) {
        let face = face.split('}').next().unwrap();
        assert!(face.contains("unicode-range:U+0600-06FF"), "{face}");
        assert!(face.contains("font-display:swap"), "{face}");
    }
}

#[tokio::test]
async fn an_unknown_asset_is_a_404_and_assets_need_no_session() {
    let app = support::demo_app().await;
    let router = tijara_storefront::router(app);
    let missing = fetch(&router, "/assets/site-000000000000.css", "gzip").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.cache.as_deref(), Some("no-store"));
    let traversal = fetch(&router, "/assets/..%2FCargo.toml", "gzip").await;
    assert_eq!(traversal.status, StatusCode::NOT_FOUND);
    // The style sheet sets no cookie (it is shared by every visitor's cache).
    let page = fetch(&router, "/?lang=fr", "identity").await;
    let sheet = stylesheets(&page.text)[0].clone();
    let res = router
        .clone()
        .oneshot(Request::get(&sheet).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    let csp = res
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("style-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}
