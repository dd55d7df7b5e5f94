//! The search page (`/?q=…`): the query kept in the box, "N results", facets with counts
//! (category, city, seller kind, price, available now), the sort, numbered pages, a "did you
//! mean" in the page's language when a word was found only through a typo, and an empty state
//! that suggests a spelling and the categories. Links only: no JavaScript.

use super::*;
use tijara::usecases::catalog::SearchRequest;
use tijara_core::search::{FacetCount, PRICE_RANGES, SearchFilters, SearchSort};

/// Results per page.
const PER_PAGE: u32 = 24;

/// The parameters of the page's address that the links keep, in a fixed order.
const KEPT: [&str; 7] = ["q", "category", "city", "kind", "price", "stock", "sort"];

/// The address of the search with `q`'s parameters, `change` set (or removed when empty),
/// from page 1.
fn href(q: &HashMap<String, String>, change: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for k in KEPT {
        let v = change
            .iter()
            .find(|(c, _)| *c == k)
            .map(|(_, v)| (*v).to_owned())
            .or_else(|| q.get(k).cloned())
            .unwrap_or_default();
        let default_sort = k == "sort" && v == "relevance";
        if !v.is_empty() && !default_sort {
            ser.append_pair(k, &v);
        }
    }
    format!("/?{}", ser.finish())
}

/// The price range's label: "< 200 MAD", "200 – 500 MAD", "5000+ MAD".
fn range_label(i: usize) -> String {
    let mad = |m: i64| m / 100;
    match PRICE_RANGES.get(i) {
        Some((0, Some(hi))) => format!("< {} MAD", mad(*hi)),
        Some((lo, Some(hi))) => format!("{} – {} MAD", mad(*lo), mad(*hi)),
        Some((lo, None)) => format!("{}+ MAD", mad(*lo)),
        None => String::new(),
    }
}

fn kind_label(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "cooperative" => t(lang, "kind_coop"),
        "gie" => t(lang, "kind_gie"),
        _ => t(lang, "kind_artisan"),
    }
}

/// One facet: a heading and a chip per value with its count; the chosen one is marked and
/// links back to the search without it.
fn facet(
    q: &HashMap<String, String>,
    title: &str,
    key: &str,
    values: &[(String, String, u64)],
) -> Markup {
    let current = q.get(key).map(String::as_str).unwrap_or("");
    html! {
        @if !values.is_empty() {
            div.facet {
                h3 { (title) }
                div.chips {
                    @for (value, label, count) in values {
                        @let on = value == current;
                        a.chip href=(href(q, &[(key, if on { "" } else { value.as_str() })]))
                            aria-current=[on.then_some("true")] {
                            bdi { (label) } " " span.muted { "(" bdi { (count) } ")" }
                        }
                    }
                }
            }
        }
    }
}

