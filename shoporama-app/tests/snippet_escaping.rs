//! Every accessor, rendered by the real Smarty 4 over a matrix of hostile setting values, must
//! keep the value inside its context. Checked by parsing the output (HTML tokens, JavaScript
//! tokens, node), never by string matching; and the built-in engine must agree with Smarty.

#[path = "smarty/support.rs"]
mod support;

use std::sync::OnceLock;

use serde_json::{Map, Value, json};
use shoporama_app::__private::askama::{self, Template};
use shoporama_app::fields::SettingType;
use shoporama_app::snippet::{
    BooleanVar, ColorVar, Engine, FromSetting, IntegerVar, ListVar, RawVar, RenderJob, Scope,
    TextVar,
};
use support::{
    HOSTILE, Html, Js, engines, html_tokens, ident, js_tokens, node_eval, punct, render_all,
    script_text, snippet, start_tags,
};

/// What `#[shoporama_app]` generates for a settings struct: one typed reference per field.
struct Vars {
    text: TextVar,
    number: IntegerVar,
    flag: BooleanVar,
    choice: ListVar<String>,
    color: ColorVar,
    code: RawVar,
    rich: RawVar,
}

fn scope() -> Scope<Vars> {
    Scope::new(Vars {
        text: FromSetting::from_setting("text"),
        number: FromSetting::from_setting("number"),
        flag: FromSetting::from_setting("flag"),
        choice: FromSetting::from_setting("choice"),
        color: FromSetting::from_setting("color"),
        code: FromSetting::from_setting("code"),
        rich: FromSetting::from_setting("rich"),
    })
}

snippet!(HtmlText, "<p>{{ app.text }}</p>");
snippet!(
    Attributes,
    r#"<div data-x="{{ app.text.attr() }}" title='{{ app.text.attr() }}'></div>"#
);
snippet!(
    Script,
    "<script>var v = {{ app.text.js() }}; var w = \"{{ app.text.js_inner() }}\"; var t = `{{ app.text.js_inner() }}`;</script>"
);
snippet!(
    Urls,
    r#"<a href="{{ app.text.url() }}">x</a><img src="https://x.test/p?id={{ app.text.url_component() }}">"#
);
snippet!(
    Css,
    r#"<style>.x { color: {{ app.text.css() }}; }</style><div style="color: {{ app.text.css() }}"></div>"#
);
snippet!(
    Numbers,
    r#"<script>var n = {{ app.number }};</script><p data-n="{{ app.number.attr() }}">{{ app.number }}</p>"#
);
snippet!(
    Flags,
    r#"<script>var b = {{ app.flag }};</script>{{ app.flag.if_true() }}<i id="on"></i>{{ smarty.else_() }}<i id="off"></i>{{ smarty.end_if() }}"#
);
snippet!(
    Presence,
    r#"{{ app.text.if_set() }}<i id="set"></i>{{ smarty.end_if() }}{{ app.text.if_blank() }}<i id="blank"></i>{{ smarty.end_if() }}"#
);
snippet!(
    Colors,
    r#"<div style="background: {{ app.color }}"></div><script>var c = {{ app.color.js() }};</script>"#
);
snippet!(Raw, "[{{ app.code }}|{{ app.rich.raw() }}]");
snippet!(
    ListKey,
    r#"<p data-k="{{ app.choice.attr() }}">{{ app.choice }}</p><script>var k = {{ app.choice.js() }};</script>"#
);

fn vars(value: &Value) -> Map<String, Value> {
    let mut app_vars = Map::new();
    for field in ["text", "number", "flag", "choice", "color", "code", "rich"] {
        app_vars.insert(field.to_owned(), value.clone());
    }
    let mut vars = Map::new();
    vars.insert("app_vars".to_owned(), Value::Object(app_vars));
    vars
}

