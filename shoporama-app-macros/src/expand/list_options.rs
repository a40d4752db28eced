//! `#[derive(ListOptions)]`: an enum whose variants are a list field's fixed options.
//! Implements `ListOptions`, `SettingType` (kind `list`) and `SettingDefault<&'static str>`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::ext::IdentExt as _;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::attr::option::Variant;
use crate::case::{humanise_camel, snake_case};
use crate::ctxt::Ctxt;
use crate::symbol::OPTION;

/// One option: variant, key and label.
struct Choice<'a> {
    variant: &'a Ident,
    key: String,
    label: String,
}

pub(crate) fn derive_list_options(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    let cx = Ctxt::new();
    let choices = parse(&cx, &input);
    let fits_impl = input.generics.params.is_empty() && input.generics.where_clause.is_none();
    match cx.check() {
        Ok(()) => expand(&input.ident, &choices),
        Err(errors) => {
            let errors = errors.into_compile_error();
            let fallback = if fits_impl {
                fallback(&input.ident)
            } else {
                quote!()
            };
            quote!(#errors #fallback)
        }
    }
}

fn parse<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Vec<Choice<'a>> {
    for attr in input.attrs.iter().filter(|a| a.path().is_ident(OPTION.0)) {
        cx.error_spanned_by(attr, "`#[option(...)]` goes on the enum's variants");
    }
    let data = match &input.data {
        Data::Enum(data) => data,
        Data::Struct(data) => {
            let token = data.struct_token;
            let ident = &input.ident;
            cx.error_spanned_by(
                quote!(#token #ident),
                "#[derive(ListOptions)] is for an enum whose variants are a list field's options, not a struct",
            );
            return Vec::new();
        }
        Data::Union(data) => {
            let token = data.union_token;
            let ident = &input.ident;
            cx.error_spanned_by(
                quote!(#token #ident),
                "#[derive(ListOptions)] is for an enum whose variants are a list field's options, not a union",
            );
            return Vec::new();
        }
    };
    let generics = &input.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        cx.error_spanned_by(
            generics,
            "#[derive(ListOptions)] does not support generic enums",
        );
    }
    if data.variants.is_empty() {
        cx.error_spanned_by(
            &input.ident,
            "#[derive(ListOptions)] needs at least one variant: each variant is one option of the list",
        );
    }
    let mut choices: Vec<Choice<'a>> = Vec::new();
    for variant in &data.variants {
        let attrs = Variant::from_attrs(cx, &variant.attrs);
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                format!(
                    "list option `{}` cannot have fields: Shoporama stores only the option's key",
                    variant.ident
                ),
            );
        }
        let name = variant.ident.unraw().to_string();
        let key = attrs
            .key
            .as_ref()
            .map_or_else(|| snake_case(&name), LitStr::value);
        let label = attrs
            .label
            .as_ref()
            .map_or_else(|| humanise_camel(&name), LitStr::value);
        if let Some(first) = choices.iter().find(|c| c.key == key) {
            let message = format!(
                "duplicate option key `{key}`: variants `{}` and `{}` would be stored alike",
                first.variant, variant.ident
            );
            match &attrs.key {
                Some(lit) => cx.error_spanned_by(lit, message),
                None => cx.error_spanned_by(&variant.ident, message),
            }
            continue;
        }
        if let Some(first) = choices
            .iter()
            .find(|c| c.label.trim().eq_ignore_ascii_case(label.trim()))
        {
            let message = format!(
                "duplicate option label \"{label}\": variants `{}` and `{}` would look alike in the shop owner's list; give one `#[option(label = \"…\")]` of its own",
                first.variant, variant.ident
            );
            match &attrs.label {
                Some(lit) => cx.error_spanned_by(lit, message),
                None => cx.error_spanned_by(&variant.ident, message),
            }
            continue;
        }
        choices.push(Choice {
            variant: &variant.ident,
            key,
            label,
        });
    }
    choices
}

