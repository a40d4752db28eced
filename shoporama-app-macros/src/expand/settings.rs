//! `impl AppSettings`: `from_fields` and `to_fields` here, `manifest` in `manifest.rs`, the
//! event enum in `events.rs`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

use super::{events, manifest, respan, snippets};
use crate::ast::{Container, Field};

/// The whole expansion of a valid settings struct.
pub(crate) fn expand(container: &Container<'_>) -> TokenStream {
    let stripped = &container.stripped;
    let (Some(ident), Some(event_enum)) = (container.ident, &container.event_enum) else {
        // Unreachable for a valid container; emitting the item alone is the safe answer.
        return stripped.clone();
    };
    let private = container.private();
    let event_enum_def = events::enum_definition(container, event_enum);
    let event_impl = events::app_event_impl(container, event_enum);
    let includes = snippets::includes(container);
    let templates = snippets::templates(container);
    let (imports, bounds) = bounds(container);
    let where_clause = if bounds.is_empty() {
        quote!()
    } else {
        quote!(where #(#bounds,)*)
    };
    let defaults = default_fns(container);
    let manifest = manifest::manifest_fn(container);
    let from_fields = from_fields_fn(container);
    let to_fields = to_fields_fn(container);
    quote! {
        #stripped

        #event_enum_def

        const _: () = {
            #includes

            #templates

            #imports

            #(#defaults)*

            #[automatically_derived]
            impl #private::AppSettings for #ident #where_clause {
                type Event = #event_enum;

                #manifest

                #from_fields

                #to_fields
            }

            #event_impl
        };
    }
}

fn local(index: usize) -> Ident {
    format_ident!("__field{}", index)
}

