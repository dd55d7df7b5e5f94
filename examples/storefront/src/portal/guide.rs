//! The artisan's guide: one idea per step, each with a screenshot of the real portal page at
//! phone width, in Arabic, French and English; printable as a training handout.
//!
//! The screenshots are made by the browser test `tests/guide_screens.rs` from [`STEPS`]: for each
//! step it opens [`Step::page`], checks that [`Step::target`] (the thing the step talks about)
//! is there, rings it and saves the region [`Step::frame`] around it. A renamed button breaks
//! that test, so the guide cannot drift from the portal. `TIJARA_UPDATE_GUIDE=1` rewrites the
//! pictures in `assets/guide/{ar,fr,en}/`; they are compiled into the binary and served as
//! content-named static files (`/assets/guide-…png`, cached for a year).
//!
//! Pages: `/seller/guide` (in the shop's frame) and `/seller/guide/print`, the same steps
//! without the shop's header, menus or footer, to print as a handout (both carry the print
//! style: one step per block, no page break inside a step, pictures sized for A4).

use super::*;
use std::borrow::Cow;

/// One step of the guide.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The step's name: its pictures are `assets/guide/<lang>/<name>.png`, its words
    /// `guide_<name>_h` (heading), `_p` (what to do) and `_alt` (what the picture shows).
    pub name: &'static str,
    /// The portal page the picture is taken of. `{prepare}` is the page of a paid order not
    /// shipped yet, `{shipped}` that of a cash-on-delivery order with its label made, `{label}`
    /// that order's label (the test fills them in).
    pub page: &'static str,
    /// CSS selector of the thing the step talks about: the test fails when the page lacks it,
    /// and rings it on the picture.
    pub target: &'static str,
    /// CSS selector of the part of the page the picture shows (cut to a phone screen's height
    /// around the target when taller).
    pub frame: &'static str,
    /// The pictures in Arabic, French and English (PNG).
    images: [&'static [u8]; 3],
}

macro_rules! steps {
    ($( $name:literal, $page:literal, $target:literal, $frame:literal; )*) => {
        /// The guide's steps, in order.
        pub const STEPS: &[Step] = &[ $( Step {
            name: $name,
            page: $page,
            target: $target,
            frame: $frame,
            images: [
                include_bytes!(concat!("../../assets/guide/ar/", $name, ".png")),
                include_bytes!(concat!("../../assets/guide/fr/", $name, ".png")),
                include_bytes!(concat!("../../assets/guide/en/", $name, ".png")),
            ],
        } ),* ];
    };
}

steps! {
    "01-new-product", "/seller/products", "a[href='/seller/products/new']", "main";
    "02-product-form", "/seller/products/new", "input[name='title_ar']", "main";
    "03-product-photo", "/seller/products/new", "input[type='file'][name='photo']", "main";
    "04-orders-tabs", "/seller?tab=prepare", "a.chip[href='/seller?tab=prepare']", "main";
    "05-waiting-payment", "/seller?tab=awaiting_payment", "main > p.error[role='note']", "main";
    "06-ready", "{prepare}", "#ready button[type='submit']", "main";
    "07-label", "{shipped}", "#label a[href$='/label']", "main";
    "08-with-printer", "{label}", "p.number", "body";
    "09-without-printer", "{label}", "p.ref", "body";
    "10-tracking", "{shipped}", "#tracking input[name='number']", "#tracking";
    "11-statement", "/seller/statement", "main > table", "main";
    "12-card-or-cash", "/seller/statement", "main > h2 + table", "main";
    "13-return-decide", "/seller/returns", "form[action*='/approve'] button", "section.box:has(form[action*='/approve'])";
    "14-return-received", "/seller/returns", "form[action*='/receive'] button", "section.box:has(form[action*='/receive'])";
    "15-return-refund", "/seller/returns", "form[action*='/refund'] button", "section.box:has(form[action*='/refund'])";
}

/// The languages the guide has pictures in, in the order of [`Step`]'s pictures.
pub const LANGS: [Lang; 3] = [Lang::AR, Lang::FR, Lang::EN];

impl Step {
    /// The step's picture for `lang` (the interface's language it reads: Arabic, French or
    /// English).
    pub fn image(&self, lang: Lang) -> &'static [u8] {
        let ui = crate::web::ui_lang(lang);
        let i = LANGS.iter().position(|l| *l == ui).unwrap_or(1);
        self.images[i]
    }

    /// The address the picture for `lang` is served at (content-named: a new picture is a
    /// new address).
    pub fn image_url(&self, lang: Lang) -> String {
        format!(
            "/assets/{}",
            file_name(self, ui_code(lang), self.image(lang))
        )
    }
}

