//! Returns: the shopper's right of withdrawal (droit de rétractation, law 31-08: 7 full days
//! after delivery in Morocco, set per region).
//!
//! ```text
//! requested ─approve→ approved ─receive→ received ─refund→ refunded
//!     ╰─reject→ rejected
//! ```

use crate::ids::{ReturnId, SellerOrderId, VariantId};
use crate::money::{Money, MoneyError};
use crate::order::{FulfillmentStatus, SellerOrder};
use crate::region::Region;
use crate::state::{TransitionError, refuse};
use chrono::{DateTime, Days, FixedOffset, Offset, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Why a return could not be opened or moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReturnError {
    /// Only delivered parcels can be withdrawn from.
    #[error("seller order {0} has not been delivered")]
    NotDelivered(SellerOrderId),
    /// The withdrawal period is over.
    #[error("the withdrawal period ended at {deadline}")]
    PeriodOver {
        /// The end of the period.
        deadline: DateTime<Utc>,
    },
    /// No line to return.
    #[error("a return needs at least one line")]
    NoLines,
    /// A returned variant is not in the seller order.
    #[error("variant {0} is not in this seller order")]
    UnknownLine(VariantId),
    /// More units returned than ordered (counting earlier returns).
    #[error("variant {variant}: {requested} units to return but only {returnable} can be")]
    TooMany {
        /// The variant.
        variant: VariantId,
        /// Units asked.
        requested: u32,
        /// Units still returnable.
        returnable: u32,
    },
    /// The refund exceeds the value of the returned lines.
    #[error("refund {amount} exceeds the value of the returned lines ({value})")]
    RefundTooLarge {
        /// Asked.
        amount: Money,
        /// Value of the lines.
        value: Money,
    },
    /// A paid parcel that came back undelivered is refunded in whole
    /// ([`ReturnRequest::came_back`]): nothing is kept for sending it back, which the shopper
    /// did not ask.
    #[error("a parcel that came back undelivered is refunded in whole ({value}), not {amount}")]
    CameBackRefundedInWhole {
        /// Asked.
        amount: Money,
        /// What is owed.
        value: Money,
    },
    /// "Came back undelivered" is not a reason a shopper gives: the carrier's return to sender
    /// opens such a refund ([`ReturnRequest::came_back`]).
    #[error("\"came back\" is not a reason for a shopper's return")]
    NotAShoppersReason,
    /// Every unit of this variant is already in an earlier return that was not rejected: the
    /// shopper asked before (when, and where that request stands, say what to tell them).
    #[error("variant {variant} was already asked back on {requested_at} ({status:?})")]
    AlreadyRequested {
        /// The variant.
        variant: VariantId,
        /// When the earlier request was made.
        requested_at: DateTime<Utc>,
        /// Where the earlier request stands.
        status: ReturnStatus,
    },
    /// The reason's free text is longer than [`MAX_REASON_CHARS`].
    #[error("the reason is longer than {max} characters")]
    ReasonTooLong {
        /// The limit.
        max: usize,
    },
    /// The reason's free text holds a control character (other than a line break).
    #[error("the reason holds a control character")]
    ReasonControl,
    /// A refusal without its reason: the shopper is owed one (say what to do instead, e.g.
    /// "personalised item: not returnable").
    #[error("a refusal needs a reason for the shopper")]
    RefusalWithoutReason,
    /// More photos than a return takes ([`MAX_RETURN_PHOTOS`]).
    #[error("a return takes at most {max} photos")]
    TooManyPhotos {
        /// The limit.
        max: usize,
    },
    /// A photo that is not a path of the shop's own media (`/media/…`, see
    /// [`crate::catalog::is_local_media_path`]).
    #[error("{0:?} is not a photo stored by the shop")]
    NotAPhoto(String),
    /// Where to send a refund by transfer was refused (see [`RefundAccount::new`]).
    #[error(transparent)]
    Account(#[from] RefundAccountError),
    /// No refund of this return waits to be sent: it is not refunded yet, or refunded nothing.
    #[error("this return has no refund waiting to be sent")]
    RefundNotDue,
    /// The refund was already sent (when, and its reference).
    #[error("the refund was already sent on {}, reference {}", .0.at, .0.reference)]
    RefundAlreadySent(Box<RefundSent>),
    /// The card gateway was asked to refund this return and gave no clear answer (a timeout,
    /// an unreadable reply): the money may have left. Check the gateway's back office, then
    /// record the refund by hand with its reference (refunding it there first if it is not).
    #[error("the card gateway was asked to refund on {at} and its answer is unknown")]
    RefundOutcomeUnknown {
        /// When the gateway was asked.
        at: DateTime<Utc>,
    },
    /// Marking a refund sent by hand needs the bank's reference of the transfer (1 to
    /// [`MAX_TRANSFER_REFERENCE_CHARS`] characters, no control character).
    #[error("the transfer's bank reference is missing or not valid")]
    BadTransferReference,
    /// A state machine refused.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Money arithmetic failed.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Where a return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReturnStatus {
    /// The shopper asked.
    Requested,
    /// The seller or admin accepted; the shopper sends the goods back.
    Approved,
    /// Refused (outside the law's cases, e.g. a personalised item).
    Rejected,
    /// The goods came back.
    Received,
    /// The shopper was refunded.
    Refunded,
}

impl ReturnStatus {
    /// The state's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReturnStatus::Requested => "requested",
            ReturnStatus::Approved => "approved",
            ReturnStatus::Rejected => "rejected",
            ReturnStatus::Received => "received",
            ReturnStatus::Refunded => "refunded",
        }
    }
}

