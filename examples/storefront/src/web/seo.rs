//! What search engines and link previews read of a page: its description, canonical address,
//! alternates in other languages, Open Graph and structured data; `/sitemap.xml` and
//! `/robots.txt`.
//!
//! Language strategy: a page exists once per language at `<path>?lang=ar|fr|en` (the `lang`
//! parameter the shop already reads), and the bare `<path>` is the `x-default` (the language
//! negotiated from the visitor's cookie and browser). A page's canonical address is its own
//! language's address; no other parameter (currency, tracking) is ever kept in it.

use super::*;
use tijara_core::catalog::Seller;

/// What search engines and previews read of a page. The default says nothing beyond the title
/// (pages that are not meant to be found: cart, checkout, account...).
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// One or two sentences of what the page shows.
    pub description: Option<String>,
    /// The shop's public address (`AppParts::public_url`, no trailing slash), which makes the
    /// canonical, alternate and Open Graph addresses absolute. Set by [`Meta::page`].
    pub base: String,
    /// The page's path, with only the parameters that make it another page (`/?category=…`);
    /// never `lang`, `cur` or tracking parameters. `None`: no canonical or alternates.
    pub canonical_path: Option<String>,
    /// Open Graph title (default: the page's title is not repeated; previews use `<title>`).
    pub og_title: Option<String>,
    /// Open Graph description (default: [`Meta::description`]).
    pub og_description: Option<String>,
    /// Open Graph image: a path on the shop or an absolute address.
    pub og_image: Option<String>,
    /// Open Graph type (`website`, `product`…); `website` when unset.
    pub og_type: Option<&'static str>,
    /// Structured data (schema.org JSON-LD), written into the page with `<`, `>` and `&` escaped
    /// so no text in it can end its script element.
    pub json_ld: Option<serde_json::Value>,
    /// True for pages search engines should not list (search results).
    pub noindex: bool,
}

impl Meta {
    /// The meta of the page at `path` (see [`Meta::canonical_path`]) of the shop `app`.
    pub fn page(app: &App, path: impl Into<String>) -> Meta {
        Meta {
            base: base_url(app),
            canonical_path: Some(path.into()),
            ..Meta::default()
        }
    }

    /// With a description (also the Open Graph one).
    pub fn describe(mut self, description: impl Into<String>) -> Meta {
        self.description = Some(description.into());
        self
    }
}

/// The shop's public address without a trailing slash.
pub(super) fn base_url(app: &App) -> String {
    app.public_url.trim_end_matches('/').to_owned()
}

/// `base + path` with `lang` (if any) added as the page's language parameter.
fn lang_url(base: &str, path: &str, lang: Option<Lang>) -> String {
    match lang {
        None => format!("{base}{path}"),
        Some(l) => {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{base}{path}{sep}lang={}", l.code())
        }
    }
}

/// The languages every page has an address in (hreflang alternates).
const PAGE_LANGS: [Lang; 3] = [Lang::AR, Lang::FR, Lang::EN];

/// The Open Graph locale of a language.
fn og_locale(lang: Lang) -> &'static str {
    match ui_lang(lang) {
        Lang::AR => "ar_MA",
        Lang::EN => "en_GB",
        _ => "fr_MA",
    }
}