/// Each template over each hostile value.
fn matrix() -> (Vec<(&'static str, String)>, Vec<RenderJob>) {
    let templates = [
        ("html", HtmlText::code()),
        ("attr", Attributes::code()),
        ("js", Script::code()),
        ("url", Urls::code()),
        ("css", Css::code()),
        ("number", Numbers::code()),
        ("flag", Flags::code()),
        ("presence", Presence::code()),
        ("color", Colors::code()),
        ("raw", Raw::code()),
        ("list", ListKey::code()),
    ];
    let mut cases = Vec::new();
    let mut jobs = Vec::new();
    for (kind, template) in &templates {
        for value in HOSTILE {
            cases.push((*kind, (*value).to_owned()));
            jobs.push(RenderJob::new(template.clone(), vars(&json!(value))));
        }
    }
    (cases, jobs)
}

fn only_element<'a>(tokens: &'a [Html], name: &str) -> &'a [(String, String)] {
    let starts = start_tags(tokens);
    assert_eq!(
        starts.len(),
        1,
        "exactly one element expected, got {starts:?}"
    );
    assert_eq!(starts[0].0, name);
    starts[0].1
}

fn attribute<'a>(attributes: &'a [(String, String)], name: &str) -> &'a str {
    attributes.iter().find(|(k, _)| k == name).map_or_else(
        || panic!("no attribute {name} in {attributes:?}"),
        |(_, v)| v,
    )
}

fn is_http(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// PHP's `(int)` of a string, for the values of the matrix.
fn php_int(value: &str) -> i64 {
    let trimmed = value.trim_start();
    let end = trimmed
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
        .map_or(trimmed.len(), |(i, _)| i);
    trimmed[..end].parse().unwrap_or(0)
}

/// What a browser reads back from HTML text or an attribute: its input stream preprocessing
/// turns CR LF and CR into LF.
fn as_html_reads(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\r', "\n")
}

fn check(kind: &str, value: &str, output: &str, scripts: &mut Vec<(String, String, Vec<String>)>) {
    let tokens = html_tokens(output);
    let html_value = as_html_reads(value);
    match kind {
        "html" => {
            only_element(&tokens, "p");
            assert_eq!(support::element_text(&tokens, "p"), html_value);
        }
        "attr" => {
            let attributes = only_element(&tokens, "div");
            assert_eq!(attributes.len(), 2, "{attributes:?}");
            assert_eq!(attribute(attributes, "data-x"), html_value);
            assert_eq!(attribute(attributes, "title"), html_value);
        }
        "js" => {
            let script = script_text(&tokens);
            let (js, raw_separators) =
                js_tokens(&script).unwrap_or_else(|e| panic!("{e} in {script:?}"));
            assert_eq!(
                raw_separators, 0,
                "raw U+2028/U+2029 break pre-ES2019 parsers: {script:?}"
            );
            let expected = [
                ident("var"),
                ident("v"),
                punct("="),
                Js::Str(value.to_owned()),
                punct(";"),
                ident("var"),
                ident("w"),
                punct("="),
                Js::Str(value.to_owned()),
                punct(";"),
                ident("var"),
                ident("t"),
                punct("="),
                Js::Template(value.to_owned()),
                punct(";"),
            ];
            assert_eq!(js, expected, "script {script:?}");
            scripts.push((script, "[v, w, t]".to_owned(), vec![value.to_owned(); 3]));
        }
        "url" => {
            let starts = start_tags(&tokens);
            assert_eq!(starts.iter().map(|s| s.0).collect::<Vec<_>>(), ["a", "img"]);
            let href = attribute(starts[0].1, "href");
            assert_eq!(
                href,
                if is_http(value) {
                    html_value.as_str()
                } else {
                    ""
                },
                "href"
            );
            assert!(!href.trim().to_ascii_lowercase().starts_with("javascript:"));
            let src = attribute(starts[1].1, "src");
            let query = src
                .strip_prefix("https://x.test/p?id=")
                .expect("src prefix");
            assert!(
                query
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)),
                "{query}"
            );
            assert_eq!(support::percent_decode(query), value.as_bytes());
        }
        "css" => {
            let starts = start_tags(&tokens);
            assert_eq!(
                starts.iter().map(|s| s.0).collect::<Vec<_>>(),
                ["style", "div"]
            );
            let css = support::element_text(&tokens, "style");
            let declaration = css
                .strip_prefix(".x { color: ")
                .and_then(|c| c.strip_suffix("; }"))
                .expect("one rule");
            let style = attribute(starts[1].1, "style");
            assert_eq!(starts[1].1.len(), 1);
            for printed in [declaration, style.strip_prefix("color: ").expect("style")] {
                assert!(
                    printed
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " #%,.-".contains(c)),
                    "{printed:?}"
                );
                let kept: String = value
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || " #%,.-".contains(*c))
                    .collect();
                assert_eq!(printed, kept);
            }
        }
        "number" => {
            let script = script_text(&tokens);
            let (js, _) = js_tokens(&script).unwrap();
            let n = php_int(value);
            let mut expected = vec![ident("var"), ident("n"), punct("=")];
            if n < 0 {
                expected.push(punct("-"));
            }
            expected.extend([Js::Number(n.abs().to_string()), punct(";")]);
            assert_eq!(js, expected);
            let p = start_tags(&tokens)
                .into_iter()
                .find(|s| s.0 == "p")
                .expect("p");
            assert_eq!(attribute(p.1, "data-n"), n.to_string());
            assert_eq!(start_tags(&tokens).len(), 2);
        }
        "flag" => {
            // Exactly the settings parser's reading; a value it rejects is off.
            let on = bool::parse_setting(&json!(value)).unwrap_or(false);
            let script = script_text(&tokens);
            let (js, _) = js_tokens(&script).unwrap();
            assert_eq!(
                js,
                [
                    ident("var"),
                    ident("b"),
                    punct("="),
                    ident(if on { "true" } else { "false" }),
                    punct(";")
                ]
            );
            let ids: Vec<&str> = start_tags(&tokens)
                .iter()
                .filter(|s| s.0 == "i")
                .map(|s| attribute(s.1, "id"))
                .collect();
            assert_eq!(ids, [if on { "on" } else { "off" }], "{value:?}");
        }
        "presence" => {
            let ids: Vec<&str> = start_tags(&tokens)
                .iter()
                .map(|s| attribute(s.1, "id"))
                .collect();
            assert_eq!(
                ids,
                [if value.trim().is_empty() {
                    "blank"
                } else {
                    "set"
                }],
                "{value:?}"
            );
        }
        "color" => {
            let hex = value.strip_prefix('#').unwrap_or("");
            let valid = matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit());
            let expected = if valid { value } else { "" };
            let div = start_tags(&tokens)
                .into_iter()
                .find(|s| s.0 == "div")
                .expect("div");
            assert_eq!(attribute(div.1, "style"), format!("background: {expected}"));
            let (js, _) = js_tokens(&script_text(&tokens)).unwrap();
            assert_eq!(
                js,
                [
                    ident("var"),
                    ident("c"),
                    punct("="),
                    Js::Str(expected.to_owned()),
                    punct(";")
                ]
            );
        }
        "raw" => assert_eq!(
            output,
            format!("[{value}|{value}]"),
            "code and richtext pass through byte for byte"
        ),
        "list" => {
            let starts = start_tags(&tokens);
            assert_eq!(
                starts.iter().map(|s| s.0).collect::<Vec<_>>(),
                ["p", "script"]
            );
            assert_eq!(attribute(starts[0].1, "data-k"), html_value);
            assert_eq!(support::element_text(&tokens, "p"), html_value);
            let script = script_text(&tokens);
            let (js, _) = js_tokens(&script).unwrap();
            assert_eq!(
                js,
                [
                    ident("var"),
                    ident("k"),
                    punct("="),
                    Js::Str(value.to_owned()),
                    punct(";")
                ]
            );
            scripts.push((script, "k".to_owned(), vec![value.to_owned()]));
        }
        other => unreachable!("{other}"),
    }
}

