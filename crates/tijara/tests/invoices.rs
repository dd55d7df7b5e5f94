//! Invoices: continuous numbering per seller (also under concurrency), the mentions of a
//! Moroccan invoice, totals that add up. (The HTML is `tijara-render`'s, tested there.)

mod common;

use common::*;
use std::collections::BTreeSet;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara_core::catalog::{LegalIds, SellerKind, SellerTaxStatus};
use tijara_core::*;

fn request(lines: Vec<(VariantId, u32)>, sellers: &[&SellerId]) -> PlaceOrderRequest {
    PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines,
            coupons: vec![],
            customer: None,
            shipping: sellers
                .iter()
                .map(|s| ((*s).clone(), ShippingSelection::new("amana", "standard")))
                .collect(),
        },
        "youssef@example.ma",
        address(),
        "cod",
        Lang::FR,
    )
}

#[tokio::test]
async fn each_seller_numbers_its_invoices_without_gaps() {
    let m = market();
    let c = catalog(&m).await;
    // Seller A is registered for TVA with its identifiers; B becomes an exempt artisan.
    let mut a = seller_input("Coopérative Oudaya", SellerKind::Cooperative);
    a.legal = LegalIds {
        ice: Some("001234567000089".into()),
        if_number: Some("12345678".into()),
        rc: Some("RC 4567 Dakhla".into()),
        tp: Some("TP 99887766".into()),
        cnss: None,
        rib: Some("011780000012345678901234".into()),
    };
    m.engine
        .catalog()
        .update_seller(&c.a, a, None)
        .await
        .expect("a");
    let mut b = seller_input("Brahim bijoutier", SellerKind::Artisan);
    b.tax_status = SellerTaxStatus::Exempt {
        reason: "auto-entrepreneur (loi 114-13)".into(),
    };
    m.engine
        .catalog()
        .update_seller(&c.b, b, None)
        .await
        .expect("b");

    let first = m
        .engine
        .checkout()
        .place_order(
            request(
                vec![(c.cushion.clone(), 2), (c.bracelet.clone(), 1)],
                &[&c.a, &c.b],
            ),
            None,
        )
        .await
        .expect("order 1")
        .order;
    let second = m
        .engine
        .checkout()
        .place_order(request(vec![(c.bag.clone(), 1)], &[&c.a]), None)
        .await
        .expect("order 2")
        .order;
    let part = |o: &order::Order, s: &SellerId| {
        o.seller_orders
            .iter()
            .find(|x| &x.seller_id == s)
            .expect("part")
            .id
            .clone()
    };
    let a1 = m
        .engine
        .orders()
        .invoice(&first.id, &part(&first, &c.a))
        .await
        .expect("a1");
    let b1 = m
        .engine
        .orders()
        .invoice(&first.id, &part(&first, &c.b))
        .await
        .expect("b1");
    let a2 = m
        .engine
        .orders()
        .invoice(&second.id, &part(&second, &c.a))
        .await
        .expect("a2");
    assert_eq!(
        (a1.number.as_str(), a2.number.as_str()),
        ("F-000001", "F-000002")
    );
    assert_eq!(b1.number, "F-000001", "each seller has its own sequence");
    // Asking again answers the same invoice, without using a number.
    let again = m
        .engine
        .orders()
        .invoice(&first.id, &part(&first, &c.a))
        .await
        .expect("again");
    assert_eq!(again, a1);

    // Totals add up; TVA per rate; the seller's identifiers.
    assert_eq!(
        a1.total_ht.checked_add(a1.total_tva).expect("sum"),
        a1.total_ttc
    );
    let part_a = first
        .seller_orders
        .iter()
        .find(|s| s.seller_id == c.a)
        .expect("a");
    assert_eq!(
        a1.total_ttc, part_a.total,
        "the invoice is the seller order's total"
    );
    assert_eq!(a1.lines.len(), 2, "the cushions and the shipping");
    assert_eq!(a1.lines[0].quantity, 2);
    assert!(a1.lines[0].description.contains("Coussin srama"));
    assert_eq!(a1.taxes.len(), 1);
    assert_eq!(a1.taxes[0].rate, Rate::percent(20).expect("rate"));
    assert!(a1.no_vat_mention.is_none());
    // The seller's identifiers travel with the invoice, for the printed page.
    assert_eq!(a1.seller_legal.ice.as_deref(), Some("001234567000089"));
    assert_eq!(a1.seller_legal.if_number.as_deref(), Some("12345678"));
    assert_eq!(a1.seller_legal.rc.as_deref(), Some("RC 4567 Dakhla"));
    assert_eq!(a1.seller_legal.tp.as_deref(), Some("TP 99887766"));
    assert_eq!(a1.buyer.name, "Youssef El Idrissi");

    // The exempt seller's invoice says why there is no TVA.
    let mention = b1.no_vat_mention.clone().expect("mention");
    assert!(
        mention.contains("TVA non applicable") && mention.contains("114-13"),
        "{mention}"
    );

    let listed = m
        .engine
        .orders()
        .seller_invoices(&c.a, None, 10)
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invoices_get_distinct_consecutive_numbers() {
    let m = market();
    let c = catalog(&m).await;
    m.engine
        .catalog()
        .adjust_stock(
            &c.cushion,
            tijara::usecases::catalog::StockAdjustment::Set { units: 100 },
            None,
        )
        .await
        .expect("stock");
    let mut parts = Vec::new();
    for i in 0..12 {
        // Twelve shoppers (one e-mail may hold only a few unpaid orders).
        let mut r = request(vec![(c.cushion.clone(), 1)], &[&c.a]);
        r.email = format!("buyer{i}@example.ma");
        let o = m
            .engine
            .checkout()
            .place_order(r, None)
            .await
            .expect("order")
            .order;
        parts.push((o.id.clone(), o.seller_orders[0].id.clone()));
    }
    let mut tasks = Vec::new();
    for (o, so) in parts.clone() {
        let e = m.engine.clone();
        tasks.push(tokio::spawn(
            async move { e.orders().invoice(&o, &so).await },
        ));
        // Twice for some: the repeat must not take a number.
        if tasks.len() % 3 == 0 {
            let e = m.engine.clone();
            let (o, so) = parts[0].clone();
            tasks.push(tokio::spawn(
                async move { e.orders().invoice(&o, &so).await },
            ));
        }
    }
    let mut numbers = BTreeSet::new();
    for t in tasks {
        numbers.insert(t.await.expect("task").expect("invoice").sequence);
    }
    assert_eq!(numbers, (1..=12).collect::<BTreeSet<u64>>());
}
