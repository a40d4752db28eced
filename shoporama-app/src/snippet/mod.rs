//! Snippets: code Shoporama injects into the shop's pages, at one of four [`Placement`]s, on
//! all pages or the chosen [`Page`]s. The code is Smarty 4 with `<{ }>` delimiters; a setting
//! is `<{$app_vars.<name>}>`.

mod placement;

pub use placement::{Page, Placement};
