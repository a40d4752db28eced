//! Shared by the `snippet_*` suites: snippet templates over a suite's settings, a manifest
//! to put them in, the real Smarty engine (or a skip), HTML tokens, a JavaScript lexer, and a
//! node cross-check.
#![allow(dead_code, unreachable_pub, unused_imports, unused_macros)]

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use html5gum::{DefaultEmitter, Token, Tokenizer};
use shoporama_app::fields::{FieldKind, ListOption};
use shoporama_app::manifest::{Access, AppManifest, ManifestField, ManifestSnippet};
use shoporama_app::snippet::{Engine, Page, Placement, RenderJob, SmartyEngine};

/// `snippet!(Name, "askama source")`: a snippet template as `#[shoporama_app]` generates it, a
/// tuple struct around the calling suite's `Scope<Vars>` that dereferences to it, with
/// `Name::code()`, the Smarty it renders to with the suite's `fn scope() -> Scope<Vars>`.
macro_rules! snippet {
    ($name:ident, $source:literal) => {
        #[derive(::shoporama_app::__private::askama::Template)]
        #[template(source = $source, ext = "txt", askama = ::shoporama_app::__private::askama)]
        struct $name(::shoporama_app::snippet::Scope<Vars>);

        impl ::std::ops::Deref for $name {
            type Target = ::shoporama_app::snippet::Scope<Vars>;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl $name {
            fn code() -> String {
                ::shoporama_app::__private::askama::Template::render(&Self(scope()))
                    .expect("renders")
            }
        }
    };
}
pub(crate) use snippet;

/// A field of a test manifest: labelled by its name, required unless it has a default, and a
/// list field with the one option `basic`.
pub fn field(name: &str, kind: FieldKind, default: serde_json::Value) -> ManifestField {
    ManifestField {
        secret: false,
        name: name.to_owned(),
        label: name.replace('_', " "),
        help: None,
        kind,
        required: default.is_null(),
        default,
        options: (kind == FieldKind::List).then(|| vec![ListOption::new("basic", "Basic")]),
        external_list: None,
        rename_from: Vec::new(),
        invalid_default: None,
    }
}

/// A snippet of a test manifest.
pub fn manifest_snippet(
    placement: Placement,
    pages: &[Page],
    code: impl Into<String>,
) -> ManifestSnippet {
    ManifestSnippet {
        placement,
        pages: pages.to_vec(),
        code: code.into(),
    }
}

/// A read-only, free app with these fields and snippets.
pub fn manifest(
    name: &str,
    fields: Vec<ManifestField>,
    snippets: Vec<ManifestSnippet>,
) -> AppManifest {
    AppManifest {
        name: name.to_owned(),
        description: String::new(),
        category: None,
        access: Access::Read,
        monthly_price: 0,
        callback_url: None,
        allowed_shops: Vec::new(),
        webhooks: Vec::new(),
        events: Vec::new(),
        fields,
        snippets,
    }
}

/// The real engine; `None` (after saying so) when this machine lacks php or smarty4, unless
/// `SHOPORAMA_REQUIRE_ALL=1`, where a missing engine fails the test.
pub fn smarty(test: &str) -> Option<SmartyEngine> {
    // Detecting runs php: once per test binary.
    static DETECTED: OnceLock<Option<SmartyEngine>> = OnceLock::new();
    let engine = DETECTED.get_or_init(SmartyEngine::detect).clone();
    if engine.is_none() {
        shoporama_app::testing::skip::skip(
            test,
            &format!(
                "php-cli with mbstring and smarty4 ({}) are not installed",
                shoporama_app::snippet::DEBIAN_SMARTY4
            ),
        );
    }
    engine
}

/// The built-in engine, and the real one when this machine has it (see [`smarty`]).
pub fn engines(test: &str) -> Vec<Engine> {
    let mut engines = vec![Engine::Builtin];
    engines.extend(smarty(test).map(Engine::Smarty));
    engines
}

/// Renders with `engine`, requiring success and no PHP notice.
pub fn render_all(engine: &Engine, jobs: &[RenderJob]) -> Vec<String> {
    let rendered = engine.render(jobs).expect("the engine runs");
    assert_eq!(rendered.len(), jobs.len());
    rendered
        .into_iter()
        .zip(jobs)
        .map(|(r, job)| {
            assert!(
                r.notices.is_empty(),
                "notices {:?} rendering {:?}",
                r.notices,
                job.template
            );
            r.output
                .unwrap_or_else(|e| panic!("{e}\nrendering {:?}", job.template))
        })
        .collect()
}

/// An HTML token, decoded (character references resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Html {
    Start {
        name: String,
        attributes: Vec<(String, String)>,
    },
    End(String),
    Text(String),
    Comment(String),
}

