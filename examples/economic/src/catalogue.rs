//! Which order lines e-conomic sells: a line's SKU is its e-conomic product number when
//! e-conomic has that product (and it is not barred). A SKU e-conomic lacks is created as a
//! product in the shop's chosen product group (Shoporama's "Product group" setting, for new
//! product lines): its number the SKU, its name the line's text, its sales price the line's
//! net unit price. Without a product group, or when the SKU cannot be a product number (longer
//! than e-conomic's 25 characters), or the product is barred, the line goes on the fallback
//! product with the SKU kept in its text ([`unknown_sku`]).
//!
//! Creating a product is idempotent by its number: a transfer that crashed after creating it
//! finds it on the next attempt, and when two orders create the same new SKU at once, the one
//! e-conomic refuses reads the other's product and uses it.

use crate::client::{Client, MAX_PRODUCT_NUMBER_LEN};
use crate::error::Error;
use crate::invoice::{InvoiceConfig, LineInput, truncate, unknown_sku};
use crate::model::{NewProduct, ProductGroupRef, UnitRef};

/// The longest product name e-conomic stores (`products.post.schema.json`).
pub const MAX_PRODUCT_NAME_LEN: usize = 300;

/// Puts every line of `lines` on an e-conomic product: its own (created in
/// `config.product_group` when missing) or, failing that, the fallback product (see the module
/// docs). Returns how many products it created.
pub async fn catalogue(
    client: &Client,
    lines: &mut [LineInput],
    config: &InvoiceConfig,
) -> Result<usize, Error> {
    let mut created = 0;
    for line in lines {
        let sku = line.product_number.as_deref().map_or("", str::trim);
        if sku.is_empty() {
            continue;
        }
        let fits = sku.chars().count() <= MAX_PRODUCT_NUMBER_LEN;
        let existing = if fits {
            client.product(sku).await?
        } else {
            None
        };
        let sold = match (existing, new_product(line, config)) {
            (Some(product), _) => !product.barred,
            (None, Some(new)) => match client.create_product(&new).await {
                Ok(_) => {
                    created += 1;
                    true
                }
                // Another order created it meanwhile: use it if it sells.
                Err(error)
                    if !error.is_transient() && client.sells(&new.product_number).await? =>
                {
                    true
                }
                Err(error) => return Err(error),
            },
            (None, None) => false,
        };
        if !sold {
            unknown_sku(line);
        }
    }
    Ok(created)
}

/// The product `line` becomes in `config.product_group`, if it can be one: a product group is
/// chosen and the SKU fits a product number.
pub fn new_product(line: &LineInput, config: &InvoiceConfig) -> Option<NewProduct> {
    let group = config.product_group?;
    let sku = line.product_number.as_deref()?.trim();
    if sku.is_empty() || sku.chars().count() > MAX_PRODUCT_NUMBER_LEN {
        return None;
    }
    let text = line.description.trim();
    let name = if text.is_empty() { sku } else { text };
    Some(NewProduct {
        product_number: sku.to_owned(),
        name: truncate(name, MAX_PRODUCT_NAME_LEN),
        product_group: ProductGroupRef {
            product_group_number: group,
        },
        sales_price: line.unit_price_incl_vat.excluding_vat(line.vat_rate),
        unit: config
            .unit_number
            .map(|unit_number| UnitRef { unit_number }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Money, Quantity, VatRate};

    fn line(sku: &str, text: &str) -> LineInput {
        LineInput {
            product_number: Some(sku.to_owned()),
            description: text.to_owned(),
            quantity: Quantity::from_units(1),
            unit_price_incl_vat: Money::from_minor(19_950),
            vat_rate: VatRate::from_percent(25),
        }
    }

    #[test]
    fn a_new_product_has_the_sku_the_text_and_the_net_price_in_the_chosen_group() {
        let config = InvoiceConfig {
            product_group: Some(2),
            unit_number: Some(1),
            ..InvoiceConfig::default()
        };
        let product = new_product(&line(" MUG-1 ", "Kaffekop"), &config).expect("a product");
        assert_eq!(product.product_number, "MUG-1");
        assert_eq!(product.name, "Kaffekop");
        assert_eq!(product.product_group.product_group_number, 2);
        assert_eq!(product.sales_price, Money::from_minor(15_960));
        assert_eq!(product.unit, Some(UnitRef { unit_number: 1 }));

        let long_name = "😀".repeat(MAX_PRODUCT_NAME_LEN + 1);
        let product = new_product(&line("MUG-1", &long_name), &config).expect("a product");
        assert_eq!(product.name.chars().count(), MAX_PRODUCT_NAME_LEN);
        let product = new_product(&line("MUG-1", "  "), &config).expect("a product");
        assert_eq!(product.name, "MUG-1");
    }

    #[test]
    fn no_group_or_a_sku_too_long_for_a_product_number_makes_none() {
        let config = InvoiceConfig::default();
        assert_eq!(new_product(&line("MUG-1", "Kaffekop"), &config), None);
        let config = InvoiceConfig {
            product_group: Some(1),
            ..InvoiceConfig::default()
        };
        let long = "S".repeat(MAX_PRODUCT_NUMBER_LEN + 1);
        assert_eq!(new_product(&line(&long, "Kaffekop"), &config), None);
        let fits = "😀".repeat(MAX_PRODUCT_NUMBER_LEN);
        assert!(new_product(&line(&fits, "Kaffekop"), &config).is_some());
    }
}