/// The code (`ar`, `fr`, `en`) of the interface's language for `lang`.
fn ui_code(lang: Lang) -> &'static str {
    let ui = crate::web::ui_lang(lang);
    if ui == Lang::AR {
        "ar"
    } else if ui == Lang::EN {
        "en"
    } else {
        "fr"
    }
}

/// `guide-<lang>-<name>-<first 12 hex digits of the SHA-256>.png`.
fn file_name(step: &Step, lang: &str, bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let hash = hex::encode(sha2::Sha256::digest(bytes));
    format!("guide-{lang}-{}-{}.png", step.name, &hash[..12])
}

/// The guide's pictures as static files: (file name under `/assets/`, content type, bytes).
pub(crate) fn assets() -> Vec<(String, &'static str, Cow<'static, [u8]>)> {
    STEPS
        .iter()
        .flat_map(|s| {
            LANGS.into_iter().map(move |lang| {
                let bytes = s.image(lang);
                (
                    file_name(s, ui_code(lang), bytes),
                    "image/png",
                    Cow::Borrowed(bytes),
                )
            })
        })
        .collect()
}

/// A PNG's width and height, from its header (`None` for anything else).
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || !bytes.starts_with(MAGIC) || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
    };
    Some((be(16)?, be(20)?))
}

/// The guide's words.
fn gw(lang: Lang, key: &str) -> &'static str {
    t(lang, key)
}

/// The steps as an ordered list: heading, what to do (the picture's caption) and the picture
/// (what it shows as its `alt`).
fn steps_list(lang: Lang) -> Markup {
    html! {
        ol.guide {
            @for (i, s) in STEPS.iter().enumerate() {
                @let bytes = s.image(lang);
                @let size = png_size(bytes);
                li id=(s.name) {
                    h2 { span.num { (i + 1) ". " } (gw(lang, &format!("guide_{}_h", s.name))) }
                    figure {
                        figcaption { (gw(lang, &format!("guide_{}_p", s.name))) }
                        img src=(s.image_url(lang))
                            alt=(gw(lang, &format!("guide_{}_alt", s.name)))
                            width=[size.map(|x| x.0)] height=[size.map(|x| x.1)]
                            loading=[(i > 1).then_some("lazy")];
                    }
                }
            }
        }
    }
}

/// `GET /seller/guide`: the guide in the portal's frame, with a link to its printable page.
pub(super) async fn guide(ctx: Ctx) -> Response {
    if let Err(r) = seller_of(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let body = html! {
        h1 { (gw(lang, "guide_title")) }
        (nav(&ctx))
        p { (gw(lang, "guide_intro")) }
        p.guide-print-link { a.button.ghost href="/seller/guide/print" { (gw(lang, "guide_print")) } }
        (steps_list(lang))
    };
    // Not cached (the portal's `no-store`): the same address answers in the language chosen
    // since, and the page carries the session's form token.
    layout(&ctx, gw(lang, "guide_title"), body).into_response()
}

/// `GET /seller/guide/print`: the same steps without the shop's header, menus and footer, to
/// print as a handout (the browser's Print menu; no script).
pub(super) async fn printable(ctx: Ctx) -> Response {
    if let Err(r) = seller_of(&ctx) {
        return r;
    }
    let lang = ctx.lang;
    let page = html! {
        (maud::DOCTYPE)
        html lang=(lang.code()) dir=(crate::web::page_dir(lang)) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (gw(lang, "guide_title")) " — " (t(lang, "title")) }
                link rel="stylesheet" href=(crate::web::assets().css_path);
            }
            body.handout {
                main {
                    p.guide-print-link { a href="/seller/guide" { (gw(lang, "guide_back")) } }
                    h1 { (gw(lang, "guide_title")) }
                    p.guide-print-link.muted { (gw(lang, "guide_how_to_print")) }
                    p { (gw(lang, "guide_intro")) }
                    (steps_list(lang))
                    p.small.muted { (t(lang, "title")) }
                }
            }
        }
    };
    page.into_response()
}

/// The guide's routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/seller/guide", get(guide))
        .route("/seller/guide/print", get(printable))
}