/// Tokenizes `html` as a browser does (script and style contents are raw text).
pub fn html_tokens(html: &str) -> Vec<Html> {
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut tokens: Vec<Html> = Vec::new();
    for token in Tokenizer::new_with_emitter(html, emitter) {
        let Ok(token) = token;
        let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).expect("utf-8");
        match token {
            Token::StartTag(tag) => tokens.push(Html::Start {
                name: text(&tag.name),
                attributes: tag
                    .attributes
                    .iter()
                    .map(|(k, v)| (text(k), text(v)))
                    .collect(),
            }),
            Token::EndTag(tag) => tokens.push(Html::End(text(&tag.name))),
            Token::String(s) => {
                let s = text(&s);
                if let Some(Html::Text(previous)) = tokens.last_mut() {
                    previous.push_str(&s);
                } else {
                    tokens.push(Html::Text(s));
                }
            }
            Token::Comment(c) => tokens.push(Html::Comment(text(&c))),
            Token::Doctype(_) | Token::Error(_) => {}
        }
    }
    tokens
}

/// The start tags, by name.
pub fn start_tags(tokens: &[Html]) -> Vec<(&str, &[(String, String)])> {
    tokens
        .iter()
        .filter_map(|t| match t {
            Html::Start { name, attributes } => Some((name.as_str(), attributes.as_slice())),
            _ => None,
        })
        .collect()
}

/// The text inside the only `<name>` element.
pub fn element_text(tokens: &[Html], name: &str) -> String {
    let start = tokens
        .iter()
        .position(|t| matches!(t, Html::Start { name: n, .. } if n == name))
        .expect("element");
    match &tokens[start + 1] {
        Html::Text(text) => text.clone(),
        Html::End(end) if end == name => String::new(),
        other => panic!("expected text in <{name}>, found {other:?}"),
    }
}

/// The text of the only `<script>` element.
pub fn script_text(tokens: &[Html]) -> String {
    let scripts = start_tags(tokens)
        .iter()
        .filter(|(name, _)| *name == "script")
        .count();
    assert_eq!(scripts, 1, "one script expected: {tokens:?}");
    element_text(tokens, "script")
}

/// A JavaScript token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Js {
    Ident(String),
    Punct(String),
    Number(String),
    /// A string literal's value.
    Str(String),
    /// A template literal (no substitutions) value.
    Template(String),
    Comment(String),
}

/// A JavaScript lexer for the scripts snippets print: identifiers, punctuation, numbers, string
/// and template literals (decoded per ECMAScript), comments. An unterminated literal, a raw
/// line break in a string, or a `${` substitution is an error. `raw_separators` counts raw
/// U+2028/U+2029 inside literals (valid since ES2019, a syntax error before).
pub fn js_tokens(script: &str) -> Result<(Vec<Js>, usize), String> {
    let chars: Vec<char> = script.chars().collect();
    let mut tokens = Vec::new();
    let mut raw_separators = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            let end = chars[i..]
                .iter()
                .position(|c| matches!(c, '\n' | '\r'))
                .map_or(chars.len(), |p| i + p);
            tokens.push(Js::Comment(chars[i..end].iter().collect()));
            i = end;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let rest: String = chars[i..].iter().collect();
            let end = rest.find("*/").ok_or("unterminated comment")?;
            tokens.push(Js::Comment(rest[..end + 2].to_owned()));
            i += rest[..end + 2].chars().count();
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            tokens.push(Js::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            tokens.push(Js::Number(chars[start..i].iter().collect()));
        } else if matches!(c, '\'' | '"' | '`') {
            let mut value = String::new();
            i += 1;
            loop {
                let Some(&d) = chars.get(i) else {
                    return Err(format!("unterminated {c} literal"));
                };
                i += 1;
                if d == c {
                    break;
                }
                match d {
                    '\\' => {
                        let e = *chars.get(i).ok_or("dangling backslash")?;
                        i += 1;
                        match e {
                            'n' => value.push('\n'),
                            'r' => value.push('\r'),
                            't' => value.push('\t'),
                            'b' => value.push('\u{8}'),
                            'f' => value.push('\u{c}'),
                            'v' => value.push('\u{b}'),
                            '0' if !chars.get(i).is_some_and(char::is_ascii_digit) => {
                                value.push('\0');
                            }
                            'x' => {
                                let hex: String =
                                    chars.get(i..i + 2).ok_or("short \\x")?.iter().collect();
                                value.push(
                                    char::from_u32(
                                        u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?,
                                    )
                                    .ok_or("bad \\x")?,
                                );
                                i += 2;
                            }
                            'u' => {
                                let (code, used) = if chars.get(i) == Some(&'{') {
                                    let end = chars[i..]
                                        .iter()
                                        .position(|c| *c == '}')
                                        .ok_or("bad \\u{")?;
                                    let hex: String = chars[i + 1..i + end].iter().collect();
                                    (
                                        u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?,
                                        end + 1,
                                    )
                                } else {
                                    let hex: String =
                                        chars.get(i..i + 4).ok_or("short \\u")?.iter().collect();
                                    (u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?, 4)
                                };
                                value.push(char::from_u32(code).ok_or("bad \\u")?);
                                i += used;
                            }
                            '\r' => {
                                if chars.get(i) == Some(&'\n') {
                                    i += 1;
                                }
                            }
                            '\n' | '\u{2028}' | '\u{2029}' => {}
                            other => value.push(other),
                        }
                    }
                    '\n' | '\r' if c != '`' => {
                        return Err(format!("raw line break in a {c} string"));
                    }
                    '$' if c == '`' && chars.get(i) == Some(&'{') => {
                        return Err("`${` substitution in a template literal".to_owned());
                    }
                    '\u{2028}' | '\u{2029}' => {
                        raw_separators += 1;
                        value.push(d);
                    }
                    other => value.push(other),
                }
            }
            tokens.push(if c == '`' {
                Js::Template(value)
            } else {
                Js::Str(value)
            });
        } else {
            const PUNCT: &[&str] = &[
                "===", "!==", "==", "!=", "=>", "<=", ">=", "&&", "||", "++", "--",
            ];
            let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
            let p = PUNCT
                .iter()
                .find(|p| rest.starts_with(**p))
                .map_or_else(|| c.to_string(), |p| (*p).to_owned());
            i += p.chars().count();
            tokens.push(Js::Punct(p));
        }
    }
    Ok((tokens, raw_separators))
}

