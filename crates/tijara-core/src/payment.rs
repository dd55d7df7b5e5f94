//! The payment of an order: one state machine for card (hosted page or API), bank transfer and
//! cash on delivery.
//!
//! ```text
//! card:      pending ─authorize→ authorized ─capture→ captured ─refund→ partially_refunded → refunded
//!               │  ╰────────────── capture ──────────────╯ │
//!               ├─fail→ failed ─(a later approval)→ authorized / captured
//!               ╰─void→ voided          authorized ─void→ voided
//! transfer:  pending ─capture (admin confirms)→ captured …; pending ─void (expired)→ voided
//! COD:       awaiting_delivery ─collect (per parcel)→ collected ─remit→ remitted
//!               ╰─cancel collection (refused parcel) → voided when nothing is left to collect
//! ```
//! A late decline never un-pays: `fail` is refused once authorized or captured. Refunds never
//! exceed what was captured or collected.

use crate::money::{Money, MoneyError};
use crate::state::{TransitionError, refuse};
use serde::{Deserialize, Serialize};

/// How an order is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentMethod {
    /// Card, through a gateway (CMI's hosted page, or an API gateway).
    Card,
    /// Cash on delivery (contre-remboursement, الدفع عند الاستلام).
    CashOnDelivery,
    /// Bank transfer (virement), confirmed by an admin.
    BankTransfer,
}

impl PaymentMethod {
    /// True when the method may pay for a delivery abroad (`abroad`: the address is outside
    /// the region's country): card and bank transfer may, cash on delivery never (carriers
    /// collect cash at home only).
    ///
    /// ```
    /// use tijara_core::payment::PaymentMethod;
    ///
    /// assert!(PaymentMethod::Card.offered(true));
    /// assert!(!PaymentMethod::CashOnDelivery.offered(true));
    /// assert!(PaymentMethod::CashOnDelivery.offered(false));
    /// ```
    pub fn offered(self, abroad: bool) -> bool {
        !(abroad && self == PaymentMethod::CashOnDelivery)
    }

    /// True when money paid this way goes back by bank transfer (cash on delivery, a transfer:
    /// no card to return it to), so a refund needs the shopper's account.
    ///
    /// ```
    /// use tijara_core::payment::PaymentMethod;
    ///
    /// assert!(PaymentMethod::CashOnDelivery.refunds_by_transfer());
    /// assert!(!PaymentMethod::Card.refunds_by_transfer());
    /// ```
    pub fn refunds_by_transfer(self) -> bool {
        matches!(
            self,
            PaymentMethod::CashOnDelivery | PaymentMethod::BankTransfer
        )
    }
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentStatus {
    /// Waiting for the gateway or the transfer.
    Pending,
    /// Card authorized (funds held), not captured.
    Authorized,
    /// Money taken.
    Captured,
    /// Part of the captured or collected money returned.
    PartiallyRefunded,
    /// All of it returned.
    Refunded,
    /// The last attempt was declined (another may still succeed).
    Failed,
    /// Cancelled before any money moved.
    Voided,
    /// COD: the carrier has still to collect (some) cash.
    AwaitingDelivery,
    /// COD: all cash collected by the carrier.
    Collected,
    /// COD: the carrier has paid the collected cash to the marketplace.
    Remitted,
}

impl PaymentStatus {
    /// The state's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Captured => "captured",
            PaymentStatus::PartiallyRefunded => "partially_refunded",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Voided => "voided",
            PaymentStatus::AwaitingDelivery => "awaiting_delivery",
            PaymentStatus::Collected => "collected",
            PaymentStatus::Remitted => "remitted",
        }
    }
}

/// Why a payment change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentError {
    /// Not allowed from the current state.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The amount is not what this step allows.
    #[error("amount {amount} is not allowed: {rule}")]
    Amount {
        /// The amount given.
        amount: Money,
        /// The rule broken.
        rule: &'static str,
    },
    /// Currency mismatch or overflow.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// The payment of one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    method: PaymentMethod,
    status: PaymentStatus,
    amount: Money,
    authorized: Money,
    captured: Money,
    collected: Money,
    remitted: Money,
    refunded: Money,
}

