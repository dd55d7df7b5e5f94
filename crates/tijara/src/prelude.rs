//! What embedders and adapter authors use most, in one import: `use tijara::prelude::*;`.
//!
//! - the engine: [`Tijara`], [`TijaraBuilder`], [`EngineConfig`], [`IdempotencyKey`] and the
//!   errors [`TijaraError`] and [`BuildError`];
//! - the engine's facets, which group its use cases ([`Catalog`], [`Carts`], [`Checkout`],
//!   [`Payments`], [`Fulfillment`], [`Orders`], [`Accounts`], `Sessions` with the `accounts`
//!   feature, [`Payouts`], [`Operations`]: `engine.catalog().create_product(..)`);
//! - the ports an adapter implements, with their errors and the types of their signatures:
//!   [`Storage`], [`PaymentGateway`], [`Carrier`], [`Clock`], [`IdGenerator`], [`EventSink`],
//!   [`Sleeper`];
//! - the core's money, region and id types ([`Money`], [`Currency`], [`Decimal`], [`Rate`],
//!   [`Region`], [`Lang`], [`LocalizedText`], [`OrderId`], [`SellerId`]...);
//! - [`async_trait`](macro@async_trait), the attribute the port traits are written with, so an
//!   adapter needs no dependency of its own on `async-trait` (of a version matching the
//!   engine's).
//!
//! Every item keeps its full path as well (`tijara::ports::payment::PaymentGateway`...). The
//! prelude only grows within a major version (see "Versioning" in the README); a name of
//! yours that collides with one of it wins over the glob import.
//!
//! An adapter of the embedder's own (an event sink and a clock) and an engine built with them:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use tijara::prelude::*;
//! use tijara::ports::storage::DocKind;
//! use tijara::core::chrono::{DateTime, TimeZone, Utc};
//!
//! /// Keeps the orders placed among the events it is given.
//! #[derive(Default)]
//! struct Journal(Mutex<Vec<OrderId>>);
//!
//! #[async_trait]
//! impl EventSink for Journal {
//!     async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError> {
//!         // A kind this version does not know is not for this sink: skip it.
//!         if let Ok(DomainEvent::OrderPlaced(placed)) = event.event() {
//!             let mut orders = self.0.lock().map_err(|e| SinkError(e.to_string()))?;
//!             orders.push(placed.order_id);
//!         }
//!         Ok(())
//!     }
//! }
//!
//! /// Always the same instant.
//! struct Frozen(DateTime<Utc>);
//!
//! impl Clock for Frozen {
//!     fn now(&self) -> DateTime<Utc> {
//!         self.0
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let storage: Arc<dyn Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
//! let engine: Tijara = Tijara::builder()
//!     .region(Region::dakhla())
//!     .storage(storage)
//!     .payment(Arc::new(tijara_testkit::stubs::StubGateway::card()))
//!     .carrier(Arc::new(tijara_testkit::stubs::StubCarrier::new("amana", "30.00", "10.00")))
//!     .clock(Arc::new(Frozen(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap())))
//!     .event_sink(Arc::new(Journal::default()))
//!     .config(EngineConfig::default())
//!     .build()?;
//! assert_eq!(engine.region().currency, Currency::MAD);
//!
//! let price = Money::mad("120.00")?;
//! assert_eq!(price.amount(), Decimal::new(12000, 2));
//! let key = IdempotencyKey::new("checkout-42")?.for_caller("cart_1");
//! assert_eq!(key.as_str(), "checkout-42");
//! let order = OrderId::new("ord_1")?;
//! let refused = TijaraError::NotFound {
//!     kind: DocKind::Order,
//!     id: order.to_string(),
//! };
//! assert!(!refused.is_temporary());
//! # Ok(())
//! # }
//! ```

pub use async_trait::async_trait;

pub use crate::engine::{BuildError, EngineConfig, IdempotencyKey, Tijara, TijaraBuilder};
pub use crate::error::{Part, TijaraError};
#[cfg(feature = "accounts")]
pub use crate::usecases::accounts::Sessions;
pub use crate::usecases::{
    accounts::Accounts, cart::Carts, catalog::Catalog, checkout::Checkout,
    fulfillment::Fulfillment, maintenance::Operations, payments::Payments, payouts::Payouts,
    returns::Orders,
};

pub use crate::ports::carrier::{
    Carrier, CarrierCapabilities, CarrierError, CreatedShipment, Quote, QuoteRequest,
    ShipmentRequest, WebhookRequest, WebhookUpdate,
};
pub use crate::ports::payment::{
    GatewayError, NotificationAnswer, NotificationRequest, NotificationVerdict, OperationResult,
    PaymentCapabilities, PaymentGateway, PaymentOperation, PaymentRequest, PaymentStart,
    VerifiedNotification,
};
pub use crate::ports::runtime::{
    Clock, EventSink, IdGenerator, SinkError, Sleeper, SystemClock, UuidV7Ids,
};
pub use crate::ports::storage::{OutboxEvent, Storage, StorageError};

pub use tijara_core::{
    CartId, CategoryId, Currency, CustomerId, Decimal, DomainEvent, Lang, LocalizedText, Money,
    MoneyError, OrderId, ProductId, Rate, Region, SellerId, SellerOrderId, ShipmentId, VariantId,
};
