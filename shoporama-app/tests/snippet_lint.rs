//! The snippet lint: errors where certain, warnings otherwise, each at its position.

#[path = "smarty/support.rs"]
mod support;

use serde_json::Value;
use shoporama_app::fields::FieldKind;
use shoporama_app::manifest::{AppManifest, ManifestSnippet};
use shoporama_app::snippet::{Lint, Page, Placement, Severity, lint};
use support::{field, manifest_snippet as snippet};

fn body(code: &str) -> Vec<Lint> {
    lint(&snippet(Placement::BeforeBodyClose, &[Page::Thanks], code))
}

/// (severity, line, column, a fragment of the message) of each finding.
fn summary(lints: &[Lint]) -> Vec<(Severity, usize, usize, String)> {
    lints
        .iter()
        .map(|l| (l.severity, l.line, l.column, l.message.clone()))
        .collect()
}

fn assert_one(lints: &[Lint], severity: Severity, line: usize, column: usize, fragment: &str) {
    assert_eq!(lints.len(), 1, "{:#?}", summary(lints));
    let found = &lints[0];
    assert_eq!(
        (found.severity, found.line, found.column),
        (severity, line, column),
        "{found}"
    );
    assert!(
        found.message.contains(fragment),
        "{:?} lacks {fragment:?}",
        found.message
    );
}

#[test]
fn clean_accessor_output_has_no_findings() {
    let code = concat!(
        r#"<{if in_array($app_vars.enabled|default:''|lower|strip:'', ['1', 'true', 'on', 'yes'], true)}>"#,
        r#"<script>var id = '<{$app_vars.id|escape:"javascript"|replace:"\u{2028}":'\u2028'|replace:"\u{2029}":'\u2029'}>';"#,
        r#"var d = <{$app_vars.days|string_format:"%d"}>; var c = {a: 1}; if (x) {y()}"#,
        "\n",
        r#"<{if isset($order)}><{assign var="app_lines" value=$order->getProducts()}><{section name="app_line" loop=$app_lines}>"#,
        r#"'<{$app_lines[app_line]->getName()|escape:"javascript"}>'<{if !$smarty.section.app_line.last}>,<{/if}><{/section}><{/if}>"#,
        r#"</script><{else}><{* off *}><{/if}><{if $app_vars.consent == 'it\'s'}>x<{/if}>"#,
    );
    assert_eq!(summary(&body(code)), []);
}

#[test]
fn unbalanced_blocks_are_errors() {
    assert_one(
        &body("<{if $x}>a"),
        Severity::Error,
        1,
        1,
        "`<{if}>` is never closed",
    );
    assert_one(&body("a\n  <{/if}>"), Severity::Error, 2, 3, "never opened");
    assert_one(
        &body("<{foreach $a as $b}><{if $b}><{/foreach}>"),
        Severity::Error,
        1,
        30,
        "`<{/foreach}>` closes `<{if}>` opened at line 1, column 21",
    );
    let crossed = body("<{if $x}><{foreach $a as $b}><{/if}><{/foreach}>");
    assert!(crossed.iter().all(Lint::is_error));
    assert!(
        crossed[0]
            .message
            .contains("`<{/if}>` closes `<{foreach}>` opened at line 1, column 10"),
        "{}",
        crossed[0]
    );
    assert_one(
        &body("<{else}>"),
        Severity::Error,
        1,
        1,
        "outside an `<{if}>`",
    );
    assert_one(
        &body("<{section name=i loop=$a}><{sectionelse}><{/section}><{foreachelse}>"),
        Severity::Error,
        1,
        54,
        "outside an `<{foreach}>`",
    );
    for balanced in [
        "<{capture name=x}><{strip}>a<{/strip}><{/capture}>",
        "<{literal}><{if}><{/literal}>",
        "<{t section=\"x\"}>Hej<{/t}>",
    ] {
        assert_eq!(summary(&body(balanced)), [], "{balanced}");
    }
    assert_one(
        &body("<{if $x}>\n<{literal}>"),
        Severity::Error,
        2,
        1,
        "`<{literal}>` is never closed",
    );
    assert_one(
        &body("ok <{$x"),
        Severity::Error,
        1,
        4,
        "never closed with `}>`",
    );
}