/// The longest free-text reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Why the shopper sends items back, from a short list (no reason is needed by law; the list
/// helps the seller, and the free text says more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReturnReason {
    /// The shopper changed their mind (the plain right of withdrawal).
    ChangedMind,
    /// The item arrived damaged.
    Damaged,
    /// The item is not as described.
    NotAsDescribed,
    /// A different item was sent.
    WrongItem,
    /// Something else (the free text says what).
    Other,
    /// Not a shopper's request: the parcel came back to the seller undelivered (refused,
    /// nobody at the address, not collected) after the shopper had paid; opened by the
    /// carrier's "returned to sender" ([`ReturnRequest::came_back`]) so the money goes back.
    /// Not in [`ReturnReason::ALL`]: a shopper never chooses it.
    CameBack,
}

impl ReturnReason {
    /// Every reason, in the order a form lists them.
    pub const ALL: [ReturnReason; 5] = [
        ReturnReason::ChangedMind,
        ReturnReason::Damaged,
        ReturnReason::NotAsDescribed,
        ReturnReason::WrongItem,
        ReturnReason::Other,
    ];

    /// The reason's name, as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReturnReason::ChangedMind => "changed_mind",
            ReturnReason::Damaged => "damaged",
            ReturnReason::NotAsDescribed => "not_as_described",
            ReturnReason::WrongItem => "wrong_item",
            ReturnReason::Other => "other",
            ReturnReason::CameBack => "came_back",
        }
    }

    /// Parses the name of a reason a shopper may choose (one of [`ReturnReason::ALL`]: not
    /// `came_back`).
    pub fn parse(s: &str) -> Option<ReturnReason> {
        ReturnReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The free-text reason tidied: trimmed, `None` when empty, refused when longer than
/// [`MAX_REASON_CHARS`] or holding a control character other than a line break.
pub fn tidy_reason(reason: Option<String>) -> Result<Option<String>, ReturnError> {
    let Some(text) = reason.map(|r| r.trim().replace("\r\n", "\n")) else {
        return Ok(None);
    };
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_REASON_CHARS {
        return Err(ReturnError::ReasonTooLong {
            max: MAX_REASON_CHARS,
        });
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ReturnError::ReasonControl);
    }
    Ok(Some(text))
}

/// The units of each line of `seller_order` that may still be asked back, given its earlier
/// returns (rejected ones do not count); lines with nothing left are left out.
pub fn returnable_units(seller_order: &SellerOrder, earlier: &[ReturnRequest]) -> Vec<ReturnLine> {
    seller_order
        .lines
        .iter()
        .filter_map(|o| {
            let already: u32 = earlier
                .iter()
                .filter(|r| r.status != ReturnStatus::Rejected)
                .flat_map(|r| r.lines.iter())
                .filter(|x| x.variant_id == o.variant_id)
                .map(|x| x.quantity)
                .sum();
            let left = o.quantity.saturating_sub(already);
            (left > 0).then(|| ReturnLine {
                variant_id: o.variant_id.clone(),
                quantity: left,
            })
        })
        .collect()
}

