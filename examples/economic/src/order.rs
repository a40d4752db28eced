//! Shoporama's order, as the REST API returns it, mapped into an [`InvoiceInput`]: pure, no
//! I/O. Country ids are resolved with a [`Countries`] table the app reads once per shop.
//!
//! Shoporama publishes no order schema; what is read here is what
//! [`shoporama_app::rest::Order`] models:
//!
//! * lines: `amount` × `real_price` (the price paid per item; `unit_price`, or the line's
//!   `price` ÷ `amount`, when it is missing), SKU `own_id`, VAT from the line's `vat_rate` or
//!   `vat` when sent, else the order's rate (`vat` ÷ (`total_price` − `vat`), to the half
//!   percent), else 25 %;
//! * `shipping_price` as the shipping line, `voucher_discount_amount` as the discount,
//!   `total_price` as what was paid (the invoice must reconcile with it);
//! * billing (`order_*`) and delivery (`del_*`) addresses, `vat_number` (CVR for home-country
//!   buyers), `ean_number`;
//! * the invoice date ([`invoice_date`]): the day the order was paid (`paid_date`,
//!   `date_paid`, `paid_time` or `paid_at`, when sent), else the day it was created, in the
//!   shop's time zone ([`ShopZone`], Europe/Copenhagen unless the settings say otherwise);
//!   today there when the order has neither. Shoporama's `YYYY-MM-DD HH:MM:SS` times are the
//!   shop's local time already; unix timestamps and times with an offset are converted.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike as _, Days, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde_json::Value;
use shoporama_app::rest::lenient::parse_datetime;
use shoporama_app::rest::{Address, Order, OrderLine};

use crate::invoice::{
    AddressInput, CustomerInput, DiscountInput, InvoiceInput, LineInput, ShippingInput,
    is_country_code,
};
use crate::money::{Money, Quantity, VatRate};

/// The VAT rate assumed when an order says nothing about VAT.
pub const DEFAULT_VAT_RATE: VatRate = VatRate::DANISH;

/// Why an order cannot be mapped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MappingError {
    /// A country the shop's country list does not know.
    #[error("unknown country {0} on the order: it is not in the shop's country list")]
    UnknownCountry(String),
    /// A line without any price.
    #[error("line {line} (`{name}`) has no price")]
    NoPrice {
        /// 1-based line index.
        line: usize,
        /// The line's name.
        name: String,
    },
    /// An amount that is not a number of kroner and øre.
    #[error("{what} is not a valid amount ({value})")]
    InvalidAmount {
        /// What it was.
        what: String,
        /// The value.
        value: f64,
    },
}

/// An order that cannot be mapped fails the same way until it changes: a permanent failure
/// of the keyed effect that invoices it.
impl From<MappingError> for shoporama_app::effects::EffectFailure {
    fn from(error: MappingError) -> Self {
        Self::permanent(error)
    }
}

/// Whether an order status means "shipped" (`sent`, as Shoporama's admin says, or `shipped`).
pub fn is_shipped(status: &str) -> bool {
    ["sent", "shipped"].contains(&status.trim().to_ascii_lowercase().as_str())
}

/// A country as an address names it: its ISO code, and its name when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, upper case.
    pub code: String,
    /// The name as the shop writes it (`Danmark`), printed on the invoice.
    pub name: Option<String>,
}

/// The shop's countries, by id and by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Countries {
    by_id: BTreeMap<u64, Country>,
    by_name: BTreeMap<String, Country>,
}

