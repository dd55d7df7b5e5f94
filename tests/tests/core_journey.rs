//! End to end through the pure core: a shopper in Casablanca buys from two Dakhla sellers, pays
//! by card, both parcels are tracked to delivery, one item is withdrawn and refunded, and the
//! sellers' statements add up. A second shopper pays cash on delivery and refuses one parcel.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::{BTreeMap, HashMap};
use tijara_core::cart::Cart;
use tijara_core::catalog::*;
use tijara_core::fulfillment::{Parcel, Shipment, TrackingEvent, TrackingStatus};
use tijara_core::inventory::StockLevel;
use tijara_core::order::{Address, FulfillmentStatus, Order, OrderStatus, PlaceOrder};
use tijara_core::payment::{PaymentMethod, PaymentStatus};
use tijara_core::payout::{LedgerEntry, Settlement, Statement};
use tijara_core::pricing::{PricedCart, PricingInput, ShippingChoice, price_cart};
use tijara_core::promotion::{Conditions, Promotion, PromotionKind, Stacking};
use tijara_core::returns::{ReturnLine, ReturnRequest};
use tijara_core::*;

fn t(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0)
        .single()
        .expect("time")
        + Duration::hours(hours)
}
fn mad(s: &str) -> Money {
    Money::mad(s).expect("amount")
}
fn id<T: TryFrom<&'static str>>(s: &'static str) -> T
where
    T::Error: std::fmt::Debug,
{
    T::try_from(s).expect("id")
}

fn seller(sid: &'static str, kind: SellerKind, rate: u32) -> Seller {
    Seller {
        id: id(sid),
        name: sid.into(),
        kind,
        home_city: "Dakhla".into(),
        commission_rate: Rate::percent(rate).expect("rate"),
        category_commissions: BTreeMap::new(),
        tax_status: SellerTaxStatus::VatRegistered,
        members: vec![],
        legal: LegalIds::default(),
        story: LocalizedText::default(),
        active: true,
        whatsapp: None,
        contact: Default::default(),
        approved_at: None,
    }
}

fn product(
    pid: &'static str,
    sid: &'static str,
    vid: &'static str,
    price: &str,
    tax: &'static str,
) -> Product {
    Product {
        id: id(pid),
        seller_id: id(sid),
        category_id: id("crafts"),
        slug: pid.into(),
        title: LocalizedText::new()
            .with(Lang::AR, "منتج")
            .with(Lang::FR, pid),
        description: LocalizedText::default(),
        materials: vec![],
        photos: vec![],
        made_by: None,
        variants: vec![Variant {
            id: id(vid),
            sku: Sku::new(vid.to_uppercase()).expect("sku"),
            options: BTreeMap::new(),
            price: mad(price),
            tax_category: id(tax),
            weight_grams: 1200,
            dimensions: None,
            shippable: true,
            stock_policy: StockPolicy::Tracked,
            active: true,
        }],
        active: true,
        customs: None,
    }
}

struct Shop {
    region: Region,
    catalog: CatalogSnapshot,
    stock: HashMap<VariantId, StockLevel>,
    welcome: Promotion,
}

fn shop() -> Shop {
    let sellers = [
        seller("coop-oudaya", SellerKind::Cooperative, 10),
        seller("gie-sahara", SellerKind::Gie, 12),
    ];
    let products = [
        product(
            "tassoufra",
            "coop-oudaya",
            "tassoufra-brun",
            "890.00",
            "standard",
        ),
        product(
            "kountiya",
            "coop-oudaya",
            "kountiya-rouge",
            "260.00",
            "standard",
        ),
        product(
            "melhfa",
            "gie-sahara",
            "melhfa-indigo",
            "420.00",
            "reduced-14",
        ),
    ];
    for p in &products {
        let s = sellers
            .iter()
            .find(|s| s.id == p.seller_id)
            .expect("seller");
        p.validate(s).expect("valid product");
    }
    let stock = products
        .iter()
        .map(|p| {
            (
                p.variants[0].id.clone(),
                StockLevel::new(p.variants[0].id.clone(), 5),
            )
        })
        .collect();
    let mut welcome = Promotion {
        id: id("welcome"),
        name: LocalizedText::new().with(Lang::FR, "Bienvenue"),
        kind: PromotionKind::FixedOff {
            amount: mad("100.00"),
        },
        conditions: Conditions::default(),
        stacking: Stacking::Combinable,
        priority: 0,
        active: true,
    };
    welcome.conditions.coupon = Some("MARHABA".into());
    Shop {
        region: Region::dakhla(),
        catalog: CatalogSnapshot::new(sellers, products).expect("catalog"),
        stock,
        welcome,
    }
}