/// Units of one variant to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    /// The variant.
    pub variant_id: VariantId,
    /// Units.
    pub quantity: u32,
}

/// The last instant a shopper may withdraw from a parcel delivered at `delivered_at`: the end of
/// the `withdrawal_days`-th full local day after the day of delivery ("jours francs": the day of
/// delivery does not count).
pub fn withdrawal_deadline(delivered_at: DateTime<Utc>, region: &Region) -> DateTime<Utc> {
    let offset = FixedOffset::east_opt(region.utc_offset_minutes.saturating_mul(60))
        .unwrap_or_else(|| Utc.fix());
    let day = region.local_date(delivered_at);
    let end = day
        .checked_add_days(Days::new(u64::from(region.withdrawal_days) + 1))
        .unwrap_or(day);
    let midnight = end.and_hms_opt(0, 0, 0).unwrap_or_default();
    offset
        .from_local_datetime(&midnight)
        .single()
        .map_or(delivered_at, |d| d.with_timezone(&Utc))
}

/// The most photos a shopper attaches to one return request.
pub const MAX_RETURN_PHOTOS: usize = 3;

/// Checks the photos of a return request: at most [`MAX_RETURN_PHOTOS`], each a path of the
/// shop's own media ([`crate::catalog::is_local_media_path`]).
///
/// ```
/// use tijara_core::returns::{ReturnError, check_return_photos};
///
/// assert!(check_return_photos(&["/media/ab12.webp".into()]).is_ok());
/// assert!(matches!(
///     check_return_photos(&["https://elsewhere.example/x.jpg".into()]),
///     Err(ReturnError::NotAPhoto(_))
/// ));
/// ```
pub fn check_return_photos(photos: &[String]) -> Result<(), ReturnError> {
    if photos.len() > MAX_RETURN_PHOTOS {
        return Err(ReturnError::TooManyPhotos {
            max: MAX_RETURN_PHOTOS,
        });
    }
    match photos
        .iter()
        .find(|p| !crate::catalog::is_local_media_path(p))
    {
        Some(bad) => Err(ReturnError::NotAPhoto(bad.chars().take(80).collect())),
        None => Ok(()),
    }
}

/// A withdrawal request on one seller order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    /// Identifier.
    pub id: ReturnId,
    /// The seller order.
    pub seller_order_id: SellerOrderId,
    /// What comes back.
    pub lines: Vec<ReturnLine>,
    /// The shopper's reason (optional: none is needed by law).
    pub reason: Option<String>,
    /// The reason chosen from the list, if the shopper chose one (absent from the stored JSON
    /// when none, so older documents read and write unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<ReturnReason>,
    /// When asked.
    pub requested_at: DateTime<Utc>,
    /// The value of the returned lines (their share of the net paid).
    pub value: Money,
    status: ReturnStatus,
    refunded: Option<Money>,
    /// Why the seller refused, in their words (shown to the shopper); absent from the stored
    /// JSON when none, so older documents read and write unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refusal: Option<String>,
    /// The shopper's photos of the items (the shop's media paths, at most
    /// [`MAX_RETURN_PHOTOS`]); absent from the stored JSON when none, so older documents read
    /// and write unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    photos: Vec<String>,
    /// Where the shopper asked the refund to be transferred (an order paid in cash or by
    /// transfer has no card to refund to); absent from the stored JSON when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refund_to: Option<RefundAccount>,
    /// When and how the refunded money left the marketplace; absent from the stored JSON
    /// until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refund_sent: Option<RefundSent>,
    /// True once a refund of more than nothing is recorded and its money is to be sent (see
    /// [`ReturnRequest::refund_due`]); false in documents written before refunds were sent
    /// through the engine, whose money went by other means.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    refund_owed: bool,
    /// When the card gateway was last asked to refund this return without a definite answer
    /// yet (see [`ReturnRequest::begin_refund_attempt`]); absent from the stored JSON when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refund_attempt: Option<DateTime<Utc>>,
    /// True when the items came back unfit to sell again (damaged, worn) and were not put back
    /// on sale (see [`ReturnRequest::receive_kept_off_sale`]); absent from the stored JSON when
    /// false, so older documents read and write unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    kept_off_sale: bool,
}

