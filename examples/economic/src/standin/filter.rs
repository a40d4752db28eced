//! The stand-in's reading of e-conomic's `filter` syntax: `prop$op:value` conditions joined by
//! `$and:` / `$or:` (`$and:` binds tighter), values with `$`-escapes, `*` wildcards in
//! `$like:`. Parentheses, `$in:`/`$nin:` and `$null:` are not supported (400).

use serde_json::Value;

use crate::query::Operator;

/// One piece of a value: a literal character or an (unescaped) `*` wildcard.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(char),
    Wildcard,
}

/// `property op value`.
#[derive(Debug, Clone, PartialEq)]
struct Condition {
    property: String,
    operator: Operator,
    value: Vec<Piece>,
}

/// A parsed filter: OR of AND-groups.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedFilter {
    any_of: Vec<Vec<Condition>>,
}

const ESCAPABLE: [char; 7] = ['$', '(', ')', '*', ',', '[', ']'];

impl ParsedFilter {
    /// Parses a filter; the error text is shown in the 400 body.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut any_of = vec![Vec::new()];
        let mut chars = text.chars().peekable();
        loop {
            let mut property = String::new();
            while let Some(&character) = chars.peek() {
                if character == '$' {
                    break;
                }
                property.push(character);
                chars.next();
            }
            if property.is_empty() || chars.next() != Some('$') {
                return Err(format!(
                    "Filter `{text}` is not of the form property$operator:value."
                ));
            }
            let keyword = read_keyword(&mut chars)
                .ok_or_else(|| format!("Filter `{text}` has an operator without `:`."))?;
            let operator = Operator::from_keyword(&keyword).ok_or_else(|| {
                format!("Filter operator `${keyword}:` is not supported by the stand-in.")
            })?;
            let mut value = Vec::new();
            let mut connector = None;
            while let Some(character) = chars.next() {
                match character {
                    '$' => match chars.peek().copied() {
                        Some(next) if ESCAPABLE.contains(&next) => {
                            value.push(Piece::Literal(next));
                            chars.next();
                        }
                        _ => {
                            let keyword = read_keyword(&mut chars)
                                .ok_or_else(|| format!("Filter `{text}` has a `$` that is neither an escape nor an operator."))?;
                            match keyword.as_str() {
                                "and" | "or" => {
                                    connector = Some(keyword);
                                    break;
                                }
                                other => {
                                    return Err(format!(
                                        "Filter operator `${other}:` is not supported here."
                                    ));
                                }
                            }
                        }
                    },
                    '*' => value.push(Piece::Wildcard),
                    '(' | ')' | ',' | '[' | ']' => {
                        return Err(format!(
                            "Filter `{text}` uses `{character}` unescaped; grouping and lists are not supported by the stand-in."
                        ));
                    }
                    other => value.push(Piece::Literal(other)),
                }
            }
            let condition = Condition {
                property: property.trim().to_owned(),
                operator,
                value,
            };
            if let Some(group) = any_of.last_mut() {
                group.push(condition);
            }
            match connector.as_deref() {
                None => break,
                Some("or") => any_of.push(Vec::new()),
                Some(_) => {}
            }
        }
        Ok(Self { any_of })
    }

    /// The properties the filter reads, for the filterable check.
    pub(crate) fn properties(&self) -> impl Iterator<Item = &str> {
        self.any_of
            .iter()
            .flatten()
            .map(|condition| condition.property.as_str())
    }

    /// Whether a document matches.
    pub(crate) fn matches(&self, document: &Value) -> bool {
        self.any_of
            .iter()
            .any(|group| group.iter().all(|condition| condition.matches(document)))
    }
}

fn read_keyword(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut keyword = String::new();
    for character in chars.by_ref() {
        if character == ':' {
            return Some(keyword);
        }
        if !character.is_ascii_alphabetic() {
            return None;
        }
        keyword.push(character);
    }
    None
}

fn lookup<'a>(document: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(document, |node, key| node.get(key))
}

impl Condition {
    fn literal(&self) -> String {
        self.value
            .iter()
            .map(|piece| match piece {
                Piece::Literal(character) => *character,
                Piece::Wildcard => '*',
            })
            .collect()
    }

