//! A ready engine around the adapter under test, so an adapter author's end-to-end test is a
//! few lines: a [`Tijara`] on the memory store, with a [`FixedClock`], [`SequentialIds`], a
//! category, a seller and one product (50 units) priced in the region's currency.
//!
//! ```
//! # async fn demo() {
//! use std::sync::Arc;
//! use tijara_testkit::stubs::StubGateway;
//!
//! // A gateway under test (here the stub), a stub carrier beside it.
//! let world = tijara_testkit::engine::with_gateway(Arc::new(StubGateway::card())).await;
//! let (order, _start) = world.order().await;
//! assert_eq!(order.grand_total.currency(), world.engine.region().currency);
//! # }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo());
//! ```
//!
//! For a carrier, [`with_carrier`] puts the seller in the carrier's origin city, pays with a
//! stub cash-on-delivery gateway, and [`TestEngine::ship`] creates the parcel through the
//! carrier.

// A setup step that fails is a broken test environment: it panics, like an assertion.
#![allow(clippy::panic)]

use crate::stubs::{FixedClock, SequentialIds, StubCarrier, StubGateway};
use std::sync::Arc;
use tijara::Tijara;
use tijara::docs::OrderDoc;
use tijara::ports::carrier::{Carrier, QuoteRequest};
use tijara::ports::payment::{PaymentGateway, PaymentStart};
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::ShipRequest;
use tijara_core::catalog::{SellerKind, SellerTaxStatus};
use tijara_core::chrono::{TimeZone, Utc};
use tijara_core::fulfillment::{Parcel, Shipment};
use tijara_core::order::{Address, Order};
use tijara_core::*;

/// The engine, its clock and what was seeded.
#[derive(Debug, Clone)]
pub struct TestEngine {
    /// The engine.
    pub engine: Tijara,
    /// Its clock (starts at 2026-11-28 08:00 UTC; move it with `advance`).
    pub clock: Arc<FixedClock>,
    /// The seeded seller.
    pub seller: SellerId,
    /// The seeded product's only variant (50 in stock, 500 g).
    pub variant: VariantId,
    /// The variant's price, in the region's currency.
    pub price: Money,
    /// The gateway orders are paid with by default.
    pub gateway: String,
    /// The carrier and service orders are shipped with by default.
    pub shipping: (String, String),
    /// Where orders are delivered by default.
    pub destination: Address,
}

/// What to build: the region, the adapters and where the seller and the shopper are. Start
/// with [`setup`], or use [`with_gateway`] / [`with_carrier`].
#[derive(Clone)]
pub struct Setup {
    region: Region,
    gateway: Option<Arc<dyn PaymentGateway>>,
    carrier: Option<Arc<dyn Carrier>>,
    seller_city: String,
    destination: Address,
    price: String,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("region", &self.region.code)
            .field(
                "gateway",
                &self.gateway.as_ref().map(|g| g.code().to_owned()),
            )
            .field(
                "carrier",
                &self.carrier.as_ref().map(|c| c.code().to_owned()),
            )
            .field("seller_city", &self.seller_city)
            .finish_non_exhaustive()
    }
}

/// A Rabat address (the default destination).
pub fn rabat() -> Address {
    Address {
        name: "Client".into(),
        line1: "N° 1, Rue".into(),
        line2: None,
        city: "Rabat".into(),
        postal_code: None,
        state: None,
        country: "MA".into(),
        phone: "0600000000".into(),
    }
}

/// A setup with the defaults: [`Region::dakhla`], a stub card gateway (`card`), a stub carrier
/// (`amana`, charging in the region's currency), a seller in Dakhla, delivery to Rabat, a
/// product at 240.00.
pub fn setup() -> Setup {
    Setup {
        region: Region::dakhla(),
        gateway: None,
        carrier: None,
        seller_city: "Dakhla".into(),
        destination: rabat(),
        price: "240.00".into(),
    }
}

