//! "Track my order": a shopper who lost the order's private link finds the order again with
//! its reference and the e-mail or phone given at checkout.
//!
//! The answer never tells which of the two was wrong: an unknown reference and a wrong
//! contact are the same [`TijaraError::NotFound`], and contacts are compared in constant time.
//! Look-ups are counted per client address (IPv6: its /64) in a throttle document
//! ([`DocKind::Throttle`], purged with the login throttles by
//! [`crate::Sessions::purge_login_throttles`]): [`FREE_TRACKING_LOOKUPS`] within
//! [`TRACKING_FORGET_MINUTES`], then each further look-up waits 2, 4, 8... seconds (at most
//! [`MAX_TRACKING_DELAY_SECS`]); a look-up during a wait is refused with
//! [`TijaraError::LoginThrottled`] (its `retry_after_secs` says when to try again) without
//! being checked.

use crate::docs::OrderDoc;
use crate::engine::Write;
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind};
use crate::usecases::accounts::normalize_email;
use crate::usecases::returns::Orders;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tijara_core::OrderId;
use tijara_core::order::normalize_phone;

/// Look-ups from one client address before further ones wait.
pub const FREE_TRACKING_LOOKUPS: u32 = 10;
/// Look-ups are forgotten this long after the last one.
pub const TRACKING_FORGET_MINUTES: i64 = 60;
/// The longest wait between two look-ups.
pub const MAX_TRACKING_DELAY_SECS: i64 = 900;

/// The throttle document (the same shape as the login throttles', so their purge reads it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct TrackThrottle {
    failures: u32,
    reserved: u64,
    last_at: Option<DateTime<Utc>>,
    blocked_until: Option<DateTime<Utc>>,
}

