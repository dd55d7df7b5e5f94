//! Offline payment methods for the Tijara engine.
//!
//! - [`CashOnDelivery`] (contre-remboursement, الدفع عند الاستلام): the order is confirmed at
//!   once; each seller's parcel carries its amount to collect; the engine records the payment
//!   as collected when the carrier reports the delivery with the cash, remitted when the
//!   carrier's remittance is recorded (`Fulfillment::record_cod_remittance`), and cancels the
//!   collection when the parcel is refused.
//! - [`BankTransfer`] (virement, تحويل بنكي): the shopper is shown the marketplace's RIB and a
//!   unique reference; an admin confirms the receipt with `Payments::confirm_bank_transfer`
//!   (the amount must be the amount due); `Payments::remind_pending_transfers` writes a reminder
//!   event before the reservation lapses, and `Operations::expire_reservations` cancels the order
//!   after the region's `transfer_hold_hours`. The instructions give that deadline as a date and
//!   time ([`PaymentRequest::pay_by`]), the one the engine enforces.
//!
//! Neither has server-to-server notifications nor an API: refunds are made by hand and
//! recorded by an admin.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bank;

pub use bank::{
    BankDetails, BankDetailsError, TransferInstructions, check_iban, check_rib, check_swift,
    grouped, transfer_instructions, transfer_instructions_for,
};

use async_trait::async_trait;
use tijara::ports::payment::*;
use tijara_core::payment::PaymentMethod;
use tijara_core::{Lang, LocalizedText};

fn offline_answer(_: NotificationVerdict) -> NotificationAnswer {
    NotificationAnswer::text("this payment method has no notifications").with_status(404)
}

/// Cash on delivery.
#[derive(Debug, Clone, Copy, Default)]
pub struct CashOnDelivery;

#[async_trait]
impl PaymentGateway for CashOnDelivery {
    fn code(&self) -> &str {
        "cod"
    }
    fn method(&self) -> PaymentMethod {
        PaymentMethod::CashOnDelivery
    }
    fn capabilities(&self) -> PaymentCapabilities {
        PaymentCapabilities::default().with_partial_refund(true)
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        let amount = |l| request.amount.format(l);
        Ok(PaymentStart::Instructions {
            text: LocalizedText::new()
                .with(
                    Lang::AR,
                    format!("ادفع {} نقدا عند استلام طلبك.", amount(Lang::AR)),
                )
                .with(
                    Lang::FR,
                    format!("Vous payez {} en espèces à la livraison.", amount(Lang::FR)),
                )
                .with(
                    Lang::EN,
                    format!("You pay {} in cash on delivery.", amount(Lang::EN)),
                ),
            reference: request.attempt_id.clone(),
        })
    }
    async fn verify_notification(
        &self,
        _: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        Err(GatewayError::Unsupported("notifications"))
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        offline_answer(verdict)
    }
    async fn capture(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("capture"))
    }
    async fn void(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("void"))
    }
    async fn refund(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("refund by API"))
    }
}

/// The marketplace's bank account, shown to shoppers who pay by transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccount {
    /// The 24-digit Moroccan RIB (relevé d'identité bancaire).
    pub rib: String,
    /// The bank's name.
    pub bank: String,
    /// The account holder.
    pub holder: String,
    /// Days the shopper has to pay, shown only when the engine gives no deadline
    /// ([`PaymentRequest::pay_by`]); the engine always gives one for a transfer, from the
    /// region's `transfer_hold_hours`, which is what it enforces.
    pub pay_within_days: u16,
}

/// Bank transfer.
#[derive(Debug, Clone)]
pub struct BankTransfer {
    account: BankAccount,
    details: Option<BankDetails>,
}

impl BankTransfer {
    /// Checks the account (a RIB is 24 digits; spaces are allowed) and builds the method.
    pub fn new(mut account: BankAccount) -> Result<Self, GatewayError> {
        account.rib.retain(|c| !c.is_whitespace());
        if account.rib.len() != 24 || !account.rib.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GatewayError::Config(format!(
                "a RIB is 24 digits, got {:?}",
                account.rib
            )));
        }
        if account.holder.trim().is_empty() || account.bank.trim().is_empty() {
            return Err(GatewayError::Config(
                "the bank and the account holder are required".into(),
            ));
        }
        Ok(BankTransfer {
            account,
            details: None,
        })
    }

    /// The method for a checked account ([`BankDetails`]): its instructions name the
    /// beneficiary, the bank, the RIB and, for payers abroad, the IBAN and SWIFT code, and ask
    /// for the order's number as the transfer's reference. `pay_within_days` is shown only
    /// when the engine gives no deadline.
    pub fn with_details(details: BankDetails, pay_within_days: u16) -> Self {
        BankTransfer {
            account: BankAccount {
                rib: details.rib().to_owned(),
                bank: details.bank().to_owned(),
                holder: details.beneficiary().to_owned(),
                pay_within_days,
            },
            details: Some(details),
        }
    }

    /// The checked account, when built with [`BankTransfer::with_details`].
    pub fn details(&self) -> Option<&BankDetails> {
        self.details.as_ref()
    }

    /// The reference a shopper quotes for an attempt: short, upper case, unique per attempt.
    pub fn reference(attempt_id: &str) -> String {
        format!("TJR-{}", attempt_id.to_uppercase())
    }
}

