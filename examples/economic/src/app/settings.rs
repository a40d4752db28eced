//! What the shop owner fills in on Shoporama's app form (economic-api.md §(a)).

use shoporama_app::prelude::*;
use shoporama_app::secret::Secret;

use crate::invoice::{InvoiceConfig, RoundingPolicy, VatZones, is_country_code};

/// When an order is transferred to e-conomic (Shoporama's "When is the order transferred?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, ListOptions)]
pub enum Trigger {
    /// When the order is created (`order_created`).
    #[option(label = "When the order is created")]
    Created,
    /// When the order is paid (`paid`).
    #[option(label = "When the order is paid")]
    Paid,
    /// When the order is shipped (`new_status` with status `sent`).
    #[option(label = "When the order is shipped")]
    Shipped,
}

/// The e-conomic app's settings. The agreement grant token is a [`Secret`]: `Debug` prints
/// `***`, so it cannot reach a log line.
#[shoporama_app(
    name = "e-conomic",
    description = "Turns your orders into invoices in e-conomic, exactly once: debtor, lines, shipping, discounts and VAT zone, booked or left as drafts. <a href=\"https://www.e-conomic.dk\">e-conomic</a>",
    category = "Accounting",
    access = read,
    monthly_price = 0,
    events(order_created, paid, add_label),
    webhooks(order_created, paid, new_status),
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The API key you created in e-conomic (Settings → Extensions → API keys): the
    /// agreement grant token.
    #[field(label = "e-conomic API key (agreement grant token)")]
    pub agreement_grant_token: Secret,
    /// When an order is transferred.
    #[field(label = "Transfer orders", default = "paid")]
    pub trigger: Trigger,
    /// Book (post) each invoice at once; unticked, invoices stay drafts for you to review.
    #[field(label = "Book invoices automatically")]
    pub book_invoices: bool,
    /// Two-letter country code of your shop (decides domestic, EU and export VAT).
    #[field(default = "DK")]
    pub home_country: String,
    /// e-conomic VAT zone for sales in your home country.
    #[field(label = "VAT zone: domestic", default = 1)]
    pub vat_zone_domestic: u32,
    /// e-conomic VAT zone for EU business customers (reverse charge).
    #[field(label = "VAT zone: EU businesses", default = 2)]
    pub vat_zone_eu: u32,
    /// e-conomic VAT zone for sales outside the EU.
    #[field(label = "VAT zone: outside the EU", default = 3)]
    pub vat_zone_abroad: u32,
    /// e-conomic VAT zone for EU private customers (OSS); empty = the domestic zone.
    #[field(label = "VAT zone: EU private customers (OSS)")]
    pub vat_zone_eu_private: Option<u32>,
    /// Customer group for new debtors in your home country.
    #[field(label = "Customer group: domestic", default = 1)]
    pub customer_group_domestic: u32,
    /// Customer group for new foreign debtors.
    #[field(label = "Customer group: foreign", default = 2)]
    pub customer_group_foreign: u32,
    /// Book every order on this one debtor (e.g. "Webshop customers"); empty = find or
    /// create a debtor per buyer, by e-mail.
    #[field(label = "Only use this debtor (customer number)")]
    pub collective_customer_number: Option<u32>,
    /// e-conomic payment terms for new debtors and invoices.
    #[field(label = "Payment terms number", default = 1)]
    pub payment_terms_number: u32,
    /// The invoice layout (listed from your e-conomic agreement once the API key is saved).
    #[field(label = "Invoice layout", list = external("layouts"))]
    pub layout: Option<String>,
    /// e-conomic unit on every line (e.g. 1 = "stk."); empty = none.
    #[field(label = "Unit number")]
    pub unit_number: Option<u32>,
    /// e-conomic product number of the shipping line; empty = a line without product.
    #[field(label = "Shipping product number")]
    pub shipping_product_number: Option<String>,
    /// e-conomic product number of a discount line; empty = discounts are spread over the
    /// order lines.
    #[field(label = "Discount product number")]
    pub discount_product_number: Option<String>,
    /// e-conomic product number for lines whose SKU is not an e-conomic product; empty = such
    /// lines carry no product.
    #[field(label = "Fallback product number")]
    pub fallback_product_number: Option<String>,
    /// Prefix of the invoice's "other reference" (`{webshop_id}` is replaced by your shop's
    /// id); the order id follows it. It is how an order is never invoiced twice.
    #[field(default = "shoporama-{webshop_id}-")]
    pub reference_prefix: String,
}

