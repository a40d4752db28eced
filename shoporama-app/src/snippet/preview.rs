//! `<app> preview --page thanks [--field k=v …]`: every snippet that applies to a page, rendered
//! with sample values into a sample HTML page at the four placements.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::render::{Engine, RenderJob, Rendered};
use super::{Page, Placement};
use crate::fields::FieldValues;
use crate::manifest::{AppManifest, ManifestSnippet};

/// A rendered preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The sample page with the snippets in place.
    pub html: String,
    /// Which engine rendered it ([`Engine::describe`]).
    pub engine: &'static str,
    /// Snippets that failed to render, PHP notices, and engine trouble, one line each (also
    /// written into the page as HTML comments where they happened).
    pub problems: Vec<String>,
}

/// A bad `preview` argument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PreviewError {
    /// `--page` names no page.
    #[error("unknown page `{given}`; the pages are: {valid}")]
    UnknownPage {
        /// What was given.
        given: String,
        /// The valid names, comma-separated.
        valid: String,
    },
    /// A `--field` argument without `=`.
    #[error("`--field {given}` is not `name=value`")]
    NotAPair {
        /// What was given.
        given: String,
    },
    /// `--field` names no field of the app.
    #[error("`{name}` is not a field of this app; the fields are: {valid}")]
    UnknownField {
        /// The name given.
        name: String,
        /// The valid names, comma-separated.
        valid: String,
    },
}

/// Renders every snippet of `manifest` that applies to `page` into a sample page, with the
/// values in `fields` and sample values for the other fields (their default, else a sample of
/// their kind). Uses the real Smarty engine when this machine has it ([`Engine::detect`]).
pub fn preview(manifest: &AppManifest, page: Page, fields: &FieldValues) -> String {
    preview_with(manifest, page, fields, &Engine::detect()).html
}

