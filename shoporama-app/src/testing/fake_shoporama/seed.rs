//! Seed data shaped like Shoporama's real answers: ids as ints and strings, `0`/`1` flags,
//! `null` and `false` for unset values, local `YYYY-MM-DD HH:MM:SS` datetimes.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde_json::{Map, Value, json};

use super::as_object;
use super::state::stamp;
use crate::rest::ResourceKind;
use crate::testing::{
    SAMPLE_CATEGORY_ID, SAMPLE_CUSTOMER_ID, SAMPLE_ORDER_ID, SAMPLE_PRODUCT_ID, SAMPLE_RETURN_ID,
};

/// The first seeded product id (the reference product is 3042680).
pub(super) const FIRST_PRODUCT_ID: u64 = 3_000_000;

fn base_time() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 2, 7)
        .and_then(|d| d.and_hms_opt(11, 22, 5))
        .unwrap_or_default()
}

/// The `last_modified` of seeded product `index`: one minute apart, in id order, from
/// 2025-02-07 11:22:05.
pub fn seeded_last_modified(index: u64) -> NaiveDateTime {
    base_time() + TimeDelta::minutes(i64::try_from(index).unwrap_or(i64::MAX / 120))
}

/// Seeded product number `index` (id `3000000 + index`), varied the way real answers vary.
pub(super) fn product(index: u64) -> Map<String, Value> {
    let id = FIRST_PRODUCT_ID + index;
    let modified = seeded_last_modified(index);
    // Every 7th id, every 3rd supplier id, arrive as strings, as they do on the platform.
    let id_value = if index % 7 == 3 {
        Value::String(id.to_string())
    } else {
        json!(id)
    };
    let supplier = 11_002 + index % 5;
    let supplier_value = if index % 3 == 1 {
        Value::String(supplier.to_string())
    } else {
        json!(supplier)
    };
    let price = if index.is_multiple_of(2) {
        json!(264 + index % 100)
    } else {
        json!(199.95)
    };
    let on_sale = index.is_multiple_of(10);
    let mut product = as_object(json!({
        "product_id": id_value,
        "own_id": id.to_string(),
        "sec_own_id": if index.is_multiple_of(4) { Value::Null } else { Value::String(format!("SEC-{id}")) },
        "gtin": if index.is_multiple_of(2) { Value::String(format!("57{id:011}")) } else { Value::Null },
        "mpn": Value::Null,
        "profile_id": 40327,
        "supplier_id": supplier_value,
        "manufacturer_id": Value::Null,
        "safety_profile_id": Value::Null,
        "brand_id": if index.is_multiple_of(5) { json!(7) } else { Value::Null },
        "main_category_id": if index % 6 == 5 { Value::Null } else { json!("158266") },
        "main_category_name": if index.is_multiple_of(2) { json!("Krus") } else { Value::Null },
        "created": stamp(base_time()),
        "online_since": stamp(base_time()),
        "last_modified": stamp(modified),
        "is_online": u8::from(index % 9 != 8),
        "no_index": 0,
        "never_free_shipping": 0,
        "allow_negative_stock": u8::from(index.is_multiple_of(11)),
        "auto_offline": 0,
        "no_internal_search": 0,
        "no_shopping": 0,
        "no_partner_ads": 0,
        "removed_on": Value::Null,
    }));
    // Two halves: one `json!` of the whole product exceeds the macro recursion limit.
    product.extend(as_object(json!({
        "rewrite_url": format!("produkt-{id}"),
        "name": format!("Produkt {index}"),
        "list_description": "",
        "description": format!("<p>Beskrivelse af produkt {index}.</p>"),
        "delivery_time": "1-2 hverdage",
        "delivery_time_not_in_stock": "5-7 hverdage",
        "tariff_code": "",
        "meta": "",
        "meta_title": "",
        "meta_description": "",
        "search": "",
        "vat": Value::Null,
        "price": price,
        "sale_price": if on_sale { json!(149) } else { Value::Null },
        "purchase_price": Value::Null,
        "shipping": Value::Null,
        "shipping_weight": Value::Null,
        "weight": 0,
        "min_stock_value": 0,
        "bulk_discount": Value::Null,
        "canonical_id": Value::Null,
        "mailing_list_ids": Value::Null,
        "url": format!("http://fake.shoporama.dk/produkt-{id}"),
    })));
    product.extend(as_object(json!({
        "categories": [157_783, 158_266],
        "related": [],
        "similar": [],
        "discount_intervals": [],
        "bundle": [],
        "bundle_data": [],
        "html_fields": [],
        "attributes": [],
        "stock_settings": [],
        "product_labels": [],
        "pdf_files": [],
        "images": [{
            "image_id": (4_060_669 + index).to_string(),
            "weight": "10",
            "variant_name": Value::Null,
            "description": "",
            "url": format!("http://fake.shoporama.dk/cache/4/0/6/0/6/6/9/fit-1000x1000x100-{index}.png"),
        }],
        "extension_data": [{"title": "ID til Youtubevideo", "type": "text", "id": "youtube_video_id", "value": false}],
    })));
    product
}

