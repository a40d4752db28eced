//! [`AppManifest::lint`]: the snippet lint over a whole manifest. It lives with the snippet
//! lint, not in `manifest`, so that the manifest does not import the snippet module (see
//! ARCHITECTURE.md).

use super::lint::{Lint, lint_snippet};
use crate::manifest::AppManifest;

impl AppManifest {
    /// Lints every snippet (see [`crate::snippet::lint()`]), also checking each
    /// `$app_vars.<name>` against the app's fields: an unknown name is an error, and a field
    /// printed raw that is not `code` or `richtext` a warning. Sorted by snippet, then
    /// position; the CLI prints them when the manifest is built.
    pub fn lint(&self) -> Vec<Lint> {
        self.snippets
            .iter()
            .enumerate()
            .flat_map(|(index, snippet)| lint_snippet(snippet, Some(index), Some(&self.fields)))
            .collect()
    }
}