/// JSON for a `<script type="application/ld+json">`: `<`, `>` and `&` written as `\u003c`,
/// `\u003e`, `\u0026` (the same JSON to a parser), so no text in it (a product title with
/// `</script>` or `<!--`) can end the script element or open a comment.
pub(super) fn json_ld(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The `<head>` tags of `meta` for a page in `lang`.
pub(super) fn head(lang: Lang, meta: &Meta) -> Markup {
    let description = meta.description.as_deref();
    let og_description = meta.og_description.as_deref().or(description);
    let canonical = meta
        .canonical_path
        .as_deref()
        .map(|p| lang_url(&meta.base, p, Some(lang)));
    let image = meta.og_image.as_deref().map(|i| {
        if i.starts_with("http://") || i.starts_with("https://") {
            i.to_owned()
        } else {
            format!("{}{i}", meta.base)
        }
    });
    html! {
        @if let Some(d) = description { meta name="description" content=(d); }
        @if meta.noindex { meta name="robots" content="noindex, follow"; }
        @if let (Some(path), Some(c)) = (meta.canonical_path.as_deref(), canonical.as_deref()) {
            link rel="canonical" href=(c);
            @for l in PAGE_LANGS { link rel="alternate" hreflang=(l.code()) href=(lang_url(&meta.base, path, Some(l))); }
            link rel="alternate" hreflang="x-default" href=(lang_url(&meta.base, path, None));
            meta property="og:url" content=(c);
            meta property="og:site_name" content=(t(lang, "title"));
            meta property="og:type" content=(meta.og_type.unwrap_or("website"));
            meta property="og:locale" content=(og_locale(lang));
            @for l in PAGE_LANGS { @if ui_lang(l) != ui_lang(lang) { meta property="og:locale:alternate" content=(og_locale(l)); } }
            @if let Some(tt) = &meta.og_title { meta property="og:title" content=(tt); }
            @if let Some(d) = og_description { meta property="og:description" content=(d); }
            @if let Some(i) = &image { meta property="og:image" content=(i); meta name="twitter:card" content="summary_large_image"; }
        }
        @if let Some(j) = &meta.json_ld { script type="application/ld+json" { (maud::PreEscaped(json_ld(j))) } }
    }
}

/// The home page's meta: the shop window, a category of it, or a search (not listed).
pub(super) fn home_meta(app: &App, lang: Lang, q: &HashMap<String, String>) -> Meta {
    let mut path = String::from("/");
    let mut query: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = q.get("category").filter(|c| !c.is_empty()) {
        query.push(("category", c));
    }
    if let Some(a) = q.get("after").filter(|a| !a.is_empty()) {
        query.push(("after", a));
    }
    if let Some(p) = q.get("page").filter(|p| !p.is_empty() && p.as_str() != "1") {
        query.push(("page", p));
    }
    if !query.is_empty() {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        ser.extend_pairs(query);
        path.push('?');
        path.push_str(&ser.finish());
    }
    let mut meta = Meta::page(app, path).describe(t(lang, "seo_home_desc"));
    meta.og_title = Some(t(lang, "title").to_owned());
    meta.noindex = q.get("q").is_some_and(|s| !s.trim().is_empty());
    meta.json_ld = Some(serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": t(lang, "title"),
        "url": format!("{}/", base_url(app)),
        "inLanguage": lang.code(),
        "potentialAction": {
            "@type": "SearchAction",
            "target": format!("{}/?q={{q}}", base_url(app)),
            "query-input": "required name=q"
        }
    }));
    meta
}

/// The schema.org availability of a variant's stock.
fn schema_availability(a: &Availability) -> &'static str {
    match a {
        Availability::InStock { .. } => "https://schema.org/InStock",
        Availability::OutOfStock => "https://schema.org/OutOfStock",
        Availability::MadeToOrder { .. } => "https://schema.org/MadeToOrder",
        _ => "https://schema.org/InStock",
    }
}

/// A short description: the first `max` characters of `text` on a word boundary.
fn excerpt(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}…")
}

