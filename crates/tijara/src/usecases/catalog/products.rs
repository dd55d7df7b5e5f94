//! Creating and changing products, their photos and their stock.

use super::*;

impl Tijara {
    // ---- products ------------------------------------------------------------------------

    fn build_variants(
        &self,
        inputs: &[VariantInput],
        existing: &[Variant],
    ) -> Result<(Vec<Variant>, Vec<StockDef>), TijaraError> {
        let mut variants = Vec::new();
        let mut stock = Vec::new();
        for v in inputs {
            let sku =
                Sku::new(v.sku.clone()).map_err(tijara_core::catalog::ValidationError::from)?;
            if !self
                .inner
                .region
                .tax_rules
                .rates()
                .iter()
                .any(|r| r.category == v.tax_category)
            {
                return Err(TijaraError::UnknownTaxCategory {
                    category: v.tax_category.clone(),
                    region: self.inner.region.code.to_string(),
                });
            }
            if v.price.currency() != self.inner.region.currency {
                return Err(TijaraError::WrongCurrency {
                    expected: self.inner.region.currency,
                    got: v.price.currency(),
                });
            }
            let old = existing.iter().find(|e| e.sku == sku);
            let id = match old {
                Some(o) => o.id.clone(),
                None => VariantId::new(self.new_id("var"))?,
            };
            let tracked = matches!(v.stock_policy, StockPolicy::Tracked);
            stock.push(StockDef {
                variant: id.clone(),
                tracked,
                units: v.initial_stock,
            });
            variants.push(Variant {
                id,
                sku,
                options: v.options.clone(),
                price: v.price,
                tax_category: v.tax_category.clone(),
                weight_grams: v.weight_grams,
                dimensions: v.dimensions,
                shippable: v.shippable,
                stock_policy: v.stock_policy,
                active: true,
            });
        }
        // Variants dropped from the input stay, deactivated, so past orders still resolve.
        for e in existing {
            if !variants.iter().any(|v| v.id == e.id) {
                let mut gone = e.clone();
                gone.active = false;
                variants.push(gone);
            }
        }
        Ok((variants, stock))
    }

    async fn product_changes(
        &self,
        product: &Product,
        expected: Option<u64>,
        stock: &[StockDef],
    ) -> Result<Changeset, TijaraError> {
        let seller = self.catalog().seller(&product.seller_id).await?;
        product.validate(&seller)?;
        let category = self
            .load::<Category>(DocKind::Category, product.category_id.as_str())
            .await?
            .value;
        let write = Write::new(DocKind::Product, product.id.as_str(), expected)
            .keys(product_keys(product))
            .owners(vec![format!("seller:{}", product.seller_id)])
            .product(product_index(product, &seller, Some(&category)))
            .body(product)?;
        let ops = stock
            .iter()
            .map(|d| StockOp::Define {
                variant: d.variant.clone(),
                product: product.id.clone(),
                tracked: d.tracked,
                on_hand: d.units,
            })
            .collect();
        Ok(Changeset {
            docs: vec![write],
            stock: ops,
            ..Changeset::default()
        })
    }
}

