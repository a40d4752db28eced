use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! wire_names {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant,)*
        }

        impl $name {
            /// Every name, in the order of Shoporama's documentation.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The wire name (the callback's `type`).
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok(Self::$variant),)*
                    _ => Err(UnknownName { what: $what, name: s.to_owned(), valid: &[$($wire,)*] }),
                }
            }
        }
    };
}

wire_names!(
    /// A storefront event (Shoporama's app page lists exactly these).
    EventName, "event" {
        /// A product was added to the basket.
        AddToBasket = "add_to_basket",
        /// The basket was changed.
        UpdateBasket = "update_basket",
        /// The basket page (/basket) was viewed.
        ViewBasket = "view_basket",
        /// The address page (/address) was viewed.
        ViewAddress = "view_address",
        /// The shipping page (/shipping) was viewed.
        ViewShipping = "view_shipping",
        /// The approve page (/approve) was viewed.
        ViewApprove = "view_approve",
        /// The thank-you page (/thanks) was viewed.
        ViewThanks = "view_thanks",
        /// The order was approved by the customer.
        Approved = "approved",
        /// An order was created.
        OrderCreated = "order_created",
        /// An order was paid.
        Paid = "paid",
        /// A label was added to an order.
        AddLabel = "add_label",
        /// A label was removed from an order.
        RemoveLabel = "remove_label",
    }
);

wire_names!(
    /// A webhook (Shoporama's webhook documentation, underscore names).
    WebhookName, "webhook" {
        /// An order was created.
        OrderCreated = "order_created",
        /// An order was paid.
        Paid = "paid",
        /// An order changed status.
        NewStatus = "new_status",
        /// A return was registered.
        NewReturn = "new_return",
        /// A customer withdrew an order.
        OrderWithdrawn = "order_withdrawn",
        /// A product changed.
        Product = "product",
        /// Stock changed.
        Stock = "stock",
        /// A category changed.
        Category = "category",
        /// A customer was created.
        CustomerCreated = "customer_created",
        /// Someone subscribed to the newsletter.
        NewsletterSubscribe = "newsletter_subscribe",
    }
);

/// A name that is not one of Shoporama's events or webhooks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`; expected one of: {}", valid.join(", "))]
pub struct UnknownName {
    what: &'static str,
    name: String,
    valid: &'static [&'static str],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for event in EventName::ALL {
            assert_eq!(event.as_str().parse::<EventName>(), Ok(*event));
            assert_eq!(serde_json::to_value(event).unwrap(), event.as_str());
        }
        for hook in WebhookName::ALL {
            assert_eq!(hook.as_str().parse::<WebhookName>(), Ok(*hook));
        }
        assert_eq!(EventName::ALL.len(), 12);
        assert_eq!(WebhookName::ALL.len(), 10);
    }

    #[test]
    fn unknown_lists_valid_names() {
        let error = "payd".parse::<WebhookName>().unwrap_err().to_string();
        assert!(
            error.starts_with("unknown webhook `payd`; expected one of: order_created, paid,"),
            "{error}"
        );
    }
}
