//! A small Smarty interpreter for previews on machines without PHP.
//!
//! It covers what the accessors emit and what snippets commonly hand-write: output tags with
//! modifiers, `if`/`elseif`/`else`, `section`, `foreach` (both syntaxes), `assign`,
//! `literal` and comments; variables with `.key`, `[index]`, `[section]`, `->method()`,
//! `@first`/`@last`/…, `$smarty.section.*`; the functions `isset`, `empty`, `in_array` and
//! `count`; PHP 8's loose comparisons.
//!
//! Limits: modifiers are `escape` (`html`, `javascript`, `url`), `replace`, `string_format`
//! (`%d`, `%s`, `%.NF`, `%.Nf`), `default`, `lower`, `upper`, `strip`, `cat`, `count` and
//! `regex_replace` with the accessors' own patterns only; any other tag (`include`, `capture`,
//! `strip`, `t`, `cache`, …), modifier or function is an error naming it, never a silent guess.
//! Double-quoted strings support PHP's escapes but not `$var` interpolation. No notices are
//! reported (a missing variable is empty, as Smarty prints it). `%F` rounds like Rust, which
//! can differ from PHP on exact binary ties.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use serde_json::{Map, Value as Json};

use crate::snippet::escape::{COLOR_PATTERN, CSS_PATTERN, URL_PATTERN};
use crate::snippet::smarty::{self, Segment, SegmentKind};

type Result<T> = std::result::Result<T, String>;

/// Renders `template` with `vars` (JSON, `{"$object": {...}}` for objects).
pub(crate) fn render(template: &str, vars: &Map<String, Json>) -> Result<String> {
    // Smarty's lexer reads every line ending as `\n`.
    let normalised = template.replace("\r\n", "\n").replace('\r', "\n");
    let template = normalised.as_str();
    let mut segments = smarty::scan(template).map_err(|e| {
        let (line, column) = smarty::line_column(template, e.offset);
        format!("line {line}, column {column}: {}", e.message)
    })?;
    swallow_newlines(&mut segments);
    let mut parser = TreeParser {
        template,
        segments: &segments,
        at: 0,
    };
    // Without stop tags this reads every segment (a stray closing tag is an error).
    let nodes = parser.nodes(&[])?;
    let mut machine = Machine {
        vars: vars
            .iter()
            .map(|(k, v)| (k.clone(), V::from_json(v)))
            .collect(),
        loops: Vec::new(),
    };
    let mut out = String::new();
    machine.run(&nodes, &mut out)?;
    Ok(out)
}

/// Smarty drops the newline right after a tag that prints nothing (`if`, `/if`, `else`,
/// `section`, `assign`, comments, …), but not after an output tag or `literal`.
fn swallow_newlines(segments: &mut [Segment<'_>]) {
    for i in 1..segments.len() {
        let previous = segments[i - 1];
        let silent = match previous.kind {
            SegmentKind::Comment => true,
            SegmentKind::Tag => !matches!(
                smarty::tag_name(previous.text),
                "$" | "literal" | "/literal" | "ldelim" | "rdelim"
            ),
            SegmentKind::Text | SegmentKind::Literal => false,
        };
        let segment = &mut segments[i];
        if silent
            && segment.kind == SegmentKind::Text
            && let Some(rest) = segment.text.strip_prefix('\n')
        {
            segment.text = rest;
            segment.start += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Values

/// A PHP value.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// An ordered PHP array.
    Arr(Vec<(String, V)>),
    /// A template object: method name → return value.
    Obj(Rc<BTreeMap<String, V>>),
}

impl V {
    fn from_json(json: &Json) -> Self {
        match json {
            Json::Null => Self::Null,
            Json::Bool(b) => Self::Bool(*b),
            Json::Number(n) => n
                .as_i64()
                .map_or_else(|| Self::Float(n.as_f64().unwrap_or(0.0)), Self::Int),
            Json::String(s) => Self::Str(s.clone()),
            Json::Array(items) => Self::Arr(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), Self::from_json(v)))
                    .collect(),
            ),
            Json::Object(map) => match map.get("$object") {
                Some(Json::Object(methods)) if map.len() == 1 => Self::Obj(Rc::new(
                    methods
                        .iter()
                        .map(|(k, v)| (k.clone(), Self::from_json(v)))
                        .collect(),
                )),
                _ => Self::Arr(
                    map.iter()
                        .map(|(k, v)| (k.clone(), Self::from_json(v)))
                        .collect(),
                ),
            },
        }
    }

    fn truthy(&self) -> bool {
        match self {
            Self::Null => false,
            Self::Bool(b) => *b,
            Self::Int(i) => *i != 0,
            Self::Float(f) => *f != 0.0,
            Self::Str(s) => !(s.is_empty() || s == "0"),
            Self::Arr(items) => !items.is_empty(),
            Self::Obj(_) => true,
        }
    }

    fn to_php_string(&self) -> Result<String> {
        Ok(match self {
            Self::Null | Self::Bool(false) => String::new(),
            Self::Bool(true) => "1".to_owned(),
            Self::Int(i) => i.to_string(),
            Self::Float(f) => php_float(*f),
            Self::Str(s) => s.clone(),
            Self::Arr(_) => "Array".to_owned(),
            Self::Obj(_) => return Err("an object cannot be printed as a string".to_owned()),
        })
    }

    fn to_int(&self) -> i64 {
        match self {
            Self::Null | Self::Bool(false) => 0,
            Self::Bool(true) | Self::Obj(_) => 1,
            Self::Int(i) => *i,
            Self::Float(f) => float_to_int(*f),
            Self::Str(s) => match numeric_prefix(s) {
                Some(Number::Int(i)) => i,
                Some(Number::Float(f)) => float_to_int(f),
                None => 0,
            },
            Self::Arr(items) => i64::from(!items.is_empty()),
        }
    }

    fn to_float(&self) -> f64 {
        match self {
            Self::Float(f) => *f,
            Self::Str(s) => match numeric_prefix(s) {
                #[allow(clippy::cast_precision_loss)]
                Some(Number::Int(i)) => i as f64,
                Some(Number::Float(f)) => f,
                None => 0.0,
            },
            #[allow(clippy::cast_precision_loss)]
            other => other.to_int() as f64,
        }
    }

    /// PHP's numeric view of the value, if it is a number or a numeric string.
    fn as_number(&self) -> Option<Number> {
        match self {
            Self::Int(i) => Some(Number::Int(*i)),
            Self::Float(f) => Some(Number::Float(*f)),
            Self::Str(s) => numeric_string(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Self::Int(i) => i as f64,
            Self::Float(f) => f,
        }
    }
}

fn float_to_int(f: f64) -> i64 {
    if f.is_finite() {
        // Saturating, and the truncation towards zero is PHP's.
        #[allow(clippy::cast_possible_truncation)]
        let i = f as i64;
        i
    } else {
        0
    }
}

/// PHP's echo of a float (precision 14, no trailing zeros).
fn php_float(f: f64) -> String {
    if f.is_nan() {
        return "NAN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF" } else { "-INF" }.to_owned();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{f:.0}");
    }
    let text = format!("{:.*e}", 13, f);
    // Re-read with 14 significant digits, then print plainly without trailing zeros.
    let rounded: f64 = text.parse().unwrap_or(f);
    let plain = format!("{rounded:.14}");
    plain.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The whitespace PHP skips around numbers.
const PHP_WHITESPACE: [char; 6] = [' ', '\t', '\n', '\r', '\x0b', '\x0c'];

/// A whole-string numeric (PHP 8 "numeric string": surrounding whitespace allowed).
fn numeric_string(s: &str) -> Option<Number> {
    let trimmed = s.trim_matches(PHP_WHITESPACE);
    let (number, len) = leading_number(trimmed)?;
    (len == trimmed.len()).then_some(number)
}

/// The leading numeric part of a string, as PHP's `(int)`/`(float)` casts read it.
fn numeric_prefix(s: &str) -> Option<Number> {
    let trimmed = s.trim_start_matches(PHP_WHITESPACE);
    leading_number(trimmed).map(|(n, _)| n)
}

fn leading_number(s: &str) -> Option<(Number, usize)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut integer = i > digits_start;
    let mut fraction = false;
    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        fraction = true;
    } else if bytes.get(i) == Some(&b'.') && integer {
        i += 1;
        fraction = true;
    }
    if !integer && !fraction {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if bytes.get(j).is_some_and(u8::is_ascii_digit) {
            while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            i = j;
            fraction = true;
            integer = false;
        }
    }
    let text = &s[..i];
    if integer
        && !fraction
        && let Ok(value) = text.parse::<i64>()
    {
        return Some((Number::Int(value), i));
    }
    text.trim_end_matches('.')
        .parse::<f64>()
        .ok()
        .map(|f| (Number::Float(f), i))
}