/// A small catalog for every other resource (categories sent all-strings, like the platform).
pub(super) fn catalog() -> Vec<(ResourceKind, Map<String, Value>)> {
    let at = stamp(base_time());
    let items = vec![
        (
            ResourceKind::Category,
            json!({"category_id": "157783", "is_removed": "0", "parent_id": "0", "in_menu": "1",
            "is_online": "1", "is_front": "0", "name": "Køkken", "no_index": "0", "no_internal_search": "0",
            "description_a": "", "description_b": "", "meta_title": "", "meta_description": "", "rewrite_url": "koekken",
            "sort_order": "1", "meta": "", "weight": "0", "last_modified": at, "url": "http://fake.shoporama.dk/koekken",
            "images": [], "extension_data": []}),
        ),
        (
            ResourceKind::Category,
            json!({"category_id": "158266", "is_removed": "0", "parent_id": "157783", "in_menu": "1",
            "is_online": "1", "is_front": "1", "name": "Krus", "no_index": "0", "no_internal_search": "0",
            "description_a": "<p>Krus</p>", "description_b": "", "meta_title": "", "meta_description": "",
            "rewrite_url": "krus", "sort_order": "2", "meta": "", "weight": "0", "last_modified": at,
            "url": "http://fake.shoporama.dk/krus", "images": [], "extension_data": []}),
        ),
        (
            ResourceKind::Brand,
            json!({"brand_id": 7, "name": "Fake Brand"}),
        ),
        (
            ResourceKind::Manufacturer,
            json!({"manufacturer_id": 3, "name": "Fake Manufacturing"}),
        ),
        (
            ResourceKind::Supplier,
            json!({"supplier_id": "11002", "is_removed": "0", "name": "Leverandør A", "link_to": "", "dropshipping_mail": ""}),
        ),
        (
            ResourceKind::Supplier,
            json!({"supplier_id": "11003", "is_removed": "0", "name": "Leverandør B", "link_to": "", "dropshipping_mail": ""}),
        ),
        (
            ResourceKind::Profile,
            json!({"profile_id": 40327, "name": "Standard"}),
        ),
        (
            ResourceKind::ProfileAttribute,
            json!({"attribute_id": "88", "profile_id": "40327", "name": "Størrelse", "data_type": "valuelist",
            "is_variant": "1", "weight": "1"}),
        ),
        (
            ResourceKind::ProfileAttributeValue,
            json!({"attribute_value_id": "901", "attribute_id": "88", "val": "XL", "weight": "3"}),
        ),
        (
            ResourceKind::Customer,
            json!({"customer_id": 501, "email": "jens@example.com", "name": "Jens Hansen",
            "company_name": "", "address": "Vestergade 1", "zipcode": "8000", "city": "Aarhus", "country_id": "45",
            "phone": "12345678", "ean": "", "cvr": "", "newsletter": "1", "created": at}),
        ),
        (
            ResourceKind::Order,
            json!({"order_id": 9001, "webshop_order_id": "1001", "invoice_id": Value::Null, "status": "new",
            "paid": 1, "created": at, "last_modified": at, "customer_id": 501, "email": "jens@example.com", "phone": "12345678",
            "price": "264.00", "total_price": "303.00", "vat": "60.60", "shipping_price": "39.00", "shipping_id": 12,
            "payment_gateway": "quickpay", "voucher_code": "", "order_name": "Jens Hansen", "order_company_name": "",
            "order_address": "Vestergade 1", "order_zipcode": "8000", "order_city": "Aarhus", "order_country_id": "45",
            "del_name": "", "del_address": "", "del_zipcode": "", "del_city": "", "del_country_id": "",
            "products": [{"product_id": FIRST_PRODUCT_ID, "own_id": FIRST_PRODUCT_ID.to_string(), "name": "Produkt 0",
                          "amount": "1", "unit_price": "264.00", "real_price": "264.00", "attributes": []}]}),
        ),
        (
            ResourceKind::OrderReturn,
            json!({"order_return_id": 1, "order_id": 9001, "status": "new", "created": at}),
        ),
        (
            ResourceKind::Voucher,
            json!({"voucher_id": 1, "code": "WELCOME10", "percent_discount": 10, "price_discount": Value::Null, "free_shipping": 0}),
        ),
        (
            ResourceKind::BlogPost,
            json!({"blog_post_id": 1, "title": "Velkommen", "content": "<p>Hej</p>", "created": at}),
        ),
        (
            ResourceKind::Page,
            json!({"page_id": 1, "title": "Handelsbetingelser", "rewrite_url": "handelsbetingelser"}),
        ),
        (
            ResourceKind::LandingPage,
            json!({"landing_page_id": 1, "title": "Sommer", "rewrite_url": "sommer"}),
        ),
        (
            ResourceKind::Menu,
            json!({"menu_id": 1, "titel": "Hovedmenu", "items": [{"titel": "Krus", "url": "/krus", "type": "link"}]}),
        ),
        (
            ResourceKind::Shipping,
            json!({"shipping_id": 12, "name": "GLS Pakkeshop", "module": "gls", "cost": "39.00"}),
        ),
        (
            ResourceKind::PaymentGateway,
            json!({"payment_gateway_id": 2, "name": "QuickPay"}),
        ),
        (
            ResourceKind::Redirect,
            json!({"redirect_id": 1, "from": "/gammel", "to": "/ny", "type": 301}),
        ),
        (
            ResourceKind::Webhook,
            json!({"webhook_id": 1, "url": "https://example.com/hook", "type": "order_created"}),
        ),
    ];
    items
        .into_iter()
        .map(|(kind, value)| (kind, as_object(value)))
        .chain(countries().into_iter().map(|c| (ResourceKind::Country, c)))
        .collect()
}