/// Shorthands for expected token sequences.
pub fn ident(s: &str) -> Js {
    Js::Ident(s.to_owned())
}

pub fn punct(s: &str) -> Js {
    Js::Punct(s.to_owned())
}

pub fn string(s: &str) -> Js {
    Js::Str(s.to_owned())
}

/// Evaluates each program with node (`vm.runInNewContext`, the value of its last expression as
/// JSON), in one process. `None` when node is not installed.
pub fn node_eval(programs: &[String]) -> Option<Vec<Result<serde_json::Value, String>>> {
    const RUNNER: &str = r"
const vm = require('vm');
let input = '';
process.stdin.on('data', d => input += d);
process.stdin.on('end', () => {
  const out = JSON.parse(input).map(p => {
    try { return { ok: JSON.stringify(vm.runInNewContext(p)) }; } catch (e) { return { err: String(e) }; }
  });
  process.stdout.write(JSON.stringify(out));
});";
    let mut child = Command::new("node")
        .args(["-e", RUNNER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()?
        .write_all(serde_json::to_string(programs).ok()?.as_bytes())
        .ok()?;
    let output = child.wait_with_output().ok()?;
    assert!(output.status.success(), "node failed");
    let results: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("node's answer");
    Some(
        results
            .into_iter()
            .map(
                |r| match (r.get("ok").and_then(|v| v.as_str()), r.get("err")) {
                    (Some(json), _) => {
                        Ok(serde_json::from_str(json).unwrap_or(serde_json::Value::Null))
                    }
                    (None, Some(err)) => Err(err.to_string()),
                    (None, None) => Ok(serde_json::Value::Null),
                },
            )
            .collect(),
    )
}

/// Percent-decodes `s`.
pub fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Setting values that try to break out of every context.
pub const HOSTILE: &[&str] = &[
    "plain value",
    "it's",
    "say \"hi\"",
    "both ' and \" quotes",
    "</script><script>alert(1)</script>",
    "</SCRIPT >",
    "\"><img src=x onerror=alert(1)>",
    "'><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "back\\slash\\",
    "\\",
    "\\'",
    "line\nbreak\r\nand\rcr",
    "sep\u{2028}and\u{2029}para",
    "æøå ÆØÅ – “quotes” 🙂",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://example.com/?a=1&b=\"2\"#x",
    "http://x.test/'onmouseover='alert(1)",
    "`${alert(1)}`",
    "<!--<script>",
    "&amp; &lt; &#39;",
    "<{$app_vars.secret}>{$x}",
    "red;}</style><script>alert(1)</script>",
    "expression(alert(1))",
    "url(javascript:alert(1))",
    "\\3c/style\\3e",
    "-->",
    "",
    "   ",
    "0",
    "12abc",
    "-7",
];