impl Settings {
    /// The chosen layout's number, if one is chosen and it is a number.
    pub fn layout_number(&self) -> Option<u32> {
        self.layout
            .as_deref()
            .and_then(|key| key.trim().parse().ok())
    }

    /// `references.other` prefix for `webshop_id`.
    pub fn reference_prefix_for(&self, webshop_id: u64) -> String {
        self.reference_prefix
            .replace("{webshop_id}", &webshop_id.to_string())
    }

    /// The mapping settings of [`crate::invoice::build_draft`], or what the shop owner must
    /// fix first (no layout chosen: e-conomic requires one; a home country that is not a
    /// two-letter code).
    pub fn invoice_config(&self, webshop_id: u64, heading: &str) -> Result<InvoiceConfig, String> {
        let home_country = self.home_country.trim().to_ascii_uppercase();
        if !is_country_code(&home_country) {
            return Err(format!(
                "the home country `{}` is not a two-letter country code (such as DK)",
                self.home_country
            ));
        }
        let layout_number = self
            .layout_number()
            .ok_or("no invoice layout is chosen in the app's settings")?;
        let non_blank = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        Ok(InvoiceConfig {
            home_country,
            vat_zones: VatZones {
                domestic: self.vat_zone_domestic,
                eu: self.vat_zone_eu,
                abroad: self.vat_zone_abroad,
                eu_private: self.vat_zone_eu_private,
            },
            customer_group_domestic: self.customer_group_domestic,
            customer_group_foreign: self.customer_group_foreign,
            payment_terms_number: self.payment_terms_number,
            layout_number,
            unit_number: self.unit_number.filter(|unit| *unit > 0),
            shipping_product_number: non_blank(&self.shipping_product_number),
            discount_product_number: non_blank(&self.discount_product_number),
            fallback_product_number: non_blank(&self.fallback_product_number),
            reference_prefix: self.reference_prefix_for(webshop_id),
            // The heading is final text: braces in an order number must not be templated.
            heading_template: heading.replace('{', "(").replace('}', ")"),
            rounding: RoundingPolicy::Report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shoporama_app::FieldValues;

    fn fields() -> FieldValues {
        let mut fields = FieldValues::new();
        fields.insert("agreement_grant_token", json!("grant-s3cr3t"));
        fields.insert("layout", json!("21"));
        fields
    }

    #[test]
    fn defaults_and_the_secret() {
        let settings = Settings::from_fields(&fields()).expect("valid settings");
        assert_eq!(settings.trigger, Trigger::Paid);
        assert!(!settings.book_invoices);
        assert_eq!(settings.layout_number(), Some(21));
        assert_eq!(settings.reference_prefix_for(7), "shoporama-7-");
        assert!(!format!("{settings:?}").contains("s3cr3t"));
        let config = settings
            .invoice_config(7, "Ordre {1042}")
            .expect("layout chosen");
        assert_eq!(config.layout_number, 21);
        assert_eq!(config.heading_template, "Ordre (1042)");
        assert_eq!(config.vat_zones.eu_private, None);
    }

    #[test]
    fn a_missing_token_or_layout_is_reported_without_the_value() {
        let mut fields = fields();
        fields.insert("agreement_grant_token", json!({"token": "grant-s3cr3t"}));
        let error = Settings::from_fields(&fields).expect_err("object is not text");
        assert!(!error.to_string().contains("s3cr3t"), "{error}");

        let mut fields = self::fields();
        fields.insert("layout", json!(""));
        let settings = Settings::from_fields(&fields).expect("layout is optional");
        let error = settings.invoice_config(1, "").expect_err("no layout");
        assert!(error.contains("layout"), "{error}");
        let mut settings = settings;
        settings.layout = Some("19".to_owned());
        settings.home_country = "Danmark".to_owned();
        let error = settings.invoice_config(1, "").expect_err("not a code");
        assert!(error.contains("Danmark"), "{error}");
    }

    #[test]
    fn the_manifest_subscribes_to_the_triggers() {
        let manifest = Settings::manifest();
        let layout = manifest
            .fields
            .iter()
            .find(|field| field.name == "layout")
            .expect("layout field");
        assert_eq!(layout.external_list.as_deref(), Some("layouts"));
        let text = manifest.to_json_pretty();
        for name in ["order_created", "paid", "new_status", "add_label"] {
            assert!(text.contains(name), "{name} missing from {text}");
        }
    }
}