/// An engine paying with `gateway` (orders shipped by a stub carrier).
pub async fn with_gateway(gateway: Arc<dyn PaymentGateway>) -> TestEngine {
    setup().gateway(gateway).build().await
}

/// An engine shipping with `carrier` from `origin_city` to `destination` (orders paid cash on
/// delivery through a stub gateway, code `cod`).
pub async fn with_carrier(
    carrier: Arc<dyn Carrier>,
    origin_city: &str,
    destination: Address,
) -> TestEngine {
    setup()
        .carrier(carrier)
        .seller_city(origin_city)
        .destination(destination)
        .build()
        .await
}

impl Setup {
    /// The region (its currency prices the product and every check's amounts).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }
    /// The gateway under test (default: a stub card gateway, or cash on delivery when a
    /// carrier is under test).
    pub fn gateway(mut self, gateway: Arc<dyn PaymentGateway>) -> Self {
        self.gateway = Some(gateway);
        self
    }
    /// The carrier under test (default: a stub carrier `amana`).
    pub fn carrier(mut self, carrier: Arc<dyn Carrier>) -> Self {
        self.carrier = Some(carrier);
        self
    }
    /// The seller's city (where parcels leave from).
    pub fn seller_city(mut self, city: &str) -> Self {
        self.seller_city = city.to_owned();
        self
    }
    /// Where orders are delivered.
    pub fn destination(mut self, address: Address) -> Self {
        self.destination = address;
        self
    }
    /// The product's price (a decimal in the region's currency).
    pub fn price(mut self, price: &str) -> Self {
        self.price = price.to_owned();
        self
    }

    /// Builds the engine and seeds it. Panics with the reason when a step fails (the carrier
    /// does not serve the route, the region is invalid...).
    pub async fn build(self) -> TestEngine {
        let currency = self.region.currency;
        let carrier_under_test = self.carrier.is_some();
        // Cash on delivery is never offered abroad: a carrier under test abroad gets card
        // orders, paid before they ship (see `TestEngine::ship`).
        let abroad = self.region.is_abroad(&self.destination.country);
        let gateway = self.gateway.unwrap_or_else(|| {
            if carrier_under_test && !abroad {
                Arc::new(StubGateway::cash_on_delivery())
            } else {
                Arc::new(StubGateway::card())
            }
        });
        let carrier: Arc<dyn Carrier> = match self.carrier {
            Some(c) => c,
            None => Arc::new(StubCarrier::in_currency(
                "amana", "30.00", "10.00", currency,
            )),
        };
        let clock = Arc::new(FixedClock::at(
            Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0)
                .single()
                .unwrap_or_default(),
        ));
        let service = if carrier_under_test {
            let quotes = carrier
                .quote(&QuoteRequest::new(
                    self.seller_city.clone(),
                    self.destination.clone(),
                    vec![Parcel {
                        weight_grams: 500,
                        dimensions: None,
                    }],
                ))
                .await
                .unwrap_or_else(|e| panic!("carrier {:?} quote: {e}", carrier.code()));
            quotes
                .first()
                .unwrap_or_else(|| {
                    panic!(
                        "carrier {:?} quotes nothing from {} to {}: give a route it serves",
                        carrier.code(),
                        self.seller_city,
                        self.destination.city
                    )
                })
                .service
                .clone()
        } else {
            "standard".to_owned()
        };
        let shipping = (carrier.code().to_owned(), service);
        let gateway_code = gateway.code().to_owned();
        let engine = Tijara::builder()
            .region(self.region)
            .storage(Arc::new(tijara_store_memory::MemoryStore::new()))
            .payment(gateway)
            .carrier(carrier)
            .clock(clock.clone())
            .ids(Arc::new(SequentialIds::default()))
            .build()
            .unwrap_or_else(|e| panic!("engine: {e}"));
        let category = CategoryId::new("crafts").unwrap_or_else(|e| panic!("{e}"));
        engine
            .catalog()
            .create_category(
                CategoryInput::new(
                    category.clone(),
                    "crafts",
                    LocalizedText::single(Lang::FR, "Artisanat"),
                ),
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("category: {e}"));
        let seller = engine
            .catalog()
            .create_seller(
                SellerInput::new(
                    "Coopérative",
                    SellerKind::Cooperative,
                    self.seller_city.clone(),
                    SellerTaxStatus::VatRegistered,
                ),
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("seller: {e}"));
        let price = Money::parse(&self.price, currency).unwrap_or_else(|e| panic!("price: {e}"));
        let product = engine
            .catalog()
            .create_product(
                ProductInput::new(
                    seller.id.clone(),
                    category,
                    "srama",
                    LocalizedText::single(Lang::FR, "Coussin"),
                    vec![
                        VariantInput::new(
                            "SRAMA",
                            price,
                            TaxCategoryId::new("standard").unwrap_or_else(|e| panic!("{e}")),
                            500,
                        )
                        .with_initial_stock(50),
                    ],
                )
                // Customs data, so the suites also run to destinations abroad.
                .with_customs(tijara_core::customs::CustomsInfo {
                    hs_code: "9404.90".into(),
                    description_fr: "Coussin en cuir".into(),
                    description_en: "Leather cushion".into(),
                    origin_country: "MA".into(),
                    net_weight_grams: 450,
                }),
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("product: {e}"));
        TestEngine {
            engine,
            clock,
            seller: seller.id,
            variant: product.variants[0].id.clone(),
            price,
            gateway: gateway_code,
            shipping,
            destination: self.destination,
        }
    }
}

