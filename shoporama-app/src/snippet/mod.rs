//! Snippets: code Shoporama injects into the shop's pages, at one of four [`Placement`]s, on
//! all pages or the chosen [`Page`]s. The code is Smarty 4 with `<{ }>` delimiters; a setting
//! is `<{$app_vars.<name>}>`.
//!
//! # Writing snippets
//!
//! A snippet is an askama template (`snippet(place = …, pages(…), template = "…")` on
//! `#[shoporama_app]`) whose output is the Smarty code. A template never writes `<{ }>` by
//! hand: it reaches everything through typed references that print the Smarty for it.
//!
//! - `app.<field>`: the settings, one reference per field, typed by the field's kind
//!   ([`TextVar`], [`IntegerVar`], [`BooleanVar`], [`ListVar`], [`ColorVar`], [`RawVar`]). A
//!   misspelt field is a compile error that lists the valid ones.
//! - `webshop`, `order` and `line` (/thanks), `product` (product pages), `basket` and `item`
//!   (/basket): the page objects, as Shoporama's themes read them (see [`Scope`]).
//! - `smarty`: `{{ smarty.else_() }}` inside a `when` block (and the tag forms below).
//!
//! Conditions and loops are blocks that read like the Smarty they produce:
//!
//! | block | Smarty |
//! |---|---|
//! | `{% call when(app.enabled.is_on()) %}…{% endcall %}` | `<{if …}>…<{/if}>` |
//! | `{% call when(c) %}A{{ smarty.else_() }}B{% endcall %}` | `<{if …}>A<{else}>B<{/if}>` |
//! | `{% call when(a) %}{% call and_when(b) %}…{% endcall %}{% endcall %}` | nested `<{if}>`s (askama does not let a block call itself) |
//! | `{% call each(order.lines()) %}…{% endcall %}` | the theme's `section` loop, the body per line |
//! | `{% call each_with_commas(order.lines()) %}…{% endcall %}` | the same, `,` between elements |
//!
//! The conditions are `is_on()`/`is_off()` (a checkbox), `is_set()`/`is_blank()` (any
//! setting), `equals(Option)`/`not_equals(Option)` (a list), `is_present()` (`order`,
//! `product`, `basket`).
//!
//! Before (the tag forms, which still work):
//!
//! ```text
//! {{ app.enabled.if_true() }}
//! <script>
//!   pixel('purchase', {
//!     id: {{ app.measurement_id.js() }},
//!     items: [{{ order.lines().begin() }}
//!       { id: {{ line.product_id() }}, name: {{ line.name().js() }} }{{ order.lines().comma() }}
//!     {{ order.lines().end() }}]
//!   });
//! </script>
//! {{ smarty.end_if() }}
//! ```
//!
//! After, the same Smarty:
//!
//! ```text
//! {% call when(app.enabled.is_on()) %}
//! <script>
//!   pixel('purchase', {
//!     id: {{ app.measurement_id.js() }},
//!     items: [{% call each_with_commas(order.lines()) %}
//!       { id: {{ line.product_id() }}, name: {{ line.name().js() }} }
//!     {% endcall %}]
//!   });
//! </script>
//! {% endcall %}
//! ```
//!
//! Every setting is read with its default as a fallback (`|default:'…'`), so a shop that
//! never saved the form renders the defaults.
//!
//! # Escaping by context
//!
//! A value typed by a shop owner must not break out of where it is printed. Each reference
//! prints `<{… |escape:…}>` for the context you name:
//!
//! | method | context | Smarty |
//! |---|---|---|
//! | `.html()` (default for text) | HTML text | `escape:"html"` |
//! | `.attr()` | inside a quoted attribute | `escape:"html"` (both quotes become entities) |
//! | `.js()` | a JavaScript value in `<script>` | a quoted string literal with `escape:"javascript"` plus U+2028/U+2029 |
//! | `.js_inner()` | inside a JavaScript string you quote | as `.js()`, without the quotes |
//! | `.url()` | a whole URL in `href`/`src` | empty unless `http://`/`https://`, then `escape:"html"` |
//! | `.url_component()` | a query value or path segment | `escape:"url"` |
//! | `.css()` | a CSS value | only `A-Z a-z 0-9 space # % , . -` kept |
//!
//! Integers print as `string_format:"%d"` and decimals as `string_format:"%.2F"` everywhere
//! (only digits, `-` and `.` can come out); booleans print as
//! `<{if …}>true<{else}>false<{/if}>`; colours print only when they are `#rgb`/`#rrggbb`.
//! `code` and `richtext` settings print raw, by design: see [`RawVar`].
//!
//! None of these forms uses a PHP function as a modifier, which Smarty 4.3+ deprecates (so
//! `|intval` is avoided); the test suite renders them with the real engine and fails on any
//! notice.
//!
//! # Lint
//!
//! [`lint()`] and [`AppManifest::lint`](crate::manifest::AppManifest::lint) check the generated
//! (or hand-written) Smarty: unbalanced blocks, `{ }` delimiters, raw `$app_vars` references,
//! markup that does not belong in `<head>`, and page objects used where they are not set.
//!
//! # Previews
//!
//! [`preview()`] renders every snippet that applies to a page into a sample page. It uses the
//! real Smarty 4 when the machine has `php` and Debian's `smarty4` ([`SmartyEngine`]), else a
//! built-in interpreter of the subset snippets use ([`Engine::Builtin`]). The built-in engine
//! supports output tags, `if`/`elseif`/`else`, `section`, `foreach`, `assign`, `literal`,
//! comments, `isset`/`empty`/`in_array`/`count`, and the modifiers `escape` (`html`,
//! `javascript`, `url`), `replace`, `string_format` (`%d`, `%s`, `%.NF`), `default`, `lower`,
//! `upper`, `strip`, `cat`, `count` and `regex_replace` with the accessors' own patterns. Any
//! other tag, modifier or function is reported as an error in the preview, never guessed; it
//! reports no PHP notices, and does not interpolate `$var` inside double-quoted strings.

pub(crate) mod escape;
pub(crate) mod lint;
mod manifest_lint;
mod page;
mod preview;
mod render;
mod smarty;
mod vars;

pub use crate::placement::{Page, Placement};
pub use escape::{Cond, Output};
pub use lint::{Lint, Severity, lint};
pub use page::{
    Basket, BasketItem, Loop, Order, OrderLine, Product, Scope, Separator, Smarty, Tag, Webshop,
};
pub use preview::{
    Preview, PreviewError, app_vars, applies, page_vars, preview, preview_args, preview_with,
};
pub use render::{DEBIAN_SMARTY4, Engine, EngineError, RenderJob, Rendered, SmartyEngine};
pub use vars::{
    BooleanLiteral, BooleanVar, ColorVar, DecimalVar, FromSetting, IntegerVar, ListVar, RawVar,
    SnippetVar, TextVar,
};

/// Renders a snippet template generated by `#[shoporama_app]` into its Smarty code.
///
/// The references' `Display` implementations never fail and snippet templates print through
/// askama's unescaped `txt` escaper, so rendering cannot fail in practice; if it ever does,
/// the code becomes a Smarty comment naming the error, which prints nothing in the shop.
#[doc(hidden)]
pub fn __render_snippet<T: askama::Template + ?Sized>(template: &T) -> String {
    template.render().unwrap_or_else(|error| {
        let error = error.to_string().replace("*}>", "* }>");
        format!("<{{* shoporama-app: this snippet failed to render: {error} *}}>")
    })
}
