//! What the e-conomic suites share: the Danish paid order they send.

use serde_json::{Value, json};

/// A Danish paid order: two mugs at 199.50 and 39.00 shipping, 438.00 with 87.60 VAT, as
/// Shoporama's REST API returns it.
pub(crate) fn order_json(order_id: u64, webshop_order_id: u64, email: &str) -> Value {
    json!({
        "order_id": order_id, "webshop_order_id": webshop_order_id, "status": "new", "paid": 1,
        "created": "2025-03-03 10:15:00", "last_modified": "2025-03-03 10:20:00",
        "email": email, "phone": "20304050", "currency": "DKK",
        "price": "399.00", "shipping_price": "39.00", "total_price": "438.00", "vat": "87.60",
        "order_name": "Karen Jensen", "order_address": "Vestergade 1", "order_zipcode": "8000",
        "order_city": "Aarhus", "order_country_id": 45,
        "products": [{"product_id": 3_042_680, "own_id": "SKU-1", "name": "Kaffekop", "amount": 2,
                      "unit_price": "199.50", "real_price": "199.50"}]
    })
}