fn amount_error<T>(amount: Money, rule: &'static str) -> Result<T, PaymentError> {
    Err(PaymentError::Amount { amount, rule })
}

impl Payment {
    /// A new payment of `amount` by `method`: pending, or awaiting delivery for COD.
    pub fn new(method: PaymentMethod, amount: Money) -> Payment {
        let zero = Money::zero(amount.currency());
        Payment {
            method,
            status: match method {
                PaymentMethod::CashOnDelivery => PaymentStatus::AwaitingDelivery,
                _ => PaymentStatus::Pending,
            },
            amount,
            authorized: zero,
            captured: zero,
            collected: zero,
            remitted: zero,
            refunded: zero,
        }
    }

    /// The method.
    pub fn method(&self) -> PaymentMethod {
        self.method
    }
    /// The state.
    pub fn status(&self) -> PaymentStatus {
        self.status
    }
    /// The amount due.
    pub fn amount(&self) -> Money {
        self.amount
    }
    /// Authorized so far (cards).
    pub fn authorized(&self) -> Money {
        self.authorized
    }
    /// Captured so far (cards, transfers).
    pub fn captured(&self) -> Money {
        self.captured
    }
    /// Collected by carriers so far (COD).
    pub fn collected(&self) -> Money {
        self.collected
    }
    /// Remitted by carriers so far (COD).
    pub fn remitted(&self) -> Money {
        self.remitted
    }
    /// Refunded so far.
    pub fn refunded(&self) -> Money {
        self.refunded
    }

    /// Money actually received (captured or collected) minus refunds.
    pub fn net_received(&self) -> Result<Money, MoneyError> {
        self.captured
            .checked_add(self.collected)?
            .checked_sub(self.refunded)
    }

    /// True when the order may ship: a card payment authorized or captured, a transfer
    /// received, or any live COD payment.
    pub fn allows_shipping(&self) -> bool {
        match self.method {
            PaymentMethod::CashOnDelivery => !matches!(self.status, PaymentStatus::Voided),
            _ => matches!(
                self.status,
                PaymentStatus::Authorized
                    | PaymentStatus::Captured
                    | PaymentStatus::PartiallyRefunded
            ),
        }
    }

    /// True once the money is secured (authorized, captured, or for COD the order is placed).
    pub fn is_secured(&self) -> bool {
        self.allows_shipping()
    }

    fn err<T>(&self, action: &'static str) -> Result<T, PaymentError> {
        Ok(refuse("payment", self.status.as_str(), action)?)
    }

    /// The card gateway authorized `amount`, which must be the amount due.
    pub fn authorize(&mut self, amount: Money) -> Result<(), PaymentError> {
        if self.method != PaymentMethod::Card
            || !matches!(self.status, PaymentStatus::Pending | PaymentStatus::Failed)
        {
            return self.err("authorize");
        }
        if amount != self.amount {
            return amount_error(amount, "an authorization must be for the amount due");
        }
        self.authorized = amount;
        self.status = PaymentStatus::Authorized;
        Ok(())
    }

    /// Money was taken: a capture of an authorization (at most the authorized amount), a direct
    /// card sale, or a bank transfer confirmed by an admin (both for exactly the amount due).
    pub fn capture(&mut self, amount: Money) -> Result<(), PaymentError> {
        match (self.method, self.status) {
            (PaymentMethod::Card, PaymentStatus::Authorized) => {
                if !amount.is_positive() || amount.compare(&self.authorized)?.is_gt() {
                    return amount_error(
                        amount,
                        "a capture must be positive and at most the authorized amount",
                    );
                }
            }
            (PaymentMethod::Card, PaymentStatus::Pending | PaymentStatus::Failed)
            | (PaymentMethod::BankTransfer, PaymentStatus::Pending) => {
                if amount != self.amount {
                    return amount_error(amount, "the amount received must be the amount due");
                }
            }
            _ => return self.err("capture"),
        }
        self.captured = amount;
        self.status = PaymentStatus::Captured;
        Ok(())
    }