/// The longest account holder's name a [`RefundAccount`] takes.
pub const MAX_HOLDER_CHARS: usize = 100;

/// The longest bank reference [`ReturnRequest::mark_refund_sent`] takes.
pub const MAX_TRANSFER_REFERENCE_CHARS: usize = 100;

/// Why a [`RefundAccount`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefundAccountError {
    /// No account holder's name.
    #[error("the account holder's name is missing")]
    NoHolder,
    /// The holder's name is longer than [`MAX_HOLDER_CHARS`].
    #[error("the account holder's name is longer than {max} characters")]
    HolderTooLong {
        /// The limit.
        max: usize,
    },
    /// The holder's name holds a control character.
    #[error("the account holder's name holds a control character")]
    HolderControl,
    /// Not a Moroccan RIB: 24 digits once spaces, dots and dashes are removed.
    #[error("the bank account is not a 24-digit RIB")]
    BadRib,
    /// 24 digits whose last two are not their key: a typing mistake
    /// ([`crate::bank::check_rib`]).
    #[error("the RIB's key (its last two digits) is wrong: a digit was mistyped")]
    RibKey,
}

/// A Moroccan bank account (RIB) and its holder: where the marketplace transfers a refund when
/// the order was paid in cash on delivery or by transfer. Once the refund is sent (or the return
/// refused, or refunded nothing), only the RIB's last four digits are kept
/// ([`ReturnRequest::mark_refund_sent`]); until then, serialized, it holds all 24 (see
/// [`ReturnRequest::public_json`]).
///
/// ```
/// use tijara_core::returns::{RefundAccount, RefundAccountError};
///
/// let a = RefundAccount::new(" Salma Idrissi ", "011 780 0000123456789012 96").unwrap();
/// assert_eq!(a.rib(), "011780000012345678901296");
/// assert_eq!(a.masked(), "•••• 1296");
/// assert_eq!(RefundAccount::new("Salma", "1234"), Err(RefundAccountError::BadRib));
/// assert_eq!(
///     RefundAccount::new("Salma", "011780000012345678901234"),
///     Err(RefundAccountError::RibKey)
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RefundAccountData")]
pub struct RefundAccount {
    holder: String,
    rib: String,
}

/// A [`RefundAccount`] as stored, read back: a holder, and the RIB's 24 digits (or its last
/// four once the refund was sent).
#[derive(Deserialize)]
struct RefundAccountData {
    holder: String,
    rib: String,
}

/// An account holder's name, trimmed: present, at most [`MAX_HOLDER_CHARS`], no control
/// character.
fn check_holder(holder: &str) -> Result<String, RefundAccountError> {
    let holder = holder.trim();
    if holder.is_empty() {
        return Err(RefundAccountError::NoHolder);
    }
    if holder.chars().count() > MAX_HOLDER_CHARS {
        return Err(RefundAccountError::HolderTooLong {
            max: MAX_HOLDER_CHARS,
        });
    }
    if holder.chars().any(char::is_control) {
        return Err(RefundAccountError::HolderControl);
    }
    Ok(holder.to_owned())
}

impl TryFrom<RefundAccountData> for RefundAccount {
    type Error = RefundAccountError;

    fn try_from(d: RefundAccountData) -> Result<RefundAccount, RefundAccountError> {
        // Read as the engine writes it, without the typing rules of `new` (a later rule must
        // not make a stored order unreadable): a holder, and digits only (24, or the last 4).
        let holder = d.holder.trim();
        if holder.is_empty() {
            return Err(RefundAccountError::NoHolder);
        }
        if !matches!(d.rib.len(), 4 | 24) || !d.rib.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RefundAccountError::BadRib);
        }
        Ok(RefundAccount {
            holder: holder.to_owned(),
            rib: d.rib,
        })
    }
}