/// `from_fields`: every field read through one `FieldReader` (which collects every error),
/// then one `match` on the tuple of results.
fn from_fields_fn(container: &Container<'_>) -> TokenStream {
    let private = container.private();
    let signature = quote! {
        fn from_fields(
            __fields: &#private::FieldValues,
        ) -> #private::core::result::Result<Self, #private::SettingsError>
    };
    if container.fields.is_empty() {
        return quote! {
            #signature {
                let _ = __fields;
                #private::core::result::Result::Ok(Self {})
            }
        };
    }
    let reads = container.fields.iter().enumerate().map(|(i, field)| {
        let local = local(i);
        let read = read_call(field);
        quote!(let #local = #read;)
    });
    let locals: Vec<Ident> = (0..container.fields.len()).map(local).collect();
    let somes = locals
        .iter()
        .map(|local| quote!(#private::core::option::Option::Some(#local)));
    let inits = container.fields.iter().zip(&locals).map(|(field, local)| {
        let ident = field.ident;
        quote!(#ident: #local)
    });
    let renames: Vec<TokenStream> = container
        .fields
        .iter()
        .filter_map(|field| {
            let old = field.attrs.rename_from.as_ref()?;
            let new = &field.wire_name;
            Some(quote!((#new, #old)))
        })
        .collect();
    let migrate = if renames.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            // Values stored under a field's old name (`rename_from`) are read as its own.
            let __fields = &*#private::renamed(__fields, &[#(#renames),*]);
        }
    };
    quote! {
        #signature {
            #migrate
            let mut __reader = #private::FieldReader::new(__fields);
            #(#reads)*
            match (#(#locals,)*) {
                (#(#somes,)*) => #private::core::result::Result::Ok(Self { #(#inits),* }),
                _ => #private::core::result::Result::Err(__reader.into_error()),
            }
        }
    }
}

/// `__reader.read::<T>("name")`, or `read_or` with the field's default.
fn read_call(field: &Field<'_>) -> TokenStream {
    let ty = field.ty;
    let name = &field.wire_name;
    if field.attrs.default.is_some() {
        let default = default_fn_name(field);
        quote!(__reader.read_or::<#ty>(#name, #default))
    } else {
        quote!(__reader.read::<#ty>(#name))
    }
}

/// The where clause of `impl AppSettings`: `T: SettingType` for each field type (and
/// `T: ExternalListKey` for external lists), spanned on the type. rustc checks such bounds on
/// concrete types once, at the impl, and reports an unsupported type there with the runtime
/// trait's `on_unimplemented` message; the bodies assume the bounds, so nothing cascades.
///
/// The traits are imported under one-segment aliases (the first value returned): a path
/// spanned on the user's type is linted as if the user wrote it, and a qualified path could
/// trip `unused_qualifications`.
fn bounds(container: &Container<'_>) -> (TokenStream, Vec<TokenStream>) {
    let private = container.private();
    let mut seen: Vec<String> = Vec::new();
    let mut imported: Vec<&str> = Vec::new();
    let mut imports = TokenStream::new();
    let mut bounds = Vec::new();
    for field in &container.fields {
        let ty = field.ty;
        let span = ty.span();
        let traits: &[&'static str] = if field.attrs.external_list.is_some() {
            &["SettingType", "ExternalListKey"]
        } else {
            &["SettingType"]
        };
        for &trait_name in traits {
            let key = format!("{} {trait_name}", quote!(#ty));
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let alias = format_ident!("__{}", trait_name);
            if !imported.contains(&trait_name) {
                imported.push(trait_name);
                let trait_ident = Ident::new(trait_name, Span::call_site());
                imports.extend(quote!(use #private::#trait_ident as #alias;));
            }
            let alias = respan(quote!(#alias), span);
            let colon = quote_spanned!(span=> :);
            bounds.push(quote!(#ty #colon #alias));
        }
    }
    (imports, bounds)
}

/// The name of the function holding a field's `default = …` value.
pub(super) fn default_fn_name(field: &Field<'_>) -> Ident {
    format_ident!("__default_{}", field.ident.unraw())
}

/// One function per `default = …`: the literal's value as the field's type, computed in one
/// place so a literal that does not fit is reported once, at the literal.
fn default_fns(container: &Container<'_>) -> Vec<TokenStream> {
    let private = container.private();
    container
        .fields
        .iter()
        .filter_map(|field| {
            let default = field.attrs.default.as_ref()?;
            let name = default_fn_name(field);
            let ty = field.ty;
            let literal = &default.tokens;
            // `<_ as __DefaultLiteral<T>>::value`, spanned on the literal but for `T`.
            let lt = respan(quote!(<_ as __DefaultLiteral<), default.span);
            let gt = respan(quote!(>>::value), default.span);
            let check = match (&default.text, default.integer) {
                (Some(text), _) => text_default_check(&private, field, text),
                (None, Some(value)) => integer_default_check(&private, field, value, default.span),
                (None, None) => TokenStream::new(),
            };
            Some(quote! {
                fn #name() -> #private::core::result::Result<#ty, #private::FieldProblem> {
                    use #private::DefaultLiteral as __DefaultLiteral;
                    #lt #ty #gt(#literal)
                }

                #check
            })
        })
        .collect()
}

/// `const _: () = check_text_default::<T>("…", …);`: a string default that is not a colour
/// (on a colour field) or not an option's key (on a list field) stops the build, reported at
/// the literal with a message naming the field.
fn text_default_check(private: &TokenStream, field: &Field<'_>, text: &syn::LitStr) -> TokenStream {
    let ty = field.ty;
    let value = text.value();
    let name = field.ident.unraw();
    let not_colour = format!(
        "`default = {value:?}` of field `{name}` is not a colour: write `#rgb` or `#rrggbb`, e.g. `default = \"#1a73e8\"`"
    );
    let not_option = format!(
        "`default = {value:?}` of field `{name}` is not the key of one of its list options (a variant's name in snake_case, or its `#[option(key = …)]`)"
    );
    let call = respan(quote!(#private::check_text_default::<), text.span());
    let rest = respan(quote!(>), text.span());
    let args = quote_spanned!(text.span()=> (#text, #not_colour, #not_option));
    quote! {
        const _: () = #call #ty #rest #args;
    }
}

/// `const _: () = check_integer_default::<T>(value, …);`: an integer default outside the
/// range of the field's type stops the build, reported at the literal.
fn integer_default_check(
    private: &TokenStream,
    field: &Field<'_>,
    value: i128,
    span: Span,
) -> TokenStream {
    let ty = field.ty;
    let shown_ty = quote!(#ty).to_string().replace(' ', "");
    let message = format!(
        "`default = {value}` of field `{}` does not fit its integer type `{shown_ty}`",
        field.ident.unraw()
    );
    let mut literal = proc_macro2::Literal::i128_suffixed(value);
    literal.set_span(span);
    let call = respan(quote!(#private::check_integer_default::<), span);
    let rest = respan(quote!(>), span);
    let args = quote_spanned!(span=> (#literal, #message));
    quote! {
        const _: () = #call #ty #rest #args;
    }
}

/// `to_fields`: every field written in declaration order.
fn to_fields_fn(container: &Container<'_>) -> TokenStream {
    let private = container.private();
    if container.fields.is_empty() {
        return quote! {
            fn to_fields(&self) -> #private::FieldValues {
                #private::FieldValues::new()
            }
        };
    }
    let writes = container.fields.iter().map(|field| {
        let ty = field.ty;
        let ident = field.ident;
        let name = &field.wire_name;
        quote!(#private::write::<#ty>(&mut __values, #name, &self.#ident);)
    });
    quote! {
        fn to_fields(&self) -> #private::FieldValues {
            let mut __values = #private::FieldValues::new();
            #(#writes)*
            __values
        }
    }
}
