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

    async fn quotes_for(
        &self,
        cart: &Cart,
        catalog: &CatalogSnapshot,
        address: &Address,
    ) -> Result<Vec<SellerShippingOptions>, TijaraError> {
        let mut out = Vec::new();
        for (seller, (city, weight)) in Self::parcels(cart, catalog) {
            let request = QuoteRequest {
                origin_city: city.clone(),
                destination: address.clone(),
                parcels: vec![Parcel {
                    weight_grams: weight.max(1),
                    dimensions: None,
                }],
                cod_amount: None,
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

impl Checkout<'_> {
    /// Shipping options per seller for a cart delivered to `address`.
    pub async fn shipping_quotes(
        self,
        cart: &CartId,
        address: &Address,
    ) -> Result<Vec<SellerShippingOptions>, TijaraError> {
        let e = self.engine;
        let address = &address.normalized()?;
        let doc = e.carts().cart(cart).await?;
        let variants: Vec<VariantId> = doc
            .cart
            .lines()
            .iter()
            .map(|l| l.variant_id.clone())
            .collect();
        let (catalog, _) = e.snapshot_for(&variants).await?;
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
        let quote = options
            .into_iter()
            .find(|o| &o.seller_id == seller)
            .ok_or_else(|| TijaraError::NothingToShip {
                seller: seller.clone(),
            })?
            .options
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
        })
    }
}

impl Checkout<'_> {
    /// Sets the cart's address and e-mail and chooses a seller's shipping service (the price is
    /// quoted again by the carrier, never taken from the client).
    pub async fn choose_shipping(
        self,
        cart: &CartId,
        address: Address,
        seller: &SellerId,
        selection: ShippingSelection,
        key: Option<&IdempotencyKey>,
    ) -> Result<CartDoc, TijaraError> {
        let e = self.engine;
        let address = address.normalized()?;
        let (address, selection) = (&address, &selection);
        e.mutate(
            "choose_shipping",
            key,
            &(cart, &address, seller, &selection),
            || async move {
                let mut doc = e.open_cart(cart).await?;
                let variants: Vec<VariantId> = doc
                    .value
                    .cart
                    .lines()
                    .iter()
                    .map(|l| l.variant_id.clone())
                    .collect();
                let (catalog, _) = e.snapshot_for(&variants).await?;
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
                        ..Changeset::default()
                    },
                ))
            },
        )
        .await
    }
}
