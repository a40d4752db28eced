//! The page objects (`$order` and its lines on /thanks, `$product`, `$basket`), rendered by the
//! real Smarty 4 with hostile product names, parsed back as HTML and JavaScript.

#[path = "smarty/support.rs"]
mod support;

use serde_json::{Map, Value, json};
use shoporama_app::snippet::{FromSetting, Page, RenderJob, Scope, TextVar, page_vars};
use support::{
    HOSTILE, Js, engines, html_tokens, ident, js_tokens, node_eval, punct, render_all, script_text,
    snippet, start_tags,
};

struct Vars {
    measurement_id: TextVar,
}

fn scope() -> Scope<Vars> {
    Scope::new(Vars {
        measurement_id: FromSetting::from_setting("measurement_id"),
    })
}

// The purchase snippet of Shoporama's own themes, on /thanks.
snippet!(
    Purchase,
    "<script>
var purchase = { id: {{ app.measurement_id.js() }}, order: {{ order.order_id() }}, value: {{ order.total_price() }}, currency: {{ webshop.currency().js() }},
  items: [{{ order.lines().begin() }}{ item_id: {{ line.product_id() }}, name: {{ line.name().js() }}, price: {{ line.unit_price() }}, quantity: {{ line.amount().int() }} }{{ order.lines().comma() }}{{ order.lines().end() }}] };
</script>"
);
snippet!(
    ProductPage,
    r#"<h1 data-name="{{ product.name().attr() }}">{{ product.name() }}</h1><script>var p = [{{ product.name().js() }}, {{ product.product_id() }}, {{ product.price() }}, {{ product.own_id().js() }}];</script>"#
);
snippet!(
    BasketPage,
    "<script>var basket = [{{ basket.items().begin() }}[{{ item.product_id() }}, {{ item.name().js() }}, {{ item.price() }}, {{ item.amount().int() }}]{{ basket.items().comma() }}{{ basket.items().end() }}], total = {{ basket.total_price() }};</script>"
);
snippet!(
    GuardedLines,
    "[{{ order.lines().begin() }}{{ line.name() }}{{ order.lines().end() }}][{{ basket.items().begin() }}x{{ basket.items().end() }}]{{ order.if_present() }}order{{ smarty.end_if() }}"
);

fn object(methods: &Value) -> Value {
    json!({ "$object": methods })
}

fn thanks_vars() -> Map<String, Value> {
    let lines: Vec<Value> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, name)| object(&json!({"getProductId": i + 1, "getName": name, "getUnitPrice": 199.5, "getAmount": 2})))
        .collect();
    let mut vars = page_vars(Page::Thanks);
    vars.insert(
        "order".into(),
        object(&json!({"getOrderId": 1001, "getTotalPrice": "487.50", "getProducts": lines})),
    );
    vars.insert(
        "app_vars".into(),
        json!({"measurement_id": "G-</script>'\""}),
    );
    vars
}

fn script(output: &str) -> String {
    script_text(&html_tokens(output))
}