fn address(city: &str) -> Address {
    Address {
        name: "Youssef El Idrissi".into(),
        line1: "N° 5, Rue des Artisans, Hay Salam".into(),
        line2: None,
        city: city.into(),
        postal_code: None,
        state: None,
        country: "MA".into(),
        phone: "0612345678".into(),
    }
}

fn price(shop: &Shop, cart: &Cart, at: DateTime<Utc>) -> PricedCart {
    let ship = |p: &str| ShippingChoice {
        carrier: "amana".into(),
        service: "standard".into(),
        price: mad(p),
        estimated_days: Some((4, 8)),
        carrier_name: None,
    };
    let shipping = BTreeMap::from([
        (id("coop-oudaya"), ship("55.00")),
        (id("gie-sahara"), ship("55.00")),
    ]);
    price_cart(&PricingInput {
        cart,
        catalog: &shop.catalog,
        promotions: std::slice::from_ref(&shop.welcome),
        usage: &HashMap::new(),
        region: &shop.region,
        shipping: &shipping,
        display_rates: &[],
        now: at,
        destination: None,
    })
    .expect("priced")
}

/// Reserves the stock of every line, then commits it: what the storage adapters do atomically.
fn take_stock(shop: &mut Shop, priced: &PricedCart, order: &str, at: DateTime<Utc>) {
    for l in &priced.lines {
        let s = shop.stock.get_mut(&l.variant_id).expect("stock");
        let r = ReservationId::new(format!("{order}-{}", l.variant_id)).expect("id");
        s.reserve(r.clone(), l.quantity, at, at + Duration::minutes(30))
            .expect("reserve");
        s.commit(&r, at).expect("commit");
    }
}

fn track(shipment: &mut Shipment, events: &[(i64, TrackingStatus, &str)], cod: Option<Money>) {
    let evs: Vec<TrackingEvent> = events
        .iter()
        .map(|(h, st, code)| TrackingEvent {
            at: t(*h),
            status: *st,
            carrier_code: (*code).into(),
            carrier_text: format!("Amana: {code}"),
            location: Some("Dakhla".into()),
            cod_collected: (*st == TrackingStatus::Delivered).then_some(cod).flatten(),
        })
        .collect();
    shipment.apply_events(evs);
}

