//! `#[option(...)]` on a variant of a `#[derive(ListOptions)]` enum.

use syn::{Attribute, LitStr, Meta};

use super::{Attr, parse_items, parse_str, unknown_key};
use crate::ctxt::Ctxt;
use crate::symbol::{KEY, LABEL, OPTION, OPTION_KEYS};

const ATTRIBUTE: &str = "option";

/// What `#[option(key = "…", label = "…")]` says about one variant.
pub(crate) struct Variant {
    pub(crate) key: Option<LitStr>,
    pub(crate) label: Option<LitStr>,
}

impl Variant {
    /// Parses every `#[option(...)]` among `attrs`.
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut key_slot = Attr::none(ATTRIBUTE, KEY);
        let mut label_slot = Attr::none(ATTRIBUTE, LABEL);
        for attr in attrs.iter().filter(|a| a.path().is_ident(OPTION.0)) {
            let Meta::List(meta) = &attr.meta else {
                cx.error_spanned_by(attr, "expected `#[option(key = \"…\", label = \"…\")]`");
                continue;
            };
            parse_items(cx, meta.tokens.clone(), |key, input| {
                if *key == KEY {
                    // key = "basic"
                    let lit = parse_str(key, input)?;
                    let value = lit.value();
                    if value.is_empty() || value.trim() != value {
                        cx.error_spanned_by(
                            &lit,
                            "an option `key` must be non-empty, without leading or trailing spaces",
                        );
                    }
                    key_slot.set(cx, key, lit);
                } else if *key == LABEL {
                    // label = "Basic consent"
                    let lit = parse_str(key, input)?;
                    if lit.value().trim().is_empty() {
                        cx.error_spanned_by(&lit, "`label` must not be empty");
                    }
                    label_slot.set(cx, key, lit);
                } else {
                    return Err(unknown_key(ATTRIBUTE, key, OPTION_KEYS));
                }
                Ok(())
            });
        }
        Self {
            key: key_slot.get(),
            label: label_slot.get(),
        }
    }
}