impl Countries {
    /// Reads `GET /REST/country` items (`{"country_id": 45, "name": "Danmark", "code": "DK"}`;
    /// `iso`, `iso_code` or `country_code` are read as the code too).
    pub fn from_rest(items: &[Value]) -> Self {
        let mut countries = Self::default();
        for item in items {
            let code = ["code", "iso", "iso_code", "country_code"]
                .iter()
                .find_map(|key| item.get(key).and_then(Value::as_str))
                .map(str::trim)
                .filter(|code| is_country_code(code));
            let Some(code) = code.map(str::to_ascii_uppercase) else {
                continue;
            };
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|name| !name.is_empty());
            let country = Country {
                code,
                name: name.map(str::to_owned),
            };
            let id = item.get("country_id").and_then(|id| {
                id.as_u64()
                    .or_else(|| id.as_str().and_then(|text| text.trim().parse().ok()))
            });
            if let Some(id) = id {
                countries.by_id.insert(id, country.clone());
            }
            if let Some(name) = name {
                countries.by_name.insert(name.to_lowercase(), country);
            }
        }
        countries
    }

    /// The country of an address (by code, id or name): `None` when the address names none.
    pub fn resolve(&self, address: &Address) -> Result<Option<Country>, MappingError> {
        let name = address
            .country
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if let Some(code) = name.filter(|name| is_country_code(name)) {
            let code = code.to_ascii_uppercase();
            let known = self.by_id.values().find(|country| country.code == code);
            return Ok(Some(known.cloned().unwrap_or(Country { code, name: None })));
        }
        if let Some(id) = address.country_id.filter(|id| *id > 0) {
            return self
                .by_id
                .get(&id)
                .cloned()
                .map(Some)
                .ok_or_else(|| MappingError::UnknownCountry(format!("id {id}")));
        }
        match name {
            None => Ok(None),
            Some(name) => self
                .by_name
                .get(&name.to_lowercase())
                .cloned()
                .map(Some)
                .ok_or_else(|| MappingError::UnknownCountry(format!("`{name}`"))),
        }
    }
}

/// A shop's time zone: one of the European zones with EU summer time (or none), which is
/// where Shoporama's shops are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopZone {
    standard_hours: i64,
    summer_time: bool,
}

impl ShopZone {
    /// Europe/Copenhagen: UTC+1, UTC+2 in summer.
    pub const COPENHAGEN: Self = Self {
        standard_hours: 1,
        summer_time: true,
    };

    /// The zone of an IANA name (`Europe/Stockholm`, `Europe/London`, `UTC`, …).
    pub fn named(name: &str) -> Option<Self> {
        let (standard_hours, summer_time) = match name.trim() {
            "UTC" | "Etc/UTC" | "GMT" | "Atlantic/Reykjavik" => (0, false),
            "Europe/London" | "Europe/Dublin" | "Europe/Lisbon" | "Atlantic/Faroe"
            | "Atlantic/Canary" | "Atlantic/Madeira" => (0, true),
            "Europe/Copenhagen"
            | "Europe/Stockholm"
            | "Europe/Oslo"
            | "Europe/Berlin"
            | "Europe/Amsterdam"
            | "Europe/Brussels"
            | "Europe/Luxembourg"
            | "Europe/Paris"
            | "Europe/Madrid"
            | "Europe/Rome"
            | "Europe/Vienna"
            | "Europe/Zurich"
            | "Europe/Warsaw"
            | "Europe/Prague"
            | "Europe/Bratislava"
            | "Europe/Budapest"
            | "Europe/Ljubljana"
            | "Europe/Zagreb"
            | "Europe/Malta"
            | "Arctic/Longyearbyen" => (1, true),
            "Europe/Helsinki" | "Europe/Tallinn" | "Europe/Riga" | "Europe/Vilnius"
            | "Europe/Athens" | "Europe/Sofia" | "Europe/Bucharest" | "Asia/Nicosia" => (2, true),
            _ => return None,
        };
        Some(Self {
            standard_hours,
            summer_time,
        })
    }

    /// The local time of the instant `utc`: EU summer time runs from 01:00 UTC on the last
    /// Sunday of March to 01:00 UTC on the last Sunday of October.
    pub fn local(self, utc: NaiveDateTime) -> NaiveDateTime {
        let last_sunday = |month: u32| {
            let next = NaiveDate::from_ymd_opt(utc.year(), month + 1, 1).unwrap_or_default();
            let last = next.pred_opt().unwrap_or(next);
            let sunday = last - Days::new(u64::from(last.weekday().num_days_from_sunday()));
            sunday.and_hms_opt(1, 0, 0).unwrap_or_default()
        };
        let summer = self.summer_time && (last_sunday(3)..last_sunday(10)).contains(&utc);
        utc + TimeDelta::hours(self.standard_hours + i64::from(summer))
    }
}