/// PHP 8 `==`.
// PHP's comparison table reads best with the short names of its documentation.
#[allow(clippy::many_single_char_names)]
fn loose_eq(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Null, V::Null) => true,
        (V::Bool(x), other) | (other, V::Bool(x)) => *x == other.truthy(),
        (V::Null, V::Str(s)) | (V::Str(s), V::Null) => s.is_empty(),
        (V::Null, other) | (other, V::Null) => !other.truthy(),
        (V::Str(x), V::Str(y)) => match (numeric_string(x), numeric_string(y)) {
            (Some(m), Some(n)) => (m.as_f64() - n.as_f64()).abs() == 0.0,
            _ => x == y,
        },
        (V::Int(_) | V::Float(_), V::Str(s)) | (V::Str(s), V::Int(_) | V::Float(_)) => {
            let number = if matches!(a, V::Str(_)) { b } else { a };
            match numeric_string(s) {
                Some(n) => number
                    .as_number()
                    .is_some_and(|m| (m.as_f64() - n.as_f64()).abs() == 0.0),
                None => number.to_php_string().is_ok_and(|text| &text == s),
            }
        }
        (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => {
            (a.to_float() - b.to_float()).abs() == 0.0
        }
        (V::Arr(x), V::Arr(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && loose_eq(v, v2)))
        }
        (V::Obj(x), V::Obj(y)) => Rc::ptr_eq(x, y) || x == y,
        _ => false,
    }
}

/// PHP `===`.
fn strict_eq(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Float(x), V::Float(y)) => (x - y).abs() == 0.0,
        _ => a == b,
    }
}