/// The matrix rendered by the real Smarty, once for the suite (two tests read it); `None` when
/// the engine is missing.
fn smarty_matrix(test: &str) -> Option<&'static [String]> {
    static OUTPUTS: OnceLock<Vec<String>> = OnceLock::new();
    let smarty = support::smarty(test)?;
    Some(OUTPUTS.get_or_init(|| render_all(&Engine::Smarty(smarty), &matrix().1)))
}

#[test]
fn hostile_values_stay_in_their_context_with_real_smarty() {
    let Some(outputs) = smarty_matrix("hostile_values_stay_in_their_context_with_real_smarty")
    else {
        return;
    };
    let (cases, _) = matrix();
    let mut scripts = Vec::new();
    for ((kind, value), output) in cases.iter().zip(outputs) {
        check(kind, value, output, &mut scripts);
    }
    // The same scripts, run by a real JavaScript engine when there is one.
    let programs: Vec<String> = scripts
        .iter()
        .map(|(script, result, _)| format!("{script}\n;{result}"))
        .collect();
    if let Some(results) = node_eval(&programs) {
        for ((script, _, expected), result) in scripts.iter().zip(results) {
            let value = result.unwrap_or_else(|e| panic!("node: {e} in {script:?}"));
            let value = if value.is_array() {
                value
            } else {
                json!([value])
            };
            assert_eq!(value, json!(expected), "node evaluated {script:?}");
        }
    } else {
        eprintln!("node not installed: JavaScript checked by the lexer only");
    }
}