#[test]
fn section_indexes_outside_their_loop_are_errors() {
    assert_one(
        &body(r#"<{$app_lines[app_line]->getName()|escape:"html"}>"#),
        Severity::Error,
        1,
        14,
        "section `app_line`",
    );
    assert_eq!(
        summary(&body("<{section name=\"i\" loop=$a}><{$a[i]}><{/section}>")),
        []
    );
}

#[test]
fn brace_delimiters_are_flagged_and_javascript_braces_are_not() {
    assert_one(
        &body("<p>{$app_vars.name}</p>"),
        Severity::Error,
        1,
        4,
        "{$app_vars.name}",
    );
    assert_one(
        &body("x {if $app_vars.on}y"),
        Severity::Error,
        1,
        3,
        "delimiters are `<{ }>`",
    );
    assert_one(&body("y\n{/if}"), Severity::Error, 2, 1, "{/if}");
    assert_one(
        &body("{$order->getOrderId()}"),
        Severity::Warning,
        1,
        1,
        "{$order->getOrderId()}",
    );
    assert_one(&body("<{ $x }>"), Severity::Warning, 1, 1, "auto_literal");
    let javascript = "<script>$(function(){$('.x').hide()}); var o = {a: 1, b: {c: 2}}; if (a) {b()} `${x}`; jQuery.each(a, function(){$.ajax(u)})</script>";
    assert_eq!(summary(&body(javascript)), []);
    let css = "<style>.a{color:red}@media (x){.b{c:d}}</style>";
    assert_eq!(summary(&body(css)), []);
}

#[test]
fn raw_app_vars_references_are_warnings() {
    assert_one(
        &body("<{$app_vars.name|upper}>"),
        Severity::Warning,
        1,
        3,
        "bypasses the typed accessors",
    );
    assert_one(
        &body(r"<{$app_vars.name|escape}>"),
        Severity::Warning,
        1,
        3,
        "{{ app.name }}",
    );
    assert_one(
        &body(r"<{if $app_vars.on}>x<{/if}>"),
        Severity::Warning,
        1,
        6,
        "bypasses",
    );
    assert_one(
        &body(r"<{$app_vars|print_r}>"),
        Severity::Warning,
        1,
        3,
        "without a field name",
    );
    // The accessors' exact forms pass (raw output passes here; the manifest lint knows kinds).
    for accessor in [
        r#"<{$app_vars.name|escape:"html"}>"#,
        r#"<{$app_vars.name|escape:"url"}>"#,
        r#"<{$app_vars.name|string_format:"%.2F"}>"#,
        r"<{$app_vars.name|regex_replace:'~[^-#%,.0-9a-z ]~i':''}>",
        r"<{if ($app_vars.name|default:''|strip:'') !== ''}>x<{/if}>",
        r"<{if $app_vars.name != 'x'}>x<{/if}>",
        r"<{$app_vars.code}>",
    ] {
        assert_eq!(summary(&body(accessor)), [], "{accessor}");
    }
}

#[test]
fn head_placements_warn_about_body_markup() {
    let head = |code: &str| lint(&snippet(Placement::AfterHeadOpen, &[Page::All], code));
    let ok = r#"<!-- x --><meta name="a" content="<div>"><link rel="preconnect" href="https://x"><script>document.write("<div>")</script><style>p{}</style><noscript><img src=x></noscript><{$app_vars.code}>"#;
    assert_eq!(summary(&head(ok)), []);
    assert_one(
        &head("<meta charset=utf-8>\n<div>x</div>"),
        Severity::Warning,
        2,
        1,
        "`<div>` is not allowed in <head>",
    );
    assert_one(
        &head("<script></script>hello"),
        Severity::Warning,
        1,
        18,
        "text in <head>",
    );
    // The same markup in the body is fine.
    assert_eq!(
        summary(&lint(&snippet(
            Placement::AfterBodyOpen,
            &[Page::All],
            "<div>x</div>"
        ))),
        []
    );
}

#[test]
fn page_objects_on_pages_without_them_are_warnings() {
    let everywhere = lint(&snippet(
        Placement::BeforeBodyClose,
        &[Page::All],
        "<{$order->getOrderId()|string_format:\"%d\"}>",
    ));
    assert_one(
        &everywhere,
        Severity::Warning,
        1,
        1,
        "`$order` is only known to be set on /thanks, but this snippet also runs on all pages",
    );
    let guarded = "<{if isset($order)}><{$order->getOrderId()|string_format:\"%d\"}><{/if}>";
    assert_eq!(
        summary(&lint(&snippet(
            Placement::BeforeBodyClose,
            &[Page::All],
            guarded
        ))),
        []
    );
    let product = lint(&snippet(
        Placement::BeforeBodyClose,
        &[Page::Products, Page::Categories],
        "<{$product->getName()|escape:\"html\"}>",
    ));
    assert_one(&product, Severity::Warning, 1, 1, "categories");
    assert_eq!(
        summary(&lint(&snippet(
            Placement::BeforeBodyClose,
            &[Page::Products],
            "<{$product->getName()|escape:\"html\"}>"
        ))),
        []
    );
}

fn manifest(snippets: Vec<ManifestSnippet>) -> AppManifest {
    support::manifest(
        "Lint",
        vec![
            field("measurement_id", FieldKind::Text, Value::Null),
            field("extra", FieldKind::Code, Value::Null),
            field("consent", FieldKind::List, Value::Null),
        ],
        snippets,
    )
}

#[test]
fn the_manifest_lint_knows_the_fields() {
    let lints = manifest(vec![
        snippet(
            Placement::AfterHeadOpen,
            &[Page::All],
            r#"<{$app_vars.extra}><{$app_vars.measurment_id|escape:"html"}>"#,
        ),
        snippet(
            Placement::BeforeBodyClose,
            &[Page::Thanks],
            "<{if $app_vars.consent == 'basic'}>\n<{$app_vars.measurement_id}><{/if}>",
        ),
    ])
    .lint();
    let shown: Vec<String> = lints.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "error: snippet #1 (after_head_open on all), line 1, column 22: `$app_vars.measurment_id` is not a field of this app; \
             the fields are: measurement_id, extra, consent",
            "warning: snippet #2 (before_body_close on thanks), line 2, column 3: the text field `measurement_id` is printed unescaped; \
             only code and richtext fields are raw by design",
        ]
    );
}
