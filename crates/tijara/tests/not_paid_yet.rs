//! An unpaid card or transfer order may not be made ready or shipped: the engine refuses with
//! the typed `NotPaidYet`, naming the order and the part, and changes nothing; once paid, the
//! same calls succeed and the part's work moves from "awaiting payment" to "to ship".

mod common;

use common::*;
use tijara::TijaraError;
use tijara::usecases::fulfillment::{Operator, ShipRequest};
use tijara_core::order::{FulfillmentStatus, Work};

#[tokio::test]
async fn an_unpaid_order_is_refused_as_not_paid_yet_then_ships_once_paid() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    for gateway in ["card", "transfer"] {
        let order = e
            .checkout()
            .place_order(
                request(vec![(c.cushion.clone(), 1)], &[&c.a], gateway),
                None,
            )
            .await
            .expect("placed")
            .order;
        let part = order.seller_orders[0].id.clone();
        let doc = e.orders().order(&order.id).await.expect("doc");
        assert_eq!(doc.work(&doc.order.seller_orders[0]), Work::AwaitingPayment);

        let refused = e.fulfillment().mark_ready(&order.id, &part, None).await;
        assert!(
            matches!(&refused, Err(TijaraError::NotPaidYet { order: o, part: p }) if *o == order.id && *p == part),
            "{gateway}: {refused:?}"
        );
        let refused = e
            .fulfillment()
            .ship_as(
                &Operator::Seller(c.a.clone()),
                &order.id,
                &part,
                ShipRequest::new(),
                None,
            )
            .await;
        assert!(
            matches!(&refused, Err(TijaraError::NotPaidYet { order: o, part: p }) if *o == order.id && *p == part),
            "{gateway}: {refused:?}"
        );
        let after = e.orders().order(&order.id).await.expect("doc");
        assert_eq!(
            after.order.seller_orders[0].status(),
            FulfillmentStatus::Awaiting
        );
        assert!(after.shipments.is_empty(), "no parcel was made");

        e.payments()
            .record_payment(
                &order.id,
                admin_capture(format!("PAY-{gateway}"), order.grand_total),
                None,
            )
            .await
            .expect("paid");
        let paid = e.orders().order(&order.id).await.expect("doc");
        assert_eq!(paid.work(&paid.order.seller_orders[0]), Work::Prepare);
        e.fulfillment()
            .mark_ready(&order.id, &part, None)
            .await
            .expect("ready once paid");
        e.fulfillment()
            .ship_as(
                &Operator::Seller(c.a.clone()),
                &order.id,
                &part,
                ShipRequest::new(),
                None,
            )
            .await
            .expect("shipped once paid");
        let shipped = e.orders().order(&order.id).await.expect("doc");
        assert_eq!(
            shipped.work(&shipped.order.seller_orders[0]),
            Work::ToShip,
            "label printed, not picked up yet"
        );
    }
}
