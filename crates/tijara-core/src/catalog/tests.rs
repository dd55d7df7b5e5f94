//! Catalog rules: sellers, products, variants, photos, snapshots; helpers other modules'
//! tests build sellers and products with.

#[test]
fn a_seller_rib_is_24_digits() {
    let mut s = seller("slr-rib", SellerKind::Artisan);
    s.legal.rib = Some("011780000012345678901234".into());
    assert!(s.validate().is_ok());
    for bad in [
        "01178000001234567890123",
        "0117800000123456789012345",
        "01178000001234567890123X",
    ] {
        s.legal.rib = Some(bad.into());
        let e = s.validate().expect_err("refused");
        assert!(e.to_string().contains("24-digit RIB"), "{e}");
    }
}
use super::*;
use crate::currency::Currency;

pub(crate) fn seller(id: &str, kind: SellerKind) -> Seller {
    Seller {
        id: SellerId::new(id).expect("id"),
        name: format!("Seller {id}"),
        kind,
        home_city: "Dakhla".into(),
        commission_rate: Rate::percent(10).expect("rate"),
        category_commissions: BTreeMap::new(),
        tax_status: SellerTaxStatus::VatRegistered,
        members: vec![],
        legal: LegalIds::default(),
        story: LocalizedText::default(),
        active: true,
        whatsapp: None,
        contact: Default::default(),
        approved_at: None,
    }
}

#[test]
fn a_whatsapp_contact_is_an_e164_number_and_links_to_wa_me() {
    let mut s = seller("s1", SellerKind::Artisan);
    assert_eq!(s.whatsapp_link(), None);
    s.whatsapp = Some("+212612345678".into());
    assert!(s.validate().is_ok());
    assert_eq!(
        s.whatsapp_link().as_deref(),
        Some("https://wa.me/212612345678")
    );
    for bad in [
        "0612345678",
        "+2126 1234",
        "+0612345678",
        "+1234567",
        "+1234567890123456",
        "",
    ] {
        s.whatsapp = Some(bad.into());
        assert_eq!(s.whatsapp_link(), None, "{bad}");
        let e = s.validate().expect_err(bad);
        assert!(
            matches!(e.problems(), [Problem::BadWhatsApp { value }] if value == bad),
            "{e}"
        );
    }
}

#[test]
fn a_seller_stored_before_whatsapp_existed_reads_without_one() {
    let s = seller("s1", SellerKind::Artisan);
    let mut json = serde_json::to_value(&s).expect("json");
    assert!(json.get("whatsapp").is_none());
    json.as_object_mut().expect("object").remove("whatsapp");
    let back: Seller = serde_json::from_value(json).expect("reads");
    assert_eq!(back.whatsapp, None);
}

pub(crate) fn variant(id: &str, price: &str, tax: &str) -> Variant {
    Variant {
        id: VariantId::new(id).expect("id"),
        sku: Sku::new(format!("SKU-{id}")).expect("sku"),
        options: BTreeMap::new(),
        price: Money::mad(price).expect("price"),
        tax_category: TaxCategoryId::new(tax).expect("tax"),
        weight_grams: 500,
        dimensions: None,
        shippable: true,
        stock_policy: StockPolicy::Tracked,
        active: true,
    }
}

pub(crate) fn product(id: &str, seller: &str, category: &str, variants: Vec<Variant>) -> Product {
    Product {
        id: ProductId::new(id).expect("id"),
        seller_id: SellerId::new(seller).expect("id"),
        category_id: CategoryId::new(category).expect("id"),
        slug: id.to_ascii_lowercase(),
        title: LocalizedText::single(crate::Lang::FR, format!("Produit {id}")),
        description: LocalizedText::default(),
        materials: vec!["cuir de chèvre".into()],
        photos: vec![],
        made_by: None,
        variants,
        active: true,
        customs: None,
    }
}

#[test]
fn valid_product_passes() {
    let s = seller("s1", SellerKind::Artisan);
    let p = product(
        "p1",
        "s1",
        "leather",
        vec![variant("v1", "150", "standard")],
    );
    assert_eq!(p.validate(&s), Ok(()));
    assert!(s.validate().is_ok());
}

