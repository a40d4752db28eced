//! [`Order`] with its [`OrderLine`]s and both [`Address`]es, and [`OrderUpdate`].

use chrono::NaiveDateTime;
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::lenient;

/// An order.
///
/// Shoporama publishes no order JSON; the fields follow its writable-field list and the
/// `$order` template object: billing address fields are prefixed `order_` (`order_name`,
/// `order_zipcode`, …) and delivery fields `del_` (`del_name`, …); they are gathered here
/// into [`Order::billing`] and [`Order::delivery`]. The lines are read from `products` (or
/// `order_products` / `lines`).
///
/// Reading is lenient beyond the [`lenient`] forms: only `order_id` is required, and a field
/// whose value does not fit its type here (say `payment_gateway` sent as an object) is not
/// an error: it stays in [`Order::extra`] under its own name, as sent. Serializing writes the
/// platform's flat names back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Order {
    /// The order's id.
    pub order_id: u64,
    /// The order number shown to the shop and the customer.
    pub webshop_order_id: Option<u64>,
    /// The invoice number, once invoiced.
    pub invoice_id: Option<u64>,
    /// The status (`new`, `sent`, `cancelled`, or a shop's own).
    pub status: Option<String>,
    /// Whether it is paid.
    pub paid: bool,
    /// When it was placed (`created`, or `time` / `date`).
    pub created: Option<NaiveDateTime>,
    /// When it last changed.
    pub last_modified: Option<NaiveDateTime>,
    /// The customer account, if any.
    pub customer_id: Option<u64>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// EAN number (public-sector invoicing).
    pub ean_number: Option<String>,
    /// VAT / CVR number.
    pub vat_number: Option<String>,
    /// The customer's comments.
    pub comments: Option<String>,
    /// Currency code, when sent.
    pub currency: Option<String>,
    /// Price of the lines.
    pub price: Option<f64>,
    /// Total to pay.
    pub total_price: Option<f64>,
    /// VAT amount.
    pub vat: Option<f64>,
    /// Shipping price.
    pub shipping_price: Option<f64>,
    /// The delivery method.
    pub shipping_id: Option<u64>,
    /// The payment gateway's id.
    pub payment_gateway_id: Option<u64>,
    /// The payment gateway (`quickpay`, `epay`, …).
    pub payment_gateway: Option<String>,
    /// The voucher code used.
    pub voucher_code: Option<String>,
    /// The voucher's discount (percent or amount, as the voucher defines).
    pub voucher_discount: Option<f64>,
    /// The discount the voucher gave.
    pub voucher_discount_amount: Option<f64>,
    /// Parcel tracking number.
    pub tracking_number: Option<String>,
    /// Parcel tracking URL.
    pub tracking_url: Option<String>,
    /// Billing address (`order_*`).
    pub billing: Address,
    /// Delivery address (`del_*`); empty fields mean "same as billing".
    pub delivery: Address,
    /// The lines.
    pub lines: Vec<OrderLine>,
    /// Every field not named above (or not of the type above), as sent.
    pub extra: Map<String, Value>,
}

/// A billing or delivery address.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Address {
    /// Full name.
    pub name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Second address line.
    pub address2: Option<String>,
    /// Postal code.
    pub zipcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country name (or code), when sent.
    pub country: Option<String>,
    /// The country's id in the shop's country table
    /// ([`ShopClient::country_table`](crate::rest::ShopClient::country_table)).
    pub country_id: Option<u64>,
    /// The ISO code resolved from `country_id` ([`set_country_code`](Self::set_country_code)).
    pub(crate) resolved_code: Option<&'static str>,
}

impl Address {
    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The country's ISO 3166-1 alpha-2 code (`DK`): the `country` text when it is a code;
    /// else the code resolved from `country_id` by
    /// [`ShopClient::resolve_countries`](crate::rest::ShopClient::resolve_countries); else
    /// the code of the `country` text as a country name in Danish or English
    /// ([`country_code`](crate::rest::country_code)). `None` when none of these tells.
    ///
    /// Orders read over REST name the country by `country_id` only: resolve them first.
    pub fn country_code(&self) -> Option<&str> {
        let text = self
            .country
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        text.and_then(crate::rest::countries::assigned_code)
            .or(self.resolved_code)
            .or_else(|| text.and_then(crate::rest::country_code))
    }