impl TestEngine {
    /// Places an order for one unit, paid with the default gateway, shipped with the default
    /// carrier to the default destination; returns it and how payment starts.
    pub async fn order(&self) -> (Order, PaymentStart) {
        let placed = self
            .engine
            .checkout()
            .place_order(
                PlaceOrderRequest::new(
                    CheckoutCart::Inline {
                        lines: vec![(self.variant.clone(), 1)],
                        coupons: vec![],
                        customer: None,
                        shipping: [(
                            self.seller.clone(),
                            ShippingSelection::new(
                                self.shipping.0.clone(),
                                self.shipping.1.clone(),
                            ),
                        )]
                        .into_iter()
                        .collect(),
                    },
                    "client@example.ma",
                    self.destination.clone(),
                    self.gateway.clone(),
                    Lang::FR,
                ),
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("place order: {e}"));
        (placed.order, placed.payment)
    }

    /// The order as stored now (with its payment log and shipments).
    pub async fn doc(&self, order: &OrderId) -> OrderDoc {
        self.engine
            .orders()
            .order(order)
            .await
            .unwrap_or_else(|e| panic!("order {order}: {e}"))
    }

    /// Marks the order's (only) seller order ready and ships it with the carrier the shopper
    /// chose: the parcel is created through the carrier. Returns the shipment.
    pub async fn ship(&self, order: &Order) -> Shipment {
        let so = order
            .seller_orders
            .first()
            .unwrap_or_else(|| panic!("the order has a seller order"))
            .id
            .clone();
        if order.status() == tijara_core::order::OrderStatus::AwaitingPayment {
            // A card order (abroad): paid first.
            self.engine
                .payments()
                .record_payment(
                    &order.id,
                    tijara::usecases::payments::PaymentNotice::new(
                        tijara::docs::PaymentSource::Gateway {
                            code: self.gateway.clone(),
                        },
                        format!("paid-{}", order.id),
                        tijara::usecases::payments::PaymentEventKind::Authorized {
                            amount: order.grand_total,
                        },
                        serde_json::json!({"ProcReturnCode": "00"}),
                    ),
                    None,
                )
                .await
                .unwrap_or_else(|e| panic!("payment: {e}"));
        }
        self.engine
            .fulfillment()
            .mark_ready(&order.id, &so, None)
            .await
            .unwrap_or_else(|e| panic!("ready: {e}"));
        self.engine
            .fulfillment()
            .ship(&order.id, &so, ShipRequest::new(), None)
            .await
            .unwrap_or_else(|e| panic!("ship: {e}"))
    }
}