impl RefundAccount {
    /// The account of `holder` (trimmed) with the RIB `rib` (24 digits whose last two are the
    /// key; spaces, dots and dashes as printed on a RIB are removed).
    pub fn new(holder: &str, rib: &str) -> Result<RefundAccount, RefundAccountError> {
        let holder = check_holder(holder)?;
        let rib = crate::bank::check_rib(rib).map_err(|e| match e {
            crate::bank::RibError::Key { .. } => RefundAccountError::RibKey,
            _ => RefundAccountError::BadRib,
        })?;
        Ok(RefundAccount { holder, rib })
    }

    /// The holder's name.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The 24 digits (the last four only once the refund was sent).
    pub fn rib(&self) -> &str {
        &self.rib
    }

    /// The RIB as a page shows it to whoever holds the order's link: its last four digits
    /// only (`•••• 1296`).
    pub fn masked(&self) -> String {
        let last: String = self
            .rib
            .chars()
            .skip(self.rib.chars().count().saturating_sub(4))
            .collect();
        format!("•••• {last}")
    }

    /// Keeps the last four digits only (the refund was sent: the account is needed no more).
    fn forget_digits(&mut self) {
        let last: String = self
            .rib
            .chars()
            .skip(self.rib.chars().count().saturating_sub(4))
            .collect();
        self.rib = last;
    }
}

/// How a return's refund left the marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundSent {
    /// When.
    pub at: DateTime<Utc>,
    /// The gateway's reference of the refund, or the bank's reference of the transfer.
    pub reference: String,
    /// True when the card gateway refunded it through its API; false for a transfer (or a
    /// card refund) made by hand and recorded by an admin.
    pub through_gateway: bool,
    /// Who sent it or recorded it (an admin's e-mail; `engine` when the seller's refund step
    /// had the gateway send it); empty in documents written before it was kept.
    #[serde(default)]
    pub by: String,
}

impl ReturnRequest {
    /// Opens a withdrawal within the region's period. `earlier` are the seller order's previous
    /// returns (rejected ones do not count).
    pub fn open(
        id: ReturnId,
        seller_order: &SellerOrder,
        lines: Vec<ReturnLine>,
        reason: Option<String>,
        now: DateTime<Utc>,
        region: &Region,
        earlier: &[ReturnRequest],
    ) -> Result<ReturnRequest, ReturnError> {
        let delivered_at = match (seller_order.status(), seller_order.delivered_at()) {
            (FulfillmentStatus::Delivered, Some(at)) => at,
            _ => return Err(ReturnError::NotDelivered(seller_order.id.clone())),
        };
        let deadline = withdrawal_deadline(delivered_at, region);
        if now >= deadline {
            return Err(ReturnError::PeriodOver { deadline });
        }
        let reason = tidy_reason(reason)?;
        let lines: Vec<ReturnLine> = lines.into_iter().filter(|l| l.quantity > 0).collect();
        if lines.is_empty() {
            return Err(ReturnError::NoLines);
        }
        let mut value = Money::zero(seller_order.total.currency());
        for l in &lines {
            let ordered = seller_order
                .lines
                .iter()
                .find(|o| o.variant_id == l.variant_id)
                .ok_or_else(|| ReturnError::UnknownLine(l.variant_id.clone()))?;
            let already: u32 = earlier
                .iter()
                .filter(|r| r.status != ReturnStatus::Rejected)
                .flat_map(|r| r.lines.iter())
                .filter(|x| x.variant_id == l.variant_id)
                .map(|x| x.quantity)
                .sum();
            let asked: u32 = lines
                .iter()
                .filter(|x| x.variant_id == l.variant_id)
                .map(|x| x.quantity)
                .sum();
            let returnable = ordered.quantity.saturating_sub(already);
            if returnable == 0
                && let Some(before) = earlier
                    .iter()
                    .filter(|r| r.status != ReturnStatus::Rejected)
                    .filter(|r| r.lines.iter().any(|x| x.variant_id == l.variant_id))
                    .max_by_key(|r| r.requested_at)
            {
                return Err(ReturnError::AlreadyRequested {
                    variant: l.variant_id.clone(),
                    requested_at: before.requested_at,
                    status: before.status,
                });
            }
            if asked > returnable {
                return Err(ReturnError::TooMany {
                    variant: l.variant_id.clone(),
                    requested: asked,
                    returnable,
                });
            }
            let share = if l.quantity == ordered.quantity {
                ordered.net
            } else {
                ordered
                    .net
                    .mul_rounded(Decimal::from(l.quantity) / Decimal::from(ordered.quantity))?
            };
            value = value.checked_add(share)?;
        }
        Ok(ReturnRequest {
            id,
            seller_order_id: seller_order.id.clone(),
            lines,
            reason,
            reason_code: None,
            requested_at: now,
            value,
            status: ReturnStatus::Requested,
            refunded: None,
            refusal: None,
            photos: Vec::new(),
            refund_to: None,
            refund_sent: None,
            refund_owed: false,
            refund_attempt: None,
            kept_off_sale: false,
        })
    }

