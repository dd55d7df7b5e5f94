//! Numbered listings of the catalog (page 1, 2, 3… with the number of pages) and the sellers'
//! opt-in WhatsApp contact, on the memory store.

mod common;

use common::*;
use tijara::TijaraError;
use tijara::usecases::catalog::ProductFilter;
use tijara_core::catalog::{Problem, SellerKind};

/// Seven products of one seller (the three of the shared catalog and four more bags).
async fn seven(m: &Market) -> Catalog {
    let c = catalog(m).await;
    for i in 0..4 {
        m.engine
            .catalog()
            .create_product(
                product_input(
                    &c.a,
                    &format!("bag-{i}"),
                    &format!("Sac {i}"),
                    "حقيبة",
                    vec![variant(&format!("BAG-{i}"), "100.00", 3)],
                ),
                None,
            )
            .await
            .expect("bag");
    }
    c
}

#[tokio::test]
async fn numbered_pages_cover_every_product_once_in_cursor_order() {
    let m = market();
    seven(&m).await;
    let all = ProductFilter::default();
    let walked = m
        .engine
        .catalog()
        .list_products(&all, None, 100)
        .await
        .unwrap();
    let mut seen = Vec::new();
    for n in 1..=3 {
        let page = m
            .engine
            .catalog()
            .list_products_numbered(&all, n, 3)
            .await
            .unwrap();
        assert_eq!((page.page, page.pages, page.total), (n, 3, 7));
        assert_eq!(page.items.len(), if n == 3 { 1 } else { 3 });
        seen.extend(page.items.into_iter().map(|v| v.product.id));
    }
    let expected: Vec<_> = walked.items.into_iter().map(|v| v.product.id).collect();
    assert_eq!(
        seen, expected,
        "the pages, in order, are the cursor listing"
    );
    // Past the last page: empty, and the count says where the last one is.
    let past = m
        .engine
        .catalog()
        .list_products_numbered(&all, 9, 3)
        .await
        .unwrap();
    assert!(past.items.is_empty());
    assert_eq!((past.page, past.pages, past.total), (9, 3, 7));
    // Page 0 is page 1; a page size of 0 is 1.
    let zero = m
        .engine
        .catalog()
        .list_products_numbered(&all, 0, 0)
        .await
        .unwrap();
    assert_eq!((zero.page, zero.pages, zero.items.len()), (1, 7, 1));
}

#[tokio::test]
async fn numbered_pages_follow_the_filter_and_refuse_an_overlong_search() {
    let m = market();
    let c = seven(&m).await;
    let mut jewellery = ProductFilter::default();
    jewellery.seller = Some(c.b.clone());
    let page = m
        .engine
        .catalog()
        .list_products_numbered(&jewellery, 1, 24)
        .await
        .unwrap();
    assert_eq!((page.pages, page.total, page.items.len()), (1, 1, 1));
    let mut none = ProductFilter::default();
    none.text = Some("nothing like this".into());
    let empty = m
        .engine
        .catalog()
        .list_products_numbered(&none, 1, 24)
        .await
        .unwrap();
    assert_eq!((empty.pages, empty.total, empty.items.len()), (1, 0, 0));
    let mut long = ProductFilter::default();
    long.text = Some("x".repeat(201));
    let refused = m
        .engine
        .catalog()
        .list_products_numbered(&long, 1, 24)
        .await;
    assert!(
        matches!(
            refused,
            Err(TijaraError::InvalidField { field: "text", .. })
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_seller_opts_in_to_a_whatsapp_contact_and_a_bad_number_is_refused() {
    let m = market();
    let s = m
        .engine
        .catalog()
        .create_seller(
            seller_input("Atelier Salka", SellerKind::Artisan).with_whatsapp("+212612345678"),
            None,
        )
        .await
        .unwrap();
    let read = m.engine.catalog().seller(&s.id).await.unwrap();
    assert_eq!(
        read.whatsapp_link().as_deref(),
        Some("https://wa.me/212612345678")
    );
    let refused = m
        .engine
        .catalog()
        .create_seller(
            seller_input("Atelier Mbarka", SellerKind::Artisan).with_whatsapp("06 12 34 56 78"),
            None,
        )
        .await;
    assert!(
        matches!(&refused, Err(TijaraError::Validation(v))
            if matches!(v.problems(), [Problem::BadWhatsApp { value }] if value == "06 12 34 56 78")),
        "{refused:?}"
    );
    // Without the opt-in, no contact.
    let other = m
        .engine
        .catalog()
        .create_seller(seller_input("Atelier Nana", SellerKind::Artisan), None)
        .await
        .unwrap();
    assert_eq!(other.whatsapp_link(), None);
}

#[tokio::test]
async fn every_page_size_splits_the_catalog_into_pages_that_cover_it_exactly_once() {
    let m = market();
    seven(&m).await;
    let all = ProductFilter::default();
    let expected: Vec<_> = m
        .engine
        .catalog()
        .list_products(&all, None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|v| v.product.id)
        .collect();
    for per_page in 1..=9u32 {
        let first = m
            .engine
            .catalog()
            .list_products_numbered(&all, 1, per_page)
            .await
            .unwrap();
        assert_eq!(first.pages, 7u32.div_ceil(per_page).max(1), "{per_page}");
        let mut seen = Vec::new();
        for n in 1..=first.pages {
            let page = m
                .engine
                .catalog()
                .list_products_numbered(&all, n, per_page)
                .await
                .unwrap();
            assert!(!page.items.is_empty() && page.items.len() <= per_page as usize);
            seen.extend(page.items.into_iter().map(|v| v.product.id));
        }
        assert_eq!(seen, expected, "{per_page} a page");
    }
}
