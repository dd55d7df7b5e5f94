//! Checkout's review: what placing the order will charge, shown before the shopper confirms.

use super::*;
use tijara_core::pricing::PricedCart;

/// One seller's part of a [`CheckoutReview`]: the chosen service as the carrier quotes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SellerReview {
    /// The seller.
    pub seller_id: SellerId,
    /// The chosen service as quoted now (display name in [`Quote::carrier_name`], estimate,
    /// cash-collection fee when paying on delivery), `None` for a seller with nothing to ship.
    pub quote: Option<Quote>,
}

/// What placing a stored cart will charge, for the shopper to confirm
/// ([`Checkout::review`](crate::Checkout::review)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckoutReview {
    /// The delivery address as the order will carry it (city as the carriers know it,
    /// postal code filled).
    pub address: Address,
    /// The payment method the prices are for.
    pub payment: PaymentMethod,
    /// The cart priced with its shipping (cash-collection fees included when paying on
    /// delivery): lines, sellers' totals, TVA, grand total.
    pub priced: PricedCart,
    /// Each seller's chosen service, in the order of [`PricedCart::sellers`].
    pub sellers: Vec<SellerReview>,
}

impl CheckoutReview {
    /// The total placing will charge: [`PricedCart::grand_total`].
    pub fn grand_total(&self) -> Money {
        self.priced.grand_total
    }

    /// The sum of the cash-collection fees (zero unless paying on delivery).
    pub fn cod_fees(&self) -> Result<Money, TijaraError> {
        let mut total = Money::zero(self.priced.currency);
        for s in &self.sellers {
            if let Some(fee) = s.quote.as_ref().and_then(|q| q.cod_fee) {
                total = total.checked_add(fee)?;
            }
        }
        Ok(total)
    }
}

impl Checkout<'_> {
    /// What placing the stored cart `cart` with `address` and `payment` will charge: each
    /// seller's items, its chosen service (carrier's display name, estimate, and with
    /// [`PaymentMethod::CashOnDelivery`] the cash-collection fee, quoted again on the
    /// server), TVA and the grand total — computed as placing computes it, so an order placed
    /// right after charges exactly [`CheckoutReview::grand_total`].
    ///
    /// Fails like placing would: [`TijaraError::ShippingOutdated`] when the address is not the
    /// one shipping was chosen for, [`TijaraError::NoCarrier`] for a seller no carrier serves
    /// there, [`TijaraError::ShippingNotChosen`] for a seller without a choice,
    /// [`TijaraError::EmptyCart`].
    pub async fn review(
        self,
        cart: &CartId,
        address: &Address,
        payment: PaymentMethod,
    ) -> Result<CheckoutReview, TijaraError> {
        let e = self.engine;
        let address = e.checkout_address(address)?;
        let mut doc = e.carts().cart(cart).await?;
        if doc.cart.is_empty() {
            return Err(TijaraError::EmptyCart);
        }
        if doc.address.as_ref() != Some(address.as_address()) && !doc.shipping.is_empty() {
            return Err(TijaraError::ShippingOutdated);
        }
        let variants: Vec<VariantId> = doc.cart.variant_ids();
        let ctx = e
            .pricing_context(&variants, doc.cart.customer.as_ref())
            .await?;
        let quotes = e.quotes_for(&doc.cart, &ctx.catalog, &address).await?;
        for o in &quotes {
            if o.options.is_empty() {
                return Err(TijaraError::NoCarrier {
                    seller: o.seller_id.clone(),
                    city: address.city.clone(),
                    country: address.country.clone(),
                });
            }
        }
        let chosen = if payment == PaymentMethod::CashOnDelivery {
            e.apply_cod(&mut doc, &ctx, &address).await?
        } else {
            let mut chosen = BTreeMap::new();
            for (seller, choice) in &doc.shipping {
                if let Some(q) = quotes
                    .iter()
                    .find(|o| &o.seller_id == seller)
                    .and_then(|o| {
                        o.options
                            .iter()
                            .find(|q| q.carrier == choice.carrier && q.service == choice.service)
                    })
                {
                    chosen.insert(seller.clone(), q.clone());
                }
            }
            chosen
        };
        let priced = e.price_with(&doc, &ctx.catalog, &ctx.promos, &ctx.usage)?;
        if let Some(s) = priced
            .sellers
            .iter()
            .find(|s| s.needs_shipping && s.shipping.is_none())
        {
            return Err(TijaraError::ShippingNotChosen {
                seller: s.seller_id.clone(),
            });
        }
        let sellers = priced
            .sellers
            .iter()
            .map(|s| SellerReview {
                seller_id: s.seller_id.clone(),
                quote: chosen.get(&s.seller_id).cloned(),
            })
            .collect();
        Ok(CheckoutReview {
            address: address.into_address(),
            payment,
            priced,
            sellers,
        })
    }

    /// The payment method of a configured gateway (`cod`, `cmi`, `transfer`), for
    /// [`Checkout::review`] and [`Checkout::shipping_quotes_for`].
    pub fn payment_method(self, gateway: &str) -> Result<PaymentMethod, TijaraError> {
        Ok(self.engine.gateway(gateway)?.method())
    }
}

impl Checkout<'_> {
    /// Keeps the shopper's contact e-mail with the cart ([`CartDoc::email`]), so a page can
    /// prefill it (after a change of language, a return to the form) until the order is
    /// placed. [`TijaraError::BadEmail`] for an address that is not one; nothing is written.
    pub async fn set_email(
        self,
        cart: &CartId,
        email: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<CartDoc, TijaraError> {
        let e = self.engine;
        let email = email.trim();
        check_email(email)?;
        let reads = &crate::engine::CartReads::default();
        e.mutate_carts(
            "set_cart_email",
            key,
            &(cart, email),
            reads,
            || async move {
                let mut doc = e.open_cart_for_change(cart, reads).await?;
                doc.value.email = Some(email.to_owned());
                let w = e.cart_write(&doc.value, Some(doc.version))?;
                Ok((
                    doc.value,
                    Changeset {
                        docs: vec![w],
                        durability: Durability::Deferred,
                        ..Changeset::default()
                    },
                ))
            },
        )
        .await
    }
}