#[test]
fn reports_every_problem() {
    let s = seller("s1", SellerKind::Artisan);
    let mut bad = variant("v1", "150", "standard");
    bad.price = Money::mad("-1").expect("m");
    bad.weight_grams = 0;
    bad.dimensions = Some(Dimensions {
        length_mm: 0,
        width_mm: 1,
        height_mm: 1,
    });
    let dup = variant("v1", "10", "standard");
    let mut p = product("p1", "s2", "leather", vec![bad, dup]);
    p.title = LocalizedText::new();
    p.slug = "Bad Slug".into();
    p.made_by = Some(MemberId::new("m1").expect("id"));
    let err = p.validate(&s).expect_err("invalid");
    let kinds: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        kinds,
        vec![
            "product p1 does not belong to this seller",
            "product.title must not be empty",
            "slug \"Bad Slug\" must be lower-case letters, digits and '-'",
            "member m1 is not an active member of the seller",
            "variant SKU-v1 has a negative price (-1.00 MAD)",
            "variant SKU-v1 is shippable but weighs 0 g",
            "variant SKU-v1 has a zero dimension",
            "variant.sku \"SKU-v1\" appears more than once",
            "variant.id \"v1\" appears more than once",
        ]
    );
    let none = product("p2", "s1", "leather", vec![]);
    assert!(matches!(
        none.validate(&s).expect_err("no variants").problems(),
        [Problem::NoVariants { .. }]
    ));
}

#[test]
fn sku_rules() {
    assert_eq!(
        Sku::new(""),
        Err(Problem::Empty {
            field: "variant.sku"
        })
    );
    assert!(matches!(Sku::new("a b"), Err(Problem::BadSku { .. })));
    assert!(matches!(
        Sku::new("x".repeat(65)),
        Err(Problem::BadSku { .. })
    ));
    assert!(Sku::new("DAK-LTH/01_a.b").is_ok());
}

#[test]
fn seller_rules() {
    let mut s = seller("s1", SellerKind::Artisan);
    s.members.push(Member {
        id: MemberId::new("m1").expect("id"),
        name: "Salka".into(),
        active: true,
    });
    s.legal.ice = Some("12345".into());
    s.tax_status = SellerTaxStatus::Exempt { reason: " ".into() };
    s.name = String::new();
    let err = s.validate().expect_err("invalid");
    assert_eq!(err.problems().len(), 4);

    let mut coop = seller("c1", SellerKind::Cooperative);
    let m = Member {
        id: MemberId::new("m1").expect("id"),
        name: "Mbarka".into(),
        active: true,
    };
    coop.members = vec![m.clone(), m];
    assert!(matches!(
        coop.validate().expect_err("dup").problems(),
        [Problem::Duplicate { .. }]
    ));
    coop.members.pop();
    coop.legal.ice = Some("001234567000089".into());
    assert!(coop.validate().is_ok());
    let mut p = product(
        "p1",
        "c1",
        "leather",
        vec![variant("v1", "150", "standard")],
    );
    p.made_by = Some(MemberId::new("m1").expect("id"));
    assert!(p.validate(&coop).is_ok());
}

#[test]
fn commission_override_by_category() {
    let mut s = seller("s1", SellerKind::Artisan);
    let jewels = CategoryId::new("jewellery").expect("id");
    s.category_commissions
        .insert(jewels.clone(), Rate::percent(15).expect("rate"));
    assert_eq!(s.commission_for(&jewels), Rate::percent(15).expect("rate"));
    assert_eq!(
        s.commission_for(&CategoryId::new("leather").expect("id")),
        Rate::percent(10).expect("rate")
    );
}

#[test]
fn snapshot_lookups_and_errors() {
    let s = seller("s1", SellerKind::Artisan);
    let p = product(
        "p1",
        "s1",
        "leather",
        vec![variant("v1", "150", "standard")],
    );
    let snap = CatalogSnapshot::new([s.clone()], [p.clone()]).expect("snapshot");
    let view = snap
        .variant(&VariantId::new("v1").expect("id"))
        .expect("found");
    assert!(view.is_purchasable());
    assert_eq!(view.variant.price.currency(), Currency::MAD);
    assert!(snap.variant(&VariantId::new("nope").expect("id")).is_none());
    assert!(matches!(
        CatalogSnapshot::new([], [p.clone()]),
        Err(SnapshotError::MissingSeller { .. })
    ));
    let mut p2 = p.clone();
    p2.id = ProductId::new("p2").expect("id");
    assert!(matches!(
        CatalogSnapshot::new([s.clone()], [p.clone(), p2]),
        Err(SnapshotError::DuplicateVariant(_))
    ));
    assert!(matches!(
        CatalogSnapshot::new([s], [p.clone(), p]),
        Err(SnapshotError::DuplicateProduct(_))
    ));
    assert_eq!(snap.products().count(), 1);
    assert_eq!(snap.sellers().count(), 1);
}