impl Catalog<'_> {
    /// Creates a product with its variants and their initial stock.
    pub async fn create_product(
        self,
        input: ProductInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        let id = ProductId::new(e.new_id("prd"))?;
        let (variants, stock) = e.build_variants(&input.variants, &[])?;
        let product = Product {
            id,
            seller_id: input.seller_id.clone(),
            category_id: input.category_id.clone(),
            slug: input.slug.clone(),
            title: input.title.clone(),
            description: input.description.clone(),
            materials: input.materials.clone(),
            photos: input.photos.clone(),
            made_by: input.made_by.clone(),
            variants,
            active: true,
            customs: input.customs.as_ref().map(tidy_customs),
        };
        let (product, stock) = (&product, &stock);
        e.mutate("create_product", key, &input, || async move {
            let changes = e.product_changes(product, None, stock).await?;
            Ok((product.clone(), changes))
        })
        .await
    }

    /// Replaces a product's details and variants (variants are matched by SKU; a variant left
    /// out is deactivated, never deleted). The seller cannot change, and the photos are kept
    /// as stored (`input.photos` is ignored): a form read before an upload does not drop the
    /// new photo, and photos pass the approval rule of [`Catalog::add_product_photo`].
    pub async fn update_product(
        self,
        id: &ProductId,
        input: ProductInput,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        let (input,) = (&input,);
        e.mutate("update_product", key, &(id, &input), || async move {
            let current: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
            if current.value.seller_id != input.seller_id {
                return Err(TijaraError::NotAllowed {
                    reason: "a product cannot change seller".into(),
                });
            }
            let (variants, stock) = e.build_variants(&input.variants, &current.value.variants)?;
            let mut product = Product {
                id: id.clone(),
                seller_id: input.seller_id.clone(),
                category_id: input.category_id.clone(),
                slug: input.slug.clone(),
                title: input.title.clone(),
                description: input.description.clone(),
                materials: input.materials.clone(),
                photos: current.value.photos.clone(),
                made_by: input.made_by.clone(),
                variants,
                active: current.value.active,
                customs: input
                    .customs
                    .as_ref()
                    .map(tidy_customs)
                    .or_else(|| current.value.customs.clone()),
            };
            drop_legacy_photos(&mut product, &current.value.photos);
            let changes = e
                .product_changes(&product, Some(current.version), &stock)
                .await?;
            Ok((product, changes))
        })
        .await
    }

    /// Sets (`Some`) or removes (`None`) a product's customs data and changes nothing else (its
    /// variants, stock, photos and state stay as stored): what the marketplace's admin edits
    /// for a seller. The data is tidied ([`CustomsInfo::normalized`]) and refused, nothing
    /// written, when a field is wrong ([`TijaraError::Validation`] with
    /// [`Problem::Customs`](tijara_core::catalog::Problem::Customs) naming it). Without customs
    /// data a product is not shipped abroad ([`tijara_core::customs::check_export`]).
    ///
    /// [`CustomsInfo::normalized`]: tijara_core::customs::CustomsInfo::normalized
    pub async fn set_product_customs(
        self,
        id: &ProductId,
        customs: Option<tijara_core::customs::CustomsInfo>,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        let customs = &customs;
        e.mutate("set_product_customs", key, &(id, customs), || async move {
            let mut current: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
            let stored = current.value.photos.clone();
            drop_legacy_photos(&mut current.value, &stored);
            current.value.customs = customs.as_ref().map(tidy_customs);
            let mut changes = e
                .product_changes(&current.value, Some(current.version), &[])
                .await?;
            changes.stock.clear();
            Ok((current.value, changes))
        })
        .await
    }

    /// Activates or deactivates a product.
    pub async fn set_product_active(
        self,
        id: &ProductId,
        active: bool,
        key: Option<&IdempotencyKey>,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        e.mutate("set_product_active", key, &(id, active), || async move {
            let mut current: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
            let stored = current.value.photos.clone();
            drop_legacy_photos(&mut current.value, &stored);
            current.value.active = active;
            let mut changes = e
                .product_changes(&current.value, Some(current.version), &[])
                .await?;
            changes.stock.clear();
            Ok((current.value, changes))
        })
        .await
    }

    /// Adds a photo to a product, on the product as stored (so photos added at the same time
    /// are all kept): only for an approved seller ([`TijaraError::SellerNotApproved`]), at most
    /// [`MAX_PHOTOS`] ([`TijaraError::TooManyPhotos`]); a photo already there is not added twice.
    pub async fn add_product_photo(
        self,
        id: &ProductId,
        photo: tijara_core::catalog::Photo,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        let photo = &photo;
        e.mutate("add_product_photo", None, &(), || async move {
            let mut current: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
            let stored = current.value.photos.clone();
            drop_legacy_photos(&mut current.value, &stored);
            let seller = self.seller(&current.value.seller_id).await?;
            if !seller.active {
                return Err(TijaraError::SellerNotApproved(seller.id));
            }
            if current.value.photos.iter().any(|p| p.url == photo.url) {
                return Ok((current.value, Changeset::default()));
            }
            if current.value.photos.len() >= MAX_PHOTOS {
                return Err(TijaraError::TooManyPhotos { max: MAX_PHOTOS });
            }
            current.value.photos.push(photo.clone());
            let mut changes = e
                .product_changes(&current.value, Some(current.version), &[])
                .await?;
            changes.stock.clear();
            Ok((current.value, changes))
        })
        .await
    }

    /// Removes a product's photo by URL, on the product as stored (unknown URLs change nothing).
    pub async fn remove_product_photo(
        self,
        id: &ProductId,
        url: &str,
    ) -> Result<Product, TijaraError> {
        let e = self.engine;
        e.mutate("remove_product_photo", None, &(), || async move {
            let mut current: Loaded<Product> = e.load(DocKind::Product, id.as_str()).await?;
            let before = current.value.photos.len();
            let stored = current.value.photos.clone();
            drop_legacy_photos(&mut current.value, &stored);
            current.value.photos.retain(|p| p.url != url);
            if current.value.photos.len() == before {
                return Ok((current.value, Changeset::default()));
            }
            let mut changes = e
                .product_changes(&current.value, Some(current.version), &[])
                .await?;
            changes.stock.clear();
            Ok((current.value, changes))
        })
        .await
    }

    /// Changes a tracked variant's stock. Removing never goes below the units reserved.
    pub async fn adjust_stock(
        self,
        variant: &VariantId,
        adjustment: StockAdjustment,
        key: Option<&IdempotencyKey>,
    ) -> Result<StockRow, TijaraError> {
        let e = self.engine;
        let op = match adjustment {
            StockAdjustment::Add { units } => StockOp::Adjust {
                variant: variant.clone(),
                delta: i64::from(units),
            },
            StockAdjustment::Remove { units } => StockOp::Adjust {
                variant: variant.clone(),
                delta: -i64::from(units),
            },
            StockAdjustment::Set { units } => StockOp::Set {
                variant: variant.clone(),
                on_hand: units,
            },
        };
        let before = self.stock_row(variant).await?;
        if !before.tracked {
            return Err(TijaraError::StockNotTracked {
                variant: variant.clone(),
            });
        }
        let (op,) = (&op,);
        e.mutate("adjust_stock", key, &(variant, adjustment), || async move {
            Ok((
                (),
                Changeset {
                    stock: vec![op.clone()],
                    ..Changeset::default()
                },
            ))
        })
        .await?;
        self.stock_row(variant).await
    }

    /// A variant's stock counter.
    pub async fn stock_row(self, variant: &VariantId) -> Result<StockRow, TijaraError> {
        let e = self.engine;
        e.inner
            .storage
            .stock_levels(std::slice::from_ref(variant))
            .await?
            .pop()
            .ok_or_else(|| TijaraError::PartNotFound {
                part: Part::Variant,
                id: variant.to_string(),
            })
    }
}

/// Customs data as stored: tidied when it is valid, else as given (the product's validation
/// then refuses it, naming the field).
fn tidy_customs(c: &tijara_core::customs::CustomsInfo) -> tijara_core::customs::CustomsInfo {
    c.normalized().unwrap_or_else(|_| c.clone())
}
