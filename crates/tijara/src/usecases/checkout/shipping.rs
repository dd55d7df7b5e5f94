//! Checkout's shipping: parcels per seller, carriers' quotes, the shopper's choice.

use super::*;

impl Tijara {
    /// Groups a cart's shippable lines into one parcel per seller.
    fn parcels(cart: &Cart, catalog: &CatalogSnapshot) -> BTreeMap<SellerId, (String, u32)> {
        let mut by_seller: BTreeMap<SellerId, (String, u32)> = BTreeMap::new();
        for l in cart.lines() {
            if let Some(v) = catalog.variant(&l.variant_id)
                && v.variant.shippable
            {
                let e = by_seller
                    .entry(v.seller.id.clone())
                    .or_insert_with(|| (v.seller.home_city.clone(), 0));
                e.1 =
                    e.1.saturating_add(v.variant.weight_grams.saturating_mul(l.quantity));
            }
        }
        by_seller
    }

    pub(super) async fn quotes_for(
        &self,
        cart: &Cart,
        catalog: &CatalogSnapshot,
        address: &Address,
    ) -> Result<Vec<SellerShippingOptions>, TijaraError> {
        self.quotes_cod(cart, catalog, address, &BTreeMap::new())
            .await
    }

    /// The address as checkout uses it: checked and tidied ([`Address::normalized`]), its
    /// city written as the region's carriers know it and its postal code filled from the
    /// region's cities ([`tijara_core::Region::resolve_city`]); computed once per distinct
    /// address (see `engine::addresses`).
    pub(crate) fn checkout_address(
        &self,
        address: &Address,
    ) -> Result<tijara_core::order::CheckedAddress, TijaraError> {
        Ok(self.inner.addresses.resolve(&self.inner.region, address)?)
    }

    /// Quotes per seller; a seller in `cod` has that amount collected on delivery, so its
    /// quotes carry the carrier's cash-collection fee (carriers that do not collect cash
    /// offer nothing for it).
    pub(super) async fn quotes_cod(
        &self,
        cart: &Cart,
        catalog: &CatalogSnapshot,
        address: &Address,
        cod: &BTreeMap<SellerId, Money>,
    ) -> Result<Vec<SellerShippingOptions>, TijaraError> {
        if !cod.is_empty() && self.inner.region.is_abroad(&address.country) {
            return Err(TijaraError::CodNotAbroad {
                country: address.country.clone(),
            });
        }
        let mut out = Vec::new();
        for (seller, (city, weight)) in Self::parcels(cart, catalog) {
            let request = QuoteRequest {
                origin_city: city.clone(),
                destination: address.clone(),
                parcels: vec![Parcel {
                    weight_grams: weight.max(1),
                    dimensions: None,
                }],
                cod_amount: cod.get(&seller).copied(),
            };
            let mut options = Vec::new();
            for carrier in self.inner.carriers.values() {
                options.extend(carrier.quote(&request).await?);
            }
            options.retain(|q| {
                q.price.currency() == self.inner.region.currency && !q.price.is_negative()
            });
            options.sort_by(|a, b| {
                a.price
                    .amount()
                    .cmp(&b.price.amount())
                    .then(a.carrier.cmp(&b.carrier))
            });
            out.push(SellerShippingOptions {
                seller_id: seller,
                origin_city: city,
                weight_grams: weight,
                options,
            });
        }
        Ok(out)
    }
}

impl Tijara {
    /// For an address outside the region's country: every shippable line has its customs data
    /// ([`tijara_core::customs::check_export`]), else [`TijaraError::Customs`] naming it.
    pub(crate) fn check_abroad(
        &self,
        cart: &Cart,
        catalog: &CatalogSnapshot,
        address: &Address,
    ) -> Result<(), TijaraError> {
        if self.inner.region.is_abroad(&address.country) {
            tijara_core::customs::check_export(
                catalog,
                cart.lines().iter().map(|l| &l.variant_id),
            )?;
        }
        Ok(())
    }
}

impl Checkout<'_> {
    /// Shipping options per seller for a cart delivered to `address`. The city is matched
    /// against the region's cities (`الداخلة`, `Casa` and `Marrakesh` are read as `Dakhla`,
    /// `Casablanca` and `Marrakech`) before carriers are asked. A seller whose options list is
    /// empty is one no carrier delivers to this address: say so, and let the shopper check the
    /// city or contact the marketplace.
    pub async fn shipping_quotes(
        self,
        cart: &CartId,
        address: &Address,
    ) -> Result<Vec<SellerShippingOptions>, TijaraError> {
        self.shipping_quotes_for(cart, address, None).await
    }

    /// [`Checkout::shipping_quotes`] for a payment method: with
    /// [`PaymentMethod::CashOnDelivery`] each seller's goods total (its lines after
    /// discounts) is the cash collected, and each quote includes the carrier's
    /// cash-collection fee ([`Quote::cod_fee`]) — the prices the order will charge.
    pub async fn shipping_quotes_for(
        self,
        cart: &CartId,
        address: &Address,
        payment: Option<PaymentMethod>,
    ) -> Result<Vec<SellerShippingOptions>, TijaraError> {
        let e = self.engine;
        let address = &e.checkout_address(address)?;
        if payment == Some(PaymentMethod::CashOnDelivery) {
            let doc = e.carts().cart(cart).await?;
            let variants: Vec<VariantId> = doc.cart.variant_ids();
            let ctx = e
                .pricing_context(&variants, doc.cart.customer.as_ref())
                .await?;
            let cod = e.cod_amounts(&doc, &ctx)?;
            return e.quotes_cod(&doc.cart, &ctx.catalog, address, &cod).await;
        }
        let (doc, catalog) = e.cart_and_catalog(cart).await?;
        e.quotes_for(&doc.cart, &catalog, address).await
    }
}

