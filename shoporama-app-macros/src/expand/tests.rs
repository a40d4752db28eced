//! Expansion snapshots: the generated code, pretty-printed, compared with the files under
//! `tests/snapshots/`. Refresh with `UPDATE_EXPECT=1 cargo test -p shoporama-app-macros` and
//! review the diff.

use expect_test::{ExpectFile, expect_file};
use proc_macro2::TokenStream;
use quote::quote;

fn pretty(tokens: &TokenStream) -> String {
    let file: syn::File = match syn::parse2(tokens.clone()) {
        Ok(file) => file,
        Err(error) => panic!("expansion is not a valid file: {error}\n{tokens}"),
    };
    let text = prettyplease::unparse(&file);
    // Absolute paths differ between machines. The expansion resolves templates against the
    // run-time `CARGO_MANIFEST_DIR` (what the macro reads), so replace that one, not the path
    // this test binary was compiled in (they differ when a target dir serves two checkouts).
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    text.replace(&dir, "$CARGO_MANIFEST_DIR")
}

fn check_app(args: TokenStream, item: &TokenStream, expected: &ExpectFile) {
    expected.assert_eq(&pretty(&super::shoporama_app(args, item)));
}

#[test]
fn full_app() {
    check_app(
        quote! {
            name = "Conversion pixel",
            description = "Reports purchases. <a href=\"https://example.com\">Docs</a>",
            category = "Marketing",
            access = read,
            monthly_price = 49,
            callback_url = "https://pixel.example.com/callback",
            allowed_shops(1, 2),
            events(add_to_basket, paid, view_thanks),
            webhooks(paid, new_status),
            snippet(place = before_body_close, pages(thanks), template = "tests/fixtures/purchase.tpl"),
            snippet(place = after_head_open, pages(all), source = "<script>var x;</script>"),
        },
        &quote! {
            /// The settings.
            #[derive(Debug)]
            pub struct Settings {
                /// The measurement id,
                /// from the analytics tool.
                #[field(label = "Measurement ID")]
                measurement_id: String,
                #[field(default = 30)]
                cookie_days: u32,
                enabled: bool,
                #[field(default = "basic")]
                consent: ConsentMode,
                #[field(list = external("warehouses"))]
                warehouse: Option<String>,
                #[field(rename = "accent_color", default = "#fff")]
                accent: Color,
                banner: Option<RichText>,
                extra: Code,
            }
        },
        &expect_file!["../../tests/snapshots/full_app.rs"],
    );
}

#[test]
fn unit_struct_without_subscriptions() {
    check_app(
        quote!(name = "Bare", access = all, crate = ::my::shoporama),
        &quote!(
            pub(crate) struct Bare;
        ),
        &expect_file!["../../tests/snapshots/bare_app.rs"],
    );
}

#[test]
fn errors_expand_to_the_fallback() {
    check_app(
        quote!(
            name = "Broken",
            access = reed,
            events(paid, payd),
            bogus = 1
        ),
        &quote! {
            pub struct Settings {
                #[field(rename = "bad name")]
                a: String,
            }
        },
        &expect_file!["../../tests/snapshots/fallback.rs"],
    );
}

#[test]
fn list_options() {
    let tokens = super::derive_list_options(quote! {
        enum ConsentMode {
            Basic,
            #[option(label = "Full (after consent)")]
            FullConsent,
            #[option(key = "off")]
            Disabled,
        }
    });
    expect_file!["../../tests/snapshots/list_options.rs"].assert_eq(&pretty(&tokens));
}

#[test]
fn list_options_fallback() {
    let tokens = super::derive_list_options(quote! {
        enum Broken {
            A(u8),
            #[option(key = "a")]
            B,
        }
    });
    expect_file!["../../tests/snapshots/list_options_fallback.rs"].assert_eq(&pretty(&tokens));
}