#[test]
fn the_order_lines_loop_keeps_every_name_a_string() {
    let jobs = [RenderJob::new(Purchase::code(), thanks_vars())];
    for engine in engines("the_order_lines_loop_keeps_every_name_a_string") {
        let output = render_all(&engine, &jobs).remove(0);
        let script = script(&output);
        let (tokens, raw_separators) =
            js_tokens(&script).unwrap_or_else(|e| panic!("{e}: {script}"));
        assert_eq!(raw_separators, 0);
        let mut expected = vec![
            ident("var"),
            ident("purchase"),
            punct("="),
            punct("{"),
            ident("id"),
            punct(":"),
            Js::Str("G-</script>'\"".into()),
            punct(","),
            ident("order"),
            punct(":"),
            Js::Number("1001".into()),
            punct(","),
            ident("value"),
            punct(":"),
            Js::Number("487.50".into()),
            punct(","),
            ident("currency"),
            punct(":"),
            Js::Str("DKK".into()),
            punct(","),
            ident("items"),
            punct(":"),
            punct("["),
        ];
        for (i, name) in HOSTILE.iter().enumerate() {
            expected.extend([
                punct("{"),
                ident("item_id"),
                punct(":"),
                Js::Number((i + 1).to_string()),
                punct(","),
                ident("name"),
                punct(":"),
                Js::Str((*name).to_owned()),
                punct(","),
                ident("price"),
                punct(":"),
                Js::Number("199.50".into()),
                punct(","),
                ident("quantity"),
                punct(":"),
                Js::Number("2".into()),
                punct("}"),
            ]);
            if i + 1 < HOSTILE.len() {
                expected.push(punct(","));
            }
        }
        expected.extend([punct("]"), punct("}"), punct(";")]);
        assert_eq!(tokens, expected, "{} rendered {script}", engine.describe());

        if let Some(results) = node_eval(&[format!("{script}\n;purchase")]) {
            let purchase = results
                .into_iter()
                .next()
                .unwrap()
                .unwrap_or_else(|e| panic!("node: {e}"));
            let names: Vec<&str> = purchase["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, HOSTILE);
            assert_eq!(purchase["value"], json!(487.5));
        }
    }
}

#[test]
fn product_and_basket_objects_escape_by_context() {
    let mut jobs = Vec::new();
    for name in HOSTILE {
        let product = object(
            &json!({"getProductId": 17, "getName": name, "getPrice": "199.5", "getOwnId": name}),
        );
        let mut vars = page_vars(Page::Products);
        vars.insert("product".into(), product.clone());
        jobs.push(RenderJob::new(ProductPage::code(), vars));
        let mut vars = page_vars(Page::Basket);
        vars.insert("basket".into(), json!([{"id": 1, "product": product, "amount": 3}, {"id": 2, "product": product, "amount": "1"}]));
        jobs.push(RenderJob::new(BasketPage::code(), vars));
    }
    for engine in engines("product_and_basket_objects_escape_by_context") {
        let outputs = render_all(&engine, &jobs);
        for (name, pair) in HOSTILE.iter().zip(outputs.chunks(2)) {
            let tokens = html_tokens(&pair[0]);
            let h1 = start_tags(&tokens)
                .into_iter()
                .find(|s| s.0 == "h1")
                .expect("h1");
            let read = name.replace("\r\n", "\n").replace('\r', "\n");
            assert_eq!(h1.1, [("data-name".to_owned(), read.clone())]);
            assert_eq!(support::element_text(&tokens, "h1"), read);
            let (js, _) = js_tokens(&script(&pair[0])).unwrap();
            let string = |s: &str| Js::Str(s.to_owned());
            assert_eq!(
                js,
                [
                    ident("var"),
                    ident("p"),
                    punct("="),
                    punct("["),
                    string(name),
                    punct(","),
                    Js::Number("17".into()),
                    punct(","),
                    Js::Number("199.50".into()),
                    punct(","),
                    string(name),
                    punct("]"),
                    punct(";")
                ]
            );
            let (js, _) = js_tokens(&script(&pair[1])).unwrap();
            let strings: Vec<&Js> = js.iter().filter(|t| matches!(t, Js::Str(_))).collect();
            assert_eq!(
                strings,
                [&string(name), &string(name)],
                "{}",
                engine.describe()
            );
            assert!(
                js.ends_with(&[
                    ident("total"),
                    punct("="),
                    Js::Number("447.50".into()),
                    punct(";")
                ]),
                "{js:?}"
            );
        }
    }
}

#[test]
fn loops_and_guards_print_nothing_where_the_object_is_missing() {
    let jobs: Vec<RenderJob> = [Page::Products, Page::Search, Page::Thanks, Page::Basket]
        .iter()
        .map(|page| RenderJob::new(GuardedLines::code(), page_vars(*page)))
        .collect();
    for engine in engines("loops_and_guards_print_nothing_where_the_object_is_missing") {
        // `render_all` also requires no PHP notice: the guards keep Smarty quiet.
        let outputs = render_all(&engine, &jobs);
        assert_eq!(
            outputs,
            [
                "[][]",
                "[][]",
                "[Blue T-shirtSocks &quot;Æble&quot;][]order",
                "[][xx]"
            ],
            "{}",
            engine.describe()
        );
    }
}