impl Tijara {
    pub(super) async fn choice_for(
        &self,
        cart: &Cart,
        catalog: &CatalogSnapshot,
        address: &Address,
        seller: &SellerId,
        selection: &ShippingSelection,
    ) -> Result<ShippingChoice, TijaraError> {
        let options = self.quotes_for(cart, catalog, address).await?;
        let options = options
            .into_iter()
            .find(|o| &o.seller_id == seller)
            .ok_or_else(|| TijaraError::NothingToShip {
                seller: seller.clone(),
            })?
            .options;
        if options.is_empty() {
            return Err(TijaraError::NoCarrier {
                seller: seller.clone(),
                city: address.city.clone(),
                country: address.country.clone(),
            });
        }
        // Abroad, every line needs its customs data (checked once a carrier serves it).
        self.check_abroad(cart, catalog, address)?;
        let quote = options
            .into_iter()
            .find(|q| q.carrier == selection.carrier && q.service == selection.service)
            .ok_or_else(|| TijaraError::ServiceUnavailable {
                seller: seller.clone(),
                carrier: selection.carrier.clone(),
                service: selection.service.clone(),
            })?;
        Ok(ShippingChoice {
            carrier: quote.carrier,
            service: quote.service,
            price: quote.price,
            estimated_days: Some(quote.estimated_days),
            carrier_name: quote.carrier_name,
        })
    }
}

impl Checkout<'_> {
    /// Sets the cart's address and chooses a seller's shipping service (the price is quoted
    /// again by the carrier, never taken from the client). The address is stored as checkout
    /// reads it (city matched to the region's cities, postal code filled), so a page can
    /// prefill its form from [`CartDoc::address`]. [`TijaraError::NoCarrier`] when no carrier
    /// delivers this seller's parcel there.
    pub async fn choose_shipping(
        self,
        cart: &CartId,
        address: Address,
        seller: &SellerId,
        selection: ShippingSelection,
        key: Option<&IdempotencyKey>,
    ) -> Result<CartDoc, TijaraError> {
        let e = self.engine;
        let address = e.checkout_address(&address)?;
        let (address, selection) = (address.as_address(), &selection);
        let reads = &crate::engine::CartReads::default();
        e.mutate_carts(
            "choose_shipping",
            key,
            &(cart, &address, seller, &selection),
            reads,
            || async move {
                let mut doc = e.open_cart_for_change(cart, reads).await?;
                let variants: Vec<VariantId> = doc.value.cart.variant_ids();
                // The catalog as this engine holds it, when it does: the commit below holds
                // to its version, so no read of the version is needed first.
                let (catalog, catalog_at) = e.snapshot_to_commit(&variants, reads).await?;
                if doc.value.address.as_ref() != Some(address) {
                    // A new address changes every price: earlier choices no longer hold.
                    doc.value.shipping.clear();
                }
                let choice = e
                    .choice_for(&doc.value.cart, &catalog, address, seller, selection)
                    .await?;
                doc.value.shipping.insert(seller.clone(), choice);
                doc.value.address = Some(address.clone());
                let w = e.cart_write(&doc.value, Some(doc.version))?;
                Ok((
                    doc.value,
                    Changeset {
                        docs: vec![w],
                        catalog_at,
                        durability: Durability::Deferred,
                        ..Changeset::default()
                    },
                ))
            },
        )
        .await
    }
}

impl Tijara {
    /// The cash a carrier collects for each seller's parcel when the shopper pays on
    /// delivery: the seller's goods total (its lines after discounts), the base of the
    /// carrier's cash-collection fee.
    pub(super) fn cod_amounts(
        &self,
        doc: &CartDoc,
        ctx: &crate::usecases::cart::PricingContext,
    ) -> Result<BTreeMap<SellerId, Money>, TijaraError> {
        let mut plain = doc.clone();
        plain.shipping.clear();
        let priced = self.price_with(&plain, &ctx.catalog, &ctx.promos, &ctx.usage)?;
        Ok(priced
            .sellers
            .into_iter()
            .filter(|s| s.needs_shipping)
            .map(|s| (s.seller_id, s.subtotal))
            .collect())
    }

    /// Prices the cart's chosen services again with cash to collect (cash on delivery): each
    /// choice's price becomes the carrier's price with its cash-collection fee. Answers the
    /// quote of each chosen service. [`TijaraError::ServiceUnavailable`] when a chosen carrier
    /// does not collect cash.
    pub(crate) async fn apply_cod(
        &self,
        doc: &mut CartDoc,
        ctx: &crate::usecases::cart::PricingContext,
        address: &Address,
    ) -> Result<BTreeMap<SellerId, Quote>, TijaraError> {
        let cod = self.cod_amounts(doc, ctx)?;
        let quotes = self
            .quotes_cod(&doc.cart, &ctx.catalog, address, &cod)
            .await?;
        let mut chosen = BTreeMap::new();
        for (seller, choice) in doc.shipping.iter_mut() {
            let quote = quotes
                .iter()
                .find(|o| &o.seller_id == seller)
                .and_then(|o| {
                    o.options
                        .iter()
                        .find(|q| q.carrier == choice.carrier && q.service == choice.service)
                })
                .ok_or_else(|| TijaraError::ServiceUnavailable {
                    seller: seller.clone(),
                    carrier: choice.carrier.clone(),
                    service: choice.service.clone(),
                })?;
            choice.price = quote.price;
            choice.estimated_days = Some(quote.estimated_days);
            choice.carrier_name.clone_from(&quote.carrier_name);
            chosen.insert(seller.clone(), quote.clone());
        }
        Ok(chosen)
    }
}