#[test]
fn every_error_is_reported_at_once() {
    let tokens = super::shoporama_app(
        quote! {
            description = "<p>x</p>",
            access = read,
            access = write,
            monthly_price = -5,
            events(payd, new_status),
            webhooks(add_to_basket, stok),
            snippet(place = before_body, pages(thx), template = "x.tpl", source = "y"),
            snippet(pages(all)),
            snippet(place = after_body_open, pages(all), template = "tests/fixtures/missing.tpl"),
            unknown = 1,
        },
        &quote! {
            struct Settings {
                #[field(rename = "1x")]
                a: String,
                #[field(rename = "b", bogus)]
                b: String,
                #[field(default = 1.5, list = fixed)]
                c: String,
            }
        },
    );
    let messages: Vec<String> = compile_errors(&tokens);
    let expected = [
        "HTML tag `<p>` is not allowed: Shoporama's `description` allows no HTML but links written `<a href=\"https://…\">text</a>`",
        "duplicate shoporama_app attribute `access`",
        "`monthly_price` must not be negative",
        "unknown event `payd`",
        "`new_status` is a webhook, not a storefront event: subscribe with `webhooks(new_status)`",
        "`add_to_basket` is a storefront event, not a webhook: subscribe with `events(add_to_basket)`",
        "unknown webhook `stok`",
        "unknown placement `before_body`",
        "unknown page `thx`",
        "cannot read snippet template",
        "snippet(...) takes either `template = \"…\"` or `source = \"…\"`, not both",
        "snippet(...) requires `place = …`",
        "snippet(...) requires its code",
        "unknown shoporama_app attribute `unknown`",
        "#[shoporama_app] requires `name = \"…\"`",
        "unknown field attribute `bogus`",
        "`default` must be a string literal",
        "expected `list = external(\"name\")`",
        "`1x` is not a valid Smarty variable name",
    ];
    for expected in expected {
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "missing {expected:?} in {messages:#?}"
        );
    }
    assert_eq!(messages.len(), expected.len(), "{messages:#?}");
}

/// The messages of the `compile_error!`s in an expansion.
fn compile_errors(tokens: &TokenStream) -> Vec<String> {
    let file: syn::File = syn::parse2(tokens.clone()).unwrap_or_else(|e| panic!("{e}"));
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(mac)
                if mac
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "compile_error") =>
            {
                let lit: syn::LitStr = mac.mac.parse_body().unwrap_or_else(|e| panic!("{e}"));
                Some(lit.value())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn no_panics_on_odd_input() {
    // Inputs that are not what the macro expects at all: errors, never a panic.
    let odd_args = [
        quote!(),
        quote!(,),
        quote!(name),
        quote!(name =),
        quote!(name = 1),
        quote!(name = "x" access = read),
        quote!(crate::x = 1),
        quote!(events = paid),
        quote!(events(paid,,)),
        quote!(snippet),
        quote!(snippet()),
        quote!(snippet(place)),
        quote!(allowed_shops(x)),
        quote!(monthly_price = 99999999999999999999999),
        quote!(crate = relative::path),
        quote!(event_enum = 1),
    ];
    for args in odd_args {
        let tokens = super::shoporama_app(
            args.clone(),
            &quote!(
                struct S {
                    a: String,
                }
            ),
        );
        assert!(
            tokens.to_string().contains("compile_error"),
            "no error for {args}"
        );
    }
    for item in [
        quote!(
            fn f() {}
        ),
        quote!(
            struct S(u8);
        ),
        quote!(
            enum E {
                A,
            }
        ),
        quote!(
            struct S<T> {
                a: T,
            }
        ),
    ] {
        let tokens = super::shoporama_app(quote!(name = "x", access = read), &item);
        assert!(
            tokens.to_string().contains("compile_error"),
            "no error for {item}"
        );
    }
    for item in [
        quote!(
            struct S;
        ),
        quote!(union U { a: u8 }),
        quote!(
            enum E {}
        ),
        quote!(
            enum E<T> {
                A(T),
            }
        ),
    ] {
        let tokens = super::derive_list_options(item.clone());
        assert!(
            tokens.to_string().contains("compile_error"),
            "no error for {item}"
        );
    }
}

#[test]
fn block_macros_go_before_a_final_line_break() {
    use super::snippets::with_blocks;
    let blocks = super::snippets::BLOCKS;
    assert_eq!(with_blocks("a"), format!("a{blocks}"));
    assert_eq!(with_blocks("a\n"), format!("a{blocks}\n"));
    assert_eq!(with_blocks("a\r\n"), format!("a{blocks}\r\n"));
    assert_eq!(with_blocks("a\n\n"), format!("a\n{blocks}\n"));
}