/// The order fields that may carry when it was paid.
const PAID_KEYS: [&str; 4] = ["paid_date", "date_paid", "paid_time", "paid_at"];

/// The shop-local time of a time the order states: a Shoporama time as it is, an RFC 3339 time
/// or a unix timestamp converted to `zone`.
fn shop_time(value: &Value, zone: ShopZone) -> Option<NaiveDateTime> {
    match value {
        Value::Number(secs) => secs
            .as_i64()
            .filter(|secs| *secs > 0)
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .map(|utc| zone.local(utc.naive_utc())),
        Value::String(text) => DateTime::parse_from_rfc3339(text.trim())
            .map(|time| zone.local(time.naive_utc()))
            .ok()
            .or_else(|| parse_datetime(text)),
        _ => None,
    }
}

/// The invoice date: the day the order was paid, else created, in the shop's time zone; the
/// day `now` is there when the order says neither.
pub fn invoice_date(order: &Order, zone: ShopZone, now: DateTime<Utc>) -> NaiveDate {
    PAID_KEYS
        .iter()
        .find_map(|key| shop_time(order.extra.get(*key)?, zone))
        .or(order.created)
        .unwrap_or_else(|| zone.local(now.naive_utc()))
        .date()
}

/// Whether mapping `order` needs the shop's country list (an address names its country by
/// id or name rather than by code).
pub fn needs_countries(order: &Order) -> bool {
    [&order.billing, &order.delivery]
        .into_iter()
        .any(|address| {
            address.country_id.is_some_and(|id| id > 0)
                || address
                    .country
                    .as_deref()
                    .is_some_and(|name| !name.trim().is_empty() && !is_country_code(name.trim()))
        })
}

fn money(what: impl Into<String>, value: f64) -> Result<Money, MappingError> {
    Money::from_f64(value).map_err(|_| MappingError::InvalidAmount {
        what: what.into(),
        value,
    })
}

/// The VAT rate included in the order's prices: `vat / (total − vat)`, rounded to the half
/// percent; the default when the order does not say or the result is implausible.
pub fn order_vat_rate(order: &Order) -> VatRate {
    match (order.vat, order.total_price) {
        (Some(vat), Some(total)) if vat >= 0.0 && total > vat => {
            let percent = (vat / (total - vat) * 200.0).round() / 2.0;
            if (0.0..=30.0).contains(&percent) {
                VatRate::from_percent_f64(percent).unwrap_or(DEFAULT_VAT_RATE)
            } else {
                DEFAULT_VAT_RATE
            }
        }
        _ => DEFAULT_VAT_RATE,
    }
}

/// The line's own VAT rate, when the line carries one (`vat_rate` or `vat`, in percent).
fn line_vat_rate(line: &OrderLine) -> Option<VatRate> {
    ["vat_rate", "vat"].iter().find_map(|key| {
        let value = line.extra.get(*key)?;
        let percent = value.as_f64().or_else(|| {
            value
                .as_str()
                .and_then(|text| text.trim().replace(',', ".").parse().ok())
        })?;
        VatRate::from_percent_f64(percent)
    })
}