#[test]
fn the_builtin_engine_agrees_with_smarty() {
    let (cases, jobs) = matrix();
    let builtin = render_all(&Engine::Builtin, &jobs);
    // The built-in engine alone must already keep every value in its context.
    let mut scripts = Vec::new();
    for ((kind, value), output) in cases.iter().zip(&builtin) {
        check(kind, value, output, &mut scripts);
    }
    let Some(real) = smarty_matrix("the_builtin_engine_agrees_with_smarty") else {
        return;
    };
    for ((job, ours), theirs) in jobs.iter().zip(&builtin).zip(real) {
        assert_eq!(
            ours, theirs,
            "built-in and Smarty differ on {:?} with {:?}",
            job.template, job.vars
        );
    }
}

/// Shoporama's JSON is loose: every spelling a checkbox can arrive in, typed as JSON.
#[test]
fn checkbox_spellings_follow_the_settings_parser() {
    let values = [
        json!(true),
        json!(false),
        json!(1),
        json!(0),
        json!("1"),
        json!("0"),
        json!("on"),
        json!("OFF"),
        json!(" Yes "),
        json!("no"),
        json!("true"),
        json!("False"),
        json!(""),
        json!(null),
    ];
    let jobs: Vec<RenderJob> = values
        .iter()
        .map(|v| RenderJob::new(Flags::code(), vars(v)))
        .collect();
    for engine in &engines("checkbox_spellings_follow_the_settings_parser") {
        for (value, output) in values.iter().zip(render_all(engine, &jobs)) {
            let on = !value.is_null() && bool::parse_setting(value).unwrap_or(false);
            let ids: Vec<String> = start_tags(&html_tokens(&output))
                .iter()
                .filter(|s| s.0 == "i")
                .map(|s| attribute(s.1, "id").to_owned())
                .collect();
            assert_eq!(
                ids,
                [if on { "on" } else { "off" }],
                "{value} with {}",
                engine.describe()
            );
        }
    }
}

/// List keys are compared in single quotes, so no key can end the condition or interpolate.
#[test]
fn list_conditions_quote_any_key() {
    #[derive(Template)]
    #[template(
        source = r#"{{ app.choice.if_key(key) }}EQ{{ smarty.else_() }}NE{{ smarty.end_if() }}/{{ app.choice.if_not_key(key) }}ne{{ smarty.end_if() }}"#,
        ext = "txt",
        askama = ::shoporama_app::__private::askama
    )]
    struct KeyTest<'a> {
        app: Vars,
        smarty: shoporama_app::snippet::Smarty,
        key: &'a str,
    }
    let keys = [
        "full",
        "it's",
        "a\\'b",
        "}>x",
        "$app_vars.text",
        "`x`",
        "\"q\"",
        "æ",
        "x' || true || '",
    ];
    let mut jobs = Vec::new();
    for key in keys {
        let code = KeyTest {
            app: scope().app,
            smarty: shoporama_app::snippet::Smarty,
            key,
        }
        .render()
        .unwrap();
        jobs.push(RenderJob::new(code.clone(), vars(&json!(key))));
        jobs.push(RenderJob::new(code, vars(&json!(format!("{key}-other")))));
    }
    for engine in &engines("list_conditions_quote_any_key") {
        let outputs = render_all(engine, &jobs);
        for (i, output) in outputs.iter().enumerate() {
            let expected = if i % 2 == 0 { "EQ/" } else { "NE/ne" };
            assert_eq!(
                output,
                expected,
                "key {:?} with {}",
                keys[i / 2],
                engine.describe()
            );
        }
    }
}

#[allow(dead_code)]
fn _askama_is_reachable_without_a_direct_dependency() -> askama::Result<String> {
    HtmlText(scope()).render()
}