#[async_trait]
impl PaymentGateway for BankTransfer {
    fn code(&self) -> &str {
        "transfer"
    }
    fn method(&self) -> PaymentMethod {
        PaymentMethod::BankTransfer
    }
    fn capabilities(&self) -> PaymentCapabilities {
        PaymentCapabilities::default().with_partial_refund(true)
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        if let (Some(details), Some(number)) = (&self.details, &request.order_number) {
            // The order's number is the reference the shopper writes.
            let i = transfer_instructions_for(details, request.amount, number, request.pay_by);
            return Ok(PaymentStart::Instructions {
                text: LocalizedText::new()
                    .with(Lang::AR, i.text(Lang::AR))
                    .with(Lang::FR, i.text(Lang::FR))
                    .with(Lang::EN, i.text(Lang::EN)),
                reference: number.to_string(),
            });
        }
        let a = &self.account;
        let reference = Self::reference(&request.attempt_id);
        let amount = |l| request.amount.format(l);
        // The deadline the engine enforces, as a local date and time; days only without one.
        let (by_ar, by_fr, by_en) = match request.pay_by {
            Some(d) => (
                format!("قبل {}", d.format("%d/%m/%Y %H:%M")),
                format!("avant le {}", d.format("%d/%m/%Y à %H:%M")),
                format!("by {}", d.format("%d/%m/%Y %H:%M")),
            ),
            None => (
                format!("خلال {} أيام", a.pay_within_days),
                format!("sous {} jours", a.pay_within_days),
                format!("within {} days", a.pay_within_days),
            ),
        };
        Ok(PaymentStart::Instructions {
            text: LocalizedText::new()
                .with(
                    Lang::AR,
                    format!(
                        "حوّل {} إلى الحساب {} ({}، {}) {}، مع ذكر المرجع {}.",
                        amount(Lang::AR),
                        a.rib,
                        a.holder,
                        a.bank,
                        by_ar,
                        reference
                    ),
                )
                .with(
                    Lang::FR,
                    format!(
                        "Virez {} sur le RIB {} ({}, {}) {}, en indiquant la référence {}.",
                        amount(Lang::FR),
                        a.rib,
                        a.holder,
                        a.bank,
                        by_fr,
                        reference
                    ),
                )
                .with(
                    Lang::EN,
                    format!(
                        "Transfer {} to RIB {} ({}, {}) {}, quoting reference {}.",
                        amount(Lang::EN),
                        a.rib,
                        a.holder,
                        a.bank,
                        by_en,
                        reference
                    ),
                ),
            reference,
        })
    }
    async fn verify_notification(
        &self,
        _: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        Err(GatewayError::Unsupported("notifications"))
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        offline_answer(verdict)
    }
    async fn capture(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("capture"))
    }
    async fn void(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("void"))
    }
    async fn refund(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("refund by API"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tijara_core::{Money, OrderId};

    fn request() -> PaymentRequest {
        PaymentRequest::new(
            OrderId::new("ord_1").expect("id"),
            "ord_1-1",
            Money::mad("1250.00").expect("m"),
            Lang::FR,
        )
        .with_shopper("a@example.ma", "A", "0600000000")
    }

    #[tokio::test]
    async fn transfer_instructions_name_the_rib_and_a_unique_reference() {
        assert!(
            BankTransfer::new(BankAccount {
                rib: "123".into(),
                bank: "B".into(),
                holder: "H".into(),
                pay_within_days: 5
            })
            .is_err()
        );
        let t = BankTransfer::new(BankAccount {
            rib: "011 780 0000123456789012 34".into(),
            bank: "Banque Exemple".into(),
            holder: "Dakhla Market SARL".into(),
            pay_within_days: 5,
        })
        .expect("valid");
        let PaymentStart::Instructions { text, reference } =
            t.start(&request()).await.expect("start")
        else {
            panic!("instructions expected");
        };
        assert_eq!(reference, "TJR-ORD_1-1");
        let fr = text.exact(Lang::FR).expect("fr");
        assert!(
            fr.contains("011780000012345678901234")
                && fr.contains("1\u{a0}250,00\u{a0}MAD")
                && fr.contains(&reference)
        );
        assert!(fr.contains("sous 5 jours"), "{fr}");
        assert!(text.exact(Lang::AR).is_some());
        // With the engine's deadline, that deadline (local time), not a count of days.
        let mut r = request();
        r.pay_by =
            tijara_core::chrono::DateTime::parse_from_rfc3339("2026-12-03T17:15:00+01:00").ok();
        let PaymentStart::Instructions { text, .. } = t.start(&r).await.expect("start") else {
            panic!("instructions expected");
        };
        let fr = text.exact(Lang::FR).expect("fr");
        assert!(fr.contains("avant le 03/12/2026 à 17:15"), "{fr}");
        assert!(!fr.contains("jours"), "{fr}");
        let en = text.exact(Lang::EN).expect("en");
        assert!(en.contains("by 03/12/2026 17:15"), "{en}");
        assert!(
            text.exact(Lang::AR)
                .expect("ar")
                .contains("03/12/2026 17:15")
        );
        assert!(matches!(
            t.capture(&PaymentOperation::new(
                OrderId::new("o").expect("id"),
                "o-1"
            ))
            .await,
            Err(GatewayError::Unsupported(_))
        ));
    }

    #[tokio::test]
    async fn cod_has_no_notifications() {
        let c = CashOnDelivery;
        assert!(matches!(
            c.start(&request()).await,
            Ok(PaymentStart::Instructions { .. })
        ));
        assert!(matches!(
            c.verify_notification(&NotificationRequest::default()).await,
            Err(GatewayError::Unsupported(_))
        ));
        assert_eq!(c.answer(NotificationVerdict::Approved).status, 404);
    }
}