fn address_input(address: &Address, country: Country) -> AddressInput {
    let street = [address.address.as_deref(), address.address2.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    AddressInput {
        name: address.name.clone(),
        address: (!street.is_empty()).then_some(street),
        zip: address.zipcode.clone(),
        city: address.city.clone(),
        country_code: country.code,
        country_name: country.name,
    }
}

/// Maps `order` into the invoice input, dated by [`invoice_date`].
pub fn invoice_input(
    order: &Order,
    countries: &Countries,
    home_country: &str,
    zone: ShopZone,
    now: DateTime<Utc>,
) -> Result<InvoiceInput, MappingError> {
    let home = home_country.trim().to_ascii_uppercase();
    let billing_country = countries.resolve(&order.billing)?.unwrap_or(Country {
        code: home.clone(),
        name: None,
    });
    let delivery = if order.delivery.is_empty() {
        None
    } else {
        let country = countries
            .resolve(&order.delivery)?
            .unwrap_or_else(|| billing_country.clone());
        Some(address_input(&order.delivery, country))
    };
    let order_rate = order_vat_rate(order);
    let mut lines = Vec::with_capacity(order.lines.len());
    for (index, line) in order.lines.iter().enumerate() {
        let amount = line.amount.unwrap_or(1);
        let unit_price = match (line.real_price, line.unit_price, line.price) {
            (Some(paid), _, _) | (None, Some(paid), _) => paid,
            (None, None, Some(total)) if amount != 0 => {
                #[allow(clippy::cast_precision_loss)] // quantities are small
                let per_item = total / amount as f64;
                per_item
            }
            _ => {
                return Err(MappingError::NoPrice {
                    line: index + 1,
                    name: line.name.clone(),
                });
            }
        };
        lines.push(LineInput {
            product_number: line.own_id.clone(),
            description: line.name.clone(),
            quantity: Quantity::from_hundredths(amount.saturating_mul(100)),
            unit_price_incl_vat: money(format!("line {} price", index + 1), unit_price)?,
            vat_rate: line_vat_rate(line).unwrap_or(order_rate),
        });
    }
    let shipping = match order.shipping_price.filter(|price| *price != 0.0) {
        Some(price) => Some(ShippingInput {
            description: "Fragt".to_owned(),
            price_incl_vat: money("shipping", price)?,
            vat_rate: order_rate,
        }),
        None => None,
    };
    let discount = match order
        .voucher_discount_amount
        .filter(|amount| *amount != 0.0)
    {
        Some(amount) => Some(DiscountInput {
            description: order
                .voucher_code
                .as_deref()
                .map_or_else(|| "Rabat".to_owned(), |code| format!("Rabatkode {code}")),
            amount_incl_vat: money("discount", amount.abs())?,
            vat_rate: order_rate,
        }),
        None => None,
    };
    let is_home = billing_country.code == home;
    let vat_number = order.vat_number.clone().filter(|n| !n.trim().is_empty());
    Ok(InvoiceInput {
        order_reference: order.order_id.to_string(),
        currency: order
            .currency
            .clone()
            .filter(|currency| !currency.trim().is_empty())
            .unwrap_or_else(|| "DKK".to_owned()),
        date: invoice_date(order, zone, now),
        customer: CustomerInput {
            name: order.billing.name.clone().unwrap_or_default(),
            company: order.billing.company_name.clone(),
            email: order.email.clone(),
            phone: order.phone.clone(),
            address: address_input(&order.billing, billing_country),
            cvr: vat_number.clone().filter(|_| is_home),
            ean: order.ean_number.clone(),
            vat_number: vat_number.filter(|_| !is_home),
        },
        delivery,
        lines,
        shipping,
        discount,
        paid_total: order
            .total_price
            .map(|total| money("the order total", total))
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order(value: Value) -> Order {
        serde_json::from_value(value).expect("order parses")
    }

    fn countries() -> Countries {
        Countries::from_rest(&[
            json!({"country_id": 45, "name": "Danmark", "code": "DK"}),
            json!({"country_id": "46", "name": "Sverige", "code": "se"}),
            json!({"country_id": 1, "name": "USA"}),
        ])
    }

    fn now() -> DateTime<Utc> {
        // 23:30 UTC on 1 March: already 2 March in Copenhagen.
        DateTime::from_timestamp(1_740_871_800, 0).expect("valid time")
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, 2).expect("valid date")
    }

    fn map(order: &Order, countries: &Countries) -> Result<InvoiceInput, MappingError> {
        invoice_input(order, countries, "dk", ShopZone::COPENHAGEN, now())
    }

    #[test]
    fn the_invoice_date_is_the_paid_day_in_the_shops_zone() {
        let zone = ShopZone::COPENHAGEN;
        let created = order(json!({"order_id": 1, "created": "2025-02-07 23:55:00"}));
        assert_eq!(
            invoice_date(&created, zone, now()),
            NaiveDate::from_ymd_opt(2025, 2, 7).expect("valid")
        );
        // Paid at 22:30 UTC on 30 June: 00:30 on 1 July in Copenhagen (summer time), still
        // 30 June in London.
        let paid = order(
            json!({"order_id": 1, "created": "2025-06-29 10:00:00", "paid_date": 1_751_322_600}),
        );
        assert_eq!(
            invoice_date(&paid, zone, now()),
            NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid")
        );
        let london = ShopZone::named("Europe/London").expect("known zone");
        assert_eq!(
            invoice_date(&paid, london, now()),
            NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid")
        );
        let offset = order(json!({"order_id": 1, "paid_at": "2025-01-31T23:10:00Z"}));
        assert_eq!(
            invoice_date(&offset, zone, now()),
            NaiveDate::from_ymd_opt(2025, 2, 1).expect("valid")
        );
        let local = order(json!({"order_id": 1, "date_paid": "2025-03-30 00:10:00"}));
        assert_eq!(
            invoice_date(&local, zone, now()),
            NaiveDate::from_ymd_opt(2025, 3, 30).expect("valid")
        );
        // Neither: today in Copenhagen, not in UTC.
        assert_eq!(
            invoice_date(&order(json!({"order_id": 1})), zone, now()),
            today()
        );
        assert_eq!(ShopZone::named("Mars/Olympus"), None);
        // Summer time starts at 01:00 UTC on the last Sunday of March.
        let start = NaiveDate::from_ymd_opt(2025, 3, 30)
            .and_then(|d| d.and_hms_opt(0, 59, 0))
            .expect("valid");
        assert_eq!(zone.local(start).format("%H:%M").to_string(), "01:59");
        assert_eq!(
            zone.local(start + TimeDelta::minutes(1))
                .format("%H:%M")
                .to_string(),
            "03:00"
        );
    }

    #[test]
    fn maps_lines_shipping_discount_and_addresses() {
        let order = order(json!({
            "order_id": 9001, "webshop_order_id": "1001", "created": "2025-02-07 11:22:05",
            "email": "jens@example.com", "phone": "12345678", "total_price": "424.00", "vat": "84.80",
            "shipping_price": "39.00", "voucher_code": "SOMMER", "voucher_discount_amount": "14.00",
            "order_name": "Jens Hansen", "order_company_name": "", "order_address": "Vestergade 1",
            "order_address2": "2. th", "order_zipcode": "8000", "order_city": "Aarhus", "order_country_id": "45",
            "del_name": "Jens Hansen", "del_city": "Malmö", "del_country_id": 46, "vat_number": "12345678",
            "products": [
                {"own_id": "SKU-1", "name": "Kaffekop", "amount": "2", "unit_price": "199.50", "real_price": "199.50"},
                {"own_id": "", "name": "Gavekort", "amount": 1, "price": "0"}
            ]
        }));
        let input = map(&order, &countries()).expect("maps");
        assert_eq!(input.order_reference, "9001");
        assert_eq!(input.currency, "DKK");
        assert_eq!(
            input.date,
            NaiveDate::from_ymd_opt(2025, 2, 7).expect("valid")
        );
        assert_eq!(input.customer.address.country_code, "DK");
        assert_eq!(
            input.customer.address.country_name.as_deref(),
            Some("Danmark")
        );
        assert_eq!(
            input.customer.address.address.as_deref(),
            Some("Vestergade 1, 2. th")
        );
        assert_eq!(input.customer.cvr.as_deref(), Some("12345678"));
        assert_eq!(input.customer.vat_number, None);
        assert_eq!(input.customer.company, None);
        let delivery = input.delivery.expect("delivery address");
        assert_eq!(
            (delivery.country_code.as_str(), delivery.city.as_deref()),
            ("SE", Some("Malmö"))
        );
        assert_eq!(input.lines.len(), 2);
        assert_eq!(input.lines[0].quantity, Quantity::from_units(2));
        assert_eq!(
            input.lines[0].unit_price_incl_vat,
            Money::from_minor(19_950)
        );
        assert_eq!(input.lines[0].vat_rate, VatRate::DANISH);
        assert_eq!(input.lines[0].product_number.as_deref(), Some("SKU-1"));
        assert_eq!(input.lines[1].product_number, None, "a blank SKU is no SKU");
        let shipping = input.shipping.expect("shipping line");
        assert_eq!(shipping.price_incl_vat, Money::from_minor(3_900));
        let discount = input.discount.expect("discount");
        assert_eq!(discount.description, "Rabatkode SOMMER");
        assert_eq!(discount.amount_incl_vat, Money::from_minor(1_400));
        assert_eq!(input.paid_total, Some(Money::from_minor(42_400)));
    }

    #[test]
    fn vat_rates_come_from_the_line_the_order_or_the_default() {
        let reduced = order(json!({"order_id": 1, "total_price": 106, "vat": 6,
            "products": [{"name": "Bog", "amount": 1, "real_price": 106, "vat_rate": "6"},
                         {"name": "Kop", "amount": 1, "real_price": 10}]}));
        assert_eq!(order_vat_rate(&reduced), VatRate::from_percent(6));
        let input = map(&reduced, &Countries::default()).expect("maps");
        assert_eq!(input.lines[0].vat_rate, VatRate::from_percent(6));
        assert_eq!(
            input.customer.address.country_code, "DK",
            "no country: home"
        );
        assert_eq!(input.date, today());
        // 25 % with VAT rounded to the øre still reads as 25 %.
        let rounded = order(json!({"order_id": 2, "total_price": 303.01, "vat": 60.61}));
        assert_eq!(order_vat_rate(&rounded), VatRate::DANISH);
        let silent = order(json!({"order_id": 3}));
        assert_eq!(order_vat_rate(&silent), DEFAULT_VAT_RATE);
        let export = order(json!({"order_id": 4, "total_price": 100, "vat": 0}));
        assert_eq!(order_vat_rate(&export), VatRate::ZERO);
    }

    #[test]
    fn countries_by_code_id_or_name_and_unknown_ones_fail() {
        let countries = countries();
        let by = |value: Value| {
            countries
                .resolve(&order(value).billing)
                .map(|country| country.map(|country| country.code))
        };
        assert_eq!(
            by(json!({"order_id": 1, "order_country": "de"})),
            Ok(Some("DE".to_owned()))
        );
        assert_eq!(
            by(json!({"order_id": 1, "order_country": "Sverige"})),
            Ok(Some("SE".to_owned()))
        );
        assert_eq!(
            by(json!({"order_id": 1, "order_country_id": 46})),
            Ok(Some("SE".to_owned()))
        );
        assert_eq!(by(json!({"order_id": 1})), Ok(None));
        assert!(matches!(
            by(json!({"order_id": 1, "order_country_id": 1})),
            Err(MappingError::UnknownCountry(_))
        ));
        assert!(matches!(
            by(json!({"order_id": 1, "order_country": "Atlantis"})),
            Err(MappingError::UnknownCountry(_))
        ));
        assert!(needs_countries(&order(
            json!({"order_id": 1, "order_country_id": 45})
        )));
        assert!(!needs_countries(&order(
            json!({"order_id": 1, "order_country": "DK"})
        )));
    }

    #[test]
    fn foreign_business_buyers_keep_their_vat_number_and_priceless_lines_fail() {
        let foreign = order(
            json!({"order_id": 5, "order_country": "SE", "vat_number": "SE5560000001",
            "order_company_name": "Svensk AB", "products": [{"name": "Kop", "amount": 3, "price": 30}]}),
        );
        let input = map(&foreign, &Countries::default()).expect("maps");
        assert_eq!(input.customer.vat_number.as_deref(), Some("SE5560000001"));
        assert_eq!(input.customer.cvr, None);
        assert_eq!(input.lines[0].unit_price_incl_vat, Money::from_minor(1_000));
        let priceless = order(json!({"order_id": 6, "products": [{"name": "Kop", "amount": 1}]}));
        assert!(matches!(
            map(&priceless, &Countries::default()),
            Err(MappingError::NoPrice { line: 1, .. })
        ));
    }
}