    /// The refund owed when a paid parcel came back to its seller undelivered: every unit of
    /// the part, already **received** (the carrier's "returned to sender" put the units back
    /// on the shelf), the reason [`ReturnReason::CameBack`], the value the part's lines (the
    /// delivery is not part of it, as for any return), at most `left` (what the part still
    /// holds of the shopper's money: an earlier refund of the order may have taken some). The
    /// refund step ([`ReturnRequest::refund`]) then refunds exactly that value.
    pub fn came_back(
        id: ReturnId,
        seller_order: &SellerOrder,
        left: Money,
        now: DateTime<Utc>,
    ) -> Result<ReturnRequest, ReturnError> {
        let value = Money::sum(
            seller_order.total.currency(),
            seller_order.lines.iter().map(|l| l.net),
        )?
        .min(left)?;
        Ok(ReturnRequest {
            id,
            seller_order_id: seller_order.id.clone(),
            lines: seller_order
                .lines
                .iter()
                .map(|l| ReturnLine {
                    variant_id: l.variant_id.clone(),
                    quantity: l.quantity,
                })
                .collect(),
            reason: None,
            reason_code: Some(ReturnReason::CameBack),
            requested_at: now,
            value,
            status: ReturnStatus::Received,
            refunded: None,
            refusal: None,
            photos: Vec::new(),
            refund_to: None,
            refund_sent: None,
            refund_owed: false,
            refund_attempt: None,
            kept_off_sale: false,
        })
    }

    /// Whether the return waits for someone's decision: a shopper's request not yet answered,
    /// or a paid parcel that came back undelivered not yet refunded.
    pub fn awaits_decision(&self) -> bool {
        match self.status {
            ReturnStatus::Requested => true,
            ReturnStatus::Received => self.is_came_back(),
            _ => false,
        }
    }

    /// True for the refund of a paid parcel that came back undelivered
    /// ([`ReturnRequest::came_back`]), not a shopper's request.
    pub fn is_came_back(&self) -> bool {
        self.reason_code == Some(ReturnReason::CameBack)
    }

    /// The state.
    pub fn status(&self) -> ReturnStatus {
        self.status
    }

    /// What was refunded.
    pub fn refunded(&self) -> Option<Money> {
        self.refunded
    }

    fn step(
        &mut self,
        from: ReturnStatus,
        to: ReturnStatus,
        action: &'static str,
    ) -> Result<(), ReturnError> {
        if self.status != from {
            return Ok(refuse("return", self.status.as_str(), action)?);
        }
        self.status = to;
        Ok(())
    }

    /// Accepts the return.
    pub fn approve(&mut self) -> Result<(), ReturnError> {
        self.step(ReturnStatus::Requested, ReturnStatus::Approved, "approve")
    }

    /// Refuses the return.
    pub fn reject(&mut self) -> Result<(), ReturnError> {
        self.step(ReturnStatus::Requested, ReturnStatus::Rejected, "reject")?;
        // Nothing will be transferred: the account is needed no more.
        self.forget_account_digits();
        Ok(())
    }

    /// Keeps the refund account's last four digits only (its refund sent, refused or nil).
    fn forget_account_digits(&mut self) {
        if let Some(account) = &mut self.refund_to {
            account.forget_digits();
        }
    }