fn expand(ident: &Ident, choices: &[Choice<'_>]) -> TokenStream {
    let private = quote!(::shoporama_app::__private);
    let str_ty = quote!(#private::core::primitive::str);
    let options = choices.iter().map(|c| {
        let (key, label) = (&c.key, &c.label);
        quote!((#key, #label))
    });
    let key_arms = choices.iter().map(|c| {
        let (variant, key) = (c.variant, &c.key);
        quote!(Self::#variant => #key,)
    });
    let from_key_arms = choices.iter().map(|c| {
        let (variant, key) = (c.variant, &c.key);
        quote!(#key => #private::core::option::Option::Some(Self::#variant),)
    });
    let var_and_default = var_and_default(ident);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #private::ListOptions for #ident {
                const OPTIONS: &'static [(&'static #str_ty, &'static #str_ty)] = &[#(#options),*];

                fn key(&self) -> &'static #str_ty {
                    match self {
                        #(#key_arms)*
                    }
                }

                fn from_key(key: &#str_ty) -> #private::core::option::Option<Self> {
                    match key {
                        #(#from_key_arms)*
                        _ => #private::core::option::Option::None,
                    }
                }
            }

            #[automatically_derived]
            impl #private::SettingType for #ident {
                const KIND: #private::FieldKind = #private::FieldKind::List;
                const FIXED_OPTIONS: &'static [(&'static #str_ty, &'static #str_ty)] =
                    <Self as #private::ListOptions>::OPTIONS;

                fn list_options() -> #private::core::option::Option<#private::std::vec::Vec<#private::ListOption>> {
                    #private::core::option::Option::Some(<Self as #private::ListOptions>::list_options())
                }

                fn parse_setting(
                    value: &#private::serde_json::Value,
                ) -> #private::core::result::Result<Self, #private::FieldProblem> {
                    #private::parse_list_key::<Self>(value)
                }

                fn to_setting(&self) -> #private::serde_json::Value {
                    #private::list_value::<Self>(self)
                }
            }

            #var_and_default
        };
    }
}

/// The `SnippetVar` and `SettingDefault` impls.
fn var_and_default(ident: &Ident) -> TokenStream {
    let private = quote!(::shoporama_app::__private);
    let str_ty = quote!(#private::core::primitive::str);
    quote! {
        #[automatically_derived]
        impl #private::SnippetVar for #ident {
            type Var = #private::ListVar<Self>;
        }

        #[automatically_derived]
        impl #private::SettingDefault<&'static #str_ty> for #ident {
            fn from_default(
                literal: &'static #str_ty,
            ) -> #private::core::result::Result<Self, #private::FieldProblem> {
                #private::list_default::<Self>(literal)
            }
        }
    }
}

/// Stand-in impls after an error, so fields of this type report nothing more.
fn fallback(ident: &Ident) -> TokenStream {
    let private = quote!(::shoporama_app::__private);
    let str_ty = quote!(#private::core::primitive::str);
    let unreachable = quote! {
        #private::core::unreachable!("#[derive(ListOptions)] reported errors for this type")
    };
    let var_and_default = var_and_default(ident);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #private::ListOptions for #ident {
                const OPTIONS: &'static [(&'static #str_ty, &'static #str_ty)] = &[];

                fn key(&self) -> &'static #str_ty {
                    #unreachable
                }

                fn from_key(_: &#str_ty) -> #private::core::option::Option<Self> {
                    #unreachable
                }
            }

            #[automatically_derived]
            impl #private::SettingType for #ident {
                const KIND: #private::FieldKind = #private::FieldKind::List;

                fn parse_setting(
                    _: &#private::serde_json::Value,
                ) -> #private::core::result::Result<Self, #private::FieldProblem> {
                    #unreachable
                }

                fn to_setting(&self) -> #private::serde_json::Value {
                    #unreachable
                }
            }

            #var_and_default
        };
    }
}
