//! What the shop owner fills in on Shoporama's app form (economic-api.md §(a)).

use shoporama_app::prelude::*;
use shoporama_app::secret::Secret;

use crate::invoice::{InvoiceConfig, RoundingPolicy, VatZones, fits, is_country_code};
use crate::order::ShopZone;

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
    /// agreement grant token. Checked with e-conomic when you save.
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
    /// Your shop's time zone: invoices are dated the day the order was paid there.
    #[field(default = "Europe/Copenhagen")]
    pub time_zone: String,
    /// e-conomic VAT zone for sales in your home country.
    #[field(label = "VAT zone: domestic", default = "1", list = external("vat_zones"))]
    pub vat_zone_domestic: String,
    /// e-conomic VAT zone for EU business customers (CVR/EAN given: reverse charge).
    #[field(label = "VAT zone: EU businesses", default = "2", list = external("vat_zones"))]
    pub vat_zone_eu: String,
    /// e-conomic VAT zone for sales outside the EU.
    #[field(label = "VAT zone: outside the EU", default = "3", list = external("vat_zones"))]
    pub vat_zone_abroad: String,
    /// e-conomic VAT zone for EU private customers (OSS: the destination country's VAT);
    /// empty = the domestic zone.
    #[field(label = "VAT zone: EU private customers (OSS)", list = external("vat_zones"))]
    pub vat_zone_eu_private: Option<String>,
    /// Customer group for new debtors in your home country.
    #[field(label = "Customer group: domestic", default = "1", list = external("customer_groups"))]
    pub customer_group_domestic: String,
    /// Customer group for new foreign debtors.
    #[field(label = "Customer group: foreign", default = "2", list = external("customer_groups"))]
    pub customer_group_foreign: String,
    /// Book every order on this one debtor (e.g. "Webshop customers"); empty = find or
    /// create a debtor per buyer: by CVR/EAN for businesses, by e-mail for private buyers.
    #[field(label = "Only use this debtor (customer number)")]
    pub collective_customer_number: Option<u32>,
    /// e-conomic payment terms for new debtors and invoices.
    #[field(label = "Payment terms", default = "1", list = external("payment_terms"))]
    pub payment_terms_number: String,
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
    /// Product group for new product lines: a SKU e-conomic has no product for is created as
    /// one in this group (the SKU its number, the line's text its name); empty = such lines go
    /// on the fallback product.
    #[field(label = "Product group", list = external("product_groups"))]
    pub product_group: Option<String>,
    /// e-conomic product number for lines whose SKU is not an e-conomic product and is not
    /// created (the SKU is kept in the line's text); empty = such lines carry no product.
    #[field(label = "Fallback product number")]
    pub fallback_product_number: Option<String>,
    /// Prefix of the invoice's "other reference" (`{webshop_id}` is replaced by your shop's
    /// id); the order id follows it. It is how an order is never invoiced twice.
    #[field(default = "shoporama-{webshop_id}-")]
    pub reference_prefix: String,
}

