//! `preview`: the snippets that apply to a page, rendered with sample values into a sample page
//! at the four placements.

#[path = "smarty/support.rs"]
mod support;

use serde_json::{Value, json};
use shoporama_app::FieldValues;
use shoporama_app::fields::FieldKind;
use shoporama_app::manifest::AppManifest;
use shoporama_app::snippet::{
    BooleanVar, Engine, FromSetting, Page, Placement, PreviewError, RawVar, Scope, TextVar,
    preview, preview_args, preview_with,
};
use support::{Html, engines, field, html_tokens, manifest_snippet, snippet};

struct Vars {
    measurement_id: TextVar,
    enabled: BooleanVar,
    extra: RawVar,
}

fn scope() -> Scope<Vars> {
    Scope::new(Vars {
        measurement_id: FromSetting::from_setting("measurement_id"),
        enabled: FromSetting::from_setting("enabled"),
        extra: FromSetting::from_setting("extra"),
    })
}

snippet!(
    HeadOpen,
    r#"<meta name="pixel-id" content="{{ app.measurement_id.attr() }}">"#
);
snippet!(
    HeadClose,
    "{{ app.enabled.if_true() }}<script id=\"loader\">var id = {{ app.measurement_id.js() }};</script>{{ smarty.end_if() }}"
);
snippet!(
    BodyOpen,
    "<noscript id=\"fallback\"><img src=\"https://p.test/?id={{ app.measurement_id.url_component() }}\"></noscript>{{ app.extra }}"
);
snippet!(
    Purchase,
    "<script id=\"purchase\">var items = [{{ order.lines().begin() }}{{ line.name().js() }}{{ order.lines().comma() }}{{ order.lines().end() }}];</script>"
);

fn manifest() -> AppManifest {
    support::manifest(
        "Pixel",
        vec![
            field("measurement_id", FieldKind::Text, Value::Null),
            field("enabled", FieldKind::Boolean, json!(true)),
            field("extra", FieldKind::Code, Value::Null),
        ],
        vec![
            manifest_snippet(Placement::AfterHeadOpen, &[Page::All], HeadOpen::code()),
            manifest_snippet(Placement::BeforeHeadClose, &[Page::All], HeadClose::code()),
            manifest_snippet(Placement::AfterBodyOpen, &[Page::All], BodyOpen::code()),
            manifest_snippet(
                Placement::BeforeBodyClose,
                &[Page::Thanks],
                Purchase::code(),
            ),
        ],
    )
}

/// The sequence of interesting start tags and structural end tags, as `name#id`.
fn outline(html: &str) -> Vec<String> {
    html_tokens(html)
        .into_iter()
        .filter_map(|t| match t {
            Html::Start { name, attributes } => {
                let id = attributes
                    .iter()
                    .find(|(k, _)| k == "id" || k == "name" || k == "charset")
                    .map(|(_, v)| v.clone());
                Some(id.map_or_else(|| name.clone(), |id| format!("{name}#{id}")))
            }
            Html::End(name) if matches!(name.as_str(), "head" | "body") => Some(format!("/{name}")),
            _ => None,
        })
        .collect()
}

#[test]
fn snippets_land_at_their_placements_on_the_pages_they_apply_to() {
    let mut fields = FieldValues::new();
    fields.insert("measurement_id", "G-1\"</script>");
    for engine in engines("snippets_land_at_their_placements_on_the_pages_they_apply_to") {
        let preview = preview_with(&manifest(), Page::Thanks, &fields, &engine);
        assert_eq!(
            preview.problems,
            Vec::<String>::new(),
            "{}",
            engine.describe()
        );
        assert_eq!(
            outline(&preview.html),
            [
                "html",
                "head",
                "meta#pixel-id",
                "meta#utf-8",
                "title",
                "script#loader",
                "/head",
                "body",
                "noscript#fallback",
                "main",
                "h1",
                "p",
                "script#purchase",
                "/body",
            ],
            "{}",
            preview.html
        );
        let tokens = html_tokens(&preview.html);
        let meta = support::start_tags(&tokens)
            .into_iter()
            .find(|s| s.0 == "meta")
            .unwrap();
        assert!(
            meta.1
                .contains(&("content".to_owned(), "G-1\"</script>".to_owned()))
        );
        assert!(
            preview.html.contains("<!-- sample code -->"),
            "code fields render raw"
        );
        assert!(
            preview
                .html
                .contains(r#"var items = ['Blue T-shirt','Socks \"Æble\"'];"#),
            "{}",
            preview.html
        );

        // Not on /search: no purchase snippet; the gated loader follows `enabled`.
        let mut off = fields.clone();
        off.insert("enabled", "off");
        let search = preview_with(&manifest(), Page::Search, &off, &engine);
        assert_eq!(
            outline(&search.html),
            [
                "html",
                "head",
                "meta#pixel-id",
                "meta#utf-8",
                "title",
                "/head",
                "body",
                "noscript#fallback",
                "main",
                "h1",
                "/body"
            ]
        );
    }
}

#[test]
fn both_engines_render_the_same_preview() {
    let Some(smarty) = support::smarty("both_engines_render_the_same_preview") else {
        return;
    };
    let (manifest, fields, smarty) = (manifest(), FieldValues::new(), Engine::Smarty(smarty));
    for page in Page::ALL {
        let ours = preview_with(&manifest, *page, &fields, &Engine::Builtin);
        let theirs = preview_with(&manifest, *page, &fields, &smarty);
        assert_eq!(ours.html, theirs.html, "{page}");
    }
}

#[test]
fn broken_snippets_are_reported_in_place() {
    let mut manifest = manifest();
    manifest.snippets.push(manifest_snippet(
        Placement::AfterBodyOpen,
        &[Page::Thanks],
        "<{if}>x",
    ));
    for engine in engines("broken_snippets_are_reported_in_place") {
        let preview = preview_with(&manifest, Page::Thanks, &FieldValues::new(), &engine);
        assert_eq!(preview.problems.len(), 1, "{:?}", preview.problems);
        assert!(
            preview.problems[0]
                .starts_with("snippet #5 (after_body_open on thanks) could not be rendered:"),
            "{:?}",
            preview.problems
        );
        assert!(
            preview
                .html
                .contains("<!-- snippet #5 (after_body_open on thanks) could not be rendered:")
        );
        // The other snippets still render.
        assert!(outline(&preview.html).contains(&"script#purchase".to_owned()));
    }
}

#[test]
fn command_line_arguments_are_checked() {
    let manifest = manifest();
    let ok =
        preview_args(&manifest, "/thanks", &["measurement_id=G-9", "enabled=0"]).expect("valid");
    assert!(ok.html.contains("content=\"G-9\""));
    assert!(!ok.html.contains("id=\"loader\""));
    assert_eq!(
        preview_args(&manifest, "checkout", &[] as &[&str]).unwrap_err(),
        PreviewError::UnknownPage {
            given: "checkout".into(),
            valid: "all, products, landing_pages, categories, static_pages, blog_posts, search, basket, address, shipping, approve, thanks, order, also".into()
        }
    );
    assert_eq!(
        preview_args(&manifest, "thanks", &["enabled"]).unwrap_err(),
        PreviewError::NotAPair {
            given: "enabled".into()
        }
    );
    let unknown = preview_args(&manifest, "thanks", &["measurment_id=x"]).unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "`measurment_id` is not a field of this app; the fields are: measurement_id, enabled, extra"
    );
    // The plain entry point renders too.
    assert!(
        preview(&manifest, Page::Products, &FieldValues::new()).contains("sample measurement id")
    );
}