/// A product page's meta: description, Open Graph (type `product`, its photo) and schema.org
/// `Product` JSON-LD with one `Offer` per variant (price TTC in MAD, availability).
pub(super) fn product_meta(
    app: &App,
    lang: Lang,
    v: &ProductView,
    seller: Option<&Seller>,
) -> Meta {
    let p = &v.product;
    let title = p.title.get(lang, Lang::AR).unwrap_or("");
    let description = p.description.get(lang, Lang::AR).unwrap_or("");
    let seller_name = seller.map_or(v.seller_name.as_str(), |s| s.name.as_str());
    let base = base_url(app);
    let url = lang_url(&base, &format!("/products/{}", p.slug), Some(lang));
    let images: Vec<String> = p
        .photos
        .iter()
        .filter(|ph| is_local_media_path(&ph.url))
        .map(|ph| format!("{base}{}", ph.url))
        .collect();
    let offers: Vec<serde_json::Value> = v
        .variants
        .iter()
        .map(|var| {
            serde_json::json!({
                "@type": "Offer",
                "sku": var.variant.sku.to_string(),
                "price": var.variant.price.amount().to_string(),
                "priceCurrency": var.variant.price.currency().code(),
                "availability": schema_availability(&var.availability),
                "itemCondition": "https://schema.org/NewCondition",
                "url": url,
                "seller": { "@type": "Organization", "name": seller_name }
            })
        })
        .collect();
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": title,
        "description": description,
        "image": images,
        "url": url,
        "brand": { "@type": "Brand", "name": seller_name },
        "offers": offers
    });
    if let (Some(first), Some(obj)) = (v.variants.first(), ld.as_object_mut()) {
        obj.insert("sku".into(), first.variant.sku.to_string().into());
    }
    let mut meta = Meta::page(app, format!("/products/{}", p.slug)).describe(excerpt(
        &format!("{description} — {} {seller_name}", t(lang, "by")),
        300,
    ));
    meta.og_title = Some(title.to_owned());
    meta.og_type = Some("product");
    meta.og_image = images.first().cloned();
    meta.json_ld = Some(ld);
    meta
}

/// Escapes text for XML (element text and attribute values).
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The most addresses a sitemap file may list (the protocol's limit).
const SITEMAP_MAX_URLS: usize = 50_000;

/// `/sitemap.xml`: the home page, each category, each product on sale, the legal pages; each
/// page once per language, with its `hreflang` alternates (and `x-default`).
async fn sitemap(State(app): State<App>) -> Response {
    let mut paths: Vec<String> = vec!["/".to_owned()];
    let cats = match app.engine.catalog().categories().await {
        Ok(c) => c,
        Err(_) => return unavailable(),
    };
    let cat_path = |id: &str| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("category", id);
        format!("/?{}", s.finish())
    };
    paths.extend(cats.iter().map(|c| cat_path(c.id.as_str())));
    let mut after: Option<String> = None;
    loop {
        let page = match app
            .engine
            .catalog()
            .list_products(&ProductFilter::default(), after.as_deref(), 200)
            .await
        {
            Ok(p) => p,
            Err(_) => return unavailable(),
        };
        paths.extend(
            page.items
                .iter()
                .map(|v| format!("/products/{}", v.product.slug)),
        );
        match page.next {
            Some(n) if paths.len() * PAGE_LANGS.len() < SITEMAP_MAX_URLS => after = Some(n),
            _ => break,
        }
    }
    paths.extend(LEGAL_PAGES.iter().map(|(p, _)| (*p).to_owned()));
    // The artisans and cooperatives: the marketplace exists to make them known.
    paths.push("/artisans".to_owned());
    match app.engine.catalog().list_sellers(None, 500).await {
        Ok(sellers) => paths.extend(
            sellers
                .items
                .iter()
                .filter(|s| s.active)
                .map(|s| format!("/artisans/{}", s.id)),
        ),
        Err(_) => return unavailable(),
    }
    let base = base_url(&app);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for path in paths.iter().take(SITEMAP_MAX_URLS / PAGE_LANGS.len()) {
        for lang in PAGE_LANGS {
            out.push_str("<url><loc>");
            out.push_str(&xml(&lang_url(&base, path, Some(lang))));
            out.push_str("</loc>");
            for l in PAGE_LANGS {
                out.push_str(&format!(
                    "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    l.code(),
                    xml(&lang_url(&base, path, Some(l)))
                ));
            }
            out.push_str(&format!(
                "<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/></url>\n",
                xml(&lang_url(&base, path, None))
            ));
        }
    }
    out.push_str("</urlset>\n");
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        out,
    )
        .into_response()
}

/// A sitemap or robots file the shop cannot make now (its storage is unreachable): 503, so
/// search engines come back later rather than forget the pages.
fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "300")],
        "The catalogue cannot be read right now; try again in a few minutes.\n",
    )
        .into_response()
}

/// The paths no search engine should crawl: a visitor's own pages and forms.
pub(super) const PRIVATE_PATHS: [&str; 8] = [
    "/account",
    "/admin",
    "/seller",
    "/orders",
    "/checkout",
    "/cart",
    "/api/",
    "/cmi/",
];

