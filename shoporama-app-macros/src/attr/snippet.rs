//! `snippet(place = …, pages(…), template = "…" | source = "…")` inside `#[shoporama_app]`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use proc_macro2::Ident;
use syn::LitStr;
use syn::ext::IdentExt as _;
use syn::parse::ParseStream;

use super::{Attr, parse_eq, parse_ident_list, parse_items_in, parse_str, unknown_key};
use crate::case::{one_of, with_suggestion};
use crate::ctxt::Ctxt;
use crate::symbol::{
    ALL_PAGES, PAGE_NAMES, PAGES, PLACE, PLACEMENTS, SNIPPET_KEYS, SOURCE, TEMPLATE,
};

const ATTRIBUTE: &str = "snippet";

/// One snippet: where, on which pages, and its code.
pub(crate) struct Snippet {
    /// The wire name of the placement (`before_body_close`).
    pub(crate) placement: &'static str,
    /// The wire names of the pages (`thanks`), in the order written.
    pub(crate) pages: Vec<&'static str>,
    pub(crate) code: SnippetCode,
}

/// Where a snippet's code comes from.
pub(crate) enum SnippetCode {
    /// `template = "snippets/purchase.tpl"`: a file, read at expansion time.
    Template {
        /// The path as written.
        path: LitStr,
        /// The path resolved against `CARGO_MANIFEST_DIR`, for `include_bytes!`.
        resolved: PathBuf,
        /// The file's text.
        text: String,
    },
    /// `source = "…"`: inline code.
    Source(LitStr),
}

impl Snippet {
    /// The template's text and the literal its errors point at (the path, or the source).
    pub(crate) fn text(&self) -> (Cow<'_, str>, &LitStr) {
        match &self.code {
            SnippetCode::Template { path, text, .. } => (Cow::Borrowed(text), path),
            SnippetCode::Source(source) => (Cow::Owned(source.value()), source),
        }
    }
}

/// Parses `(…)` after `snippet`. `None` when the snippet is incomplete (errors are in `cx`).
pub(crate) fn parse(
    cx: &Ctxt,
    key: &Ident,
    input: ParseStream<'_>,
) -> syn::Result<Option<Snippet>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key.span(),
            "expected `snippet(place = …, pages(…), template = \"…\")`",
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let mut place = Attr::none(ATTRIBUTE, PLACE);
    let mut pages = Attr::none(ATTRIBUTE, PAGES);
    let mut template = Attr::none(ATTRIBUTE, TEMPLATE);
    let mut source = Attr::none(ATTRIBUTE, SOURCE);
    let mut code_keys: Vec<Ident> = Vec::new();

    parse_items_in(cx, &content, |key, input| {
        if *key == PLACE {
            // place = before_body_close
            place.written();
            place.set(cx, key, parse_place(key, input)?);
        } else if *key == PAGES {
            // pages(thanks, basket)
            pages.written();
            pages.set(cx, key, parse_pages(cx, key, input)?);
        } else if *key == TEMPLATE {
            // template = "snippets/purchase.tpl"
            let path = parse_str(key, input)?;
            code_keys.push(key.clone());
            template.set(cx, key, path);
        } else if *key == SOURCE {
            // source = "<script>…</script>"
            let lit = parse_str(key, input)?;
            code_keys.push(key.clone());
            source.set(cx, key, SnippetCode::Source(lit));
        } else {
            return Err(unknown_key(ATTRIBUTE, key, SNIPPET_KEYS));
        }
        Ok(())
    });

    if !place.was_written() {
        cx.error_at(
            key.span(),
            format!(
                "snippet(...) requires `place = …`, one of: {}",
                one_of(PLACEMENTS)
            ),
        );
    }
    if !pages.was_written() {
        cx.error_at(
            key.span(),
            "snippet(...) requires `pages(...)`: `pages(all)` or a list such as `pages(thanks, basket)`",
        );
    }
    // The file is read only when the snippet's code is otherwise unambiguous.
    let code = match (template.get(), source.get()) {
        (Some(path), None) => read_template(cx, path),
        (None, Some(code)) => Some(code),
        _ => None,
    };
    let first = code_keys.first();
    if let Some(other) = code_keys.iter().find(|k| Some(*k) != first) {
        cx.error_at(
            other.span(),
            "snippet(...) takes either `template = \"…\"` or `source = \"…\"`, not both",
        );
    } else if first.is_none() {
        cx.error_at(
            key.span(),
            "snippet(...) requires its code: `template = \"path/relative/to/Cargo.toml\"` or `source = \"…\"`",
        );
    }
    Ok(match (place.get(), pages.get(), code) {
        (Some(placement), Some(pages), Some(code)) => Some(Snippet {
            placement,
            pages,
            code,
        }),
        _ => None,
    })
}