    /// Sets the ISO code resolved for `country_id` (what
    /// [`ShopClient::resolve_countries`](crate::rest::ShopClient::resolve_countries) does);
    /// a text that is not an assigned ISO 3166-1 alpha-2 code clears it. Returns whether it
    /// was one.
    pub fn set_country_code(&mut self, code: &str) -> bool {
        self.resolved_code = crate::rest::countries::assigned_code(code);
        self.resolved_code.is_some()
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct OrderLine {
    /// The product, if it still exists.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub product_id: Option<u64>,
    /// The product's SKU.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub own_id: Option<String>,
    /// The product's name at the time of the order.
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: String,
    /// Quantity.
    #[serde(default, alias = "quantity", deserialize_with = "lenient::opt_int")]
    pub amount: Option<i64>,
    /// Price per item before discounts.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub unit_price: Option<f64>,
    /// Price per item paid.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub real_price: Option<f64>,
    /// The line's price.
    #[serde(default, deserialize_with = "lenient::opt_decimal")]
    pub price: Option<f64>,
    /// The product page's URL.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub url: Option<String>,
    /// The chosen variant's attributes (`[{name, val}]`).
    #[serde(default, deserialize_with = "lenient::list")]
    pub attributes: Vec<LineAttribute>,
    /// Every field not named above, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A variant attribute of an order line (`{"name": "Size", "val": "XL"}`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct LineAttribute {
    /// The attribute, e.g. `Size`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: String,
    /// The value, e.g. `XL`.
    #[serde(default, alias = "value", deserialize_with = "lenient::text")]
    pub val: String,
}

const ADDRESS_FIELDS: [&str; 8] = [
    "name",
    "company_name",
    "address",
    "address2",
    "zipcode",
    "city",
    "country",
    "country_id",
];

/// Takes fields out of the raw object; a value of the wrong type goes back into `extra`.
struct Fields {
    raw: Map<String, Value>,
    extra: Map<String, Value>,
}

impl Fields {
    /// Reads the first of `keys` present with `read`, borrowing the value: it is moved into
    /// `extra` only when it does not fit.
    fn take<T>(
        &mut self,
        keys: &[&str],
        read: impl FnOnce(&Value) -> Result<T, serde_json::Error>,
    ) -> Option<T> {
        let (key, value) = keys.iter().find_map(|key| self.raw.remove_entry(*key))?;
        if let Ok(parsed) = read(&value) {
            Some(parsed)
        } else {
            self.extra.insert(key, value);
            None
        }
    }

    fn text(&mut self, keys: &[&str]) -> Option<String> {
        self.take(keys, |v| lenient::opt_text(v)).flatten()
    }
    fn id(&mut self, keys: &[&str]) -> Option<u64> {
        self.take(keys, |v| lenient::opt_id(v)).flatten()
    }
    fn decimal(&mut self, keys: &[&str]) -> Option<f64> {
        self.take(keys, |v| lenient::opt_decimal(v)).flatten()
    }
    fn datetime(&mut self, keys: &[&str]) -> Option<NaiveDateTime> {
        self.take(keys, |v| lenient::opt_datetime(v)).flatten()
    }

    fn address(&mut self, prefix: &str, fallback_unprefixed: bool) -> Address {
        let one = |field: &str| {
            let prefixed = format!("{prefix}{field}");
            if fallback_unprefixed && !self.raw.contains_key(&prefixed) {
                field.to_owned()
            } else {
                prefixed
            }
        };
        let keys: Vec<String> = ADDRESS_FIELDS.iter().map(|f| one(f)).collect();
        Address {
            name: self.text(&[&keys[0]]),
            company_name: self.text(&[&keys[1]]),
            address: self.text(&[&keys[2]]),
            address2: self.text(&[&keys[3]]),
            zipcode: self.text(&[&keys[4]]),
            city: self.text(&[&keys[5]]),
            country: self.text(&[&keys[6]]),
            country_id: self.id(&[&keys[7]]),
            resolved_code: None,
        }
    }
}

impl<'de> Deserialize<'de> for Order {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Map::<String, Value>::deserialize(deserializer)?;
        let mut f = Fields {
            raw,
            extra: Map::new(),
        };
        let Some(raw_id) = f.raw.remove("order_id") else {
            return Err(D::Error::missing_field("order_id"));
        };
        let order_id =
            lenient::id(raw_id).map_err(|e| D::Error::custom(format_args!("order_id: {e}")))?;
        let lines = f
            .take(&["products", "order_products", "lines"], |v| {
                lenient::list::<_, OrderLine>(v)
            })
            .unwrap_or_default();
        let order = Order {
            order_id,
            webshop_order_id: f.id(&["webshop_order_id"]),
            invoice_id: f.id(&["invoice_id"]),
            status: f.text(&["status"]),
            paid: f.take(&["paid"], |v| lenient::flag(v)).unwrap_or_default(),
            created: f.datetime(&["created", "time", "date"]),
            last_modified: f.datetime(&["last_modified"]),
            customer_id: f.id(&["customer_id"]),
            email: f.text(&["email"]),
            phone: f.text(&["phone"]),
            ean_number: f.text(&["ean_number", "ean"]),
            vat_number: f.text(&["vat_number", "cvr"]),
            comments: f.text(&["comments"]),
            currency: f.text(&["currency"]),
            price: f.decimal(&["price"]),
            total_price: f.decimal(&["total_price"]),
            vat: f.decimal(&["vat"]),
            shipping_price: f.decimal(&["shipping_price"]),
            shipping_id: f.id(&["shipping_id"]),
            payment_gateway_id: f.id(&["payment_gateway_id"]),
            payment_gateway: f.text(&["payment_gateway"]),
            voucher_code: f.text(&["voucher_code"]),
            voucher_discount: f.decimal(&["voucher_discount"]),
            voucher_discount_amount: f.decimal(&["voucher_discount_amount"]),
            tracking_number: f.text(&["tracking_number"]),
            tracking_url: f.text(&["tracking_url"]),
            billing: f.address("order_", true),
            delivery: f.address("del_", false),
            lines,
            extra: Map::new(),
        };
        let Fields { raw, mut extra } = f;
        extra.extend(raw);
        Ok(Order { extra, ..order })
    }
}

impl Order {
    /// The delivery address, or the billing address when no delivery address was given.
    pub fn ship_to(&self) -> &Address {
        if self.delivery.is_empty() {
            &self.billing
        } else {
            &self.delivery
        }
    }