    fn matches(&self, document: &Value) -> bool {
        let found = lookup(document, &self.property).filter(|value| !value.is_null());
        let Some(found) = found else {
            return self.operator == Operator::Ne;
        };
        let wanted = self.literal();
        if self.operator == Operator::Like {
            let Some(text) = scalar_text(found) else {
                return false;
            };
            return like(&text.to_lowercase(), &self.value);
        }
        let ordering = match (found.as_f64(), wanted.trim().parse::<f64>().ok()) {
            (Some(number), Some(target)) => number.partial_cmp(&target),
            _ => scalar_text(found).map(|text| text.to_lowercase().cmp(&wanted.to_lowercase())),
        };
        let Some(ordering) = ordering else {
            return false;
        };
        match self.operator {
            Operator::Eq => ordering.is_eq(),
            Operator::Ne => ordering.is_ne(),
            Operator::Gt => ordering.is_gt(),
            Operator::Gte => ordering.is_ge(),
            Operator::Lt => ordering.is_lt(),
            Operator::Lte => ordering.is_le(),
            Operator::Like => false,
        }
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Case-insensitive glob match (`text` already lower-cased).
fn like(text: &str, pattern: &[Piece]) -> bool {
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<Piece> = pattern
        .iter()
        .map(|piece| match piece {
            Piece::Literal(character) => {
                Piece::Literal(character.to_lowercase().next().unwrap_or(*character))
            }
            Piece::Wildcard => Piece::Wildcard,
        })
        .collect();
    // Iterative glob matching with backtracking to the last wildcard.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Piece::Literal(character)) if *character == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Piece::Wildcard) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|piece| *piece == Piece::Wildcard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Filter;
    use serde_json::json;

    fn parse(text: &str) -> ParsedFilter {
        ParsedFilter::parse(text).expect("parses")
    }

    #[test]
    fn eq_is_case_insensitive_and_follows_paths() {
        let invoice =
            json!({"references": {"other": "Shop-42"}, "customer": {"customerNumber": 7}});
        assert!(parse("references.other$eq:shop-42").matches(&invoice));
        assert!(!parse("references.other$eq:shop-4").matches(&invoice));
        assert!(parse("customer.customerNumber$eq:7").matches(&invoice));
        assert!(parse("customer.customerNumber$gte:7$and:references.other$ne:x").matches(&invoice));
        assert!(!parse("customer.customerNumber$gt:7").matches(&invoice));
        assert!(
            parse("customer.customerNumber$eq:1$or:references.other$eq:SHOP-42").matches(&invoice)
        );
        assert!(!parse("notes.heading$eq:x").matches(&invoice));
        assert!(parse("notes.heading$ne:x").matches(&invoice));
    }

    #[test]
    fn escapes_round_trip_with_the_client_filter() {
        let reference = "a$b(c)*d,e[f]:g";
        let filter = Filter::eq("references.other", reference);
        let document = json!({"references": {"other": reference}});
        assert!(parse(filter.as_str()).matches(&document));
        assert!(
            !parse(filter.as_str()).matches(&json!({"references": {"other": "a$b(c)Xd,e[f]:g"}}))
        );
    }

    #[test]
    fn like_uses_wildcards() {
        let customer = json!({"name": "Jens Hansen"});
        assert!(parse("name$like:jens*").matches(&customer));
        assert!(parse("name$like:*HAN*").matches(&customer));
        assert!(!parse("name$like:hansen*").matches(&customer));
        assert!(parse("name$like:J*s H*n").matches(&customer));
    }

    #[test]
    fn unsupported_syntax_is_an_error() {
        assert!(ParsedFilter::parse("").is_err());
        assert!(ParsedFilter::parse("name").is_err());
        assert!(ParsedFilter::parse("name$foo:x").is_err());
        assert!(ParsedFilter::parse("name$eq:(x)").is_err());
        assert!(ParsedFilter::parse("name$eq:x$in:y").is_err());
        assert!(ParsedFilter::parse("name$eq").is_err());
    }
}