/// The order a shopper's reference names. Today the order id (as printed on the order page
/// and in the e-mails, with or without a leading `#`); the one place to add human order
/// numbers.
async fn order_for_reference(
    orders: Orders<'_>,
    reference: &str,
) -> Result<Option<OrderDoc>, TijaraError> {
    let reference = reference.trim().trim_start_matches('#').trim();
    if reference.is_empty() || reference.len() > 64 {
        return Ok(None);
    }
    // The human number printed everywhere (`DAK-2026-483920`, any case), else the internal id.
    if let Ok(number) = tijara_core::order::OrderNumber::parse(reference) {
        return match orders.order_by_number(&number).await {
            Ok(doc) => Ok(Some(doc)),
            Err(TijaraError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let Ok(id) = OrderId::new(reference) else {
        return Ok(None);
    };
    match orders.order(&id).await {
        Ok(doc) => Ok(Some(doc)),
        Err(TijaraError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `contact` (an e-mail, or a phone number in any usual writing) is the order's
/// e-mail or its delivery phone, compared in constant time.
fn contact_matches(doc: &OrderDoc, contact: &str) -> bool {
    let o = &doc.order;
    let (given, known) = if contact.contains('@') {
        (
            normalize_email(contact).ok(),
            normalize_email(&o.email).unwrap_or_else(|_| o.email.trim().to_lowercase()),
        )
    } else {
        let country = o.shipping_address.country.as_str();
        (
            normalize_phone(contact, country).ok(),
            normalize_phone(&o.shipping_address.phone, country)
                .unwrap_or_else(|_| o.shipping_address.phone.clone()),
        )
    };
    let Some(given) = given else {
        return false;
    };
    !known.is_empty() && bool::from(given.as_bytes().ct_eq(known.as_bytes()))
}

/// The address a throttle counts: an IPv6 address by its /64 network, hashed.
fn client_tag(client: Option<&str>) -> String {
    let text = match client.map(str::trim).filter(|c| !c.is_empty()) {
        None => "unknown".to_owned(),
        Some(c) => match c.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
            Ok(ip) => ip.to_string(),
            Err(_) => c.chars().take(64).collect(),
        },
    };
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}

fn delay_after(count: u32) -> Option<Duration> {
    if count < FREE_TRACKING_LOOKUPS {
        return None;
    }
    let exponent = (count - FREE_TRACKING_LOOKUPS + 1).min(20);
    Some(Duration::seconds(
        (1i64 << exponent).min(MAX_TRACKING_DELAY_SECS),
    ))
}

impl Orders<'_> {
    /// The order that `reference` names if `contact` is its e-mail or its delivery phone
    /// (normalized as at checkout, compared in constant time), for a "track my order" form
    /// from `client` (the client's IP address, if known). A shop then sends the shopper to
    /// the order's private link (its [`OrderDoc::access_token`]).
    ///
    /// An unknown reference and a wrong contact both answer [`TijaraError::NotFound`]. Every
    /// look-up is counted against the client's address first (see the
    /// [module docs](crate::usecases::tracking)); while a wait is pending the answer is
    /// [`TijaraError::LoginThrottled`] and nothing is looked up.
    ///
    /// ```
    /// # async fn demo(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
    /// match engine
    ///     .orders()
    ///     .find_for_tracking("ord-123", "amina@example.ma", Some("203.0.113.7"))
    ///     .await
    /// {
    ///     Ok(doc) => println!("/orders/{}?t={}", doc.order.id, doc.access_token.as_str()),
    ///     Err(tijara::TijaraError::NotFound { .. }) => println!("no such order for this contact"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_for_tracking(
        self,
        reference: &str,
        contact: &str,
        client: Option<&str>,
    ) -> Result<OrderDoc, TijaraError> {
        let e = self.engine;
        let id = format!("track-address:{}", client_tag(client));
        let now = e.now();
        let id = &id;
        let counted = e
            .mutate("track_order", None, &(), || async move {
                let (mut t, version) = match e.inner.storage.get(DocKind::Throttle, id).await? {
                    Some(doc) => (
                        crate::engine::decode::<TrackThrottle>(DocKind::Throttle, id, &doc.body)?,
                        Some(doc.version),
                    ),
                    None => (TrackThrottle::default(), None),
                };
                if let Some(until) = t.blocked_until.filter(|u| *u > now) {
                    return Ok((Err(until), Changeset::default()));
                }
                if t.last_at
                    .is_some_and(|l| now - l >= Duration::minutes(TRACKING_FORGET_MINUTES))
                {
                    t.failures = 0;
                }
                t.failures = t.failures.saturating_add(1);
                t.reserved += 1;
                t.last_at = Some(now);
                t.blocked_until = delay_after(t.failures).map(|d| now + d);
                let write = Write::new(DocKind::Throttle, id.as_str(), version).body(&t)?;
                Ok((
                    Ok(()),
                    Changeset {
                        docs: vec![write],
                        ..Changeset::default()
                    },
                ))
            })
            .await;
        match counted {
            Ok(Ok(())) => {}
            Ok(Err(until)) => {
                let retry_after_secs =
                    u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1);
                tracing::warn!(target: "security", event = "tracking_throttled", retry_after_secs, "order look-up refused: throttled");
                return Err(TijaraError::LoginThrottled { retry_after_secs });
            }
            Err(TijaraError::Conflict { .. }) => {
                return Err(TijaraError::LoginThrottled {
                    retry_after_secs: 1,
                });
            }
            Err(e) => return Err(e),
        }
        let not_found = || TijaraError::NotFound {
            kind: DocKind::Order,
            id: reference.trim().chars().take(64).collect(),
        };
        match order_for_reference(self, reference).await? {
            Some(doc) if contact_matches(&doc, contact) => Ok(doc),
            Some(_) => {
                tracing::warn!(target: "security", event = "tracking_refused", "order look-up with a wrong contact");
                Err(not_found())
            }
            None => Err(not_found()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_after_the_free_look_ups_and_are_bounded() {
        assert_eq!(delay_after(FREE_TRACKING_LOOKUPS - 1), None);
        assert_eq!(
            delay_after(FREE_TRACKING_LOOKUPS),
            Some(Duration::seconds(2))
        );
        assert_eq!(
            delay_after(u32::MAX),
            Some(Duration::seconds(MAX_TRACKING_DELAY_SECS))
        );
    }

    #[test]
    fn one_subscriber_is_one_address() {
        assert_eq!(
            client_tag(Some("2001:db8:1:2:aaaa::1")),
            client_tag(Some("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(client_tag(Some("192.0.2.1")), client_tag(Some("192.0.2.2")));
        assert_eq!(client_tag(None), client_tag(Some("  ")));
    }
}
