//! Cash on delivery and bank transfer run the payment conformance suite (they have no
//! notifications: the checks that need one confirm that nothing can mark them paid).

use std::sync::Arc;
use tijara::ports::payment::{NotificationRequest, PaymentGateway};
use tijara_core::Money;
use tijara_pay_offline::{BankAccount, BankTransfer, CashOnDelivery};
use tijara_testkit::payment::PaymentHarness;

struct Offline(Arc<dyn PaymentGateway>);

impl PaymentHarness for Offline {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.0.clone()
    }
    fn approval(&self, _: &str, _: Money) -> Option<NotificationRequest> {
        None
    }
    fn decline(&self, _: &str, _: Money) -> Option<NotificationRequest> {
        None
    }
}

mod cod {
    use super::*;
    tijara_testkit::payment_conformance!(async {
        Arc::new(Offline(Arc::new(CashOnDelivery))) as Arc<dyn PaymentHarness>
    });
}

mod transfer {
    use super::*;
    tijara_testkit::payment_conformance!(async {
        let account = BankAccount {
            rib: "011780000012345678901234".into(),
            bank: "Banque Exemple".into(),
            holder: "Dakhla Market SARL".into(),
            pay_within_days: 5,
        };
        Arc::new(Offline(Arc::new(
            BankTransfer::new(account).expect("account"),
        ))) as Arc<dyn PaymentHarness>
    });
}
