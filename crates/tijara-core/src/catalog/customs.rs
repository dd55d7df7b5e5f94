//! Customs: what a declaration of a parcel sent abroad needs to know of each product (the
//! Harmonized System tariff code, a description in French and English, the country of origin,
//! the net weight), and the rule that nothing leaves the country without it.
//!
//! The CN23 declaration (UPU) and the carriers' customs data (Aramex's `CustomsValueAmount`,
//! item descriptions) are made from [`CustomsInfo`]; a line that lacks it cannot be shipped
//! abroad ([`check_export`]), so an order is refused at checkout rather than stopped at the
//! border.

use crate::catalog::{CatalogSnapshot, Sku};
use crate::ids::{ProductId, VariantId};
use serde::{Deserialize, Serialize};

/// A product's customs data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomsInfo {
    /// Harmonized System tariff code: 6 digits (the international part), up to 10 with the
    /// national subdivisions (`4202.21`, `420221`, `4202210000`; dots and spaces are dropped).
    pub hs_code: String,
    /// What the goods are, in French (`Sac en cuir de chèvre, fait main`).
    pub description_fr: String,
    /// What the goods are, in English (`Handmade goat leather bag`).
    pub description_en: String,
    /// ISO 3166-1 alpha-2 country of origin (`MA`).
    pub origin_country: String,
    /// Net weight of one unit, grams (without packing).
    pub net_weight_grams: u32,
}

/// Longest customs description, in characters (a CN23 line).
pub const MAX_CUSTOMS_DESCRIPTION: usize = 120;

/// Why customs data is refused, or missing where it is needed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CustomsError {
    /// The HS code is not 6 to 10 digits.
    #[error("the HS tariff code {0:?} must be 6 to 10 digits, e.g. 4202.21")]
    HsCode(String),
    /// A description is empty.
    #[error("the customs description in {0} must not be empty")]
    EmptyDescription(&'static str),
    /// A description is too long or holds a control character.
    #[error("the customs description in {0} must be at most 120 characters on one line")]
    BadDescription(&'static str),
    /// The origin is not a two-letter country code.
    #[error("the country of origin must be a two-letter code such as MA")]
    Origin,
    /// A net weight of zero.
    #[error("the net weight must be more than 0 g")]
    ZeroWeight,
    /// The declared values overflow.
    #[error("the declared values are too large to add up")]
    Overflow,
    /// A line to be shipped abroad whose product has no customs data.
    #[error(
        "{sku} cannot be shipped abroad: its seller has not given its customs data (HS code, description, origin, net weight)"
    )]
    Missing {
        /// The product.
        product: ProductId,
        /// The variant.
        variant: VariantId,
        /// Its SKU.
        sku: Sku,
    },
}

impl CustomsInfo {
    /// The data tidied (HS code without dots or spaces, texts trimmed, origin in capitals) and
    /// checked.
    ///
    /// ```
    /// use tijara_core::customs::CustomsInfo;
    ///
    /// let info = CustomsInfo {
    ///     hs_code: "4202.21".into(),
    ///     description_fr: " Sac en cuir ".into(),
    ///     description_en: "Leather bag".into(),
    ///     origin_country: "ma".into(),
    ///     net_weight_grams: 450,
    /// }
    /// .normalized()
    /// .unwrap();
    /// assert_eq!(info.hs_code, "420221");
    /// assert_eq!(info.origin_country, "MA");
    /// ```
    ///
    /// # Errors
    /// [`CustomsError`] naming the first field that is wrong.
    pub fn normalized(&self) -> Result<CustomsInfo, CustomsError> {
        let hs: String = self
            .hs_code
            .chars()
            .filter(|c| !matches!(c, '.' | ' ' | '-'))
            .collect();
        if !(6..=10).contains(&hs.len()) || !hs.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CustomsError::HsCode(
                self.hs_code.chars().take(20).collect(),
            ));
        }
        let text = |lang: &'static str, s: &str| {
            let s = s.trim();
            if s.is_empty() {
                return Err(CustomsError::EmptyDescription(lang));
            }
            if s.chars().count() > MAX_CUSTOMS_DESCRIPTION || s.chars().any(char::is_control) {
                return Err(CustomsError::BadDescription(lang));
            }
            Ok(s.to_owned())
        };
        let description_fr = text("fr", &self.description_fr)?;
        let description_en = text("en", &self.description_en)?;
        let origin = self.origin_country.trim().to_ascii_uppercase();
        if origin.len() != 2 || !origin.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(CustomsError::Origin);
        }
        if self.net_weight_grams == 0 {
            return Err(CustomsError::ZeroWeight);
        }
        Ok(CustomsInfo {
            hs_code: hs,
            description_fr,
            description_en,
            origin_country: origin,
            net_weight_grams: self.net_weight_grams,
        })
    }

    /// The HS code with a dot after its fourth digit, as declarations print it (`4202.21`).
    pub fn hs_code_display(&self) -> String {
        match self.hs_code.split_at_checked(4) {
            Some((head, tail)) if !tail.is_empty() => format!("{head}.{tail}"),
            _ => self.hs_code.clone(),
        }
    }
}

