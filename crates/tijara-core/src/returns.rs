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
        }
    }

    /// Parses a stored name.
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
        })
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
        self.step(ReturnStatus::Requested, ReturnStatus::Rejected, "reject")
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

    /// The goods came back.
    pub fn receive(&mut self) -> Result<(), ReturnError> {
        self.step(ReturnStatus::Approved, ReturnStatus::Received, "receive")
    }

    /// The shopper was refunded `amount` (at most the value of the lines; the shipping back may
    /// be deducted, as law 31-08 allows).
    pub fn refund(&mut self, amount: Money) -> Result<(), ReturnError> {
        if amount.compare(&self.value)?.is_gt() || amount.is_negative() {
            return Err(ReturnError::RefundTooLarge {
                amount,
                value: self.value,
            });
        }
        self.step(ReturnStatus::Received, ReturnStatus::Refunded, "refund")?;
        self.refunded = Some(amount);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