    /// The object in Shoporama's flat form (`order_name`, `del_city`, `products`, …).
    fn to_map(&self) -> Result<Map<String, Value>, serde_json::Error> {
        let mut map = Map::new();
        let mut put = |key: &str, value: Value| {
            if !value.is_null() {
                map.insert(key.to_owned(), value);
            }
        };
        let datetime = |dt: Option<NaiveDateTime>| {
            dt.map_or(Value::Null, |dt| {
                Value::String(dt.format(lenient::DATETIME_FORMAT).to_string())
            })
        };
        put("order_id", self.order_id.into());
        put("webshop_order_id", self.webshop_order_id.into());
        put("invoice_id", self.invoice_id.into());
        put("status", self.status.clone().into());
        put("paid", u8::from(self.paid).into());
        put("created", datetime(self.created));
        put("last_modified", datetime(self.last_modified));
        put("customer_id", self.customer_id.into());
        put("email", self.email.clone().into());
        put("phone", self.phone.clone().into());
        put("ean_number", self.ean_number.clone().into());
        put("vat_number", self.vat_number.clone().into());
        put("comments", self.comments.clone().into());
        put("currency", self.currency.clone().into());
        put("price", self.price.into());
        put("total_price", self.total_price.into());
        put("vat", self.vat.into());
        put("shipping_price", self.shipping_price.into());
        put("shipping_id", self.shipping_id.into());
        put("payment_gateway_id", self.payment_gateway_id.into());
        put("payment_gateway", self.payment_gateway.clone().into());
        put("voucher_code", self.voucher_code.clone().into());
        put("voucher_discount", self.voucher_discount.into());
        put(
            "voucher_discount_amount",
            self.voucher_discount_amount.into(),
        );
        put("tracking_number", self.tracking_number.clone().into());
        put("tracking_url", self.tracking_url.clone().into());
        for (prefix, address) in [("order_", &self.billing), ("del_", &self.delivery)] {
            let Address {
                name,
                company_name,
                address,
                address2,
                zipcode,
                city,
                country,
                country_id,
                resolved_code: _,
            } = address;
            let values: [Value; 8] = [
                name.clone().into(),
                company_name.clone().into(),
                address.clone().into(),
                address2.clone().into(),
                zipcode.clone().into(),
                city.clone().into(),
                country.clone().into(),
                (*country_id).into(),
            ];
            for (field, value) in ADDRESS_FIELDS.iter().zip(values) {
                put(&format!("{prefix}{field}"), value);
            }
        }
        put("products", serde_json::to_value(&self.lines)?);
        for (key, value) in &self.extra {
            map.entry(key.clone()).or_insert_with(|| value.clone());
        }
        Ok(map)
    }
}

impl Serialize for Order {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let map = self.to_map().map_err(serde::ser::Error::custom)?;
        let mut out = serializer.serialize_map(Some(map.len()))?;
        for (key, value) in &map {
            out.serialize_entry(key, value)?;
        }
        out.end()
    }
}

