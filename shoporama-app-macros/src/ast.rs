//! The settings struct as the generators see it: parsed from the `syn` item and the
//! attributes, with defaults resolved (labels, wire names, crate path, event enum name).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens as _, format_ident, quote};
use syn::ext::IdentExt as _;
use syn::{Fields, Item, Path, Type, Visibility};

use crate::attr;
use crate::attr::app::App;
use crate::case::humanise_snake;
use crate::ctxt::Ctxt;
use crate::symbol::FIELD;

/// The annotated item.
pub(crate) struct Container<'a> {
    /// What `#[shoporama_app(...)]` says.
    pub(crate) app: App,
    /// The struct's name (or the enum's, when misused on one).
    pub(crate) ident: Option<&'a Ident>,
    pub(crate) vis: Option<&'a Visibility>,
    pub(crate) shape: Shape,
    pub(crate) fields: Vec<Field<'a>>,
    /// The item to re-emit: the original without our `#[field(...)]` attributes.
    pub(crate) stripped: TokenStream,
    /// `#krate`: `::shoporama_app` or `crate = …`.
    pub(crate) krate: Path,
    /// `<Struct>Event` or `event_enum = …`.
    pub(crate) event_enum: Option<Ident>,
}

/// What kind of item the attribute is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `struct Settings { … }`.
    Named,
    /// `struct Settings;`: an app without settings.
    Unit,
    /// A tuple struct or an enum: an error, but a plain `impl` still fits it.
    Unsupported,
    /// A generic struct or any other item: an error, and no `impl` is emitted.
    Foreign,
}

/// One settings field.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: attr::field::Field,
    /// The wire name: `rename`, else the field's name.
    pub(crate) wire_name: String,
    /// Where a problem with the wire name is reported: `rename = "…"`, else the field's name.
    pub(crate) wire_span: Span,
    /// `label`, else the field's name humanised.
    pub(crate) label: String,
    /// The doc comment.
    pub(crate) help: Option<String>,
}

impl<'a> Container<'a> {
    /// `#krate::__private`, where every path of the generated code starts.
    pub(crate) fn private(&self) -> TokenStream {
        let krate = &self.krate;
        quote!(#krate::__private)
    }

    /// Builds the model; every problem with the item's shape goes to `cx`.
    pub(crate) fn from_item(cx: &Ctxt, args: TokenStream, item: &'a Item) -> Self {
        let app = App::from_args(cx, args);
        let krate = app
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::shoporama_app));
        let mut container = Container {
            app,
            ident: None,
            vis: None,
            shape: Shape::Foreign,
            fields: Vec::new(),
            stripped: item.to_token_stream(),
            krate,
            event_enum: None,
        };
        match item {
            Item::Struct(item) => {
                container.ident = Some(&item.ident);
                container.vis = Some(&item.vis);
                let generics = &item.generics;
                if !generics.params.is_empty() || generics.where_clause.is_some() {
                    cx.error_spanned_by(
                        quote!(#generics),
                        "#[shoporama_app] does not support generic structs: the settings are one concrete type",
                    );
                    container.shape = Shape::Foreign;
                } else {
                    container.shape = match &item.fields {
                        Fields::Named(_) => Shape::Named,
                        Fields::Unit => Shape::Unit,
                        Fields::Unnamed(fields) => {
                            cx.error_spanned_by(
                                fields,
                                "#[shoporama_app] needs named fields, `struct Settings { … }`: each field's name is its name in Shoporama",
                            );
                            Shape::Unsupported
                        }
                    };
                }
                if let Fields::Named(named) = &item.fields {
                    container.fields = named
                        .named
                        .iter()
                        .filter_map(|f| Field::new(cx, f))
                        .collect();
                }
                let mut stripped = item.clone();
                for field in &mut stripped.fields {
                    field.attrs.retain(|a| !a.path().is_ident(FIELD.0));
                }
                container.stripped = stripped.to_token_stream();
            }
            Item::Enum(item) => {
                let enum_token = &item.enum_token;
                let ident = &item.ident;
                cx.error_spanned_by(
                    quote!(#enum_token #ident),
                    "#[shoporama_app] goes on a struct with named fields, not an enum (an enum of list options derives `ListOptions`)",
                );
                container.ident = Some(&item.ident);
                container.vis = Some(&item.vis);
                container.shape = if item.generics.params.is_empty() {
                    Shape::Unsupported
                } else {
                    Shape::Foreign
                };
                let mut stripped = item.clone();
                for variant in &mut stripped.variants {
                    for field in &mut variant.fields {
                        field.attrs.retain(|a| !a.path().is_ident(FIELD.0));
                    }
                }
                container.stripped = stripped.to_token_stream();
            }
            _ => cx.error_at(
                Span::call_site(),
                "#[shoporama_app] goes on a struct with named fields: `pub struct Settings { … }`",
            ),
        }
        container.event_enum = match (&container.app.event_enum, container.ident) {
            (Some(name), _) => Some(name.clone()),
            (None, Some(ident)) => {
                Some(format_ident!("{}Event", ident.unraw(), span = ident.span()))
            }
            (None, None) => None,
        };
        container
    }
}

impl<'a> Field<'a> {
    fn new(cx: &Ctxt, field: &'a syn::Field) -> Option<Self> {
        let ident = field.ident.as_ref()?;
        let attrs = attr::field::Field::from_attrs(cx, &field.attrs);
        let name = ident.unraw().to_string();
        let (wire_name, wire_span) = match &attrs.rename {
            Some(rename) => (rename.value(), rename.span()),
            None => (name.clone(), ident.span()),
        };
        let label = attrs
            .label
            .as_ref()
            .map_or_else(|| humanise_snake(&name), syn::LitStr::value);
        Some(Self {
            ident,
            ty: &field.ty,
            help: attr::doc::help_text(&field.attrs),
            attrs,
            wire_name,
            wire_span,
            label,
        })
    }
}
