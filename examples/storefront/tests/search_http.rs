//! Search over HTTP (issue 16): the JSON API's `q` with facets, sorts and numbered pages, open
//! to anonymous shoppers; bad parameters refused with a message that says what to send; hostile
//! queries never a 5xx nor an SQL error; the search page with its count, facets and an empty
//! state that suggests.

#![allow(clippy::unwrap_used)] // test helpers fail the test by unwrapping

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

mod support;

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let body = to_bytes(res.into_body(), 8 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn titles(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["product"]["title"]["fr"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_searches_for_anonymous_shoppers_with_facets_and_pages() {
    let app = tijara_storefront::router(support::demo_app().await);
    // Anonymous: no token, no cookie.
    let (status, body) = get(&app, "/api/v1/products?q=khayma").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let mut first_two = titles(&v)[..2].to_vec();
    first_two.sort();
    assert_eq!(
        first_two,
        ["Khaïma familiale", "Khaïma miniature"],
        "{body}"
    );
    assert!(v["total"].as_u64().unwrap() >= 2);
    assert_eq!(v["page"], 1);
    assert!(
        v["facets"]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["value"] == "tents")
    );
    assert!(v["facets"]["prices"].as_array().unwrap().len() == 5);

    // Filters, sort and pages.
    let (_, body) = get(
        &app,
        "/api/v1/products?q=bijoux&category=jewellery&sort=price_asc&limit=3&page=2",
    )
    .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["total"], 9, "{body}");
    assert_eq!(v["pages"], 3);
    assert_eq!(titles(&v).len(), 3);
    let (_, body) = get(&app, "/api/v1/products?q=sandales&in_stock=true").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(
        titles(&v).contains(&"Sandales en cuir".to_owned()),
        "{body}"
    );
    let (_, body) = get(&app, "/api/v1/products?q=tapis&seller_kind=gie").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v["items"].as_array().is_some(), "{body}");

    // Nothing found: a suggestion, never an error.
    let (status, body) = get(&app, "/api/v1/products?q=tapiserie%20xylophone").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = get(&app, "/api/v1/products?q=potery").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["total"].as_u64().unwrap() >= 5,
        "one edit from pottery: {body}"
    );
    let (_, body) = get(&app, "/api/v1/products?q=pxttxry").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["total"].as_u64(), v["did_you_mean"].as_str()),
        (Some(0), Some("pottery")),
        "{body}"
    );

    // The listing without q is unchanged (cursor pages).
    let (status, body) = get(&app, "/api/v1/products?limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        serde_json::from_str::<Value>(&body)
            .unwrap()
            .get("next")
            .is_some()
    );

    // The OpenAPI document describes the search.
    let (_, doc) = get(&app, "/api/openapi.json").await;
    assert!(
        doc.contains("price_asc") && doc.contains("did_you_mean"),
        "openapi"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_search_parameters_are_refused_and_hostile_queries_answered() {
    let app = tijara_storefront::router(support::demo_app().await);
    for (uri, says) in [
        (
            "/api/v1/products?q=tapis&sort=cheapest",
            "sort must be relevance",
        ),
        (
            "/api/v1/products?q=tapis&limit=500",
            "limit must be 1 to 48",
        ),
        ("/api/v1/products?q=tapis&limit=0", "limit must be 1 to 48"),
        (
            "/api/v1/products?q=tapis&seller_kind=shop",
            "seller_kind must be",
        ),
        ("/api/v1/products?q=tapis&after=x", "use page"),
        ("/api/v1/products?q=tapis&min_price=cheap", ""),
    ] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}: {body}");
        assert!(body.contains(says), "{uri}: {body}");
    }
    let (status, body) = get(&app, "/api/v1/products?q=tapis&page=abc").await;
    assert!(status.is_client_error(), "{body}");
    let long = "a".repeat(10 * 1024);
    for q in [
        "%22",
        "*",
        "NEAR(tapis%2C2)",
        "tapis%20OR%20chameau",
        "-tapis",
        "title%3Atapis",
        "((tapis",
        "%00",
        "tapis%00chameau",
        "%F0%9F%90%AA",
        "!!!",
        "%27%3B%20DROP%20TABLE%20products%3B--",
        long.as_str(),
    ] {
        for base in ["/api/v1/products?q=", "/?q="] {
            let (status, body) = get(&app, &format!("{base}{q}")).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{base}{}: {}",
                &q[..q.len().min(40)],
                &body[..body.len().min(300)]
            );
            assert!(
                !body.contains("SQLITE")
                    && !body.contains("syntax error")
                    && !body.contains("fts5"),
                "{q}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_page_shows_the_count_facets_and_an_empty_state_that_suggests() {
    let app = tijara_storefront::router(support::demo_app().await);
    let (status, html) = get(&app, "/?q=tappis&lang=fr").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Tapis en laine de chameau"), "typo forgiven");
    assert!(
        html.contains("résultats") || html.contains("1 résultat"),
        "the count"
    );
    assert!(
        html.contains("value=\"tappis\""),
        "the query stays in the box"
    );
    assert!(
        html.contains("Filtres") && html.contains("Catégorie"),
        "facets"
    );
    assert!(html.contains("name=\"sort\""), "the sort");
    let (_, html) = get(
        &app,
        "/?q=bijoux&lang=ar&sort=price_desc&category=jewellery",
    )
    .await;
    assert!(html.contains("dir=\"rtl\""), "Arabic is right to left");
    assert!(
        html.contains("aria-current=\"true\""),
        "the chosen category is marked"
    );
    let (_, html) = get(&app, "/?q=pxttxry&lang=fr").await;
    assert!(html.contains("Aucun produit pour"), "the empty state");
    assert!(
        html.contains("Vouliez-vous dire") && html.contains("q=pottery"),
        "did you mean"
    );
    assert!(html.contains("/?category=pottery"), "the categories");
    let (_, html) = get(&app, "/?q=tapis%20xylophone&lang=en").await;
    assert!(
        html.contains("here are products with some of them"),
        "relaxed"
    );
}

/// The "did you mean" of a page and of the API in one language: the suggested query.
async fn suggestions(app: &axum::Router, q: &str, lang: &str) -> (Option<String>, String) {
    let (status, body) = get(app, &format!("/api/v1/products?q={q}&lang={lang}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let api = v["did_you_mean"].as_str().map(str::to_owned);
    let (status, html) = get(app, &format!("/?q={q}&lang={lang}")).await;
    assert_eq!(status, StatusCode::OK);
    if let Some(s) = &api {
        let link = format!(
            "q={}",
            form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
        );
        assert!(
            html.contains("did-you-mean") && html.contains(&link),
            "the page suggests what the API does ({link})"
        );
    } else {
        assert!(!html.contains("did-you-mean"), "no suggestion on the page");
    }
    (api, html)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_page_suggests_a_french_word_with_its_results() {
    let app = tijara_storefront::router(support::demo_app().await);
    let (suggested, html) = suggestions(&app, "tapiss", "fr").await;
    assert_eq!(suggested.as_deref(), Some("tapis"));
    assert!(
        html.contains("Vouliez-vous dire") && html.contains("Tapis en laine de chameau"),
        "the suggestion above the results found through the typo"
    );
    // Typed right: nothing to suggest.
    assert_eq!(suggestions(&app, "tapis", "fr").await.0, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_page_suggests_an_english_word() {
    let app = tijara_storefront::router(support::demo_app().await);
    let (suggested, html) = suggestions(&app, "carpett", "en").await;
    assert_eq!(suggested.as_deref(), Some("carpet"));
    assert!(html.contains("Did you mean"), "in English");
    // Nothing found: still in the page's language, from the categories' names.
    let (suggested, _) = suggestions(&app, "pxttxry", "en").await;
    assert_eq!(suggested.as_deref(), Some("pottery"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_arabic_page_suggests_in_the_words_script() {
    let app = tijara_storefront::router(support::demo_app().await);
    // An Arabic typo: an Arabic word.
    let q = form_urlencoded::byte_serialize("ملحفت".as_bytes()).collect::<String>();
    let (suggested, html) = suggestions(&app, &q, "ar").await;
    assert_eq!(suggested.as_deref(), Some("ملحفه"));
    assert!(html.contains("dir=\"rtl\""));
    // A Latin typo on the Arabic page stays Latin (not its Arabic synonym).
    assert_eq!(
        suggestions(&app, "tapiss", "ar").await.0.as_deref(),
        Some("tapis")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_a_language_the_shop_does_not_speak() {
    let app = tijara_storefront::router(support::demo_app().await);
    for lang in ["xx", "de", "fr-FR-x-nonsense-tag-that-is-long"] {
        let (status, body) = get(&app, &format!("/api/v1/products?q=tapis&lang={lang}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{lang}: {body}");
        assert!(
            body.contains("lang must be one of the shop's languages: ar, fr, en"),
            "{body}"
        );
    }
    // Anonymous and without a language: the region's default, as before.
    let (status, _) = get(&app, "/api/v1/products?q=tapis&lang=").await;
    assert_eq!(status, StatusCode::OK);
}