#[test]
fn card_order_from_two_sellers_to_statement() {
    let mut shop = shop();
    let limits = shop.region.cart_limits;
    let mut cart = Cart::new(id("cart-1"), Currency::MAD);
    cart.add(&shop.catalog, &id("tassoufra-brun"), 1, &limits)
        .expect("add");
    cart.add(&shop.catalog, &id("kountiya-rouge"), 2, &limits)
        .expect("add");
    cart.add(&shop.catalog, &id("melhfa-indigo"), 1, &limits)
        .expect("add");
    cart.add_coupon("marhaba", &limits).expect("coupon");
    let priced = price(&shop, &cart, t(0));
    assert!(priced.shipping_complete);
    assert_eq!(priced.items_gross, mad("1830.00"));
    assert_eq!(priced.items_discount, mad("100.00"));
    assert_eq!(priced.grand_total, mad("1840.00"));
    let tva = priced.tva.total().expect("tva");
    assert_eq!(
        tva.ht.checked_add(tva.tva).expect("add"),
        priced.grand_total
    );

    let mut order = Order::place(
        &priced,
        PlaceOrder {
            id: id("TJR-0001"),
            seller_order_ids: vec![id("TJR-0001-A"), id("TJR-0001-B")],
            customer: None,
            email: "youssef@example.ma".into(),
            shipping_address: address("Casablanca").checked().expect("valid"),
            payment_method: PaymentMethod::Card,
            now: t(0),
        },
    )
    .expect("placed");
    take_stock(&mut shop, &priced, "TJR-0001", t(0));
    assert_eq!(shop.stock[&id::<VariantId>("kountiya-rouge")].on_hand(), 3);

    // A decline, then an approval (CMI sends both); a late decline changes nothing.
    order.payment.fail().expect("declined");
    assert!(!order.confirm_if_paid());
    order
        .payment
        .authorize(order.grand_total)
        .expect("approved");
    assert!(order.confirm_if_paid());
    assert!(order.payment.fail().is_err());
    order.payment.capture(order.grand_total).expect("captured");

    let mut settlement = Settlement::for_order(&order, &shop.catalog).expect("settlement");
    let mut ledger: Vec<LedgerEntry> = settlement
        .receive(order.grand_total)
        .expect("receive")
        .into_iter()
        .map(|m| LedgerEntry {
            at: t(1),
            order_id: order.id.clone(),
            movement: m,
        })
        .collect();

    // Both sellers ship; tracking arrives out of order and twice.
    let mut shipments = Vec::new();
    for (so, sh) in [("TJR-0001-A", "SH-A"), ("TJR-0001-B", "SH-B")] {
        let so: SellerOrderId = id(so);
        order.mark_ready(&so).expect("ready");
        order.mark_shipped(&so, id(sh)).expect("shipped");
        let mut shipment = Shipment::new(
            id(sh),
            so,
            "amana",
            "standard",
            vec![Parcel {
                weight_grams: 2400,
                dimensions: None,
            }],
            None,
        );
        track(
            &mut shipment,
            &[
                (30, TrackingStatus::Delivered, "LIV"),
                (2, TrackingStatus::PickedUp, "PRI"),
            ],
            None,
        );
        track(
            &mut shipment,
            &[
                (12, TrackingStatus::InTransit, "TRA"),
                (30, TrackingStatus::Delivered, "LIV"),
            ],
            None,
        );
        assert_eq!(shipment.status(), TrackingStatus::Delivered);
        assert_eq!(shipment.events().len(), 3);
        shipments.push(shipment);
    }
    for s in &shipments {
        order
            .mark_delivered(&s.seller_order_id, t(30))
            .expect("delivered");
    }
    assert_eq!(order.status(), OrderStatus::Completed);

    // The shopper withdraws the melhfa within 7 days; it comes back and is refunded.
    let part = order.seller_order(&id("TJR-0001-B")).expect("B");
    let mut ret = ReturnRequest::open(
        id("RET-1"),
        part,
        vec![ReturnLine {
            variant_id: id("melhfa-indigo"),
            quantity: 1,
        }],
        None,
        t(30 + 24 * 5),
        &shop.region,
        &[],
    )
    .expect("within the period");
    ret.approve().expect("approve");
    ret.receive().expect("receive");
    shop.stock
        .get_mut(&id::<VariantId>("melhfa-indigo"))
        .expect("s")
        .restock(1)
        .expect("back on the shelf");
    let refund = ret.value;
    ret.refund(refund).expect("refund");
    order.payment.refund(refund).expect("payment refund");
    assert_eq!(order.payment.status(), PaymentStatus::PartiallyRefunded);
    let moved = settlement
        .refund_for_seller(&id("gie-sahara"), refund)
        .expect("reverse");
    ledger.push(LedgerEntry {
        at: t(200),
        order_id: order.id.clone(),
        movement: moved,
    });

    // Statements: sales − refunds − commission = owed, and owed + commissions = money kept.
    let period = (t(-24), t(24 * 31));
    let mut owed_total = Money::zero(Currency::MAD);
    let mut commission_total = Money::zero(Currency::MAD);
    for s in ["coop-oudaya", "gie-sahara"] {
        let st = Statement::build(&id(s), Currency::MAD, period.0, period.1, &ledger)
            .expect("statement");
        let expect = st
            .sales
            .checked_sub(st.refunds)
            .and_then(|x| x.checked_sub(st.commission))
            .expect("math");
        assert_eq!(expect, st.owed);
        owed_total = owed_total.checked_add(st.owed).expect("add");
        commission_total = commission_total.checked_add(st.commission).expect("add");
    }
    let kept = order.payment.net_received().expect("net");
    assert_eq!(owed_total.checked_add(commission_total).expect("add"), kept);
    assert_eq!(shop.stock[&id::<VariantId>("melhfa-indigo")].on_hand(), 5);
}

