//! Name conversions and the small text checks shared by the parsers.

use std::fmt::Write as _;

/// `cookie_days` → `Cookie days`: the default label of a field.
pub(crate) fn humanise_snake(name: &str) -> String {
    let words: Vec<&str> = name.split('_').filter(|w| !w.is_empty()).collect();
    capitalise(&words.join(" "))
}

/// `BasicConsent` → `Basic consent`, `HTMLOnly` → `HTML only`: the default label of a list
/// option. Acronyms keep their capitals.
pub(crate) fn humanise_camel(name: &str) -> String {
    let words = camel_words(name);
    let mut out = String::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let acronym = word.chars().filter(|c| c.is_alphabetic()).count() > 1
            && word.chars().all(|c| !c.is_lowercase());
        if i == 0 || acronym {
            out.push_str(word);
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
    out
}

/// `BasicConsent` → `basic_consent`, `HTMLOnly` → `html_only`: the default key of a list
/// option.
pub(crate) fn snake_case(name: &str) -> String {
    camel_words(name)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// `add_to_basket` → `AddToBasket`: the variant of a wire name.
pub(crate) fn camel_case(name: &str) -> String {
    name.split('_').map(capitalise).collect()
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Splits `HTMLParser2Go` into `HTML`, `Parser2`, `Go`; underscores also separate words.
fn camel_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_uppercase() && !word.is_empty() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_is_lower) {
                words.push(std::mem::take(&mut word));
            }
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// `$app_vars.<name>` must parse in Smarty: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_smarty_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `` `a`, `b`, `c` `` for "expected one of" messages.
pub(crate) fn one_of<I, S>(names: I) -> String
where
    I: IntoIterator<Item = S>,
    S: std::fmt::Display,
{
    let mut out = String::new();
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "`{name}`");
    }
    out
}

/// `message`, with "; did you mean `x`?" when a candidate is close to `input`.
pub(crate) fn with_suggestion<'a>(
    mut message: String,
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    if let Some(close) = did_you_mean(input, candidates) {
        let _ = write!(message, "; did you mean `{close}`?");
    }
    message
}

/// The candidate closest to `input`, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (input.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(input, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanises_field_names() {
        assert_eq!(humanise_snake("cookie_days"), "Cookie days");
        assert_eq!(humanise_snake("measurement_id"), "Measurement id");
        assert_eq!(humanise_snake("_private__x"), "Private x");
        assert_eq!(humanise_snake("x"), "X");
    }

    #[test]
    fn converts_variant_names() {
        assert_eq!(snake_case("BasicConsent"), "basic_consent");
        assert_eq!(snake_case("HTMLOnly"), "html_only");
        assert_eq!(snake_case("GA4"), "ga4");
        assert_eq!(snake_case("Ga4Events"), "ga4_events");
        assert_eq!(humanise_camel("BasicConsent"), "Basic consent");
        assert_eq!(humanise_camel("HTMLOnly"), "HTML only");
        assert_eq!(humanise_camel("Full"), "Full");
        assert_eq!(humanise_camel("UseGA4"), "Use GA4");
        assert_eq!(camel_case("add_to_basket"), "AddToBasket");
        assert_eq!(camel_case("paid"), "Paid");
    }

    #[test]
    fn smarty_identifiers() {
        for good in ["a", "_a", "measurement_id", "A1_b2"] {
            assert!(is_smarty_identifier(good), "{good}");
        }
        for bad in ["", "1a", "a-b", "a.b", "a b", "æble", "$a"] {
            assert!(!is_smarty_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn suggests_close_names() {
        let names = ["paid", "new_status", "order_created"];
        assert_eq!(did_you_mean("payd", names), Some("paid"));
        assert_eq!(did_you_mean("new_stauts", names), Some("new_status"));
        assert_eq!(did_you_mean("shipped", names), None);
        assert_eq!(one_of(["a", "b"]), "`a`, `b`");
    }
}