update_type! {
    /// The fields to create an order with, or to change on one (only `Some` fields are sent).
    ///
    /// Anything else the platform accepts (`del_country_id`, `voucher_id`, `products`, …) goes
    /// through [`set`](Self::set).
    pub struct OrderUpdate {
        /// The status.
        pub status: Option<String>,
        /// Paid or not.
        #[serde(serialize_with = "lenient::ser_opt_flag")]
        pub paid: Option<bool>,
        /// The invoice number.
        pub invoice_id: Option<u64>,
        /// Parcel tracking number.
        pub tracking_number: Option<String>,
        /// Parcel tracking URL.
        pub tracking_url: Option<String>,
        /// The delivery method.
        pub shipping_id: Option<u64>,
        /// Comments.
        pub comments: Option<String>,
        /// A voucher code.
        pub voucher_code: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn addresses_lines_and_leftovers() -> Result<(), serde_json::Error> {
        let order: Order = serde_json::from_value(json!({
            "order_id": "5512", "webshop_order_id": 1001, "status": "new", "paid": "1",
            "time": "2025-03-01 10:00:00", "price": "100,00", "total_price": 125,
            "order_name": "Jens Hansen", "order_address": "Vej 1", "order_zipcode": "8000",
            "order_city": "Aarhus", "order_country_id": "45",
            "del_name": "Jens Hansen", "del_city": "Odense", "del_zipcode": 5000,
            "payment_gateway": {"name": "quickpay"}, "label": "e-conomic-ok",
            "products": [{"product_id": "3042680", "name": "Mug", "amount": "2", "unit_price": "50",
                          "attributes": [{"name": "Color", "val": "Blue"}], "vat_rate": 25}]
        }))?;
        assert_eq!(order.order_id, 5512);
        assert!(order.paid);
        assert_eq!(order.billing.city.as_deref(), Some("Aarhus"));
        assert_eq!(order.billing.country_id, Some(45));
        assert_eq!(order.delivery.zipcode.as_deref(), Some("5000"));
        assert_eq!(order.ship_to().city.as_deref(), Some("Odense"));
        assert_eq!(order.price, Some(100.0));
        assert_eq!(order.lines.len(), 1);
        assert_eq!(order.lines[0].amount, Some(2));
        assert_eq!(order.lines[0].attributes[0].val, "Blue");
        assert_eq!(order.lines[0].extra.get("vat_rate"), Some(&json!(25)));
        assert_eq!(order.payment_gateway, None);
        assert_eq!(
            order.extra.get("payment_gateway"),
            Some(&json!({"name": "quickpay"}))
        );
        assert_eq!(order.extra.get("label"), Some(&json!("e-conomic-ok")));
        assert!(order.created.is_some());

        let written = serde_json::to_value(&order)?;
        assert_eq!(written["order_city"], json!("Aarhus"));
        assert_eq!(written["del_city"], json!("Odense"));
        assert_eq!(written["paid"], json!(1));
        assert_eq!(written["payment_gateway"], json!({"name": "quickpay"}));
        let again: Order = serde_json::from_value(written)?;
        assert_eq!(again, order);
        Ok(())
    }

    #[test]
    fn only_the_id_is_required() {
        assert!(serde_json::from_value::<Order>(json!({"status": "new"})).is_err());
        assert!(serde_json::from_value::<Order>(json!({"order_id": "abc"})).is_err());
        let order =
            serde_json::from_value::<Order>(json!({"order_id": 1, "name": "Ann", "city": "Vejle"}));
        let order = order.unwrap_or_default();
        assert_eq!(
            order.billing.name.as_deref(),
            Some("Ann"),
            "unprefixed billing fields are read too"
        );
        assert!(order.delivery.is_empty());
        assert!(order.lines.is_empty());
    }

    #[test]
    fn updates_send_only_what_is_set() -> Result<(), serde_json::Error> {
        let update = OrderUpdate {
            status: Some("sent".into()),
            paid: Some(true),
            ..Default::default()
        }
        .set("del_country_id", 45);
        assert_eq!(
            serde_json::to_value(&update)?,
            json!({"status": "sent", "paid": 1, "del_country_id": 45})
        );
        Ok(())
    }
}