impl Settings {
    /// The mapping settings of [`crate::invoice::build_draft`] and the shop's time zone, or
    /// what the shop owner must fix first (no layout chosen: e-conomic requires one; a home
    /// country that is not a two-letter code; a list value that is no number; a time zone the
    /// app does not know): a permanent failure of the order's transfer.
    pub fn invoice_config(
        &self,
        webshop_id: u64,
        heading: &str,
    ) -> Result<(InvoiceConfig, ShopZone), EffectFailure> {
        let problem = |text: String| Err(EffectFailure::permanent(text));
        let nan = |value: &str| EffectFailure::permanent(format!("`{value}` is no number"));
        let number = |value: &str| value.trim().parse().map_err(|_| nan(value));
        let (home, zone, layout) = (&self.home_country, &self.time_zone, &self.layout);
        let Some(zone) = ShopZone::named(zone) else {
            return problem(format!("the time zone `{zone}` is not one the app knows"));
        };
        if !is_country_code(home.trim()) {
            return problem(format!("the home country `{home}` is no code like DK"));
        }
        let Some(layout) = fits(layout.as_ref(), usize::MAX) else {
            return problem("no invoice layout is chosen in the app's settings".to_owned());
        };
        let product = |value: &Option<String>| fits(value.as_ref(), usize::MAX);
        let maybe = |value: &Option<String>| product(value).as_deref().map(number).transpose();
        let id = webshop_id.to_string();
        let prefix = self.reference_prefix.replace("{webshop_id}", &id);
        let config = InvoiceConfig {
            home_country: home.trim().to_ascii_uppercase(),
            vat_zones: VatZones {
                domestic: number(&self.vat_zone_domestic)?,
                eu: number(&self.vat_zone_eu)?,
                abroad: number(&self.vat_zone_abroad)?,
                eu_private: maybe(&self.vat_zone_eu_private)?,
            },
            customer_group_domestic: number(&self.customer_group_domestic)?,
            customer_group_foreign: number(&self.customer_group_foreign)?,
            payment_terms_number: number(&self.payment_terms_number)?,
            layout_number: number(&layout)?,
            unit_number: self.unit_number.filter(|unit| *unit > 0),
            shipping_product_number: product(&self.shipping_product_number),
            discount_product_number: product(&self.discount_product_number),
            fallback_product_number: product(&self.fallback_product_number),
            product_group: maybe(&self.product_group)?,
            reference_prefix: prefix,
            // The heading is final text: braces in an order number must not be templated.
            heading_template: heading.replace('{', "(").replace('}', ")"),
            rounding: RoundingPolicy::Report,
        };
        Ok((config, zone))
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
        assert!(!format!("{settings:?}").contains("s3cr3t"));
        let (config, zone) = settings
            .invoice_config(7, "Ordre {1042}")
            .expect("layout chosen");
        assert_eq!(zone, ShopZone::COPENHAGEN);
        assert_eq!(config.reference_prefix, "shoporama-7-");
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
        assert!(error.message().contains("layout"), "{error}");
        assert!(!error.is_retryable());
        let mut settings = settings;
        settings.layout = Some("19".to_owned());
        settings.home_country = "Danmark".to_owned();
        let error = settings.invoice_config(1, "").expect_err("not a code");
        assert!(error.message().contains("Danmark"), "{error}");
        settings.home_country = "DK".to_owned();
        settings.vat_zone_eu = "EU".to_owned();
        let error = settings.invoice_config(1, "").expect_err("not a number");
        assert!(error.message().contains("`EU` is no number"), "{error}");
        settings.vat_zone_eu = "2".to_owned();
        settings.time_zone = "Mars/Olympus".to_owned();
        let error = settings.invoice_config(1, "").expect_err("unknown zone");
        assert!(error.message().contains("Mars/Olympus"), "{error}");
        settings.time_zone = "Europe/London".to_owned();
        settings.product_group = Some("Varer".to_owned());
        let error = settings.invoice_config(1, "").expect_err("not a number");
        assert!(error.message().contains("`Varer` is no number"), "{error}");
        settings.product_group = Some(" 2 ".to_owned());
        let (config, _) = settings.invoice_config(1, "").expect("valid");
        assert_eq!(config.product_group, Some(2));
    }

    #[test]
    fn the_manifest_subscribes_to_the_triggers() {
        let manifest = Settings::manifest();
        for (name, list) in [
            ("layout", "layouts"),
            ("vat_zone_eu_private", "vat_zones"),
            ("customer_group_foreign", "customer_groups"),
            ("payment_terms_number", "payment_terms"),
            ("product_group", "product_groups"),
        ] {
            let field = manifest.fields.iter().find(|field| field.name == name);
            let external = field.and_then(|field| field.external_list.as_deref());
            assert_eq!(external, Some(list), "{name}");
        }
        let text = manifest.to_json_pretty();
        for name in ["order_created", "paid", "new_status", "add_label"] {
            assert!(text.contains(name), "{name} missing from {text}");
        }
    }
}