/// The search page.
pub(super) async fn page(app: &App, ctx: &Ctx, q: &HashMap<String, String>) -> Response {
    let lang = ctx.lang;
    let text = q.get("q").cloned().unwrap_or_default();
    let sort = q
        .get("sort")
        .and_then(|s| SearchSort::parse(s))
        .unwrap_or_default();
    let price = q
        .get("price")
        .and_then(|p| p.parse::<usize>().ok())
        .and_then(|i| PRICE_RANGES.get(i));
    let nonempty = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
    let filters = SearchFilters {
        category: nonempty("category"),
        seller_city: nonempty("city"),
        seller_kind: nonempty("kind"),
        min_price_minor: price.map(|(lo, _)| *lo),
        max_price_minor: price.and_then(|(_, hi)| hi.map(|h| h - 1)),
        in_stock: q.get("stock").is_some_and(|s| s == "1"),
    };
    let page_no: u32 = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let req = SearchRequest::new(text.clone())
        .with_filters(filters.clone())
        .with_sort(sort)
        .with_page(page_no, PER_PAGE)
        .with_lang(lang);
    let found = match app.engine.catalog().search(&req).await {
        Ok(f) => f,
        Err(e) => return refusal(ctx, &e),
    };
    let cats = match app.engine.catalog().categories().await {
        Ok(c) => c,
        Err(e) => return refusal(ctx, &e),
    };
    let cat_name = |id: &str| {
        cats.iter()
            .find(|c| c.id.as_str() == id)
            .and_then(|c| c.name.get(lang, Lang::AR))
            .unwrap_or(id)
            .to_owned()
    };
    let counts = |f: &[FacetCount], label: &dyn Fn(&str) -> String| -> Vec<(String, String, u64)> {
        f.iter()
            .map(|c| (c.value.clone(), label(&c.value), c.count))
            .collect()
    };
    let categories = counts(&found.facets.categories, &cat_name);
    let cities = counts(&found.facets.cities, &|c: &str| c.to_owned());
    let kinds = counts(&found.facets.kinds, &|k: &str| {
        kind_label(lang, k).to_owned()
    });
    let prices: Vec<(String, String, u64)> = found
        .facets
        .prices
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, n)| (i.to_string(), range_label(i), *n))
        .collect();
    let stock = vec![(
        "1".to_owned(),
        t(lang, "only_in_stock").to_owned(),
        found.facets.in_stock,
    )];
    let any_filter = KEPT[1..6]
        .iter()
        .any(|k| q.get(*k).is_some_and(|v| !v.is_empty()));
    let count_text = if found.total == 1 {
        t(lang, "one_result").to_owned()
    } else {
        t(lang, "n_results").replace("{n}", &found.total.to_string())
    };
    let mut base = href(q, &[]);
    base.push('&');
    let sorts = [
        SearchSort::Relevance,
        SearchSort::PriceAsc,
        SearchSort::PriceDesc,
        SearchSort::Newest,
    ];
    let heading = format!("{} « {text} »", t(lang, "results_for"));
    let body = html! {
        div.section-head {
            h1 { (heading) }
            span.muted { (count_text) }
        }
        @if found.relaxed { p.note { (t(lang, "relaxed")) } }
        @if found.total > 0 {
            @if let Some(better) = &found.did_you_mean {
                p.note.did-you-mean { (t(lang, "did_you_mean")) " " a href=(href(q, &[("q", better.as_str())])) { bdi { (better) } } " ?" }
            }
        }
        @if found.total == 0 {
            div.empty {
                p { (t(lang, "no_results_for").replace("{q}", &text)) }
                @if let Some(better) = &found.did_you_mean {
                    p.did-you-mean { (t(lang, "did_you_mean")) " " a href=(href(q, &[("q", better.as_str())])) { bdi { (better) } } " ?" }
                }
                nav.chips aria-label=(t(lang, "categories")) {
                    @for c in &cats {
                        a.chip href={ "/?category=" (c.id) } { (c.name.get(lang, Lang::AR).unwrap_or("")) }
                    }
                }
                @if any_filter {
                    div.actions { a.button href=(href(q, &[("category", ""), ("city", ""), ("kind", ""), ("price", ""), ("stock", "")])) { (t(lang, "clear_filters")) } }
                }
                div.actions { a.button.primary href="/" { (t(lang, "see_all")) } }
            }
        } @else {
            form.sort method="get" action="/" {
                @for k in &KEPT[..6] {
                    @if let Some(v) = q.get(*k).filter(|v| !v.is_empty()) { input type="hidden" name=(k) value=(v); }
                }
                label for="sort" { (t(lang, "sort")) }
                select #sort name="sort" {
                    @for s in sorts {
                        option value=(s.as_str()) selected[s == sort] { (t(lang, &format!("sort_{}", s.as_str()))) }
                    }
                }
                button type="submit" { (t(lang, "apply")) }
            }
            details.facets open[any_filter] {
                summary { (t(lang, "filters")) }
                (facet(q, t(lang, "facet_category"), "category", &categories))
                (facet(q, t(lang, "facet_price"), "price", &prices))
                (facet(q, t(lang, "facet_city"), "city", &cities))
                (facet(q, t(lang, "facet_kind"), "kind", &kinds))
                (facet(q, t(lang, "only_in_stock"), "stock", &stock))
                @if any_filter {
                    p { a href=(href(q, &[("category", ""), ("city", ""), ("kind", ""), ("price", ""), ("stock", "")])) { (t(lang, "clear_filters")) } }
                }
            }
            div.grid { @for v in &found.items { (super::shop::card(ctx, v)) } }
            (super::shop::pagination(lang, &base, found.page, found.pages))
        }
    };
    let meta = super::seo::home_meta(app, lang, q);
    with_lang_cookie(lang, layout_meta(ctx, &heading, &meta, body))
}
