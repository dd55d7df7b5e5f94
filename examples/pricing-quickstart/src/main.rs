//! Prices a two-seller cart with `tijara-core` and prints the receipt a shopper in Dakhla sees,
//! in French and in Arabic: lines, discounts, shipping per seller, TVA per rate, totals.
//!
//! Run: `cargo run -p tijara-example-pricing`.

use std::collections::{BTreeMap, HashMap};
use tijara_core::cart::Cart;
use tijara_core::catalog::{
    CatalogSnapshot, LegalIds, Member, Product, Seller, SellerKind, SellerTaxStatus, Sku,
    StockPolicy, Variant,
};
use tijara_core::pricing::{PricedCart, PricingInput, ShippingChoice, price_cart};
use tijara_core::promotion::{Conditions, Promotion, PromotionKind, Stacking};
use tijara_core::region::DisplayRate;
use tijara_core::*;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

fn seller(id: &str, name: &str, kind: SellerKind, tax: SellerTaxStatus) -> Fallible<Seller> {
    Ok(Seller {
        id: SellerId::new(id)?,
        name: name.into(),
        kind,
        home_city: "Dakhla".into(),
        commission_rate: Rate::percent(10)?,
        category_commissions: BTreeMap::new(),
        tax_status: tax,
        members: vec![],
        legal: LegalIds::default(),
        story: LocalizedText::default(),
        active: true,
        whatsapp: None,
        contact: Default::default(),
        approved_at: None,
    })
}

fn product(
    id: &str,
    seller: &str,
    category: &str,
    ar: &str,
    fr: &str,
    price: &str,
    tax: &str,
) -> Fallible<Product> {
    Ok(Product {
        id: ProductId::new(id)?,
        seller_id: SellerId::new(seller)?,
        category_id: CategoryId::new(category)?,
        slug: id.into(),
        title: LocalizedText::new().with(Lang::AR, ar).with(Lang::FR, fr),
        description: LocalizedText::default(),
        materials: vec![],
        photos: vec![],
        made_by: None,
        variants: vec![Variant {
            id: VariantId::new(format!("{id}-v"))?,
            sku: Sku::new(id.to_uppercase())?,
            options: BTreeMap::new(),
            price: Money::mad(price)?,
            tax_category: TaxCategoryId::new(tax)?,
            weight_grams: 800,
            dimensions: None,
            shippable: true,
            stock_policy: StockPolicy::Tracked,
            active: true,
        }],
        active: true,
        customs: None,
    })
}

fn print_receipt(priced: &PricedCart, catalog: &CatalogSnapshot, lang: Lang) {
    let fmt = |m: Money| m.format(lang);
    println!(
        "--- {} ---",
        if lang == Lang::AR {
            "الفاتورة"
        } else {
            "Récapitulatif"
        }
    );
    for seller in &priced.sellers {
        let name = catalog
            .seller(&seller.seller_id)
            .map_or("?", |s| s.name.as_str());
        println!("{name}");
        for &i in &seller.lines {
            let l = &priced.lines[i];
            let title = catalog
                .product(&l.product_id)
                .and_then(|p| p.title.get(lang, Lang::AR))
                .unwrap_or("?");
            println!(
                "  {} × {title}: {} (-{}) = {}  [TVA {}]",
                l.quantity,
                fmt(l.gross),
                fmt(l.discount),
                fmt(l.net),
                l.tva_rate
            );
            if let Some(e) = &l.exemption {
                println!("    {e}");
            }
        }
        if let Some(s) = &seller.shipping {
            println!(
                "  {} {}: {}",
                s.choice.carrier,
                s.choice.service,
                fmt(s.net)
            );
        }
        println!("  = {}", fmt(seller.total));
    }
    for b in priced.tva.buckets() {
        println!(
            "TVA {}: HT {} + TVA {} = TTC {}",
            b.rate,
            fmt(b.ht),
            fmt(b.tva),
            fmt(b.ttc)
        );
    }
    for a in &priced.applied_promotions {
        println!(
            "* {}: -{}",
            a.name.get(lang, Lang::FR).unwrap_or(""),
            fmt(a.lines_discount)
        );
    }
    println!("TOTAL TTC: {}", fmt(priced.grand_total));
    for d in &priced.display_totals {
        println!("  ≈ {}", d.amount.format(lang));
    }
}

