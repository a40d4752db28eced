//! The pixel's four snippets, rendered by the real Smarty 4 (and the built-in engine, which must
//! agree) with hostile settings and hostile order lines, parsed back as HTML and JavaScript.

#[path = "../../../shoporama-app/tests/smarty/support.rs"]
mod support;

use serde_json::{Map, Value, json};
use shoporama_app::AppSettings as _;
use shoporama_app::FieldValues;
use shoporama_app::manifest::AppManifest;
use shoporama_app::snippet::{Page, Placement, RenderJob, page_vars, preview_with};
use support::{
    HOSTILE, Html, Js, engines, html_tokens, ident, js_tokens, node_eval, punct, render_all,
    start_tags,
};

fn manifest() -> AppManifest {
    pixel::Settings::manifest()
}

fn code(placement: Placement) -> String {
    manifest()
        .snippets
        .iter()
        .find(|s| s.placement == placement)
        .expect("a snippet at every placement")
        .code
        .clone()
}

fn app_vars(overrides: &[(&str, Value)]) -> Value {
    let mut vars: Map<String, Value> = [
        ("measurement_id", json!("G-ABC123")),
        ("cookie_days", json!(30)),
        ("enabled", json!("1")),
        ("consent", json!("full")),
        ("warehouse", json!("")),
        ("accent_color", json!("#1a73e8")),
        ("banner", json!("<p>Vi bruger <b>cookies</b></p>")),
        ("extra_code", json!("<script>console.log('extra')</script>")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in overrides {
        vars.insert((*k).to_owned(), v.clone());
    }
    Value::Object(vars)
}

fn job(placement: Placement, page: Page, app: Value) -> RenderJob {
    let mut vars = page_vars(page);
    vars.insert("app_vars".into(), app);
    RenderJob::new(code(placement), vars)
}

#[test]
fn every_placement_has_a_lint_clean_snippet() {
    let manifest = manifest();
    let placements: Vec<Placement> = manifest.snippets.iter().map(|s| s.placement).collect();
    assert_eq!(placements, Placement::ALL);
    let lints: Vec<String> = manifest.lint().iter().map(ToString::to_string).collect();
    assert_eq!(lints, Vec::<String>::new());
}

#[test]
fn the_head_snippet_is_gated_by_enabled_and_escapes_the_measurement_id() {
    let mut jobs = Vec::new();
    for value in HOSTILE {
        jobs.push(job(
            Placement::AfterHeadOpen,
            Page::Search,
            app_vars(&[("measurement_id", json!(value))]),
        ));
    }
    for off in ["0", "off", "", "no"] {
        jobs.push(job(
            Placement::AfterHeadOpen,
            Page::Search,
            app_vars(&[("enabled", json!(off))]),
        ));
    }
    for engine in engines("the_head_snippet_is_gated_by_enabled_and_escapes_the_measurement_id") {
        let outputs = render_all(&engine, &jobs);
        for (value, output) in HOSTILE.iter().zip(&outputs) {
            let tokens = html_tokens(output);
            let starts = start_tags(&tokens);
            assert_eq!(
                starts.iter().map(|s| s.0).collect::<Vec<_>>(),
                ["script", "script"],
                "{output}"
            );
            let script = support::element_text(&tokens, "script");
            let (js, raw_separators) =
                js_tokens(&script).unwrap_or_else(|e| panic!("{e}: {script}"));
            assert_eq!(raw_separators, 0);
            let expected = [
                ident("window"),
                punct("."),
                ident("pixelConfig"),
                punct("="),
                punct("{"),
                ident("id"),
                punct(":"),
                Js::Str((*value).to_owned()),
                punct(","),
                ident("cookieDays"),
                punct(":"),
                Js::Number("30".into()),
                punct(","),
                ident("consent"),
                punct(":"),
                Js::Str("full".into()),
                punct(","),
                ident("shop"),
                punct(":"),
                Js::Str("Sample Shop".into()),
                punct("}"),
                punct(";"),
            ];
            assert_eq!(js, expected, "{}", engine.describe());
            let src = &starts[1].1.iter().find(|(k, _)| k == "src").expect("src").1;
            let id = src
                .strip_prefix("https://pixel.example/pixel.js?id=")
                .expect("loader URL");
            assert_eq!(support::percent_decode(id), value.as_bytes());
        }
        for output in &outputs[HOSTILE.len()..] {
            assert_eq!(output.trim(), "", "disabled pixel prints nothing");
        }
    }
}

#[test]
fn the_style_prints_only_a_valid_accent_colour() {
    let colours = [
        "#1a73e8",
        "#FFF",
        "red;}</style><script>alert(1)</script>",
        "#fff;background:url(javascript:x)",
        "#12345",
    ];
    let jobs: Vec<RenderJob> = colours
        .iter()
        .map(|c| {
            job(
                Placement::BeforeHeadClose,
                Page::Products,
                app_vars(&[("accent_color", json!(c))]),
            )
        })
        .collect();
    for engine in engines("the_style_prints_only_a_valid_accent_colour") {
        for (colour, output) in colours.iter().zip(render_all(&engine, &jobs)) {
            let tokens = html_tokens(&output);
            assert_eq!(start_tags(&tokens).len(), 1);
            let css = support::element_text(&tokens, "style");
            let valid =
                matches!(colour.len(), 4 | 7) && colour[1..].bytes().all(|b| b.is_ascii_hexdigit());
            let shown = if valid { *colour } else { "" };
            assert_eq!(
                css.trim(),
                format!(".pixel-consent {{ border-top: 3px solid {shown}; padding: 1em; }}")
            );
        }
    }
}

#[test]
fn the_banner_is_raw_by_design_and_follows_consent() {
    let mut jobs = Vec::new();
    for value in HOSTILE {
        jobs.push(job(
            Placement::AfterBodyOpen,
            Page::Categories,
            app_vars(&[("banner", json!(value))]),
        ));
    }
    jobs.push(job(
        Placement::AfterBodyOpen,
        Page::Categories,
        app_vars(&[("consent", json!("basic"))]),
    ));
    for engine in engines("the_banner_is_raw_by_design_and_follows_consent") {
        let outputs = render_all(&engine, &jobs);
        for (value, output) in HOSTILE.iter().zip(&outputs) {
            // Smarty drops the newline after `<{/if}>`.
            let (banner, noscript) = output
                .split_once("<noscript>")
                .unwrap_or_else(|| panic!("noscript after the banner: {output:?}"));
            if value.trim().is_empty() {
                assert_eq!(banner, "", "a blank banner prints no element");
            } else {
                let inner = banner
                    .strip_prefix(r#"<div class="pixel-consent" data-consent="full" hidden>"#)
                    .and_then(|b| b.strip_suffix("</div>"))
                    .expect("the banner element");
                assert_eq!(inner, *value, "rich text passes through byte for byte");
            }
            let tokens = html_tokens(&format!("<noscript>{noscript}"));
            assert_eq!(
                tokens[0],
                Html::Start {
                    name: "noscript".into(),
                    attributes: vec![]
                }
            );
        }
        let basic = outputs.last().unwrap();
        assert!(
            basic.starts_with("<noscript>"),
            "no banner without full consent: {basic}"
        );
    }
}

#[test]
fn the_purchase_snippet_reports_every_order_line() {
    let lines: Vec<Value> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"$object": {"getProductId": i + 1, "getName": name, "getUnitPrice": "99.95", "getAmount": "2"}}))
        .collect();
    let mut vars = page_vars(Page::Thanks);
    vars.insert(
        "order".into(),
        json!({"$object": {"getOrderId": 1001, "getTotalPrice": 3398.3, "getProducts": lines}}),
    );
    vars.insert(
        "app_vars".into(),
        app_vars(&[
            ("measurement_id", json!("G-'</script>")),
            ("extra_code", json!("<img src=x onerror=track()>")),
        ]),
    );
    let jobs = [RenderJob::new(code(Placement::BeforeBodyClose), vars)];
    let mut outputs = Vec::new();
    for engine in engines("the_purchase_snippet_reports_every_order_line") {
        let output = render_all(&engine, &jobs).remove(0);
        let tokens = html_tokens(&output);
        let names: Vec<&str> = start_tags(&tokens).iter().map(|s| s.0).collect();
        assert_eq!(
            names,
            ["script", "img"],
            "one script, then the extra code as written"
        );
        assert!(
            output
                .trim_end()
                .ends_with("</script>\n<img src=x onerror=track()>"),
            "code passes through byte for byte"
        );
        let script = support::element_text(&tokens, "script");
        let (js, raw_separators) = js_tokens(&script).unwrap_or_else(|e| panic!("{e}: {script}"));
        assert_eq!(raw_separators, 0);
        let strings: Vec<&str> = js
            .iter()
            .filter_map(|t| match t {
                Js::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let mut expected = vec!["purchase", "G-'</script>", "DKK"];
        expected.extend(HOSTILE);
        assert_eq!(strings, expected, "{}", engine.describe());
        if let Some(results) =
            node_eval(&[format!("var window = {{}};\n{script}\n;window.pixelQueue")])
        {
            let queue = results
                .into_iter()
                .next()
                .unwrap()
                .unwrap_or_else(|e| panic!("node: {e}"));
            let purchase = &queue[0][1];
            assert_eq!(purchase["transaction_id"], json!(1001));
            assert_eq!(purchase["value"], json!(3398.3));
            let items = purchase["items"].as_array().unwrap();
            assert_eq!(
                items
                    .iter()
                    .map(|i| i["item_name"].as_str().unwrap())
                    .collect::<Vec<_>>(),
                HOSTILE
            );
            assert!(
                items
                    .iter()
                    .all(|i| i["price"] == json!(99.95) && i["quantity"] == json!(2))
            );
        }
        outputs.push(output);
    }
    if let [builtin, smarty] = outputs.as_slice() {
        assert_eq!(builtin, smarty, "the built-in engine agrees with Smarty");
    }
}

#[test]
fn the_thanks_preview_shows_all_four_snippets() {
    let mut fields = FieldValues::new();
    fields.insert("consent", "full");
    for engine in engines("the_thanks_preview_shows_all_four_snippets") {
        let preview = preview_with(&manifest(), Page::Thanks, &fields, &engine);
        assert_eq!(preview.problems, Vec::<String>::new());
        let tokens = html_tokens(&preview.html);
        let outline: Vec<&str> = start_tags(&tokens).iter().map(|s| s.0).collect();
        assert_eq!(
            outline,
            [
                "html", "head", "script", "script", "meta", "title", "style", "body", "div", "p",
                "strong", "noscript", "main", "h1", "p", "script"
            ],
            "{}",
            preview.html
        );
    }
}

/// A shop that installed the pixel and never saved the form: `$app_vars` holds nothing, and
/// every snippet renders the fields' defaults (`enabled` on, 30 cookie days, consent
/// `basic`, the accent colour), exactly as the settings parser reads the same empty form.
#[test]
fn a_shop_that_never_saved_the_form_renders_the_defaults() {
    let settings = pixel::Settings::from_fields(&FieldValues::from(
        json!({"measurement_id": "G-1"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    ))
    .expect("the defaults parse");
    assert!(settings.enabled && settings.cookie_days == 30);
    let never_saved = || json!({});
    let jobs: Vec<RenderJob> = [
        (Placement::AfterHeadOpen, Page::Search),
        (Placement::BeforeHeadClose, Page::Search),
        (Placement::AfterBodyOpen, Page::Search),
        (Placement::BeforeBodyClose, Page::Thanks),
    ]
    .into_iter()
    .map(|(placement, page)| job(placement, page, never_saved()))
    .collect();
    for engine in engines("a_shop_that_never_saved_the_form_renders_the_defaults") {
        let outputs = render_all(&engine, &jobs);
        let [head, style, banner, purchase] = outputs.as_slice() else {
            panic!("four outputs");
        };
        let script = support::element_text(&html_tokens(head), "script");
        let (js, _) = js_tokens(&script).unwrap_or_else(|e| panic!("{e}: {script}"));
        let after = |name: &str| {
            let at = js
                .iter()
                .position(|t| *t == ident(name))
                .unwrap_or_else(|| panic!("`{name}` in {script}"));
            js[at + 2].clone()
        };
        assert_eq!(
            after("cookieDays"),
            Js::Number("30".into()),
            "{}",
            engine.describe()
        );
        assert_eq!(after("consent"), Js::Str("basic".into()));
        assert_eq!(after("id"), Js::Str(String::new()));
        assert!(
            style.contains(".pixel-consent { border-top: 3px solid #1a73e8; padding: 1em; }"),
            "{style}"
        );
        assert!(
            banner.starts_with("<noscript>"),
            "consent defaults to basic: no banner: {banner}"
        );
        assert_eq!(
            start_tags(&html_tokens(purchase))
                .iter()
                .map(|s| s.0)
                .collect::<Vec<_>>(),
            ["script"],
            "enabled by default: {purchase}"
        );
    }
    // Saved, the values are the shop owner's: unchecked is off, whatever the default.
    let saved_off = job(
        Placement::AfterHeadOpen,
        Page::Search,
        json!({"enabled": "", "cookie_days": "7"}),
    );
    for engine in engines("a_shop_that_never_saved_the_form_renders_the_defaults") {
        assert_eq!(
            render_all(&engine, std::slice::from_ref(&saved_off))[0].trim(),
            ""
        );
    }
}