/// PHP 8 `<=>` for the ordering operators.
fn compare(a: &V, b: &V) -> std::cmp::Ordering {
    match (a.as_number(), b.as_number()) {
        (Some(x), Some(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
        _ => a
            .to_php_string()
            .unwrap_or_default()
            .cmp(&b.to_php_string().unwrap_or_default()),
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Var(String),
    Ident(String),
    Str(String),
    Num(V),
    P(&'static str),
}

const PUNCTUATION: &[&str] = &[
    "===", "!==", "==", "!=", "<=", ">=", "&&", "||", "->", "=>", "<", ">", "!", "(", ")", "[",
    "]", ",", "|", ":", ".", "@", "=", "+", "-", "*", "/", "%",
];

fn tokenize(src: &str) -> Result<Vec<Tok>> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '$' {
            let start = i + 1;
            i = start;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            if i == start {
                return Err(format!("`$` without a variable name in `{src}`"));
            }
            tokens.push(Tok::Var(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            tokens.push(Tok::Num(match text.parse::<i64>() {
                Ok(n) => V::Int(n),
                Err(_) => V::Float(text.parse().map_err(|_| format!("bad number `{text}`"))?),
            }));
        } else if c == '\'' {
            let (text, next) = single_quoted(&chars, i + 1)?;
            tokens.push(Tok::Str(text));
            i = next;
        } else if c == '"' {
            let (text, next) = double_quoted(&chars, i + 1)?;
            tokens.push(Tok::Str(text));
            i = next;
        } else {
            let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
            let Some(p) = PUNCTUATION.iter().find(|p| rest.starts_with(**p)) else {
                return Err(format!("unexpected `{c}` in `{src}`"));
            };
            tokens.push(Tok::P(p));
            i += p.chars().count();
        }
    }
    Ok(tokens)
}

fn single_quoted(chars: &[char], mut i: usize) -> Result<(String, usize)> {
    let mut text = String::new();
    while i < chars.len() {
        match chars[i] {
            '\\' if matches!(chars.get(i + 1), Some('\\' | '\'')) => {
                text.push(chars[i + 1]);
                i += 2;
            }
            '\'' => return Ok((text, i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err("unterminated single-quoted string".to_owned())
}

fn double_quoted(chars: &[char], mut i: usize) -> Result<(String, usize)> {
    let mut text = String::new();
    while i < chars.len() {
        match chars[i] {
            '"' => return Ok((text, i + 1)),
            '$' | '`' => return Err("double-quoted strings with `$` or backticks (interpolation) are not supported by the built-in engine".to_owned()),
            '\\' => {
                let next = chars.get(i + 1).copied();
                i += 2;
                match next {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('r') => text.push('\r'),
                    Some('v') => text.push('\x0b'),
                    Some('f') => text.push('\x0c'),
                    Some('e') => text.push('\x1b'),
                    Some('0') => text.push('\0'),
                    Some(c @ ('\\' | '"' | '$')) => text.push(c),
                    Some('u') if chars.get(i) == Some(&'{') => {
                        let end = chars[i..].iter().position(|c| *c == '}').ok_or("unterminated `\\u{`")? + i;
                        let hex: String = chars[i + 1..end].iter().collect();
                        let code = u32::from_str_radix(&hex, 16).map_err(|_| format!("bad `\\u{{{hex}}}`"))?;
                        text.push(char::from_u32(code).ok_or_else(|| format!("bad `\\u{{{hex}}}`"))?);
                        i = end + 1;
                    }
                    Some(other) => {
                        text.push('\\');
                        text.push(other);
                    }
                    None => text.push('\\'),
                }
            }
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err("unterminated double-quoted string".to_owned())
}

#[derive(Debug, Clone)]
enum Expr {
    Lit(V),
    Var(String, Vec<Access>),
    Array(Vec<Expr>),
    Call(String, Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Modified(Box<Expr>, Vec<(String, Vec<Expr>)>),
}

#[derive(Debug, Clone)]
enum Access {
    Key(String),
    Index(Expr),
    Section(String),
    Method(String, Vec<Expr>),
    At(String),
}

struct ExprParser {
    tokens: Vec<Tok>,
    at: usize,
}

impl ExprParser {
    fn new(src: &str) -> Result<Self> {
        Ok(Self {
            tokens: tokenize(src)?,
            at: 0,
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::P(q)) if *q == p) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) -> Result<()> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(format!("expected `{p}`, found {:?}", self.peek()))
        }
    }

    fn done(&self) -> bool {
        self.at >= self.tokens.len()
    }

    fn finish(&self) -> Result<()> {
        if self.done() {
            Ok(())
        } else {
            Err(format!("unexpected {:?}", self.peek()))
        }
    }

    /// A left-associative chain of `next`s joined by `ops` (an operator, and the word Smarty
    /// also spells it as).
    fn chain(
        &mut self,
        ops: &[(&'static str, Option<&str>)],
        next: fn(&mut Self) -> Result<Expr>,
    ) -> Result<Expr> {
        let mut left = next(self)?;
        while let Some(&(op, _)) = ops
            .iter()
            .find(|(op, word)| self.eat(op) || word.is_some_and(|w| self.eat_word(w)))
        {
            left = Expr::Bin(op, Box::new(left), Box::new(next(self)?));
        }
        Ok(left)
    }

    fn expr(&mut self) -> Result<Expr> {
        self.chain(&[("||", Some("or"))], Self::and)
    }

    fn and(&mut self) -> Result<Expr> {
        self.chain(&[("&&", Some("and"))], Self::comparison)
    }

    fn comparison(&mut self) -> Result<Expr> {
        let left = self.additive()?;
        for op in ["===", "!==", "==", "!=", "<=", ">=", "<", ">"] {
            if self.eat(op) {
                return Ok(Expr::Bin(op, Box::new(left), Box::new(self.additive()?)));
            }
        }
        for (word, op) in [
            ("eq", "=="),
            ("ne", "!="),
            ("neq", "!="),
            ("gt", ">"),
            ("lt", "<"),
            ("ge", ">="),
            ("le", "<="),
        ] {
            if self.eat_word(word) {
                return Ok(Expr::Bin(op, Box::new(left), Box::new(self.additive()?)));
            }
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr> {
        self.chain(&[("+", None), ("-", None)], Self::multiplicative)
    }

    fn multiplicative(&mut self) -> Result<Expr> {
        self.chain(&[("*", None), ("/", None), ("%", None)], Self::unary)
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.eat("!") || self.eat_word("not") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.modified()
    }

    /// A value with its modifiers: `$x|escape:"html"|default:''`.
    fn modified(&mut self) -> Result<Expr> {
        let value = self.primary()?;
        let mut modifiers = Vec::new();
        while self.eat("|") {
            let Some(Tok::Ident(name)) = self.peek().cloned() else {
                return Err("expected a modifier name after `|`".to_owned());
            };
            self.at += 1;
            let mut args = Vec::new();
            while self.eat(":") {
                args.push(self.primary()?);
            }
            modifiers.push((name, args));
        }
        Ok(if modifiers.is_empty() {
            value
        } else {
            Expr::Modified(Box::new(value), modifiers)
        })
    }

    fn primary(&mut self) -> Result<Expr> {
        let token = self
            .peek()
            .cloned()
            .ok_or("expected a value, found the end of the tag")?;
        self.at += 1;
        match token {
            Tok::Str(s) => Ok(Expr::Lit(V::Str(s))),
            Tok::Num(n) => Ok(Expr::Lit(n)),
            Tok::P("(") => {
                let inner = self.expr()?;
                self.expect(")")?;
                Ok(inner)
            }
            Tok::P("[") => {
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.expr()?);
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Ok(Expr::Array(items))
            }
            Tok::Var(name) => self.accesses(name),
            Tok::Ident(word) => match word.to_ascii_lowercase().as_str() {
                "true" => Ok(Expr::Lit(V::Bool(true))),
                "false" => Ok(Expr::Lit(V::Bool(false))),
                "null" => Ok(Expr::Lit(V::Null)),
                _ if self.eat("(") => Ok(Expr::Call(word, self.arguments()?)),
                _ => Err(format!("unexpected word `{word}`")),
            },
            Tok::P(p) => Err(format!("unexpected `{p}`")),
        }
    }

    fn arguments(&mut self) -> Result<Vec<Expr>> {
        let mut args = Vec::new();
        if self.eat(")") {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(")") {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn accesses(&mut self, name: String) -> Result<Expr> {
        let mut path = Vec::new();
        loop {
            if self.eat(".") {
                match self.peek().cloned() {
                    Some(Tok::Ident(key)) => path.push(Access::Key(key)),
                    Some(Tok::Num(n)) => path.push(Access::Key(n.to_php_string()?)),
                    other => return Err(format!("expected a key after `.`, found {other:?}")),
                }
                self.at += 1;
            } else if self.eat("[") {
                if let Some(Tok::Ident(section)) = self.peek().cloned()
                    && matches!(self.tokens.get(self.at + 1), Some(Tok::P("]")))
                {
                    self.at += 2;
                    path.push(Access::Section(section));
                } else {
                    path.push(Access::Index(self.expr()?));
                    self.expect("]")?;
                }
            } else if self.eat("->") {
                let Some(Tok::Ident(method)) = self.peek().cloned() else {
                    return Err("expected a method name after `->`".to_owned());
                };
                self.at += 1;
                if !self.eat("(") {
                    return Err(format!(
                        "object properties (`->{method}`) are not supported; call a method"
                    ));
                }
                path.push(Access::Method(method, self.arguments()?));
            } else if self.eat("@") {
                let Some(Tok::Ident(property)) = self.peek().cloned() else {
                    return Err("expected a property after `@`".to_owned());
                };
                self.at += 1;
                path.push(Access::At(property));
            } else {
                return Ok(Expr::Var(name, path));
            }
        }
    }

    /// `key=value` attributes of a block tag.
    fn attributes(&mut self) -> Result<BTreeMap<String, Expr>> {
        let mut attributes = BTreeMap::new();
        while !self.done() {
            let Some(Tok::Ident(key)) = self.peek().cloned() else {
                return Err(format!("expected `name=value`, found {:?}", self.peek()));
            };
            self.at += 1;
            self.expect("=")?;
            let value = match self.peek().cloned() {
                // A bare word is a string (`name=i`).
                Some(Tok::Ident(word))
                    if !matches!(self.tokens.get(self.at + 1), Some(Tok::P("("))) =>
                {
                    self.at += 1;
                    Expr::Lit(V::Str(word))
                }
                _ => self.expr()?,
            };
            attributes.insert(key, value);
        }
        Ok(attributes)
    }
}

// ---------------------------------------------------------------------------------------------
// Template tree

#[derive(Debug)]
enum Node<'a> {
    Text(&'a str),
    Print(Expr),
    If(Vec<(Expr, Vec<Node<'a>>)>, Vec<Node<'a>>),
    Section {
        name: String,
        loop_over: Expr,
        body: Vec<Node<'a>>,
        otherwise: Vec<Node<'a>>,
    },
    Foreach {
        from: Expr,
        item: String,
        key: Option<String>,
        body: Vec<Node<'a>>,
        otherwise: Vec<Node<'a>>,
    },
    Assign {
        var: String,
        value: Expr,
    },
}

struct TreeParser<'a, 's> {
    template: &'a str,
    segments: &'s [Segment<'a>],
    at: usize,
}

impl<'a> TreeParser<'a, '_> {
    fn error(&self, segment: &Segment<'_>, message: &str) -> String {
        let (line, column) = smarty::line_column(self.template, segment.start);
        format!("line {line}, column {column}: {message}")
    }

    /// Parses nodes until one of `stops` (tag names) or the end.
    fn nodes(&mut self, stops: &[&str]) -> Result<Vec<Node<'a>>> {
        let mut nodes = Vec::new();
        while let Some(segment) = self.segments.get(self.at).copied() {
            match segment.kind {
                SegmentKind::Text | SegmentKind::Literal => {
                    nodes.push(Node::Text(segment.text));
                    self.at += 1;
                }
                SegmentKind::Comment => self.at += 1,
                SegmentKind::Tag => {
                    let name = smarty::tag_name(segment.text);
                    if stops.contains(&name) {
                        return Ok(nodes);
                    }
                    self.at += 1;
                    let node = self
                        .tag(&segment, name)
                        .map_err(|e| self.error(&segment, &e))?;
                    nodes.extend(node);
                }
            }
        }
        if stops.is_empty() {
            Ok(nodes)
        } else {
            Err(format!(
                "missing `<{{{}}}>` at the end of the template",
                stops[stops.len() - 1]
            ))
        }
    }

    fn tag(&mut self, segment: &Segment<'a>, name: &str) -> Result<Option<Node<'a>>> {
        let rest = segment.text.trim_start()[name.len()..].trim();
        match name {
            "$" => Ok(Some(Node::Print(parse_expr(segment.text)?))),
            "literal" | "/literal" => Ok(None),
            "if" => {
                let mut branches = Vec::new();
                let mut condition = parse_expr(rest)?;
                loop {
                    let body = self.nodes(&["elseif", "else", "/if"])?;
                    branches.push((condition, body));
                    let stop = self.segments[self.at];
                    self.at += 1;
                    match smarty::tag_name(stop.text) {
                        "elseif" => {
                            condition =
                                parse_expr(stop.text.trim_start()["elseif".len()..].trim())?;
                        }
                        "else" => {
                            let otherwise = self.nodes(&["/if"])?;
                            self.at += 1;
                            return Ok(Some(Node::If(branches, otherwise)));
                        }
                        _ => return Ok(Some(Node::If(branches, Vec::new()))),
                    }
                }
            }
            "section" => {
                let mut attributes = ExprParser::new(rest)?.attributes()?;
                let Some(Expr::Lit(V::Str(section))) = attributes.remove("name") else {
                    return Err("`section` needs `name=`".to_owned());
                };
                let loop_over = attributes.remove("loop").ok_or("`section` needs `loop=`")?;
                if let Some(extra) = attributes.keys().next() {
                    return Err(format!(
                        "`section` attribute `{extra}` is not supported by the built-in engine"
                    ));
                }
                let (body, otherwise) = self.body_and_else("sectionelse", "/section")?;
                Ok(Some(Node::Section {
                    name: section,
                    loop_over,
                    body,
                    otherwise,
                }))
            }
            "foreach" => {
                let mut parser = ExprParser::new(rest)?;
                let (from, item, key) = if matches!(parser.peek(), Some(Tok::Ident(w)) if w == "from")
                {
                    let mut attributes = parser.attributes()?;
                    let from = attributes.remove("from").ok_or("`foreach` needs `from=`")?;
                    let Some(Expr::Lit(V::Str(item))) = attributes.remove("item") else {
                        return Err("`foreach` needs `item=`".to_owned());
                    };
                    let key = match attributes.remove("key") {
                        Some(Expr::Lit(V::Str(key))) => Some(key),
                        _ => None,
                    };
                    (from, item, key)
                } else {
                    let from = parser.modified()?;
                    if !parser.eat_word("as") {
                        return Err("expected `foreach $items as $item`".to_owned());
                    }
                    let Some(Tok::Var(first)) = parser.peek().cloned() else {
                        return Err("expected `$item` after `as`".to_owned());
                    };
                    parser.at += 1;
                    if parser.eat("=>") {
                        let Some(Tok::Var(item)) = parser.peek().cloned() else {
                            return Err("expected `$item` after `=>`".to_owned());
                        };
                        parser.at += 1;
                        (from, item, Some(first))
                    } else {
                        (from, first, None)
                    }
                };
                let (body, otherwise) = self.body_and_else("foreachelse", "/foreach")?;
                Ok(Some(Node::Foreach {
                    from,
                    item,
                    key,
                    body,
                    otherwise,
                }))
            }
            "assign" => {
                let mut attributes = ExprParser::new(rest)?.attributes()?;
                let Some(Expr::Lit(V::Str(var))) = attributes.remove("var") else {
                    return Err("`assign` needs `var=`".to_owned());
                };
                let value = attributes
                    .remove("value")
                    .ok_or("`assign` needs `value=`")?;
                Ok(Some(Node::Assign { var, value }))
            }
            other
                if other.starts_with('/')
                    || matches!(other, "else" | "elseif" | "sectionelse" | "foreachelse") =>
            {
                Err(format!("`<{{{other}}}>` without its opening tag"))
            }
            other => Err(format!(
                "the built-in preview engine does not support `<{{{other}}}>`; install php-cli and smarty4 for a full preview"
            )),
        }
    }

    fn body_and_else(
        &mut self,
        middle: &str,
        close: &str,
    ) -> Result<(Vec<Node<'a>>, Vec<Node<'a>>)> {
        let body = self.nodes(&[middle, close])?;
        let stop = smarty::tag_name(self.segments[self.at].text) == middle;
        self.at += 1;
        if stop {
            let otherwise = self.nodes(&[close])?;
            self.at += 1;
            Ok((body, otherwise))
        } else {
            Ok((body, Vec::new()))
        }
    }
}

fn parse_expr(src: &str) -> Result<Expr> {
    let mut parser = ExprParser::new(src)?;
    let expr = parser.expr()?;
    parser.finish()?;
    Ok(expr)
}

// ---------------------------------------------------------------------------------------------
// Evaluation

struct LoopState {
    /// The section name, or the foreach item variable.
    name: String,
    is_section: bool,
    index: usize,
    total: usize,
}

struct Machine {
    vars: BTreeMap<String, V>,
    loops: Vec<LoopState>,
}

impl Machine {
    fn run(&mut self, nodes: &[Node<'_>], out: &mut String) -> Result<()> {
        for node in nodes {
            match node {
                Node::Text(text) => out.push_str(text),
                Node::Print(expr) => out.push_str(&self.eval(expr)?.to_php_string()?),
                Node::If(branches, otherwise) => {
                    let mut taken = None;
                    for (condition, body) in branches {
                        if self.eval(condition)?.truthy() {
                            taken = Some(body);
                            break;
                        }
                    }
                    self.run(taken.unwrap_or(otherwise), out)?;
                }
                Node::Assign { var, value } => {
                    let value = self.eval(value)?;
                    self.vars.insert(var.clone(), value);
                }
                Node::Section {
                    name,
                    loop_over,
                    body,
                    otherwise,
                } => {
                    let total = match self.eval(loop_over)? {
                        V::Arr(items) => items.len(),
                        V::Null => 0,
                        other => usize::try_from(other.to_int()).unwrap_or(0),
                    };
                    if total == 0 {
                        self.run(otherwise, out)?;
                    }
                    for index in 0..total {
                        let state = LoopState {
                            name: name.clone(),
                            is_section: true,
                            index,
                            total,
                        };
                        self.iteration(state, body, out)?;
                    }
                }
                Node::Foreach {
                    from,
                    item,
                    key,
                    body,
                    otherwise,
                } => {
                    let items = match self.eval(from)? {
                        V::Arr(items) => items,
                        V::Null => Vec::new(),
                        other => return Err(format!("`foreach` over a non-array ({other:?})")),
                    };
                    if items.is_empty() {
                        self.run(otherwise, out)?;
                    }
                    let total = items.len();
                    for (index, (k, v)) in items.into_iter().enumerate() {
                        self.vars.insert(item.clone(), v);
                        if let Some(key) = key {
                            self.vars.insert(key.clone(), V::Str(k));
                        }
                        let state = LoopState {
                            name: item.clone(),
                            is_section: false,
                            index,
                            total,
                        };
                        self.iteration(state, body, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Runs one pass of a loop's body, with `state` as the innermost loop.
    fn iteration(&mut self, state: LoopState, body: &[Node<'_>], out: &mut String) -> Result<()> {
        self.loops.push(state);
        let result = self.run(body, out);
        self.loops.pop();
        result
    }

    fn section(&self, name: &str) -> Option<&LoopState> {
        self.loops
            .iter()
            .rev()
            .find(|l| l.is_section && l.name == name)
    }

    fn eval(&self, expr: &Expr) -> Result<V> {
        match expr {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Array(items) => Ok(V::Arr(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, e)| Ok((i.to_string(), self.eval(e)?)))
                    .collect::<Result<_>>()?,
            )),
            Expr::Var(name, path) => self.variable(name, path),
            Expr::Not(inner) => Ok(V::Bool(!self.eval(inner)?.truthy())),
            Expr::Neg(inner) => Ok(match self.eval(inner)? {
                V::Float(f) => V::Float(-f),
                other => V::Int(other.to_int().saturating_neg()),
            }),
            Expr::Bin(op, left, right) => self.binary(op, left, right),
            Expr::Call(name, args) => self.call(name, args),
            Expr::Modified(value, modifiers) => {
                let mut value = self.eval(value)?;
                for (name, args) in modifiers {
                    let args = args
                        .iter()
                        .map(|a| self.eval(a))
                        .collect::<Result<Vec<_>>>()?;
                    value = modify(name, value, &args)?;
                }
                Ok(value)
            }
        }
    }

    // The operands and their numbers keep PHP's short names.
    #[allow(clippy::many_single_char_names)]
    fn binary(&self, op: &str, left: &Expr, right: &Expr) -> Result<V> {
        let a = self.eval(left)?;
        if op == "&&" {
            return Ok(V::Bool(a.truthy() && self.eval(right)?.truthy()));
        }
        if op == "||" {
            return Ok(V::Bool(a.truthy() || self.eval(right)?.truthy()));
        }
        let b = self.eval(right)?;
        let ordering = || compare(&a, &b);
        Ok(match op {
            "==" => V::Bool(loose_eq(&a, &b)),
            "!=" => V::Bool(!loose_eq(&a, &b)),
            "===" => V::Bool(strict_eq(&a, &b)),
            "!==" => V::Bool(!strict_eq(&a, &b)),
            "<" => V::Bool(ordering().is_lt()),
            ">" => V::Bool(ordering().is_gt()),
            "<=" => V::Bool(ordering().is_le()),
            ">=" => V::Bool(ordering().is_ge()),
            arithmetic => {
                let (x, y) = (
                    a.as_number().unwrap_or(Number::Int(a.to_int())),
                    b.as_number().unwrap_or(Number::Int(b.to_int())),
                );
                match (arithmetic, x, y) {
                    ("+", Number::Int(x), Number::Int(y)) => V::Int(x.saturating_add(y)),
                    ("-", Number::Int(x), Number::Int(y)) => V::Int(x.saturating_sub(y)),
                    ("*", Number::Int(x), Number::Int(y)) => V::Int(x.saturating_mul(y)),
                    ("%", _, _) if y.as_f64() == 0.0 => return Err("modulo by zero".to_owned()),
                    ("%", _, _) => V::Int(a.to_int() % b.to_int()),
                    ("/", _, _) if y.as_f64() == 0.0 => return Err("division by zero".to_owned()),
                    ("+", _, _) => V::Float(x.as_f64() + y.as_f64()),
                    ("-", _, _) => V::Float(x.as_f64() - y.as_f64()),
                    ("*", _, _) => V::Float(x.as_f64() * y.as_f64()),
                    ("/", _, _) => {
                        let q = x.as_f64() / y.as_f64();
                        if q.fract() == 0.0 && matches!((x, y), (Number::Int(_), Number::Int(_))) {
                            V::Int(float_to_int(q))
                        } else {
                            V::Float(q)
                        }
                    }
                    _ => return Err(format!("operator `{arithmetic}` is not supported")),
                }
            }
        })
    }

    fn call(&self, name: &str, args: &[Expr]) -> Result<V> {
        match (name, args) {
            ("isset", [expr]) => Ok(V::Bool(self.eval(expr).is_ok_and(|v| v != V::Null))),
            ("empty", [expr]) => Ok(V::Bool(!self.eval(expr).is_ok_and(|v| v.truthy()))),
            ("count", [expr]) => Ok(count(&self.eval(expr)?)),
            ("in_array", [needle, haystack, rest @ ..]) if rest.len() <= 1 => {
                let needle = self.eval(needle)?;
                let strict = match rest.first() {
                    Some(flag) => self.eval(flag)?.truthy(),
                    None => false,
                };
                let V::Arr(items) = self.eval(haystack)? else {
                    return Err("`in_array` needs an array".to_owned());
                };
                Ok(V::Bool(items.iter().any(|(_, v)| {
                    if strict {
                        strict_eq(&needle, v)
                    } else {
                        loose_eq(&needle, v)
                    }
                })))
            }
            _ => Err(format!(
                "the built-in preview engine does not support the function `{name}` with {} arguments",
                args.len()
            )),
        }
    }

    fn variable(&self, name: &str, path: &[Access]) -> Result<V> {
        if name == "smarty" {
            return self.smarty_variable(path);
        }
        let mut value = self.vars.get(name).cloned().unwrap_or(V::Null);
        for access in path {
            value = match access {
                Access::Key(key) => element(&value, key),
                Access::Index(expr) => element(&value, &self.eval(expr)?.to_php_string()?),
                Access::Section(section) => {
                    let state = self
                        .section(section)
                        .ok_or_else(|| format!("`[{section}]` outside section `{section}`"))?;
                    element(&value, &state.index.to_string())
                }
                Access::Method(method, args) => {
                    for arg in args {
                        self.eval(arg)?;
                    }
                    match &value {
                        V::Obj(methods) => methods.get(method).cloned().unwrap_or(V::Null),
                        other => {
                            return Err(format!(
                                "call to `{method}()` on a non-object ({})",
                                type_name(other)
                            ));
                        }
                    }
                }
                Access::At(property) => {
                    let state = self
                        .loops
                        .iter()
                        .rev()
                        .find(|l| !l.is_section && l.name == name)
                        .ok_or_else(|| format!("`${name}@{property}` outside its foreach"))?;
                    loop_property(state, property)?
                }
            };
        }
        Ok(value)
    }

    fn smarty_variable(&self, path: &[Access]) -> Result<V> {
        match path {
            [Access::Key(kind), Access::Key(name), Access::Key(property)] if kind == "section" => {
                let state = self
                    .section(name)
                    .ok_or_else(|| format!("`$smarty.section.{name}` outside section `{name}`"))?;
                loop_property(state, property)
            }
            _ => Err(
                "only `$smarty.section.<name>.<property>` is supported by the built-in engine"
                    .to_owned(),
            ),
        }
    }
}

fn loop_property(state: &LoopState, property: &str) -> Result<V> {
    let as_int = |n: usize| V::Int(i64::try_from(n).unwrap_or(i64::MAX));
    Ok(match property {
        "index" => as_int(state.index),
        "iteration" | "rownum" => as_int(state.index + 1),
        "first" => V::Bool(state.index == 0),
        "last" => V::Bool(state.index + 1 == state.total),
        "total" => as_int(state.total),
        other => return Err(format!("loop property `{other}` is not supported")),
    })
}

fn element(value: &V, key: &str) -> V {
    match value {
        V::Arr(items) => items
            .iter()
            .find(|(k, _)| k == key)
            .map_or(V::Null, |(_, v)| v.clone()),
        _ => V::Null,
    }
}

fn count(value: &V) -> V {
    match value {
        V::Arr(items) => V::Int(i64::try_from(items.len()).unwrap_or(i64::MAX)),
        V::Null => V::Int(0),
        _ => V::Int(1),
    }
}

fn type_name(value: &V) -> &'static str {
    match value {
        V::Null => "null",
        V::Bool(_) => "bool",
        V::Int(_) => "int",
        V::Float(_) => "float",
        V::Str(_) => "string",
        V::Arr(_) => "array",
        V::Obj(_) => "object",
    }
}

// ---------------------------------------------------------------------------------------------
// Modifiers

fn modify(name: &str, value: V, args: &[V]) -> Result<V> {
    let text = |v: &V| v.to_php_string();
    let arg = |i: usize| args.get(i).map(text).transpose();
    Ok(match name {
        "escape" => {
            let kind = arg(0)?.unwrap_or_else(|| "html".to_owned());
            let s = text(&value)?;
            V::Str(match kind.as_str() {
                "html" => html_escape(&s),
                "javascript" => js_escape(&s),
                "url" => raw_url_encode(&s),
                other => {
                    return Err(format!(
                        "`escape:\"{other}\"` is not supported by the built-in engine"
                    ));
                }
            })
        }
        "replace" => {
            let (search, replace) = (arg(0)?.unwrap_or_default(), arg(1)?.unwrap_or_default());
            let s = text(&value)?;
            V::Str(if search.is_empty() {
                s
            } else {
                s.replace(&search, &replace)
            })
        }
        "regex_replace" => {
            let pattern = arg(0)?.unwrap_or_default();
            let replacement = arg(1)?.unwrap_or_default();
            if !replacement.is_empty() {
                return Err("`regex_replace` with a non-empty replacement is not supported by the built-in engine".to_owned());
            }
            let s = text(&value)?;
            V::Str(match pattern.as_str() {
                URL_PATTERN => {
                    let lower = s.get(..8).unwrap_or(&s).to_ascii_lowercase();
                    if lower.starts_with("http://") || lower.starts_with("https://") {
                        s
                    } else {
                        String::new()
                    }
                }
                CSS_PATTERN => s
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || " #%,.-".contains(*c))
                    .collect(),
                COLOR_PATTERN => {
                    let hex = s.strip_prefix('#').unwrap_or("");
                    if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        s
                    } else {
                        String::new()
                    }
                }
                other => {
                    return Err(format!(
                        "`regex_replace:'{other}'` is not supported by the built-in engine (only the accessors' patterns are)"
                    ));
                }
            })
        }
        "string_format" => V::Str(sprintf(&arg(0)?.unwrap_or_default(), &value)?),
        "default" => {
            if value == V::Null || value == V::Str(String::new()) {
                args.first().cloned().unwrap_or(V::Str(String::new()))
            } else {
                value
            }
        }
        "lower" => V::Str(text(&value)?.to_lowercase()),
        "upper" => V::Str(text(&value)?.to_uppercase()),
        "strip" => {
            let replacement = arg(0)?.unwrap_or_else(|| " ".to_owned());
            let mut out = String::new();
            let mut in_space = false;
            for c in text(&value)?.chars() {
                // PCRE's `\s` in UTF mode without UCP: ASCII whitespace only.
                if matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c') {
                    if !in_space {
                        out.push_str(&replacement);
                    }
                    in_space = true;
                } else {
                    out.push(c);
                    in_space = false;
                }
            }
            V::Str(out)
        }
        "cat" => {
            let mut s = text(&value)?;
            for a in args {
                s.push_str(&text(a)?);
            }
            V::Str(s)
        }
        "count" => count(&value),
        other => {
            return Err(format!(
                "the modifier `{other}` is not supported by the built-in engine"
            ));
        }
    })
}

/// `htmlspecialchars($s, ENT_QUOTES, 'UTF-8')`.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            c => out.push(c),
        }
    }
    out
}

/// Smarty 4's `escape:"javascript"` (a `strtr` table; longest match first).
fn js_escape(s: &str) -> String {
    const TABLE: &[(&str, &str)] = &[
        ("<!--", "<\\!--"),
        ("</", "<\\/"),
        ("<s", "<\\s"),
        ("<S", "<\\S"),
        ("${", "\\$\\{"),
        ("\\", "\\\\"),
        ("'", "\\'"),
        ("\"", "\\\""),
        ("\r", "\\r"),
        ("\n", "\\n"),
        ("`", "\\`"),
    ];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    'outer: while let Some(c) = rest.chars().next() {
        for (from, to) in TABLE {
            if let Some(after) = rest.strip_prefix(from) {
                out.push_str(to);
                rest = after;
                continue 'outer;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// PHP's `rawurlencode`.
fn raw_url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// PHP's `sprintf` for one `%d`, `%s`, `%F`/`%f` (with precision) conversion in `format`.
fn sprintf(format: &str, value: &V) -> Result<String> {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut used = false;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut precision = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            precision = Some(
                digits
                    .parse::<usize>()
                    .map_err(|_| format!("bad precision in `{format}`"))?,
            );
        }
        if used {
            return Err(format!(
                "`string_format:\"{format}\"` has more than one conversion"
            ));
        }
        used = true;
        match chars.next() {
            Some('d') if precision.is_none() => out.push_str(&value.to_int().to_string()),
            Some('s') if precision.is_none() => out.push_str(&value.to_php_string()?),
            Some('F' | 'f') => {
                let _ = write!(out, "{:.*}", precision.unwrap_or(6), value.to_float());
            }
            other => {
                return Err(format!(
                    "`string_format:\"{format}\"` ({other:?}) is not supported by the built-in engine"
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render_with(template: &str, vars: &Json) -> String {
        render(template, vars.as_object().unwrap()).unwrap()
    }

    #[test]
    fn prints_conditions_and_loops() {
        let vars = json!({
            "app_vars": {"on": "Yes", "n": "12abc", "k": "it's"},
            "order": {"$object": {"getProducts": [{"$object": {"getName": "a"}}, {"$object": {"getName": "b'"}}]}},
        });
        let template = r#"<{if in_array($app_vars.on|default:''|lower|strip:'', ['1', 'true', 'on', 'yes'], true)}>on<{else}>off<{/if}>|<{$app_vars.n|string_format:"%d"}>|<{if $app_vars.k == 'it\'s'}>k<{/if}>|<{assign var="l" value=$order->getProducts()}><{section name="i" loop=$l}><{$l[i]->getName()|escape:"javascript"}><{if !$smarty.section.i.last}>,<{/if}><{/section}>|<{foreach $l as $x}><{$x@iteration}><{/foreach}>"#;
        assert_eq!(render_with(template, &vars), r"on|12|k|a,b\'|12");
    }

    #[test]
    fn newlines_after_silent_tags_are_dropped_as_smarty_does() {
        let vars = json!({"x": "X", "a": [1, 2]});
        assert_eq!(render_with("A<{$x}>\r\nB\rC", &vars), "AX\nB\nC");
        assert_eq!(
            render_with("A<{if $x}>\n\nB<{/if}>\nC<{* c *}>\nD", &vars),
            "A\nBCD"
        );
        assert_eq!(
            render_with(
                "A<{section name=i loop=$a}>\n[<{$a[i]}>]\n<{/section}>\nZ",
                &vars
            ),
            "A[1]\n[2]\nZ"
        );
        assert_eq!(
            render_with("A<{literal}>\nL<{/literal}>\nB", &vars),
            "A\nL\nB"
        );
    }

    #[test]
    fn php_numbers_and_comparisons() {
        assert_eq!(V::Str(" 12.7e1x".into()).to_int(), 127);
        assert_eq!(V::Str("abc".into()).to_int(), 0);
        assert!(loose_eq(&V::Str("1".into()), &V::Str("01".into())));
        assert!(!loose_eq(&V::Str("abc".into()), &V::Int(0)));
        assert!(loose_eq(&V::Null, &V::Str(String::new())));
        assert_eq!(
            sprintf("%.2F", &V::Str("199.955".into())).unwrap(),
            "199.96"
        );
        assert_eq!(php_float(0.1 + 0.2), "0.3");
    }

    #[test]
    fn unsupported_constructs_are_errors() {
        let vars = json!({});
        for template in [
            "<{include file='x'}>",
            "<{$x|truncate:3}>",
            "<{if}>",
            "<{/if}>",
            "<{$x|regex_replace:'/a/':''}>",
        ] {
            assert!(
                render(template, vars.as_object().unwrap()).is_err(),
                "{template}"
            );
        }
    }

    #[test]
    fn javascript_escape_matches_smarty() {
        assert_eq!(
            js_escape("</script><!--<s`${x}'\"\\\n\r"),
            r#"<\/script><\!--<\s\`\$\{x}\'\"\\\n\r"#
        );
    }
}
