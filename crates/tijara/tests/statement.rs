//! The engine's statement: every order of the period (past the first page), each line's
//! commission at its category's rate, per member artisan; payouts refused without a RIB and
//! linked to the orders they cover.

mod common;

use common::*;
use tijara::TijaraError;
use tijara::usecases::catalog::{CategoryInput, SellerInput};
use tijara_core::catalog::{LegalIds, Member, SellerKind};
use tijara_core::statement::{Scope, batch_csv};
use tijara_core::*;

fn member(id: &str, name: &str) -> Member {
    Member {
        id: MemberId::new(id).expect("id"),
        name: name.into(),
        active: true,
    }
}

struct Coop {
    id: SellerId,
    lines: Vec<(VariantId, u32)>,
}

/// A cooperative at 10 % (jewellery 15 %) with Salka (a leather cushion, 250.00) and Fatma (a
/// silver bracelet, 99.90), and a bag no member is named for (890.00).
async fn coop(m: &Market) -> Coop {
    let e = &m.engine;
    for (id, fr) in [("leather", "Cuir"), ("jewellery", "Bijoux")] {
        e.catalog()
            .create_category(
                CategoryInput::new(
                    CategoryId::new(id).expect("id"),
                    id,
                    LocalizedText::single(Lang::FR, fr),
                ),
                None,
            )
            .await
            .expect("category");
    }
    let seller: SellerInput = seller_input("Coopérative Oudaya", SellerKind::Cooperative)
        .with_category_commission(
            CategoryId::new("jewellery").expect("id"),
            Rate::percent(15).expect("rate"),
        )
        .with_members(vec![member("salka", "Salka"), member("fatma", "Fatma")]);
    let id = e
        .catalog()
        .create_seller(seller, None)
        .await
        .expect("seller")
        .id;
    let mut lines = Vec::new();
    for (slug, category, sku, price, maker) in [
        ("srama", "leather", "SRAMA-1", "250.00", Some("salka")),
        ("dmlij", "jewellery", "DMLJ-1", "99.90", Some("fatma")),
        ("tassoufra", "leather", "TASS-1", "890.00", None),
    ] {
        let mut p = product_input(&id, slug, slug, slug, vec![variant(sku, price, 1000)]);
        p.category_id = CategoryId::new(category).expect("id");
        if let Some(m) = maker {
            p = p.with_made_by(MemberId::new(m).expect("id"));
        }
        let p = e.catalog().create_product(p, None).await.expect("product");
        lines.push((p.variants[0].id.clone(), 1));
    }
    Coop { id, lines }
}

#[tokio::test]
async fn the_statement_covers_every_order_at_each_categorys_rate_per_member() {
    let m = market();
    let c = coop(&m).await;
    let e = &m.engine;
    // 105 orders: more than one page of the seller's orders.
    let n = 105;
    for _ in 0..n {
        let placed = e
            .checkout()
            .place_order(request(c.lines.clone(), &[&c.id], "transfer"), None)
            .await
            .expect("placed");
        e.payments()
            .confirm_bank_transfer(
                &placed.order.id,
                placed.order.grand_total,
                "VIR",
                "admin",
                None,
            )
            .await
            .expect("paid");
    }
    let (from, until) = e.region().month("2026-11").expect("month");
    let times = |s: &str| mad(s).mul_rounded(Decimal::from(n)).expect("times");
    let salka = e
        .payouts()
        .statement(
            &c.id,
            Scope::Member(MemberId::new("salka").expect("id")),
            from,
            until,
        )
        .await
        .expect("salka");
    // 250.00 at 10 %: 225.00 a cushion.
    assert_eq!(salka.totals.sales, times("250.00"));
    assert_eq!(salka.totals.commission, times("25.00"));
    assert_eq!(salka.totals.share, times("225.00"));
    assert!(salka.members.is_empty() && salka.unattributed.is_none());
    let fatma = e
        .payouts()
        .statement(
            &c.id,
            Scope::Member(MemberId::new("fatma").expect("id")),
            from,
            until,
        )
        .await
        .expect("fatma");
    // 99.90 at the jewellery rate, 15 %: 14.99 (not the base 10 %).
    assert_eq!(fatma.totals.commission, times("14.99"));
    assert_eq!(fatma.totals.share, times("84.91"));
    // The cooperative = its members + the bag and the shipping, = the ledger.
    let all = e
        .payouts()
        .statement(&c.id, Scope::Seller, from, until)
        .await
        .expect("coop");
    let sum = salka
        .totals
        .plus(&fatma.totals)
        .and_then(|t| t.plus(&all.unattributed.expect("unattributed")))
        .expect("sum");
    assert_eq!(sum, all.totals);
    let ledger = e
        .payouts()
        .seller_statement(&c.id, from, until)
        .await
        .expect("ledger");
    assert_eq!(all.totals.share, ledger.owed);
    assert_eq!(all.totals.commission, ledger.commission);
    // Paid, not delivered: all of it is held.
    assert_eq!(all.totals.held_not_delivered, all.totals.share);
    // Someone who is not a member gets no statement.
    assert!(matches!(
        e.payouts()
            .statement(
                &c.id,
                Scope::Member(MemberId::new("nobody").expect("id")),
                from,
                until
            )
            .await,
        Err(TijaraError::NotAMember { .. })
    ));
    // Month by month: November carries it all; a member's months carry no payouts.
    let months = e
        .payouts()
        .monthly(
            &c.id,
            Scope::Member(MemberId::new("salka").expect("id")),
            None,
            12,
        )
        .await
        .expect("months");
    assert_eq!(months.len(), 12);
    let last = months.last().expect("november");
    assert_eq!(last.month, "2026-11");
    assert_eq!(last.share, salka.totals.share);
    assert!(months.iter().all(|m| m.paid_out.is_none()));

    // No RIB: the payout is refused, with a typed cause.
    let amount = mad("100.00");
    assert!(matches!(
        e.payouts()
            .record_payout(&c.id, amount, "VIR-1", (from, until))
            .await,
        Err(TijaraError::NoBankAccount { seller }) if seller == c.id
    ));
    let batch = e
        .payouts()
        .batch("2026-11", from, until)
        .await
        .expect("batch");
    assert_eq!(batch.len(), 1);
    assert!(batch_csv(&batch).contains("missing RIB"));
    let mut input = SellerInput::from(e.catalog().seller(&c.id).await.expect("seller"));
    input.legal = LegalIds {
        rib: Some("011780000012345678901234".into()),
        ..LegalIds::default()
    };
    e.catalog()
        .update_seller(&c.id, input, None)
        .await
        .expect("rib");
    let paid = e
        .payouts()
        .record_payout(&c.id, amount, "VIR-1", (from, until))
        .await
        .expect("paid");
    // The payout lists the orders it covers: all of them.
    assert_eq!(paid.orders.len(), n as usize);
    let batch = e
        .payouts()
        .batch("2026-11", from, until)
        .await
        .expect("batch");
    assert_eq!(
        batch[0].to_pay,
        all.totals.share.checked_sub(amount).expect("sub")
    );
    assert!(!batch_csv(&batch).contains("missing RIB"));
}
