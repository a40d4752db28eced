//! `migrations!`: an app's `migrations/sqlite/*.sql` and `migrations/postgres/*.sql`,
//! embedded with `include_str!` as an `AppMigrations`.

use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

/// Expands `(path, "dir")`, where `path` is the runtime crate's path (`$crate`).
pub(crate) fn embed(input: TokenStream) -> TokenStream {
    match parse(input).and_then(|(krate, dir)| expand(&krate, &dir)) {
        Ok(tokens) => tokens,
        Err(message) => {
            quote! { ::core::compile_error!(#message) }
        }
    }
}

/// The tokens before the last comma (the crate path) and the string literal after it.
fn parse(input: TokenStream) -> Result<(TokenStream, String), String> {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let comma = tokens
        .iter()
        .rposition(|token| matches!(token, TokenTree::Punct(p) if p.as_char() == ','))
        .ok_or("expected `path, \"dir\"`")?;
    let krate: TokenStream = tokens[..comma].iter().cloned().collect();
    let Some(literal) = single_literal(&tokens[comma + 1..]) else {
        return Err("migrations!: expected a directory as a string literal".to_owned());
    };
    let dir = literal_string(&literal.to_string()).ok_or(
        "migrations!: expected a directory as a plain string literal, e.g. \"migrations\"",
    )?;
    Ok((krate, dir))
}

/// The one literal in `tokens`, looking through the invisible groups a `macro_rules!`
/// fragment (`$dir:literal`) arrives in.
fn single_literal(tokens: &[TokenTree]) -> Option<proc_macro2::Literal> {
    match tokens {
        [TokenTree::Literal(literal)] => Some(literal.clone()),
        [TokenTree::Group(group)] if group.delimiter() == proc_macro2::Delimiter::None => {
            single_literal(&group.stream().into_iter().collect::<Vec<_>>())
        }
        _ => None,
    }
}

/// The value of a plain `"…"` literal without escapes.
fn literal_string(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\') && !inner.contains('"')).then(|| inner.to_owned())
}

fn expand(krate: &TokenStream, dir: &str) -> Result<TokenStream, String> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or("migrations!: CARGO_MANIFEST_DIR is not set (build with cargo)")?;
    let base = root.join(dir);
    let sqlite = files(&base.join("sqlite"))?;
    let postgres = files(&base.join("postgres"))?;
    if sqlite.is_none() && postgres.is_none() {
        return Err(format!(
            "migrations!: neither {dir}/sqlite nor {dir}/postgres exists in {}",
            root.display()
        ));
    }
    let list = |files: Option<Vec<(String, PathBuf)>>| {
        let entries = files.unwrap_or_default().into_iter().map(|(name, path)| {
            let path = path.to_string_lossy().into_owned();
            let path = proc_macro2::Literal::string(&path);
            quote! { #krate::store::AppMigration::new(#name, ::core::include_str!(#path)) }
        });
        quote! { &[#(#entries),*] }
    };
    let sqlite = list(sqlite);
    let postgres = list(postgres);
    // In a constant the lists are `'static`.
    Ok(quote! {
        {
            const MIGRATIONS: #krate::store::AppMigrations =
                #krate::store::AppMigrations::new(#sqlite, #postgres);
            MIGRATIONS
        }
    })
}

/// The `.sql` files of `dir` ordered by version, or `None` when it does not exist.
fn files(dir: &Path) -> Result<Option<Vec<(String, PathBuf)>>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(format!(
                "migrations!: cannot list {}: {error}",
                dir.display()
            ));
        }
    };
    let mut found: Vec<(i64, String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry
            .map_err(|error| format!("migrations!: cannot list {}: {error}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_sql = Path::new(&name)
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("sql"));
        if !is_sql {
            continue;
        }
        let version = version_of(&name).ok_or_else(|| {
            format!(
                "migrations!: `{}` is not named <version>_<description>.sql",
                dir.join(&name).display()
            )
        })?;
        if let Some((_, first, _)) = found.iter().find(|(v, _, _)| *v == version) {
            return Err(format!(
                "migrations!: `{name}` and `{first}` in {} share version {version}",
                dir.display()
            ));
        }
        found.push((version, name, entry.path()));
    }
    found.sort();
    Ok(Some(
        found
            .into_iter()
            .map(|(_, name, path)| (name, path))
            .collect(),
    ))
}

/// `0001_invoices.sql` → 1.
fn version_of(name: &str) -> Option<i64> {
    let stem = name.get(..name.len().checked_sub(4)?)?;
    let (version, description) = stem.split_once('_')?;
    if description.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    version.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_sqlx_style_names() {
        assert_eq!(version_of("0001_invoices.sql"), Some(1));
        assert_eq!(
            version_of("20250101120000_add_index.SQL"),
            Some(20_250_101_120_000)
        );
        assert_eq!(version_of("invoices.sql"), None);
        assert_eq!(version_of("x1_invoices.sql"), None);
        assert_eq!(version_of("0001_.sql"), None);
    }

    #[test]
    fn literals_must_be_plain() {
        assert_eq!(
            literal_string("\"migrations\"").as_deref(),
            Some("migrations")
        );
        assert_eq!(literal_string("r\"x\""), None);
        assert_eq!(literal_string("\"a\\\"b\""), None);
    }
}