#[test]
fn cash_on_delivery_with_one_parcel_refused() {
    let mut shop = shop();
    let limits = shop.region.cart_limits;
    let mut cart = Cart::new(id("cart-2"), Currency::MAD);
    cart.add(&shop.catalog, &id("tassoufra-brun"), 1, &limits)
        .expect("add");
    cart.add(&shop.catalog, &id("melhfa-indigo"), 2, &limits)
        .expect("add");
    let priced = price(&shop, &cart, t(0));
    let mut order = Order::place(
        &priced,
        PlaceOrder {
            id: id("TJR-0002"),
            seller_order_ids: vec![id("TJR-0002-A"), id("TJR-0002-B")],
            customer: None,
            email: "salka@example.ma".into(),
            shipping_address: address("Laâyoune").checked().expect("valid"),
            payment_method: PaymentMethod::CashOnDelivery,
            now: t(0),
        },
    )
    .expect("placed");
    assert_eq!(
        order.status(),
        OrderStatus::Confirmed,
        "COD is confirmed at once"
    );
    take_stock(&mut shop, &priced, "TJR-0002", t(0));
    let mut settlement = Settlement::for_order(&order, &shop.catalog).expect("settlement");

    let a: SellerOrderId = id("TJR-0002-A");
    let b: SellerOrderId = id("TJR-0002-B");
    for so in [&a, &b] {
        order.mark_ready(so).expect("ready");
        order
            .mark_shipped(so, ShipmentId::new(format!("SH-{so}")).expect("id"))
            .expect("shipped");
    }
    // Parcel A delivered with cash collected; parcel B refused and returned.
    let cod_a = order.seller_order(&a).expect("a").cod_amount.expect("cod");
    let mut sa = Shipment::new(id("SH-A2"), a.clone(), "amana", "cod", vec![], Some(cod_a));
    track(
        &mut sa,
        &[
            (40, TrackingStatus::Delivered, "LIV"),
            (20, TrackingStatus::OutForDelivery, "ENL"),
        ],
        Some(cod_a),
    );
    assert_eq!(sa.cod_collected(), Some(cod_a));
    order.mark_delivered(&a, t(40)).expect("delivered");
    order.payment.collect(cod_a).expect("collected");
    settlement
        .receive_for_seller(&id("coop-oudaya"), cod_a)
        .expect("seller share");

    let mut sb = Shipment::new(
        id("SH-B2"),
        b.clone(),
        "amana",
        "cod",
        vec![],
        order.seller_order(&b).expect("b").cod_amount,
    );
    track(
        &mut sb,
        &[
            (41, TrackingStatus::DeliveryFailed, "REF"),
            (90, TrackingStatus::ReturnedToSender, "RET"),
        ],
        None,
    );
    assert_eq!(sb.status(), TrackingStatus::ReturnedToSender);
    order.mark_returned(&b).expect("returned");
    let cod_b = order.seller_order(&b).expect("b").cod_amount.expect("cod");
    order
        .payment
        .cancel_collection(cod_b)
        .expect("nothing to collect for B");
    shop.stock
        .get_mut(&id::<VariantId>("melhfa-indigo"))
        .expect("s")
        .restock(2)
        .expect("stock comes back");

    assert_eq!(order.payment.status(), PaymentStatus::Collected);
    order.payment.remit(cod_a).expect("carrier remits");
    assert_eq!(order.payment.status(), PaymentStatus::Remitted);
    assert_eq!(order.status(), OrderStatus::Completed);
    assert!(
        order
            .seller_orders
            .iter()
            .any(|s| s.status() == FulfillmentStatus::Returned)
    );
    assert_eq!(shop.stock[&id::<VariantId>("melhfa-indigo")].on_hand(), 5);
    let (gross, commission, shares) = settlement.totals().expect("totals");
    assert_eq!(gross, cod_a);
    assert_eq!(commission.checked_add(shares).expect("add"), cod_a);
}
