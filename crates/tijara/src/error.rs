//! The engine's error type.

use crate::ports::carrier::CarrierError;
use crate::ports::payment::GatewayError;
use crate::ports::storage::{DocKind, StorageError};
use tijara_core::cart::CartError;
use tijara_core::catalog::SnapshotError;
use tijara_core::catalog::ValidationError;
use tijara_core::order::OrderError;
use tijara_core::payment::PaymentError;
use tijara_core::payout::PayoutError;
use tijara_core::pricing::PricingError;
use tijara_core::returns::ReturnError;
use tijara_core::{
    CartId, Currency, IdError, MemberId, MoneyError, OrderId, ReturnId, SellerId, SellerOrderId,
    ShipmentId, VariantId,
};

/// Why a use case failed. Every variant says whether retrying can help ([`TijaraError::is_temporary`]).
///
/// Each cause a caller can act on has its own variant, named after the cause and carrying the
/// ids the caller needs to act (`EmptyCart`, `ShippingNotChosen { seller }`,
/// `NotAwaitingPayment { order }`...): match on them, never on the message. The variants fall
/// in a few families:
///
/// - what the caller named does not exist: [`NotFound`](Self::NotFound),
///   [`PartNotFound`](Self::PartNotFound);
/// - input the caller can correct: [`InvalidField`](Self::InvalidField),
///   [`BadEmail`](Self::BadEmail), [`BadIdempotencyKey`](Self::BadIdempotencyKey),
///   [`Id`](Self::Id), [`Money`](Self::Money), [`WrongCurrency`](Self::WrongCurrency),
///   [`UnknownTaxCategory`](Self::UnknownTaxCategory), [`Validation`](Self::Validation);
/// - cart and checkout: [`EmptyCart`](Self::EmptyCart), [`CartClosed`](Self::CartClosed),
///   [`CartNotYours`](Self::CartNotYours),
///   [`ShippingNotChosen`](Self::ShippingNotChosen),
///   [`ShippingOutdated`](Self::ShippingOutdated), [`NothingToShip`](Self::NothingToShip),
///   [`ServiceUnavailable`](Self::ServiceUnavailable), [`NoCarrier`](Self::NoCarrier),
///   [`Customs`](Self::Customs), [`CodNotAbroad`](Self::CodNotAbroad),
///   [`Cart`](Self::Cart),
///   [`OutOfStock`](Self::OutOfStock);
/// - an order in the wrong state for the step: [`NotAwaitingPayment`](Self::NotAwaitingPayment),
///   [`NotBankTransfer`](Self::NotBankTransfer),
///   [`PartialCaptureUnsupported`](Self::PartialCaptureUnsupported),
///   [`PartialRefundUnsupported`](Self::PartialRefundUnsupported),
///   [`CameBackRefundOpen`](Self::CameBackRefundOpen),
///   [`CaptureUnsupported`](Self::CaptureUnsupported),
///   [`NotReadyToShip`](Self::NotReadyToShip), [`NotPaidYet`](Self::NotPaidYet),
///   [`NoCarrierChosen`](Self::NoCarrierChosen),
///   [`NotShipped`](Self::NotShipped), [`NoTrackingNumber`](Self::NoTrackingNumber),
///   [`LabelInUse`](Self::LabelInUse), [`Order`](Self::Order), [`Payment`](Self::Payment),
///   [`Return`](Self::Return), [`Payout`](Self::Payout);
/// - accounts and catalog: [`EmailTaken`](Self::EmailTaken), [`NotAMember`](Self::NotAMember),
///   [`TooManyPhotos`](Self::TooManyPhotos), [`StockNotTracked`](Self::StockNotTracked),
///   [`SellerNotApproved`](Self::SellerNotApproved), [`NotAllowed`](Self::NotAllowed);
/// - payouts: [`NoBankAccount`](Self::NoBankAccount);
/// - try again: see [`TijaraError::is_temporary`].
///
/// [`Invalid`](Self::Invalid) is left only for faults with no cause a caller could act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TijaraError {
    /// No such thing: the document the caller named (by its id, or by the slug or e-mail the
    /// caller gave) does not exist.
    #[error("{kind} {id} not found")]
    NotFound {
        /// What was looked for.
        kind: DocKind,
        /// The id (or slug, e-mail...) the caller gave.
        id: String,
    },
    /// A part of a document the caller named (a shipment or return of an order, a variant, a
    /// tracking number) does not exist.
    #[error("{part} {id} not found")]
    PartNotFound {
        /// What was looked for.
        part: Part,
        /// The id the caller gave.
        id: String,
    },
    /// A fault with no cause the caller could act on (a password hasher failing, an invoice
    /// whose sums disagree): free-form, for the log.
    /// Every cause a caller can act on has its own variant.
    #[error("internal error: {0}")]
    Invalid(String),
    /// A field of the input breaks its rule (length, characters, range): correct the field.
    #[error("{field}: {rule}")]
    InvalidField {
        /// The field, as the input names it (`category.slug`, `password`, `tracking_number`).
        field: &'static str,
        /// The rule it breaks, in English (`must be 1 to 80 characters`).
        rule: String,
    },
    /// An identifier (given by the caller, or read back) is not a valid id.
    #[error(transparent)]
    Id(#[from] IdError),
    /// An amount is not valid in its currency (too many decimals, an overflow, two currencies
    /// mixed).
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// An amount is in another currency than the region's: give it in `expected`.
    #[error("the amount is in {got}; give it in {expected}, the region's currency")]
    WrongCurrency {
        /// The region's currency.
        expected: Currency,
        /// The currency given.
        got: Currency,
    },
    /// A variant names a tax category the region does not define: pick one of the region's.
    #[error("tax category {category} is not defined in region {region}; pick one of its own")]
    UnknownTaxCategory {
        /// The category given.
        category: tijara_core::TaxCategoryId,
        /// The region's code.
        region: String,
    },
    /// The e-mail address is not well formed: type it again.
    #[error("{email:?} is not an e-mail address; check it")]
    BadEmail {
        /// The address given.
        email: String,
    },
    /// An account already uses this e-mail: log in, or sign up with another address.
    #[error("{email} already has an account; log in or use another address")]
    EmailTaken {
        /// The e-mail, normalized.
        email: String,
    },
    /// The idempotency key is not 1 to 255 visible ASCII characters: send another key.
    #[error("an idempotency key is 1 to 255 visible ASCII characters")]
    BadIdempotencyKey,
    /// The cart is empty: add something before checking out.
    #[error("the cart is empty; add a product before checking out")]
    EmptyCart,
    /// The cart was checked out (or abandoned) and can no longer change: start a new cart.
    #[error("cart {cart} is closed; start a new cart")]
    CartClosed {
        /// The cart.
        cart: CartId,
    },
    /// The cart belongs to another customer's account.
    #[error("cart {cart} belongs to another customer")]
    CartNotYours {
        /// The cart.
        cart: CartId,
    },
    /// No shipping service is chosen for this seller's part of the cart: choose one.
    #[error("choose a shipping service for seller {seller}")]
    ShippingNotChosen {
        /// The seller whose part has no shipping.
        seller: SellerId,
    },
    /// The delivery address changed since shipping was chosen: choose shipping again.
    #[error("the delivery address changed since shipping was chosen; choose shipping again")]
    ShippingOutdated,
    /// Shipping was chosen for a seller with nothing in the cart.
    #[error("seller {seller} has nothing to ship in this cart")]
    NothingToShip {
        /// The seller.
        seller: SellerId,
    },
    /// The carrier's service does not serve this address for this seller: choose another
    /// among the quotes.
    #[error("{carrier} {service} does not serve this address for seller {seller}; choose another")]
    ServiceUnavailable {
        /// The seller.
        seller: SellerId,
        /// The carrier's code.
        carrier: String,
        /// The service's code.
        service: String,
    },
    /// No configured carrier delivers this seller's parcel to the address (a city or country
    /// none of them serves): check the city's spelling, choose another address, or contact
    /// the marketplace. [`Checkout::shipping_quotes`](crate::Checkout::shipping_quotes)
    /// answers such a seller with an empty options list instead.
    #[error("no carrier delivers seller {seller}'s parcel to {city} ({country})")]
    NoCarrier {
        /// The seller.
        seller: SellerId,
        /// The city, as the engine read it.
        city: String,
        /// The country's code.
        country: String,
    },
    /// The order is not awaiting payment (paid, cancelled or on delivery): nothing to pay.
    #[error("order {order} is not awaiting payment")]
    NotAwaitingPayment {
        /// The order.
        order: OrderId,
    },
    /// The order's payment method cannot be changed (see
    /// [`OrderDoc::can_switch_payment`](tijara_core::order_record::OrderDoc::can_switch_payment)).
    #[error(transparent)]
    PaymentSwitch(#[from] tijara_core::order_record::SwitchRefusal),
    /// Cash on delivery is not possible for a parcel: its carrier is no longer configured,
    /// does not collect cash, or no longer offers the chosen service. The order keeps its
    /// payment; the shopper pays another way.
    #[error("carrier {carrier} does not collect cash for seller {seller}'s parcel")]
    CodUnavailable {
        /// The seller whose parcel it is.
        seller: tijara_core::SellerId,
        /// The parcel's carrier.
        carrier: String,
    },
    /// Paying cash on delivery changes what the order costs (the carriers' cash-collection
    /// fees): nothing changed; show `total` and switch again with the shopper's acceptance
    /// ([`Checkout::switch_payment_accepting`](crate::Checkout::switch_payment_accepting)).
    #[error("cash on delivery changes order {order}'s total from {before} to {total}: confirm it")]
    CodTotalChanged {
        /// The order.
        order: OrderId,
        /// Its grand total now.
        before: tijara_core::Money,
        /// Its grand total when paid cash on delivery.
        total: tijara_core::Money,
    },
    /// The order is not paid by bank transfer, so no transfer can be recorded for it.
    #[error("order {order} is not paid by bank transfer")]
    NotBankTransfer {
        /// The order.
        order: OrderId,
    },
    /// The gateway cannot capture part of an authorization: capture all of it.
    #[error("gateway {gateway} cannot capture part of an authorization; capture all of it")]
    PartialCaptureUnsupported {
        /// The gateway's code.
        gateway: String,
    },
    /// The gateway refunds by API but cannot refund part of a payment
    /// ([`PaymentCapabilities::partial_refund`](crate::ports::payment::PaymentCapabilities::partial_refund)):
    /// nothing was called. Refund it in the gateway's back office and record it by hand (a
    /// return's refund: [`Orders::send_return_refund`](crate::Orders::send_return_refund) with
    /// the back office's reference).
    #[error(
        "gateway {gateway} cannot refund part of a payment; refund it in its back office and record it by hand"
    )]
    PartialRefundUnsupported {
        /// The gateway's code.
        gateway: String,
    },
    /// A paid parcel of the order came back undelivered and its refund is open: an order-wide
    /// refund now would be spread over every seller and the return then refunded again; refund
    /// that return instead ([`ReturnRequest::came_back`](tijara_core::returns::ReturnRequest::came_back)).
    #[error(
        "order {order} has the refund of a parcel that came back open ({return_id}): refund that return"
    )]
    CameBackRefundOpen {
        /// The order.
        order: OrderId,
        /// The return to refund.
        return_id: ReturnId,
    },
    /// This seller's part of the order is not ready to ship (not paid or confirmed yet, or
    /// shipped already).
    #[error("part {part} of order {order} is not ready to ship")]
    NotReadyToShip {
        /// The order.
        order: OrderId,
        /// The seller's part.
        part: SellerOrderId,
    },
    /// The buyer has not paid this card or bank-transfer order yet: it may not be made ready
    /// or shipped. Wait for the payment (the order then moves to the seller's "to prepare").
    #[error("order {order} is not paid yet: part {part} may not be prepared or shipped")]
    NotPaidYet {
        /// The order.
        order: OrderId,
        /// The seller's part.
        part: SellerOrderId,
    },
    /// Neither the shopper nor the request chose a carrier for this part: name one.
    #[error("no carrier is chosen for part {part}; name one")]
    NoCarrierChosen {
        /// The seller's part.
        part: SellerOrderId,
    },
    /// This seller's part of the order is not shipped yet: ship it first.
    #[error("part {part} is not shipped yet; ship it first")]
    NotShipped {
        /// The seller's part.
        part: SellerOrderId,
    },
    /// The shipment has no tracking number yet: type the number of its label first.
    #[error("shipment {shipment} has no tracking number yet")]
    NoTrackingNumber {
        /// The shipment.
        shipment: ShipmentId,
    },
    /// The shipment's label is in use (the parcel moved): it can no longer be cancelled.
    #[error(
        "shipment {shipment} is already {}; its label can no longer be cancelled",
        status.as_str()
    )]
    LabelInUse {
        /// The shipment.
        shipment: ShipmentId,
        /// Where the parcel is.
        status: tijara_core::fulfillment::TrackingStatus,
    },
    /// The account's member is not a member of this seller: add the member to the seller first.
    #[error("{member} is not a member of seller {seller}")]
    NotAMember {
        /// The member.
        member: MemberId,
        /// The seller.
        seller: SellerId,
    },
    /// The product has its most photos: remove one first.
    #[error("a product has at most {max} photos; remove one first")]
    TooManyPhotos {
        /// The limit.
        max: usize,
    },
    /// The variant does not track stock, so its stock cannot be adjusted.
    #[error("variant {variant} does not track stock")]
    StockNotTracked {
        /// The variant.
        variant: VariantId,
    },
    /// The catalog read back is inconsistent (a product of a seller that is gone, a variant in
    /// two products): the operator's to repair.
    #[error(transparent)]
    Catalog(#[from] SnapshotError),
    /// The catalog data is invalid.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A line cannot be shipped abroad: its product lacks customs data
    /// ([`CustomsError::Missing`](tijara_core::customs::CustomsError::Missing) names it).
    /// Remove it from the cart, deliver in the region's country, or ask the seller to add
    /// its customs data. Nothing was written.
    #[error(transparent)]
    Customs(#[from] tijara_core::customs::CustomsError),
    /// Cash on delivery was asked for an address outside the region's country: carriers
    /// collect cash at home only. Pay by card or bank transfer.
    #[error(
        "cash on delivery is not offered for deliveries to {country}: pay by card or bank transfer"
    )]
    CodNotAbroad {
        /// The delivery country's code.
        country: String,
    },
    /// A cart rule refused.
    #[error(transparent)]
    Cart(#[from] CartError),
    /// Pricing failed.
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// An order rule refused.
    #[error(transparent)]
    Order(#[from] OrderError),
    /// A payment rule refused.
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// A return rule refused.
    #[error(transparent)]
    Return(#[from] ReturnError),
    /// A payout rule refused.
    #[error(transparent)]
    Payout(#[from] PayoutError),
    /// Not enough stock.
    #[error("only {available} of variant {variant} available, {requested} requested")]
    OutOfStock {
        /// The variant.
        variant: VariantId,
        /// Units asked.
        requested: u32,
        /// Units available.
        available: u32,
    },
    /// The idempotency key was used before with another input.
    #[error("idempotency key {key:?} was already used with a different request")]
    IdempotencyMismatch {
        /// The key.
        key: String,
    },
    /// Concurrent changes kept conflicting after every retry.
    #[error("{kind} {id} kept changing concurrently; try again")]
    Conflict {
        /// Kind.
        kind: DocKind,
        /// Id.
        id: String,
    },
    /// A payment gateway failed.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// A carrier failed.
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    /// No gateway or carrier with this code is configured.
    #[error("no {what} named {code:?} is configured")]
    NotConfigured {
        /// `payment gateway` or `carrier`.
        what: &'static str,
        /// The code asked for.
        code: String,
    },
    /// The storage failed.
    #[error(transparent)]
    Storage(StorageError),
    /// A value could not be written as JSON (a document, an event, an idempotent answer): an
    /// engine fault, never the input's; nothing was stored.
    #[error("cannot encode: {reason}")]
    Unencodable {
        /// The encoder's error.
        reason: String,
    },
    /// A stored document could not be read back.
    #[error("stored {kind} {id} is unreadable: {reason}")]
    Corrupt {
        /// Kind.
        kind: DocKind,
        /// Id.
        id: String,
        /// The decoding error.
        reason: String,
    },
    /// No event sink is configured.
    #[error("no event sink is configured")]
    NoEventSink,
    /// Another call with this idempotency key is still in progress (it reaches a gateway or
    /// carrier); its answer was not ready within the wait. Retrying later gets that answer.
    #[error("a request with idempotency key {key:?} is still in progress; retry shortly")]
    IdempotencyInProgress {
        /// The key.
        key: String,
    },
    /// The tracking number is already used by another shipment (of this order or another):
    /// type the number printed on this parcel's label.
    #[error("tracking number {number:?} is already used by another shipment")]
    TrackingNumberTaken {
        /// The number refused.
        number: String,
    },
    /// The caller may not make this change: a seller acting on another seller's part, or
    /// beyond what a seller may do (a return to sender, another carrier than the shopper's).
    #[error("not allowed: {reason}")]
    NotAllowed {
        /// What was refused.
        reason: String,
    },
    /// Too many failed logins for this account from this address (or from this address, or
    /// for this account from everywhere): the next try is allowed after the delay.
    #[error("too many failed logins; try again in {retry_after_secs} s")]
    LoginThrottled {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// Wrong e-mail or password (the same answer for an unknown e-mail).
    #[error("wrong e-mail or password")]
    BadCredentials,
    /// Every password-hashing slot of this process is taken; try again shortly.
    #[error("too busy; try again in {retry_after_secs} s")]
    Busy {
        /// Seconds to wait before trying again.
        retry_after_secs: u64,
    },
    /// The seller is not approved (yet) by the marketplace for this.
    #[error("seller {0} is not approved yet")]
    SellerNotApproved(tijara_core::SellerId),
    /// A payout cannot be recorded: the seller has given no bank account (RIB) to transfer
    /// to. Ask the seller to enter it (the portal's statement page) and try again.
    #[error("seller {seller} has no bank account (RIB) on file; ask the seller to enter it")]
    NoBankAccount {
        /// The seller.
        seller: tijara_core::SellerId,
    },
    /// Too many orders awaiting payment for this e-mail or client address: pay or cancel one,
    /// or wait (see `EngineConfig::max_unpaid_per_email`).
    #[error("too many unpaid orders for this {per} (at most {limit}): pay one or try again later")]
    TooManyUnpaidOrders {
        /// `e-mail` or `client address`.
        per: &'static str,
        /// The limit.
        limit: u32,
    },
    /// The order's gateway is sale-only ([`PaymentCapabilities::sale_only`]): its approval
    /// already moved the money, there is no authorization to capture.
    ///
    /// [`PaymentCapabilities::sale_only`]: crate::ports::payment::PaymentCapabilities::sale_only
    #[error("gateway {gateway} is sale-only: an approved payment is already captured")]
    CaptureUnsupported {
        /// The gateway's code.
        gateway: String,
    },
    /// The account already keeps as many saved addresses as allowed: delete one first.
    #[error("at most {max} saved addresses: delete one first")]
    TooManyAddresses {
        /// The limit.
        max: usize,
    },
    /// A one-time link (password reset, e-mail verification) cannot be used: unknown (never
    /// made, or replaced by a newer one), expired or already used. Ask for a new link.
    #[error("this {purpose} link cannot be used: {problem}")]
    LinkRefused {
        /// What the link was for.
        purpose: LinkPurpose,
        /// Why it is refused.
        problem: LinkProblem,
    },
}

/// What a one-time link is for, in [`TijaraError::LinkRefused`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkPurpose {
    /// Choosing a new password.
    PasswordReset,
    /// Proving the account's e-mail address.
    EmailVerification,
}

impl std::fmt::Display for LinkPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LinkPurpose::PasswordReset => "password reset",
            LinkPurpose::EmailVerification => "e-mail verification",
        })
    }
}