    /// The return as shown outside the marketplace's own pages (a shopper's API, an export):
    /// the refund account's RIB by its last four digits, and without the shop's bookkeeping
    /// (who recorded the refund, the gateway attempt, the owed mark, whether the items were
    /// kept off sale). Serializing a
    /// [`ReturnRequest`] directly gives the whole RIB while the refund is due: show it to the
    /// marketplace's staff only.
    pub fn public_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!(self);
        if let Some(a) = &self.refund_to {
            v["refund_to"]["rib"] = serde_json::json!(a.masked());
        }
        if let Some(o) = v.as_object_mut() {
            o.remove("refund_owed");
            o.remove("refund_attempt");
            o.remove("kept_off_sale");
        }
        if let Some(sent) = v.get_mut("refund_sent").and_then(|x| x.as_object_mut()) {
            sent.remove("by");
        }
        v
    }

    /// Refuses the return, telling the shopper why (`reason`, tidied as the shopper's own
    /// words are: at most [`MAX_REASON_CHARS`], no control character; empty is refused with
    /// [`ReturnError::RefusalWithoutReason`]). Only a requested return can be refused.
    pub fn reject_because(&mut self, reason: &str) -> Result<(), ReturnError> {
        let reason =
            tidy_reason(Some(reason.to_owned()))?.ok_or(ReturnError::RefusalWithoutReason)?;
        self.reject()?;
        self.refusal = Some(reason);
        Ok(())
    }

    /// Why the seller refused, when they said.
    pub fn refusal(&self) -> Option<&str> {
        self.refusal.as_deref()
    }

    /// The shopper's photos of the items (the shop's media paths).
    pub fn photos(&self) -> &[String] {
        &self.photos
    }

    /// Attaches the shopper's photos (checked by [`check_return_photos`]), replacing any.
    pub fn set_photos(&mut self, photos: Vec<String>) -> Result<(), ReturnError> {
        check_return_photos(&photos)?;
        self.photos = photos;
        Ok(())
    }

    /// Where the shopper asked the refund to be transferred, if they gave an account.
    pub fn refund_account(&self) -> Option<&RefundAccount> {
        self.refund_to.as_ref()
    }

    /// Sets where the refund is to be transferred (replacing any), until it is sent; refused
    /// for a return refused ([`ReturnError::Transition`]) or refunded with nothing to send
    /// ([`ReturnError::RefundNotDue`]).
    pub fn set_refund_account(&mut self, account: RefundAccount) -> Result<(), ReturnError> {
        if let Some(sent) = &self.refund_sent {
            return Err(ReturnError::RefundAlreadySent(Box::new(sent.clone())));
        }
        if self.status == ReturnStatus::Rejected {
            return Ok(refuse(
                "return",
                self.status.as_str(),
                "set refund account",
            )?);
        }
        if self.status == ReturnStatus::Refunded && self.refund_due().is_none() {
            return Err(ReturnError::RefundNotDue);
        }
        self.refund_to = Some(account);
        Ok(())
    }

    /// How the refund left the marketplace, once it did.
    pub fn refund_sent(&self) -> Option<&RefundSent> {
        self.refund_sent.as_ref()
    }

    /// The refund waiting to be sent to the shopper: refunded, more than nothing, not yet sent.
    /// A return refunded before refunds were sent through the engine (a stored document without
    /// the mark) has none: its money went by other means.
    pub fn refund_due(&self) -> Option<Money> {
        self.refunded
            .filter(|a| a.is_positive() && self.refund_owed && self.refund_sent.is_none())
    }

    /// The refund to send now: its amount, or why there is none
    /// ([`ReturnError::RefundAlreadySent`], [`ReturnError::RefundNotDue`]).
    pub fn refund_to_send(&self) -> Result<Money, ReturnError> {
        if let Some(sent) = &self.refund_sent {
            return Err(ReturnError::RefundAlreadySent(Box::new(sent.clone())));
        }
        self.refund_due().ok_or(ReturnError::RefundNotDue)
    }

    /// When the card gateway was asked to refund this return and gave no definite answer yet.
    pub fn refund_attempted_at(&self) -> Option<DateTime<Utc>> {
        self.refund_attempt
    }

    /// Notes, before the card gateway is called, that it is asked to refund the amount due
    /// (returned): if the answer never comes (a crash, a timeout), the note stays and a second
    /// call through the gateway is refused ([`ReturnError::RefundOutcomeUnknown`]), so the card
    /// is never refunded twice; only a refund recorded by hand, after a look at the gateway's
    /// back office, settles it.
    pub fn begin_refund_attempt(&mut self, at: DateTime<Utc>) -> Result<Money, ReturnError> {
        let amount = self.refund_to_send()?;
        if let Some(at) = self.refund_attempt {
            return Err(ReturnError::RefundOutcomeUnknown { at });
        }
        self.refund_attempt = Some(at);
        Ok(amount)
    }

    /// Clears the note of [`ReturnRequest::begin_refund_attempt`]: the gateway refused for sure
    /// (declined, unsupported, not configured), so no money left and it may be asked again.
    pub fn end_refund_attempt(&mut self) {
        self.refund_attempt = None;
    }

    /// Records that the refund left (`reference`: the gateway's or the bank's; `by`: who),
    /// once; returns the amount sent. The account's RIB is kept to its last four digits from
    /// then on. Refused when no refund is due ([`ReturnError::RefundNotDue`]), when it was
    /// already sent, or, for a reference typed by hand (`through_gateway` false), an empty or
    /// overlong one or one holding a control character (a gateway's reference is taken as it
    /// came: the money has left).
    pub fn mark_refund_sent(
        &mut self,
        reference: &str,
        at: DateTime<Utc>,
        through_gateway: bool,
        by: &str,
    ) -> Result<Money, ReturnError> {
        let amount = self.refund_to_send()?;
        let reference = reference.trim();
        if !through_gateway
            && (reference.is_empty()
                || reference.chars().count() > MAX_TRANSFER_REFERENCE_CHARS
                || reference.chars().any(char::is_control))
        {
            return Err(ReturnError::BadTransferReference);
        }
        self.refund_sent = Some(RefundSent {
            at,
            reference: reference.to_owned(),
            through_gateway,
            by: by.to_owned(),
        });
        self.refund_attempt = None;
        self.forget_account_digits();
        Ok(amount)
    }

    /// The goods came back.
    pub fn receive(&mut self) -> Result<(), ReturnError> {
        self.step(ReturnStatus::Approved, ReturnStatus::Received, "receive")
    }

    /// The items came back unfit to sell again (damaged, worn, used): received as by
    /// [`ReturnRequest::receive`], and marked so that nothing puts them back on sale
    /// ([`ReturnRequest::kept_off_sale`]).
    pub fn receive_kept_off_sale(&mut self) -> Result<(), ReturnError> {
        self.receive()?;
        self.kept_off_sale = true;
        Ok(())
    }

    /// Whether the items were received unfit to sell again and kept off sale (their stock was
    /// not put back).
    pub fn kept_off_sale(&self) -> bool {
        self.kept_off_sale
    }

    /// The shopper was refunded `amount` (at most the value of the lines; the shipping back may
    /// be deducted, as law 31-08 allows; a parcel that came back undelivered, exactly its
    /// value: [`ReturnError::CameBackRefundedInWhole`]).
    pub fn refund(&mut self, amount: Money) -> Result<(), ReturnError> {
        // A return already moved on says so first (whatever the amount).
        if self.status != ReturnStatus::Received {
            return Ok(refuse("return", self.status.as_str(), "refund")?);
        }
        if self.is_came_back() && amount != self.value {
            return Err(ReturnError::CameBackRefundedInWhole {
                amount,
                value: self.value,
            });
        }
        if amount.compare(&self.value)?.is_gt() || amount.is_negative() {
            return Err(ReturnError::RefundTooLarge {
                amount,
                value: self.value,
            });
        }
        self.step(ReturnStatus::Received, ReturnStatus::Refunded, "refund")?;
        self.refunded = Some(amount);
        self.refund_owed = amount.is_positive();
        if !self.refund_owed {
            self.forget_account_digits();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