#[test]
fn a_price_of_zero_is_refused() {
    let s = seller("s1", SellerKind::Artisan);
    let p = product("p1", "s1", "leather", vec![variant("v1", "0", "standard")]);
    let e = p.validate(&s).expect_err("a free product is refused");
    assert!(matches!(e.problems(), [Problem::ZeroPrice { .. }]), "{e}");
    let p = product(
        "p1",
        "s1",
        "leather",
        vec![variant("v1", "0.01", "standard")],
    );
    assert_eq!(p.validate(&s), Ok(()));
}

#[test]
fn photos_are_paths_on_the_shop_only() {
    let s = seller("s1", SellerKind::Artisan);
    let mut p = product(
        "p1",
        "s1",
        "leather",
        vec![variant("v1", "150", "standard")],
    );
    for good in ["/media/0a1b-1200.jpg", "/images/tassoufra.svg"] {
        p.photos = vec![Photo {
            url: good.into(),
            alt: LocalizedText::default(),
        }];
        assert_eq!(p.validate(&s), Ok(()), "{good}");
    }
    for bad in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "https://tracker.example/pixel.gif",
        "//tracker.example/pixel.gif",
        "/media/../../etc/passwd",
        "/media/a.jpg?x=1",
        "/media/a\\b.jpg",
        "media/a.jpg",
        "/",
        "",
    ] {
        p.photos = vec![Photo {
            url: bad.into(),
            alt: LocalizedText::default(),
        }];
        let e = p.validate(&s).expect_err(bad);
        assert!(
            matches!(e.problems(), [Problem::BadPhotoUrl { .. }]),
            "{bad}: {e}"
        );
    }
}

#[test]
fn a_sellers_contact_is_an_e164_phone_and_a_bounded_address() {
    let mut s = seller("slr-contact", SellerKind::Artisan);
    s.contact = SellerContact::new(
        Some("+212612345678".into()),
        Some("12 rue Tarfaya\nAl Massira".into()),
    );
    assert!(s.validate().is_ok());
    s.contact.phone = Some("0612345678".into());
    let e = s.validate().expect_err("refused");
    assert!(
        matches!(e.problems(), [Problem::BadPhone { value }] if value == "0612345678"),
        "{e}"
    );
    s.contact.phone = None;
    s.contact.address = Some("x".repeat(MAX_ADDRESS_CHARS + 1));
    assert!(matches!(
        s.validate().expect_err("too long").problems(),
        [Problem::BadAddress { .. }]
    ));
    s.contact.address = Some("rue\u{0}".into());
    assert!(s.validate().is_err(), "a control character");
    // A seller stored before the contact existed reads with an empty one.
    let mut json = serde_json::to_value(seller("slr-old", SellerKind::Artisan)).expect("json");
    json.as_object_mut().expect("object").remove("contact");
    let back: Seller = serde_json::from_value(json).expect("read");
    assert_eq!(back.contact, SellerContact::default());
}

#[test]
fn a_sku_is_written_and_read_as_its_code() {
    let sku = Sku::new("BENCH-001/a_b.2").expect("valid");
    let json = serde_json::to_string(&sku).expect("json");
    assert_eq!(json, "\"BENCH-001/a_b.2\"");
    assert_eq!(serde_json::from_str::<Sku>(&json).expect("reads"), sku);
    assert!(
        serde_json::from_str::<Sku>("\"a b\"").is_err(),
        "refused as before"
    );
}

#[test]
fn a_snapshot_from_shared_documents_copies_none_and_finds_as_new_does() {
    use std::sync::Arc;
    let s = Arc::new(seller("s1", SellerKind::Artisan));
    let p = Arc::new(product(
        "p1",
        "s1",
        "leather",
        vec![variant("v1", "150", "standard")],
    ));
    let shared =
        CatalogSnapshot::from_shared([s.clone()], [p.clone()]).expect("snapshot from shared");
    let owned = CatalogSnapshot::new([(*s).clone()], [(*p).clone()]).expect("snapshot");
    let v1 = VariantId::new("v1").expect("id");
    let view = shared.variant(&v1).expect("found");
    assert!(
        std::ptr::eq(view.product, &*p) && std::ptr::eq(view.seller, &*s),
        "the snapshot reads the shared documents themselves"
    );
    assert_eq!(Arc::strong_count(&p), 2, "held, not copied");
    assert_eq!(view.product, owned.variant(&v1).expect("found").product);
    assert!(std::ptr::eq(shared.product(&p.id).expect("product"), &*p));
    assert!(std::ptr::eq(shared.seller(&s.id).expect("seller"), &*s));
    assert!(matches!(
        CatalogSnapshot::from_shared([], [p.clone()]),
        Err(SnapshotError::MissingSeller { .. })
    ));
}