/// Why a one-time link is refused, in [`TijaraError::LinkRefused`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkProblem {
    /// No such link: mistyped, never made, or replaced by a newer one.
    Unknown,
    /// Its time is over.
    Expired,
    /// It was used already.
    Used,
}

impl std::fmt::Display for LinkProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LinkProblem::Unknown => "unknown or replaced by a newer link",
            LinkProblem::Expired => "expired",
            LinkProblem::Used => "already used",
        })
    }
}

impl TijaraError {
    /// True when retrying the same call may succeed.
    pub fn is_temporary(&self) -> bool {
        match self {
            TijaraError::Conflict { .. }
            | TijaraError::IdempotencyInProgress { .. }
            | TijaraError::Busy { .. } => true,
            TijaraError::Storage(e) => e.is_temporary(),
            TijaraError::Gateway(e) => e.is_temporary(),
            TijaraError::Carrier(e) => e.is_temporary(),
            _ => false,
        }
    }
}

impl From<StorageError> for TijaraError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::OutOfStock {
                variant,
                requested,
                available,
            } => TijaraError::OutOfStock {
                variant,
                requested,
                available,
            },
            StorageError::IdempotencyMismatch { key, .. } => {
                TijaraError::IdempotencyMismatch { key }
            }
            StorageError::Conflict { kind, id } => TijaraError::Conflict { kind, id },
            other => TijaraError::Storage(other),
        }
    }
}

/// A part of a stored document, for [`TijaraError::PartNotFound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Part {
    /// A shipment of an order.
    Shipment,
    /// A return of an order.
    Return,
    /// A variant of a product (its stock counter).
    Variant,
    /// A carrier's tracking number, on no shipment.
    TrackingNumber,
    /// A failed delivery of an outbox event to one target (`target#seq`).
    Delivery,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::Shipment => "shipment",
            Part::Return => "return",
            Part::Variant => "variant",
            Part::TrackingNumber => "tracking number",
            Part::Delivery => "failed delivery",
        })
    }
}
