//! Placing an order: one step that holds to the unpaid-order limits, reserves the stock, writes
//! the order and marks the cart.

use super::*;
use serde_json::value::RawValue;
use tijara_core::order::{CheckedAddress, OrderNumber};

/// How many numbers placing draws before it gives up (each draw that is taken is retried; a
/// collision is rare: see [`Tijara::draw_order_number`]).
const NUMBER_DRAWS: u32 = 24;

pub(crate) use crate::docs::number_key;

impl Tijara {
    /// A new order number for an order placed at `now`: the region's prefix, the year in the
    /// region's local time, and random digits (6, or 9 after `draw` 8 when the year's
    /// six-digit numbers are crowded): the first 8 bytes of the SHA-256 of `{order id}#{draw}`,
    /// as a little-endian integer, modulo 10^digits. Random rather than sequential: a per-year counter would
    /// be a document every checkout contends on, and consecutive numbers tell anyone how many
    /// orders the marketplace takes. Uniqueness comes from the storage key claimed with the
    /// order ([`number_key`]); a taken number is drawn again.
    pub(crate) fn draw_order_number(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        order: &OrderId,
        draw: u32,
    ) -> Result<OrderNumber, TijaraError> {
        use chrono::Datelike;
        let region = &self.inner.region;
        let local = chrono::FixedOffset::east_opt(region.utc_offset_minutes * 60)
            .map(|o| now.with_timezone(&o).year())
            .unwrap_or_else(|| now.year());
        let width: u32 = if draw < 8 { 6 } else { 9 };
        // The order's id and the draw, hashed: random in production (UUIDv7 ids carry 74
        // random bits), showing nothing of the id; repeatable in tests with sequential ids, and
        // drawing no id (the id sequence of existing tests is unchanged).
        let seed = {
            use sha2::{Digest, Sha256};
            Sha256::digest(format!("{order}#{draw}").as_bytes())
        };
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&seed[..8]);
        let serial = u64::from_le_bytes(eight) % 10u64.pow(width);
        OrderNumber::new(
            &OrderNumber::prefix_for_region(&region.code),
            local.clamp(1000, 9999),
            serial,
            width as usize,
        )
        .map_err(|e| TijaraError::InvalidField {
            field: "order number",
            rule: e.to_string(),
        })
    }

    /// Places the order with a new number, drawn again while the number drawn is another
    /// order's (the storage refuses the key in the same commit as the order, so two processes
    /// never give one number twice).
    pub(super) async fn place_numbered(
        &self,
        key: Option<&IdempotencyKey>,
        (request, address): (&PlaceOrderRequest, &CheckedAddress),
        order_id: &OrderId,
        method: PaymentMethod,
        token: &str,
        client: Option<&str>,
    ) -> Result<Placed, TijaraError> {
        let mut draw = 0;
        let reads = &crate::engine::CartReads::default();
        // The unpaid-order limits are first counted by the commit (no listing read before it);
        // a refusal runs the step again with the listing, which counts the orders within the
        // window (inside the step, so a repeated request's refusal still finds its first
        // answer).
        let mut unpaid_at_commit = self.inner.storage.counts_owners_at_commit();
        loop {
            let number = self.draw_order_number(self.now(), order_id, draw)?;
            let number = &number;
            let r = self
                .mutate_carts("place_order", key, &request, reads, || async move {
                    self.place_step(
                        request,
                        address,
                        order_id,
                        method,
                        token,
                        client,
                        number,
                        reads,
                        unpaid_at_commit,
                    )
                    .await
                })
                .await;
            if r.is_ok()
                && let CheckoutCart::Stored { cart } = &request.cart
            {
                // The cart is closed now: nothing more starts from it.
                self.forget_cart(cart);
            }
            match r {
                Err(TijaraError::Storage(crate::ports::storage::StorageError::KeyTaken {
                    key: taken,
                    ..
                })) if taken == number_key(number) && draw + 1 < NUMBER_DRAWS => {
                    tracing::debug!(target: "storage", "order number taken, drawing again");
                    draw += 1;
                }
                Err(TijaraError::Storage(crate::ports::storage::StorageError::OwnerAtLimit {
                    ..
                })) if unpaid_at_commit => {
                    // As many open unpaid orders as the limit, some maybe older than the
                    // window: the step lists them and counts those within it.
                    tracing::debug!(target: "storage", "at the unpaid-order limit: counting the window");
                    unpaid_at_commit = false;
                }
                other => return other,
            }
        }
    }

    /// Refuses a new order when the e-mail, or the client address, already has as many unpaid
    /// orders placed within the window as the configuration allows (0: no limit). The client
    /// address counts only card and transfer orders, and only for a new one of those.
    pub(super) async fn check_unpaid_limits(
        &self,
        email: &str,
        client: Option<&str>,
        method: PaymentMethod,
    ) -> Result<(), TijaraError> {
        let since = self.now() - self.inner.config.unpaid_window;
        for (per, owner, limit) in self.unpaid_limits(email, client, method) {
            let mut count = 0u32;
            let mut after: Option<String> = None;
            loop {
                let query = ListQuery::new(DocKind::Order, 100)
                    .owner(owner.clone())
                    .after(after.as_deref());
                let page = self.list_page::<OrderDoc>(query).await?;
                count += page
                    .items
                    .iter()
                    .filter(|d| d.is_unpaid() && d.order.placed_at >= since)
                    .count() as u32;
                if count >= limit {
                    tracing::warn!(target: "security", per, limit, "order refused: too many unpaid orders");
                    return Err(TijaraError::TooManyUnpaidOrders { per, limit });
                }
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
        }
        Ok(())
    }

    /// The unpaid-order limits a new order is held to: who is counted (for the error), the
    /// owner its open unpaid orders are listed under ([`crate::docs`]'s `OrderDoc::owners`),
    /// and the limit; none that the configuration sets to 0 (no limit).
    fn unpaid_limits(
        &self,
        email: &str,
        client: Option<&str>,
        method: PaymentMethod,
    ) -> Vec<(&'static str, String, u32)> {
        use crate::docs::{unpaid_client_owner, unpaid_email_owner};
        let config = &self.inner.config;
        let mut limits = vec![(
            "e-mail",
            unpaid_email_owner(email),
            config.max_unpaid_per_email,
        )];
        if let Some(c) = client.filter(|_| method != PaymentMethod::CashOnDelivery) {
            limits.push((
                "client address",
                unpaid_client_owner(c),
                config.max_unpaid_per_client,
            ));
        }
        limits.retain(|(_, _, limit)| *limit > 0);
        limits
    }

    /// One try at placing; `address` is `request.address` as checkout resolved it. With
    /// `unpaid_at_commit`, the unpaid-order limits are conditions of the commit
    /// ([`Changeset::owned_fewer_than`]: every open unpaid order counted, whatever its age)
    /// instead of a listing read first.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn place_step(
        &self,
        request: &PlaceOrderRequest,
        address: &CheckedAddress,
        order_id: &OrderId,
        method: PaymentMethod,
        token: &str,
        client: Option<&str>,
        number: &OrderNumber,
        reads: &crate::engine::CartReads,
        unpaid_at_commit: bool,
    ) -> Result<(Placed, Changeset), TijaraError> {
        let mut changes = Changeset::default();
        if unpaid_at_commit {
            changes.owned_fewer_than = self
                .unpaid_limits(&request.email, client, method)
                .into_iter()
                .map(|(_, owner, limit)| OwnedFewerThan::new(DocKind::Order, owner, limit))
                .collect();
        } else {
            self.check_unpaid_limits(&request.email, client, method)
                .await?;
        }
        let now = self.now();
        let limits = self.inner.region.cart_limits;
        // 1. The cart.
        let (mut cart_doc, cart_version) = match &request.cart {
            CheckoutCart::Stored { cart } => {
                let d = self.open_cart_for_change(cart, reads).await?;
                (d.value, Some(d.version))
            }
            CheckoutCart::Inline {
                coupons, customer, ..
            } => {
                let mut cart = Cart::new(
                    CartId::new(format!("inline-{order_id}"))?,
                    self.inner.region.currency,
                );
                cart.customer = customer.clone();
                for c in coupons {
                    cart.add_coupon(c, &limits)?;
                }
                (CartDoc::open(cart), None)
            }
        };
        let mut variants: Vec<VariantId> = cart_doc.cart.variant_ids();
        if let CheckoutCart::Inline { lines, .. } = &request.cart {
            variants.extend(lines.iter().map(|(v, _)| v.clone()));
        }
        let ctx = self
            .pricing_context(&variants, cart_doc.cart.customer.as_ref())
            .await?;
        let (catalog, stock) = (&ctx.catalog, &ctx.stock);
        if let CheckoutCart::Inline {
            lines, shipping, ..
        } = &request.cart
        {
            for (v, q) in lines {
                cart_doc.cart.add(catalog, v, *q, &limits)?;
            }
            for (seller, sel) in shipping {
                let choice = self
                    .choice_for(&cart_doc.cart, catalog, &request.address, seller, sel)
                    .await?;
                cart_doc.shipping.insert(seller.clone(), choice);
            }
        } else if cart_doc.address.as_ref() != Some(&request.address)
            && !cart_doc.shipping.is_empty()
        {
            return Err(TijaraError::ShippingOutdated);
        }
        // Abroad: no cash on delivery, and every line has its customs data (checked before
        // anything is written).
        if !method.offered(self.inner.region.is_abroad(&request.address.country)) {
            return Err(TijaraError::CodNotAbroad {
                country: request.address.country.clone(),
            });
        }
        self.check_abroad(&cart_doc.cart, catalog, &request.address)?;
        // The delivery country prices the order (the export exemption).
        if cart_doc.address.is_none() {
            cart_doc.address = Some(request.address.clone());
        }
        if method == PaymentMethod::CashOnDelivery {
            // The carriers' cash-collection fees, quoted again on the server.
            self.apply_cod(&mut cart_doc, &ctx, &request.address)
                .await?;
        }
        if cart_doc.cart.is_empty() {
            return Err(TijaraError::EmptyCart);
        }
        if let Some(stale) = cart_doc.cart.stale_lines(catalog).into_iter().next() {
            return Err(stale.into());
        }
        // 2. Price on the server.
        let (promos, usage) = (&ctx.promos, &ctx.usage);
        let priced = self.price_with(&cart_doc, catalog, promos, usage)?;
        if let Some(s) = priced
            .sellers
            .iter()
            .find(|s| s.needs_shipping && s.shipping.is_none())
        {
            return Err(TijaraError::ShippingNotChosen {
                seller: s.seller_id.clone(),
            });
        }
        // 3. The order, split per seller.
        let seller_order_ids = priced
            .sellers
            .iter()
            .enumerate()
            .map(|(i, _)| SellerOrderId::new(format!("{order_id}-{}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut order = Order::place(
            &priced,
            PlaceOrder {
                id: order_id.clone(),
                seller_order_ids,
                customer: cart_doc.cart.customer.clone(),
                email: request.email.clone(),
                shipping_address: address.clone(),
                payment_method: method,
                now,
            },
        )?;
        order.number = Some(number.clone());
        // 4. Stock: sold at once for cash on delivery, reserved until paid otherwise.
        let ttl = match method {
            // Exactly the region's hold, the deadline the shopper is given (the engine's
            // `transfer_reservation_ttl` is only a cap, checked when the engine is built).
            PaymentMethod::BankTransfer => self.inner.region.transfer_hold(),
            _ => self.inner.config.card_reservation_ttl,
        };
        let mut reservations = Vec::new();
        for l in &priced.lines {
            let row = stock
                .get(&l.variant_id)
                .ok_or_else(|| TijaraError::PartNotFound {
                    part: Part::Variant,
                    id: l.variant_id.to_string(),
                })?;
            if !row.tracked {
                continue;
            }
            if order.status() == OrderStatus::Confirmed {
                changes.stock.push(StockOp::Sell {
                    variant: l.variant_id.clone(),
                    quantity: l.quantity,
                });
            } else {
                let r = ReservationId::new(format!("{order_id}:{}", l.variant_id))?;
                changes.stock.push(StockOp::Reserve {
                    reservation: r.clone(),
                    variant: l.variant_id.clone(),
                    quantity: l.quantity,
                    order: order_id.clone(),
                    expires_at: now + ttl,
                });
                reservations.push(r);
            }
        }
        // 5. Documents.
        let doc = OrderDoc {
            settlement: Settlement::for_order(&order, catalog)?,
            order: order.clone(),
            gateway: request.gateway.clone(),
            payment_attempts: 1,
            payment_log: vec![],
            reservations,
            shipments: vec![],
            returns: vec![],
            ledger: vec![],
            lang: request.lang,
            payment_reminded: false,
            access_token: AccessToken::new(token),
            client_key: client.map(str::to_owned),
        };
        // The order's JSON is written once: into its document here, and into the answer
        // (`PlacedOrder::to_json`) from `Placed::order_json`.
        let order_json: Arc<RawValue> = crate::engine::encode_raw(&order)?.into();
        let body = crate::docs::order_doc_body(&doc, &order_json)?;
        let write = Write::new(DocKind::Order, order_id.as_str(), None)
            .keys(doc.keys())
            .owners(doc.owners());
        // Its confirmation messages read it back soon: remembered with its text, it is not
        // decoded again (`engine/decode_memo.rs`). Kept also if this commit fails: the memo
        // answers only for this very text, which decodes to this order whoever wrote it.
        #[cfg(debug_assertions)]
        {
            // What the memo rests on: the text decodes to the order remembered, which writes
            // it again (an amount that would not, such as a negative zero, fails every test
            // placing it).
            let again: OrderDoc = crate::engine::decode(DocKind::Order, order_id.as_str(), &body)?;
            debug_assert_eq!(again, doc, "an order's text must decode to the order");
            debug_assert_eq!(
                crate::docs::order_doc_body(&again, &crate::engine::encode_raw(&again.order)?)?,
                body,
                "an order's text must decode to what writes it again"
            );
        }
        self.inner
            .order_memo
            .remember(order_id.as_str(), &body, Arc::new(doc));
        changes.docs.push(write.body_text(body));
        if let Some(v) = cart_version {
            cart_doc.status = CartStatus::Ordered {
                order: order_id.clone(),
            };
            cart_doc.email = Some(request.email.clone());
            changes.docs.push(self.cart_write(&cart_doc, Some(v))?);
        }
        for applied in &priced.applied_promotions {
            if let Some((p, v)) = promos.iter().find(|(p, _)| p.promotion.id == applied.id)
                && p.counts_usage()
            {
                let mut p = p.clone();
                p.uses += 1;
                if let Some(c) = &order.customer {
                    *p.uses_by_customer.entry(c.clone()).or_default() += 1;
                }
                changes.docs.push(
                    Write::new(DocKind::Promotion, p.promotion.id.as_str(), Some(*v)).body(&p)?,
                );
            }
        }
        changes
            .events
            .push(self.order_event(&order, DomainEvent::OrderPlaced)?);
        if order.status() == OrderStatus::Confirmed {
            changes
                .events
                .push(self.order_event(&order, DomainEvent::OrderConfirmed)?);
        }
        Ok((
            Placed {
                order,
                access_token: AccessToken::new(token),
                order_json: Some(order_json),
            },
            changes,
        ))
    }

    /// The outbox row of an event that describes `order` as it is now (`DomainEvent::OrderPlaced`...).
    pub(crate) fn order_event(
        &self,
        order: &Order,
        event: fn(OrderSnapshot) -> DomainEvent,
    ) -> Result<NewEvent, TijaraError> {
        crate::engine::outbox(&event(OrderSnapshot::of(order)))
    }
}