/// The shop's country table (`GET /REST/country`): ids as the shop numbers them, names in
/// Danish; Shoporama documents no ISO field, so most items carry a `code` and some only a
/// name (which the client recognises), to exercise both.
pub(super) fn countries() -> Vec<Map<String, Value>> {
    [
        json!({"country_id": 45, "name": "Danmark", "code": "DK"}),
        json!({"country_id": 46, "name": "Sverige", "code": "SE"}),
        json!({"country_id": "47", "name": "Norge"}),
        json!({"country_id": 49, "name": "Tyskland", "code": "DE"}),
        json!({"country_id": 44, "name": "Storbritannien"}),
        json!({"country_id": 298, "name": "Færøerne", "code": "FO"}),
        json!({"country_id": 299, "name": "Grønland", "code": "GL"}),
    ]
    .into_iter()
    .map(as_object)
    .collect()
}

/// What the simulator's sample bodies ([`sample_body`](crate::testing::sample_body)) point at:
/// the sample order (two mugs, paid), its product, the customer, the order return and the
/// category, shaped like the platform's answers.
pub(super) fn samples() -> Vec<(ResourceKind, Map<String, Value>)> {
    let at = stamp(base_time());
    let mut product = product(0);
    product.extend(as_object(json!({
        "product_id": SAMPLE_PRODUCT_ID, "own_id": "SKU-1", "name": "Kaffekop", "price": "199.50",
        "sale_price": Value::Null, "rewrite_url": "kaffekop", "url": "http://fake.shoporama.dk/kaffekop",
    })));
    let category = catalog()
        .into_iter()
        .find(|(kind, item)| {
            *kind == ResourceKind::Category
                && item.get("category_id") == Some(&json!(SAMPLE_CATEGORY_ID.to_string()))
        })
        .map(|(_, item)| item)
        .unwrap_or_default();
    let items = vec![
        (
            ResourceKind::Order,
            json!({"order_id": SAMPLE_ORDER_ID, "webshop_order_id": "1042", "invoice_id": Value::Null,
            "status": "new", "paid": 1, "created": at, "last_modified": at, "customer_id": SAMPLE_CUSTOMER_ID,
            "email": "kunde@example.dk", "phone": "20304050", "currency": "DKK",
            "price": "399.00", "total_price": "499.00", "vat": "99.80", "shipping_price": "100.00",
            "order_name": "Karen Jensen", "order_company_name": "", "order_address": "Vestergade 1",
            "order_zipcode": "8000", "order_city": "Aarhus", "order_country_id": "45",
            "del_name": "", "del_address": "", "del_zipcode": "", "del_city": "", "del_country_id": "",
            "products": [{"product_id": SAMPLE_PRODUCT_ID, "own_id": "SKU-1", "name": "Kaffekop",
                          "amount": "2", "unit_price": "199.50", "real_price": "199.50", "attributes": []}]}),
        ),
        (
            ResourceKind::Customer,
            json!({"customer_id": SAMPLE_CUSTOMER_ID, "email": "kunde@example.dk", "name": "Karen Jensen",
            "company_name": "", "address": "Vestergade 1", "zipcode": "8000", "city": "Aarhus", "country_id": "45",
            "phone": "20304050", "ean": "", "cvr": "", "newsletter": "0", "created": at}),
        ),
        (
            ResourceKind::OrderReturn,
            json!({"order_return_id": SAMPLE_RETURN_ID, "order_id": SAMPLE_ORDER_ID, "status": "new", "created": at}),
        ),
    ];
    items
        .into_iter()
        .map(|(kind, value)| (kind, as_object(value)))
        .chain([(ResourceKind::Product, product)])
        .chain((!category.is_empty()).then_some((ResourceKind::Category, category)))
        .collect()
}