    /// The last attempt was declined. Refused once money is authorized or captured, so a late
    /// decline never un-pays an order.
    pub fn fail(&mut self) -> Result<(), PaymentError> {
        match self.status {
            PaymentStatus::Pending | PaymentStatus::Failed
                if self.method != PaymentMethod::CashOnDelivery =>
            {
                self.status = PaymentStatus::Failed;
                Ok(())
            }
            _ => self.err("fail"),
        }
    }

    /// Cancels before money moved: a pending or failed payment, an uncaptured authorization, an
    /// expired transfer.
    pub fn void(&mut self) -> Result<(), PaymentError> {
        match self.status {
            PaymentStatus::Pending | PaymentStatus::Failed | PaymentStatus::Authorized => {
                self.status = PaymentStatus::Voided;
                Ok(())
            }
            PaymentStatus::AwaitingDelivery if self.collected.is_zero() => {
                self.status = PaymentStatus::Voided;
                Ok(())
            }
            _ => self.err("void"),
        }
    }

    /// Returns money to the shopper; never more than captured or collected minus earlier refunds.
    pub fn refund(&mut self, amount: Money) -> Result<(), PaymentError> {
        let refundable_state = matches!(
            self.status,
            PaymentStatus::Captured
                | PaymentStatus::PartiallyRefunded
                | PaymentStatus::Collected
                | PaymentStatus::Remitted
        ) || (self.status == PaymentStatus::AwaitingDelivery
            && self.collected.is_positive());
        if !refundable_state {
            return self.err("refund");
        }
        let received = self.captured.checked_add(self.collected)?;
        let left = received.checked_sub(self.refunded)?;
        if !amount.is_positive() || amount.compare(&left)?.is_gt() {
            return amount_error(
                amount,
                "a refund must be positive and at most what was received and not yet refunded",
            );
        }
        self.refunded = self.refunded.checked_add(amount)?;
        self.status = if self.refunded == received {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::PartiallyRefunded
        };
        Ok(())
    }

    fn still_to_collect(&self) -> Result<Money, MoneyError> {
        self.amount.checked_sub(self.collected)
    }

    /// COD: a carrier collected `amount` in cash on delivering a parcel.
    pub fn collect(&mut self, amount: Money) -> Result<(), PaymentError> {
        if self.method != PaymentMethod::CashOnDelivery
            || self.status != PaymentStatus::AwaitingDelivery
        {
            return self.err("collect");
        }
        if !amount.is_positive() || amount.compare(&self.still_to_collect()?)?.is_gt() {
            return amount_error(
                amount,
                "a collection must be positive and at most what is left to collect",
            );
        }
        self.collected = self.collected.checked_add(amount)?;
        if self.collected == self.amount {
            self.status = PaymentStatus::Collected;
        }
        Ok(())
    }

    /// COD: a parcel was refused, so `amount` will never be collected.
    pub fn cancel_collection(&mut self, amount: Money) -> Result<(), PaymentError> {
        if self.method != PaymentMethod::CashOnDelivery
            || self.status != PaymentStatus::AwaitingDelivery
        {
            return self.err("cancel collection");
        }
        if !amount.is_positive() || amount.compare(&self.still_to_collect()?)?.is_gt() {
            return amount_error(
                amount,
                "a cancelled collection must be positive and at most what is left to collect",
            );
        }
        self.amount = self.amount.checked_sub(amount)?;
        if self.amount.is_zero() {
            self.status = PaymentStatus::Voided;
        } else if self.collected == self.amount {
            self.status = PaymentStatus::Collected;
        }
        Ok(())
    }