/// [`preview`] for the command line: `page` as the manifest or a route names it (`thanks`,
/// `/thanks`) and fields as `name=value` strings.
pub fn preview_args<S: AsRef<str>>(
    manifest: &AppManifest,
    page: &str,
    fields: &[S],
) -> Result<Preview, PreviewError> {
    let page = Page::from_route(page).ok_or_else(|| PreviewError::UnknownPage {
        given: page.to_owned(),
        valid: pages(Page::ALL),
    })?;
    let mut values = FieldValues::new();
    for pair in fields {
        let pair = pair.as_ref();
        let (name, value) = pair.split_once('=').ok_or_else(|| PreviewError::NotAPair {
            given: pair.to_owned(),
        })?;
        if manifest.field(name).is_none() {
            return Err(PreviewError::UnknownField {
                name: name.to_owned(),
                valid: manifest
                    .fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        values.insert(name, value);
    }
    Ok(preview_with(manifest, page, &values, &Engine::detect()))
}

/// [`preview`] with a chosen engine, reporting problems.
pub fn preview_with(
    manifest: &AppManifest,
    page: Page,
    fields: &FieldValues,
    engine: &Engine,
) -> Preview {
    let snippets: Vec<(usize, &ManifestSnippet)> = manifest
        .snippets
        .iter()
        .enumerate()
        .filter(|(_, s)| applies(s, page))
        .collect();
    let mut vars = page_vars(page);
    vars.insert(
        "app_vars".to_owned(),
        Value::Object(app_vars(manifest, fields)),
    );
    let jobs: Vec<RenderJob> = snippets
        .iter()
        .map(|(_, s)| RenderJob::new(s.code.clone(), vars.clone()))
        .collect();
    let mut problems = Vec::new();
    let (rendered, used) = match engine.render(&jobs) {
        Ok(rendered) => (rendered, engine),
        Err(error) => {
            problems.push(format!(
                "{error}; rendered with the built-in engine instead"
            ));
            (
                Engine::Builtin.render(&jobs).unwrap_or_default(),
                &Engine::Builtin,
            )
        }
    };
    let mut slots: [String; 4] = Default::default();
    for ((index, snippet), result) in snippets.iter().zip(rendered) {
        let slot = &mut slots[slot(snippet.placement)];
        let label = format!(
            "snippet #{} ({} on {})",
            index + 1,
            snippet.placement,
            pages(&snippet.pages)
        );
        let Rendered { output, notices } = result;
        for notice in notices {
            problems.push(format!("{label}: PHP notice: {notice}"));
        }
        match output {
            Ok(html) => {
                let _ = write!(slot, "<!-- {} -->\n{html}\n", comment_safe(&label));
            }
            Err(error) => {
                let _ = writeln!(
                    slot,
                    "<!-- {} could not be rendered: {} -->",
                    comment_safe(&label),
                    comment_safe(&error)
                );
                problems.push(format!("{label} could not be rendered: {error}"));
            }
        }
    }
    let [
        after_head_open,
        before_head_close,
        after_body_open,
        before_body_close,
    ] = slots;
    let (title, body) = sample_content(page);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<!-- after <head> -->\n{after_head_open}<meta charset=\"utf-8\">\n\
         <title>{title} – Sample Shop</title>\n<!-- before </head> -->\n{before_head_close}</head>\n<body>\n<!-- after <body> -->\n\
         {after_body_open}<main>\n{body}\n</main>\n<!-- before </body> -->\n{before_body_close}</body>\n</html>\n"
    );
    Preview {
        html,
        engine: used.describe(),
        problems,
    }
}

/// Whether `snippet` is injected on `page`.
pub fn applies(snippet: &ManifestSnippet, page: Page) -> bool {
    snippet.pages.contains(&Page::All) || snippet.pages.contains(&page)
}

fn slot(placement: Placement) -> usize {
    match placement {
        Placement::AfterHeadOpen => 0,
        Placement::BeforeHeadClose => 1,
        Placement::AfterBodyOpen => 2,
        Placement::BeforeBodyClose => 3,
    }
}

/// The pages' manifest names, comma-separated.
fn pages(pages: &[Page]) -> String {
    pages
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text that cannot end an HTML comment.
fn comment_safe(text: &str) -> String {
    text.replace("--", "- -").replace('>', "&gt;")
}

/// The `$app_vars` a shop would have: `fields` over each field's
/// [`sample_value`](crate::manifest::ManifestField::sample_value).
pub fn app_vars(manifest: &AppManifest, fields: &FieldValues) -> Map<String, Value> {
    let mut vars: Map<String, Value> = manifest
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.sample_value()))
        .collect();
    for (name, value) in fields.iter() {
        vars.insert(name.clone(), value.clone());
    }
    vars
}

/// The sample objects Shoporama sets on `page` (`$webshop` always; `$order` on /thanks,
/// `$product` on product pages, `$basket` and `$total_price` on the basket and checkout pages).
pub fn page_vars(page: Page) -> Map<String, Value> {
    let mut vars = Map::new();
    vars.insert(
        "webshop".to_owned(),
        json!({"$object": {"getName": "Sample Shop", "getUrl": "https://sample-shop.example/", "getCurrency": "DKK"}}),
    );
    let product = |id: u32, name: &str, price: f64| {
        json!({"$object": {"getProductId": id, "getName": name, "getOwnId": format!("SKU-{id}"), "getPrice": price,
                           "getUrl": format!("https://sample-shop.example/product-{id}")}})
    };
    match page {
        Page::Thanks => {
            let line = |id: u32, name: &str, price: f64, amount: u32| json!({"$object": {"getProductId": id, "getName": name, "getUnitPrice": price, "getAmount": amount}});
            vars.insert(
                "order".to_owned(),
                json!({"$object": {"getOrderId": 1001, "getTotalPrice": 487.5, "getProducts": [
                    line(17, "Blue T-shirt", 199.0, 2),
                    line(42, "Socks \"Æble\"", 49.5, 1),
                ]}}),
            );
        }
        Page::Products => {
            vars.insert("product".to_owned(), product(17, "Blue T-shirt", 199.0));
        }
        Page::Basket | Page::Address | Page::Shipping | Page::Approve => {
            vars.insert(
                "basket".to_owned(),
                json!([
                    {"id": 1, "product": product(17, "Blue T-shirt", 199.0), "amount": 2},
                    {"id": 2, "product": product(42, "Socks \"Æble\"", 49.5), "amount": 1},
                ]),
            );
            vars.insert("total_price".to_owned(), json!(447.5));
        }
        _ => {}
    }
    vars
}

fn sample_content(page: Page) -> (&'static str, &'static str) {
    match page {
        Page::All => ("Any page", "<p>A page of the shop.</p>"),
        Page::Products => ("Blue T-shirt", "<h1>Blue T-shirt</h1>\n<p>199,00 kr.</p>"),
        Page::LandingPages => ("Summer sale", "<h1>Summer sale</h1>"),
        Page::Categories => ("T-shirts", "<h1>T-shirts</h1>"),
        Page::StaticPages => ("About us", "<h1>About us</h1>"),
        Page::BlogPosts => ("News", "<h1>News</h1>"),
        Page::Search => ("Search", "<h1>Search results</h1>"),
        Page::Basket => ("Basket", "<h1>Basket</h1>"),
        Page::Address => ("Address", "<h1>Your address</h1>"),
        Page::Shipping => ("Shipping", "<h1>Shipping</h1>"),
        Page::Approve => ("Approve", "<h1>Approve your order</h1>"),
        Page::Thanks => (
            "Thank you",
            "<h1>Thank you for your order</h1>\n<p>Order 1001</p>",
        ),
        Page::Order => ("Order", "<h1>Your order</h1>"),
        Page::Also => ("Also bought", "<h1>Others also bought</h1>"),
    }
}