fn main() -> Fallible<()> {
    let region = Region::dakhla();
    let mut coop = seller(
        "coop-oudaya",
        "Coopérative Oudaya",
        SellerKind::Cooperative,
        SellerTaxStatus::VatRegistered,
    )?;
    coop.members.push(Member {
        id: MemberId::new("salka")?,
        name: "Salka Mint Brahim".into(),
        active: true,
    });
    let artisan = seller(
        "brahim-silver",
        "Brahim, bijoutier",
        SellerKind::Artisan,
        SellerTaxStatus::Exempt {
            reason: "TVA non applicable (auto-entrepreneur, loi 114-13)".into(),
        },
    )?;
    let mut srama = product(
        "srama",
        "coop-oudaya",
        "leather",
        "وسادة جلدية",
        "Coussin srama en cuir",
        "349.00",
        "standard",
    )?;
    srama.made_by = Some(MemberId::new("salka")?);
    let rug = product(
        "zarbia",
        "coop-oudaya",
        "carpet",
        "زربية صوف",
        "Tapis en laine",
        "1450.00",
        "artisanal-carpet",
    )?;
    let bracelet = product(
        "dmlij",
        "brahim-silver",
        "jewellery",
        "دملج فضي",
        "Bracelet en argent",
        "780.00",
        "standard",
    )?;
    for p in [&srama, &rug] {
        p.validate(&coop)?;
    }
    bracelet.validate(&artisan)?;
    let catalog = CatalogSnapshot::new([coop.clone(), artisan.clone()], [srama, rug, bracelet])?;

    let mut cart = Cart::new(CartId::new("demo")?, Currency::MAD);
    for (v, q) in [("srama-v", 2), ("zarbia-v", 1), ("dmlij-v", 1)] {
        cart.add(&catalog, &VariantId::new(v)?, q, &region.cart_limits)?;
    }
    cart.add_coupon("dakhla10", &region.cart_limits)?;
    let mut welcome = Promotion {
        id: PromotionId::new("welcome")?,
        name: LocalizedText::new()
            .with(Lang::FR, "Bienvenue à Dakhla -10 %")
            .with(Lang::AR, "مرحبا بكم -10٪"),
        kind: PromotionKind::PercentOff {
            rate: Rate::percent(10)?,
        },
        conditions: Conditions::default(),
        stacking: Stacking::Combinable,
        priority: 0,
        active: true,
    };
    welcome.conditions.coupon = Some("DAKHLA10".into());
    let ship = |carrier: &str, price: &str| -> Fallible<ShippingChoice> {
        Ok(ShippingChoice {
            carrier: carrier.into(),
            service: "standard".into(),
            price: Money::mad(price)?,
            estimated_days: Some((3, 6)),
            carrier_name: None,
        })
    };
    let shipping = BTreeMap::from([
        (coop.id.clone(), ship("amana", "65.00")?),
        (artisan.id.clone(), ship("ctm", "40.00")?),
    ]);
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")?.to_utc();
    let rates = [DisplayRate {
        to: Currency::EUR,
        rate: Decimal::new(921, 4),
        as_of: now,
    }];
    let priced = price_cart(&PricingInput {
        cart: &cart,
        catalog: &catalog,
        promotions: &[welcome],
        usage: &HashMap::new(),
        region: &region,
        shipping: &shipping,
        display_rates: &rates,
        now,
        destination: None,
    })?;
    print_receipt(&priced, &catalog, Lang::FR);
    print_receipt(&priced, &catalog, Lang::AR);
    Ok(())
}