    /// COD: the carrier paid the marketplace `amount` of the collected cash (gross of its fee;
    /// the fee is accounted separately).
    pub fn remit(&mut self, amount: Money) -> Result<(), PaymentError> {
        let allowed = self.method == PaymentMethod::CashOnDelivery
            && matches!(
                self.status,
                PaymentStatus::AwaitingDelivery | PaymentStatus::Collected
            );
        if !allowed {
            return self.err("remit");
        }
        let left = self.collected.checked_sub(self.remitted)?;
        if !amount.is_positive() || amount.compare(&left)?.is_gt() {
            return amount_error(
                amount,
                "a remittance must be positive and at most what was collected and not yet remitted",
            );
        }
        self.remitted = self.remitted.checked_add(amount)?;
        if self.status == PaymentStatus::Collected && self.remitted == self.collected {
            self.status = PaymentStatus::Remitted;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

/// What a payment event says (a gateway notification, an admin confirmation...). It lives in
/// the core so the engine's payment port and its payment use cases share it without one
/// depending on the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentEventKind {
    /// Funds held.
    Authorized {
        /// Amount authorized.
        amount: Money,
    },
    /// Money taken (a capture, a direct sale, a confirmed transfer).
    Captured {
        /// Amount.
        amount: Money,
    },
    /// The attempt was declined.
    Declined {
        /// The gateway's reason.
        reason: String,
    },
    /// The authorization was cancelled.
    Voided,
    /// Money returned to the shopper.
    Refunded {
        /// Amount.
        amount: Money,
    },
}

impl PaymentEventKind {
    /// What is recorded in the payment log for it.
    pub fn log_event(&self) -> PaymentLogEvent {
        match self {
            PaymentEventKind::Authorized { .. } => PaymentLogEvent::Authorized,
            PaymentEventKind::Captured { .. } => PaymentLogEvent::Captured,
            PaymentEventKind::Declined { .. } => PaymentLogEvent::Declined,
            PaymentEventKind::Voided => PaymentLogEvent::Voided,
            PaymentEventKind::Refunded { .. } => PaymentLogEvent::Refunded,
        }
    }

    /// The amount it carries, if any.
    pub fn amount(&self) -> Option<Money> {
        match self {
            PaymentEventKind::Authorized { amount }
            | PaymentEventKind::Captured { amount }
            | PaymentEventKind::Refunded { amount } => Some(*amount),
            PaymentEventKind::Declined { .. } | PaymentEventKind::Voided => None,
        }
    }
}

/// What an entry of an order's payment log records: the kind of a [`PaymentEventKind`], or a
/// carrier's cash on delivery step. Stored (and sent in `payment.updated` events) as its
/// snake case name: `"authorized"`, `"collected"`...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentLogEvent {
    /// Funds held.
    Authorized,
    /// Money taken.
    Captured,
    /// The attempt was declined.
    Declined,
    /// The authorization was cancelled.
    Voided,
    /// Money returned to the shopper.
    Refunded,
    /// A carrier collected the cash on delivery.
    Collected,
    /// A carrier remitted the cash it collected.
    Remitted,
}

impl PaymentLogEvent {
    /// The stored name (`authorized`...).
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentLogEvent::Authorized => "authorized",
            PaymentLogEvent::Captured => "captured",
            PaymentLogEvent::Declined => "declined",
            PaymentLogEvent::Voided => "voided",
            PaymentLogEvent::Refunded => "refunded",
            PaymentLogEvent::Collected => "collected",
            PaymentLogEvent::Remitted => "remitted",
        }
    }
}

impl std::fmt::Display for PaymentLogEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the engine did with a payment event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentOutcome {
    /// Applied: the payment moved.
    Applied,
    /// Already applied before (same reference): nothing changed.
    Duplicate,
    /// Refused, with the reason; nothing changed.
    Rejected {
        /// Why.
        reason: String,
    },
}