/// `/robots.txt`: everything but a visitor's own pages, and where the sitemap is.
async fn robots(State(app): State<App>) -> Response {
    let mut out = String::from("User-agent: *\n");
    for p in PRIVATE_PATHS {
        out.push_str(&format!("Disallow: {p}\n"));
    }
    out.push_str("Allow: /\n\n");
    out.push_str(&format!("Sitemap: {}/sitemap.xml\n", base_url(&app)));
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        out,
    )
        .into_response()
}

/// The legal pages: path and title key (the footer's links, the sitemap; `web/legal.rs`
/// renders them).
pub(super) const LEGAL_PAGES: [(&str, &str); 4] = [
    ("/legal/notice", "legal_notice"),
    ("/legal/terms", "legal_terms"),
    ("/legal/withdrawal", "legal_withdrawal"),
    ("/legal/privacy", "legal_privacy"),
];

/// The footer's links to the legal pages (legal notice, terms, withdrawal, privacy).
pub(super) fn footer_links(lang: Lang) -> Markup {
    html! {
        nav.legal aria-label=(t(lang, "legal_footer")) {
            @for (i, (path, key)) in LEGAL_PAGES.iter().enumerate() {
                @if i > 0 { " · " }
                a href=(path) { (t(lang, key)) }
            }
        }
    }
}

/// One line for the checkout and registration forms: placing the order (or creating the
/// account) accepts the terms of sale and the privacy notice, each a link.
pub(crate) fn consent_line(lang: Lang) -> Markup {
    html! {
        p.small.consent {
            (t(lang, "legal_consent_pre"))
            a href="/legal/terms" { (t(lang, "legal_terms")) }
            (t(lang, "legal_consent_mid"))
            a href="/legal/privacy" { (t(lang, "legal_privacy")) }
            (t(lang, "legal_consent_post"))
        }
    }
}

/// The shop's icon (browsers ask for `/favicon.ico` on every site; without one each page logs a
/// 404, which Lighthouse counts against best practices): the brand's brown with a white "T".
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#8a4b16\"/><path d=\"M8 8h16v4h-6v14h-4V12H8z\" fill=\"#fff\"/></svg>";

/// `/favicon.ico`: [`FAVICON`] (an SVG, as its type says).
async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=604800"),
        ],
        FAVICON,
    )
        .into_response()
}

/// This part's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/favicon.ico", get(favicon))
        .route("/sitemap.xml", get(sitemap))
        .route("/robots.txt", get(robots))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_end_its_script_and_stays_the_same_json() {
        let v = serde_json::json!({"name": "Bol </script><script>alert(1)</script> & <!-- x"});
        let s = json_ld(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap_or_default();
        assert_eq!(back, v);
    }

    #[test]
    fn language_addresses_keep_the_page_parameters() {
        assert_eq!(
            lang_url("https://s.ma", "/?category=c1", Some(Lang::AR)),
            "https://s.ma/?category=c1&lang=ar"
        );
        assert_eq!(
            lang_url("https://s.ma", "/products/bol", Some(Lang::FR)),
            "https://s.ma/products/bol?lang=fr"
        );
        assert_eq!(lang_url("https://s.ma", "/", None), "https://s.ma/");
    }

    #[test]
    fn excerpts_cut_on_a_word_and_say_so() {
        assert_eq!(excerpt("un  bol\nen argile", 100), "un bol en argile");
        assert_eq!(excerpt("un bol en argile", 10), "un bol en…");
    }

    #[test]
    fn the_footer_and_the_consent_line_link_the_legal_pages() {
        let footer = footer_links(Lang::FR).into_string();
        for (path, _) in super::LEGAL_PAGES {
            assert!(footer.contains(&format!("href=\"{path}\"")), "{footer}");
        }
        let consent = consent_line(Lang::AR).into_string();
        assert!(
            consent.contains("href=\"/legal/terms\"")
                && consent.contains("href=\"/legal/privacy\"")
        );
    }

    #[test]
    fn xml_escapes_ampersands_in_addresses() {
        assert_eq!(xml("/?a=1&b=<2>"), "/?a=1&amp;b=&lt;2&gt;");
    }
}