fn parse_place(key: &Ident, input: ParseStream<'_>) -> syn::Result<&'static str> {
    parse_eq(key, input, "place = before_body_close")?;
    let ident = input.call(Ident::parse_any)?;
    let name = ident.unraw().to_string();
    lookup(&ident, &name, PLACEMENTS, "placement")
}

fn parse_pages(cx: &Ctxt, key: &Ident, input: ParseStream<'_>) -> syn::Result<Vec<&'static str>> {
    let idents = parse_ident_list(key, input, "page names")?;
    if idents.is_empty() {
        return Err(syn::Error::new(
            key.span(),
            "`pages(...)` needs at least one page, e.g. `pages(all)`",
        ));
    }
    let mut pages: Vec<&'static str> = Vec::new();
    let mut all: Option<&Ident> = None;
    for ident in &idents {
        let name = ident.unraw().to_string();
        match lookup(ident, &name, PAGE_NAMES, "page") {
            Ok(page) if pages.contains(&page) => {
                cx.error_at(ident.span(), format!("duplicate page `{page}`"));
            }
            Ok(page) => {
                if page == ALL_PAGES {
                    all = Some(ident);
                }
                pages.push(page);
            }
            Err(error) => cx.syn_error(error),
        }
    }
    if let Some(all) = all
        && pages.len() > 1
    {
        cx.error_at(
            all.span(),
            "`all` already covers every page: list either `all` or specific pages",
        );
    }
    Ok(pages)
}

/// `name` in `valid`, or an error at `ident` listing `valid`.
fn lookup(
    ident: &Ident,
    name: &str,
    valid: &'static [&'static str],
    what: &str,
) -> syn::Result<&'static str> {
    if let Some(found) = valid.iter().find(|v| **v == name) {
        return Ok(found);
    }
    let message = format!(
        "unknown {what} `{name}`, expected one of: {}",
        one_of(valid)
    );
    Err(syn::Error::new(
        ident.span(),
        with_suggestion(message, name, valid.iter().copied()),
    ))
}

/// Reads a template relative to the crate's `Cargo.toml`; errors are spanned on the path.
fn read_template(cx: &Ctxt, path: LitStr) -> Option<SnippetCode> {
    let written = path.value();
    let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        cx.error_spanned_by(
            &path,
            format!("cannot resolve template `{written}`: CARGO_MANIFEST_DIR is not set (build with cargo)"),
        );
        return None;
    };
    let resolved = Path::new(&root).join(&written);
    match std::fs::read(&resolved) {
        Ok(bytes) => {
            if let Ok(text) = String::from_utf8(bytes) {
                Some(SnippetCode::Template {
                    path,
                    resolved,
                    text,
                })
            } else {
                cx.error_spanned_by(
                    &path,
                    format!("snippet template `{}` is not UTF-8", resolved.display()),
                );
                None
            }
        }
        Err(error) => {
            // The path as written: the resolved one differs between machines.
            cx.error_spanned_by(
                &path,
                format!(
                    "cannot read snippet template `{written}`: {error}; template paths are relative to the crate's Cargo.toml"
                ),
            );
            None
        }
    }
}