/// Checks that every shippable line of `lines` (variant ids) has its product's customs data,
/// for a parcel going abroad; domestic parcels need none.
///
/// ```
/// # use tijara_core::customs::check_export;
/// # use tijara_core::catalog::CatalogSnapshot;
/// # fn demo(catalog: &CatalogSnapshot, variant: tijara_core::VariantId) {
/// if let Err(e) = check_export(catalog, [&variant]) {
///     eprintln!("{e}"); // names the SKU and what the seller must fill in
/// }
/// # }
/// ```
///
/// # Errors
/// [`CustomsError::Missing`] for the first line (in the order given) without customs data;
/// variants absent from the snapshot are left to pricing, which refuses them.
pub fn check_export<'a>(
    catalog: &CatalogSnapshot,
    lines: impl IntoIterator<Item = &'a VariantId>,
) -> Result<(), CustomsError> {
    for id in lines {
        let Some(view) = catalog.variant(id) else {
            continue;
        };
        if view.variant.shippable && view.product.customs.is_none() {
            return Err(CustomsError::Missing {
                product: view.product.id.clone(),
                variant: view.variant.id.clone(),
                sku: view.variant.sku.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Money;

    #[test]
    fn a_declaration_sums_values_and_weights_and_names_a_missing_line() {
        let info = info();
        let (p, v, s) = (
            ProductId::new("p").unwrap(),
            VariantId::new("v").unwrap(),
            Sku::new("BAG-1").unwrap(),
        );
        let line = |q: u32, value: &str, customs| DeclaredLine {
            product: &p,
            variant: &v,
            sku: &s,
            quantity: q,
            value: Money::mad(value).unwrap(),
            customs,
        };
        let d = declaration(
            &[
                line(2, "133.34", Some(&info)),
                line(1, "66.67", Some(&info)),
            ],
            1000,
            crate::Currency::MAD,
        )
        .unwrap();
        assert_eq!(d.total_value, Money::mad("200.01").unwrap());
        assert_eq!(
            (d.total_net_weight_grams, d.gross_weight_grams),
            (1200, 1200)
        );
        assert_eq!(d.items[0].hs_code, "42022100");
        assert!(matches!(
            declaration(&[line(1, "1.00", None)], 10, crate::Currency::MAD),
            Err(CustomsError::Missing { .. })
        ));
    }

    fn info() -> CustomsInfo {
        CustomsInfo {
            hs_code: "4202 21 00".into(),
            description_fr: "Sac en cuir de chèvre".into(),
            description_en: "Goat leather bag".into(),
            origin_country: "MA".into(),
            net_weight_grams: 400,
        }
    }

    #[test]
    fn normalizes_and_refuses_each_field() {
        let ok = info().normalized().unwrap();
        assert_eq!(ok.hs_code, "42022100");
        assert_eq!(ok.hs_code_display(), "4202.2100");
        let bad = |f: fn(&mut CustomsInfo)| {
            let mut i = info();
            f(&mut i);
            i.normalized().unwrap_err()
        };
        assert!(matches!(
            bad(|i| i.hs_code = "4202".into()),
            CustomsError::HsCode(_)
        ));
        assert!(matches!(
            bad(|i| i.hs_code = "42022a".into()),
            CustomsError::HsCode(_)
        ));
        assert!(matches!(
            bad(|i| i.hs_code = "12345678901".into()),
            CustomsError::HsCode(_)
        ));
        assert_eq!(
            bad(|i| i.description_en = "  ".into()),
            CustomsError::EmptyDescription("en")
        );
        assert_eq!(
            bad(|i| i.description_fr = "a\nb".into()),
            CustomsError::BadDescription("fr")
        );
        assert_eq!(
            bad(|i| i.description_fr = "x".repeat(121)),
            CustomsError::BadDescription("fr")
        );
        assert_eq!(
            bad(|i| i.origin_country = "MAR".into()),
            CustomsError::Origin
        );
        assert_eq!(bad(|i| i.net_weight_grams = 0), CustomsError::ZeroWeight);
    }
}

/// One line of a customs declaration (CN23 "detailed description of contents").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationItem {
    /// The SKU (the seller's reference).
    pub sku: Sku,
    /// What it is, in French.
    pub description_fr: String,
    /// What it is, in English.
    pub description_en: String,
    /// Units.
    pub quantity: u32,
    /// Net weight of all units, grams.
    pub net_weight_grams: u32,
    /// Value of all units: what the shopper paid for the line (after discounts).
    pub value: crate::Money,
    /// HS tariff code (digits).
    pub hs_code: String,
    /// Country of origin (ISO code).
    pub origin_country: String,
}

/// The customs declaration of one parcel sent abroad: what the CN23 form prints and what a
/// carrier's API receives (Aramex's customs value and item list). Kept with the order's
/// shipment as part of the export proof (CGI art. 92-I-1°).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// Lines, in the parcel's order.
    pub items: Vec<DeclarationItem>,
    /// Sum of the items' values.
    pub total_value: crate::Money,
    /// Sum of the items' net weights, grams.
    pub total_net_weight_grams: u32,
    /// The parcel's gross weight, grams (what the carrier weighs).
    pub gross_weight_grams: u32,
    /// Category of item: always a sale of goods for the marketplace's parcels.
    pub category: String,
}

/// A parcel's line as [`declaration`] reads it: SKU, units, value (the line's net) and its
/// product's customs data.
#[derive(Debug, Clone, Copy)]
pub struct DeclaredLine<'a> {
    /// The product.
    pub product: &'a ProductId,
    /// The variant.
    pub variant: &'a VariantId,
    /// The SKU.
    pub sku: &'a Sku,
    /// Units.
    pub quantity: u32,
    /// What the shopper paid for the line.
    pub value: crate::Money,
    /// The product's customs data.
    pub customs: Option<&'a CustomsInfo>,
}

/// The declaration of a parcel of `lines` weighing `gross_weight_grams`.
///
/// # Errors
/// [`CustomsError::Missing`] for a line without customs data; a money error (overflow) as
/// [`CustomsError::Overflow`].
pub fn declaration(
    lines: &[DeclaredLine<'_>],
    gross_weight_grams: u32,
    currency: crate::Currency,
) -> Result<Declaration, CustomsError> {
    let mut items = Vec::with_capacity(lines.len());
    for l in lines {
        let info = l.customs.ok_or_else(|| CustomsError::Missing {
            product: l.product.clone(),
            variant: l.variant.clone(),
            sku: l.sku.clone(),
        })?;
        let info = info.normalized().unwrap_or_else(|_| info.clone());
        items.push(DeclarationItem {
            sku: l.sku.clone(),
            description_fr: info.description_fr,
            description_en: info.description_en,
            quantity: l.quantity,
            net_weight_grams: info.net_weight_grams.saturating_mul(l.quantity),
            value: l.value,
            hs_code: info.hs_code,
            origin_country: info.origin_country,
        });
    }
    let total_value = crate::Money::sum(currency, items.iter().map(|i| i.value))
        .map_err(|_| CustomsError::Overflow)?;
    let total_net_weight_grams = items
        .iter()
        .fold(0u32, |a, i| a.saturating_add(i.net_weight_grams));
    Ok(Declaration {
        items,
        total_value,
        total_net_weight_grams,
        gross_weight_grams: gross_weight_grams.max(total_net_weight_grams),
        category: "sale_of_goods".into(),
    })
}
