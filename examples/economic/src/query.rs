//! e-conomic query syntax: collection filters (`filter=email$eq:a@b.dk`) and the self-link
//! encoding of string ids (product numbers) in URL paths (economic-api.md §1.2, §1.3).

use std::fmt;

/// The characters e-conomic's filter syntax reserves; a literal one is escaped with `$`.
const FILTER_SPECIALS: [char; 7] = ['$', '(', ')', '*', ',', '[', ']'];

/// Escapes a literal value for a filter: `a,b` → `a$,b`, `50$` → `50$$`.
pub fn escape_filter_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        if FILTER_SPECIALS.contains(&character) {
            escaped.push('$');
        }
        escaped.push(character);
    }
    escaped
}

/// A comparison operator of e-conomic's filter syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `$eq:` equals (case-insensitive for strings).
    Eq,
    /// `$ne:` not equal.
    Ne,
    /// `$gt:` greater than.
    Gt,
    /// `$gte:` greater than or equal.
    Gte,
    /// `$lt:` less than.
    Lt,
    /// `$lte:` less than or equal.
    Lte,
    /// `$like:` pattern match; `*` in the (unescaped) pattern is a wildcard.
    Like,
}

impl Operator {
    /// The operator as written in a filter, without `$` and `:` (`eq`).
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Gt => "gt",
            Self::Gte => "gte",
            Self::Lt => "lt",
            Self::Lte => "lte",
            Self::Like => "like",
        }
    }

    /// The operator for a keyword (`eq`), if it is one.
    pub fn from_keyword(keyword: &str) -> Option<Self> {
        Some(match keyword {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "gt" => Self::Gt,
            "gte" => Self::Gte,
            "lt" => Self::Lt,
            "lte" => Self::Lte,
            "like" => Self::Like,
            _ => return None,
        })
    }
}

/// A collection filter, sent as the `filter` query parameter (URL-encoded by the client).
///
/// ```
/// use economic::query::Filter;
/// let filter = Filter::eq("references.other", "shop-1$(7)")
///     .and(Filter::eq_number("customer.customerNumber", 5));
/// assert_eq!(
///     filter.as_str(),
///     "references.other$eq:shop-1$$$(7$)$and:customer.customerNumber$eq:5"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter(String);

impl Filter {
    /// `property <op> value` for a string value (escaped for you).
    pub fn compare(property: &str, operator: Operator, value: &str) -> Self {
        Self(format!(
            "{property}${}:{}",
            operator.keyword(),
            escape_filter_value(value)
        ))
    }

    /// `property $eq: value` (case-insensitive for strings).
    pub fn eq(property: &str, value: &str) -> Self {
        Self::compare(property, Operator::Eq, value)
    }

    /// `property $eq: number`.
    pub fn eq_number(property: &str, value: i64) -> Self {
        Self(format!("{property}$eq:{value}"))
    }

    /// Both filters must hold.
    #[must_use]
    pub fn and(self, other: Self) -> Self {
        self.join("$and:", other)
    }

    /// Either filter may hold.
    #[must_use]
    pub fn or(self, other: Self) -> Self {
        self.join("$or:", other)
    }

    /// This filter, then `connective` (`$and:`), then `other`.
    fn join(self, connective: &str, other: Self) -> Self {
        let (Self(mut text), Self(other)) = (self, other);
        text.push_str(connective);
        text.push_str(&other);
        Self(text)
    }

    /// The filter text, before URL encoding.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The substitutions of e-conomic's self-link encoding of string ids, in the documented order.
const ID_SUBSTITUTIONS: [(char, &str); 14] = [
    ('<', "_0_"),
    ('>', "_1_"),
    ('*', "_2_"),
    ('%', "_3_"),
    (':', "_4_"),
    ('&', "_5_"),
    ('/', "_6_"),
    ('\\', "_7_"),
    ('_', "_8_"),
    (' ', "_9_"),
    ('?', "_10_"),
    ('.', "_11_"),
    ('#', "_12_"),
    ('+', "_13_"),
];

/// Encodes a string id (a product number) for a URL path segment the way e-conomic's self links
/// do: `My Awesome Product_Discount5%` → `My_9_Awesome_9_Product_8_Discount5_3_`; anything else
/// outside `A-Za-z0-9-~` is percent-encoded (UTF-8).
pub fn encode_path_id(id: &str) -> String {
    let mut encoded = String::with_capacity(id.len());
    for character in id.chars() {
        if let Some((_, replacement)) = ID_SUBSTITUTIONS.iter().find(|(c, _)| *c == character) {
            encoded.push_str(replacement);
        } else if character.is_ascii_alphanumeric() || character == '-' || character == '~' {
            encoded.push(character);
        } else {
            let mut buffer = [0_u8; 4];
            for byte in character.encode_utf8(&mut buffer).bytes() {
                encoded.push('%');
                encoded.push(char::from(HEX[usize::from(byte >> 4)]));
                encoded.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
    encoded
}

/// Reverses [`encode_path_id`] on an already percent-decoded path segment; `None` for an
/// unknown `_n_` code.
pub fn decode_path_id(segment: &str) -> Option<String> {
    let mut decoded = String::with_capacity(segment.len());
    let mut rest = segment;
    while let Some(start) = rest.find('_') {
        decoded.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('_')?;
        let code = &after[..end];
        let (character, _) = ID_SUBSTITUTIONS
            .iter()
            .find(|(_, replacement)| replacement.trim_matches('_') == code)?;
        decoded.push(*character);
        rest = &after[end + 1..];
    }
    decoded.push_str(rest);
    Some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_self_link_example() {
        assert_eq!(
            encode_path_id("My Awesome Product_Discount5%"),
            "My_9_Awesome_9_Product_8_Discount5_3_"
        );
        assert_eq!(
            decode_path_id("My_9_Awesome_9_Product_8_Discount5_3_").as_deref(),
            Some("My Awesome Product_Discount5%")
        );
    }

    #[test]
    fn every_special_round_trips() {
        let id = "<>*%:&/\\_ ?.#+ plain-1~";
        let encoded = encode_path_id(id);
        assert!(
            !encoded.contains(['/', '?', '#', ' ', '%', '.']),
            "{encoded}"
        );
        assert_eq!(decode_path_id(&encoded).as_deref(), Some(id));
        assert_eq!(encode_path_id("æble"), "%C3%A6ble");
        assert_eq!(decode_path_id("a_99_b"), None);
        assert_eq!(decode_path_id("a_9"), None);
    }

    #[test]
    fn filter_values_are_escaped() {
        assert_eq!(escape_filter_value("a$b(c)*d,e[f]"), "a$$b$(c$)$*d$,e$[f$]");
        assert_eq!(Filter::eq("email", "x@y.dk").as_str(), "email$eq:x@y.dk");
        assert_eq!(
            Filter::compare("name", Operator::Like, "Jo*")
                .or(Filter::eq("city", "Aarhus"))
                .as_str(),
            "name$like:Jo$*$or:city$eq:Aarhus"
        );
        assert_eq!(Operator::from_keyword("gte"), Some(Operator::Gte));
        assert_eq!(Operator::from_keyword("nope"), None);
    }
}
