//! Help text from `///` doc comments, trimmed and joined the way clap does it.

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

use crate::symbol::DOC;

/// The doc comment as help text: lines trimmed, the lines of a paragraph joined with spaces,
/// paragraphs separated by a blank line. `None` without doc comments.
pub(crate) fn help_text(attrs: &[Attribute]) -> Option<String> {
    let mut lines: Vec<String> = Vec::new();
    for attr in attrs {
        let Meta::NameValue(meta) = &attr.meta else {
            continue;
        };
        if !meta.path.is_ident(DOC.0) {
            continue;
        }
        // `#[doc = include_str!(…)]` and other non-literals are not help text.
        if let Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) = &meta.value
        {
            // `split`, not `lines`: an empty `///` is an empty line that ends a paragraph.
            lines.extend(text.value().split('\n').map(|line| line.trim().to_owned()));
        }
    }
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for line in lines {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join(" "));
    }
    if paragraphs.is_empty() {
        None
    } else {
        Some(paragraphs.join("\n\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::help_text;
    use syn::parse_quote;

    #[test]
    fn joins_lines_and_keeps_paragraphs() {
        let field: syn::Field = parse_quote! {
            /// The measurement id,
            ///   from the analytics tool.
            ///
            ///
            /// Starts with `G-`.
            #[field(label = "x")]
            x: String
        };
        assert_eq!(
            help_text(&field.attrs).as_deref(),
            Some("The measurement id, from the analytics tool.\n\nStarts with `G-`.")
        );
        let bare: syn::Field = parse_quote!(x: String);
        assert_eq!(help_text(&bare.attrs), None);
        let block: syn::Field = parse_quote! {
            /** Block
                doc */
            x: String
        };
        assert_eq!(help_text(&block.attrs).as_deref(), Some("Block doc"));
    }
}
