//! The shop's page objects as Shoporama's own themes use them (`$order` on /thanks, `$product`
//! on product pages, `$basket` on /basket, `$webshop` everywhere), and the names a snippet
//! template sees.
//!
//! The order-lines loop follows the theme's analytics include on /thanks:
//!
//! ```smarty
//! <{assign var="products" value=$order->getProducts()}>
//! <{section name="i" loop=$products}> … <{$products[i]->getName()|escape:"javascript"}> … <{/section}>
//! ```
//!
//! with names prefixed `app_` so that a snippet never overwrites a variable of the theme.

use std::fmt;

use super::Page;
use super::escape::{Cond, Test};
use super::vars::{DecimalVar, IntegerVar, TextVar};

/// Everything a snippet template can name: `app` (the settings, one typed reference per field)
/// and the helpers below. Generated snippet templates dereference to it, so
/// `{{ app.measurement_id.js() }}`, `{{ order.order_id() }}` and `{{ smarty.end_if() }}` work
/// in every snippet.
#[derive(Debug, Clone)]
pub struct Scope<V> {
    /// The settings, one typed reference per field (the `<Struct>Vars` the macro generates).
    pub app: V,
    /// Tags that close or continue what the accessors open.
    pub smarty: Smarty,
    /// `$webshop`, on every page.
    pub webshop: Webshop,
    /// `$order`, on /thanks.
    pub order: Order,
    /// The current line inside `{{ order.lines().begin() }}` … `{{ order.lines().end() }}`.
    pub line: OrderLine,
    /// `$product`, on product pages.
    pub product: Product,
    /// `$basket`, on /basket and the checkout pages.
    pub basket: Basket,
    /// The current item inside `{{ basket.items().begin() }}` … `{{ basket.items().end() }}`.
    pub item: BasketItem,
}

impl<V> Scope<V> {
    /// The scope of a snippet whose settings references are `app`.
    pub fn new(app: V) -> Self {
        Self {
            app,
            smarty: Smarty,
            webshop: Webshop,
            order: Order,
            line: OrderLine,
            product: Product,
            basket: Basket,
            item: BasketItem,
        }
    }
}

/// A fixed piece of Smarty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag(&'static str);

impl Tag {
    /// The Smarty text.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Tags that close or continue what the accessors open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Smarty;

impl Smarty {
    /// `<{/if}>`, closing an `if_…()` condition.
    pub fn end_if(&self) -> Tag {
        Tag("<{/if}>")
    }

    /// `<{else}>`, between an `if_…()` condition and its `end_if()`.
    pub fn else_(&self) -> Tag {
        Tag("<{else}>")
    }
}

/// Where a page object is set: the pages on which Shoporama's themes read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageObject {
    /// The Smarty variable, with `$`.
    pub(crate) variable: &'static str,
    /// The pages where it is known to be set.
    pub(crate) pages: &'static [Page],
}

/// The page objects whose presence depends on the page (`$webshop` is always set).
pub(crate) const PAGE_OBJECTS: &[PageObject] = &[
    PageObject {
        variable: "$order",
        pages: &[Page::Thanks],
    },
    PageObject {
        variable: "$product",
        pages: &[Page::Products],
    },
    PageObject {
        variable: "$basket",
        pages: &[Page::Basket, Page::Address, Page::Shipping, Page::Approve],
    },
];

/// `$webshop`, the shop itself; set on every page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Webshop;

impl Webshop {
    /// `$webshop->getName()`.
    pub fn name(&self) -> TextVar {
        TextVar::expr("$webshop->getName()")
    }

    /// `$webshop->getUrl()`, the shop's address.
    pub fn url(&self) -> TextVar {
        TextVar::expr("$webshop->getUrl()")
    }

    /// `$webshop->getCurrency()`, e.g. `DKK`.
    pub fn currency(&self) -> TextVar {
        TextVar::expr("$webshop->getCurrency()")
    }
}

/// `$order`, the order just placed; set on /thanks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Order;

impl Order {
    /// `<{if isset($order)}>`, for snippets that also run on pages without an order.
    pub fn if_present(&self) -> Cond<'static> {
        Cond::new("$order", Test::Present)
    }

    /// The condition "set on this page" for a block:
    /// `{% call when(order.is_present()) %}…{% endcall %}` (as [`if_present`](Self::if_present)).
    pub fn is_present(&self) -> Cond<'static> {
        self.if_present()
    }

    /// `$order->getOrderId()`.
    pub fn order_id(&self) -> IntegerVar {
        IntegerVar::expr("$order->getOrderId()")
    }

    /// `$order->getTotalPrice()`, including VAT and shipping.
    pub fn total_price(&self) -> DecimalVar {
        DecimalVar::expr("$order->getTotalPrice()")
    }

    /// The loop over the order's lines (`$order->getProducts()`).
    pub fn lines(&self) -> Loop {
        Loop {
            begin: r#"<{if isset($order)}><{assign var="app_lines" value=$order->getProducts()}><{section name="app_line" loop=$app_lines}>"#,
            end: "<{/section}><{/if}>",
            section: "app_line",
        }
    }
}

/// A loop in the theme's `section` style. Print [`begin`](Self::begin), the body (reading the
/// current element through `line` or `item`), then [`end`](Self::end).
#[derive(Debug, Clone, Copy)]
pub struct Loop {
    begin: &'static str,
    end: &'static str,
    section: &'static str,
}

impl Loop {
    /// Opens the loop (guarded: nothing is printed when the page object is missing).
    pub fn begin(&self) -> Tag {
        Tag(self.begin)
    }

    /// Closes the loop.
    pub fn end(&self) -> Tag {
        Tag(self.end)
    }

    /// `,` after every element but the last, for JavaScript arrays and JSON.
    pub fn comma(&self) -> Separator {
        Separator {
            section: self.section,
        }
    }
}

/// `<{if !$smarty.section.<name>.last}>,<{/if}>`.
#[derive(Debug, Clone, Copy)]
pub struct Separator {
    section: &'static str,
}

impl fmt::Display for Separator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<{{if !$smarty.section.{}.last}}>,<{{/if}}>",
            self.section
        )
    }
}

/// One line of the order, inside `{{ order.lines().begin() }}` … `{{ order.lines().end() }}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderLine;

impl OrderLine {
    /// `getProductId()`.
    pub fn product_id(&self) -> IntegerVar {
        IntegerVar::expr("$app_lines[app_line]->getProductId()")
    }

    /// `getName()`, the product name.
    pub fn name(&self) -> TextVar {
        TextVar::expr("$app_lines[app_line]->getName()")
    }

    /// `getUnitPrice()`, the price of one unit.
    pub fn unit_price(&self) -> DecimalVar {
        DecimalVar::expr("$app_lines[app_line]->getUnitPrice()")
    }

    /// `getAmount()`, the quantity.
    pub fn amount(&self) -> DecimalVar {
        DecimalVar::expr("$app_lines[app_line]->getAmount()")
    }
}

/// `$product`, on product pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Product;

impl Product {
    /// `<{if isset($product)}>`.
    pub fn if_present(&self) -> Cond<'static> {
        Cond::new("$product", Test::Present)
    }

    /// The condition "set on this page" for a block:
    /// `{% call when(product.is_present()) %}…{% endcall %}` (as [`if_present`](Self::if_present)).
    pub fn is_present(&self) -> Cond<'static> {
        self.if_present()
    }

    /// `$product->getProductId()`.
    pub fn product_id(&self) -> IntegerVar {
        IntegerVar::expr("$product->getProductId()")
    }

    /// `$product->getName()`.
    pub fn name(&self) -> TextVar {
        TextVar::expr("$product->getName()")
    }

    /// `$product->getOwnId()`, the shop's own item number (SKU).
    pub fn own_id(&self) -> TextVar {
        TextVar::expr("$product->getOwnId()")
    }

    /// `$product->getPrice()`.
    pub fn price(&self) -> DecimalVar {
        DecimalVar::expr("$product->getPrice()")
    }

    /// `$product->getUrl()`.
    pub fn url(&self) -> TextVar {
        TextVar::expr("$product->getUrl()")
    }
}

/// `$basket`, the basket's items (`$basket[i].product`, `.amount`), on /basket and the checkout
/// pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Basket;

impl Basket {
    /// `<{if isset($basket)}>`.
    pub fn if_present(&self) -> Cond<'static> {
        Cond::new("$basket", Test::Present)
    }

    /// The condition "set on this page" for a block:
    /// `{% call when(basket.is_present()) %}…{% endcall %}` (as [`if_present`](Self::if_present)).
    pub fn is_present(&self) -> Cond<'static> {
        self.if_present()
    }

    /// `$total_price`, the basket's total.
    pub fn total_price(&self) -> DecimalVar {
        DecimalVar::expr("$total_price")
    }

    /// The loop over the basket's items.
    pub fn items(&self) -> Loop {
        Loop {
            begin: r#"<{if isset($basket)}><{section name="app_item" loop=$basket}>"#,
            end: "<{/section}><{/if}>",
            section: "app_item",
        }
    }
}

/// One basket item, inside `{{ basket.items().begin() }}` … `{{ basket.items().end() }}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BasketItem;

impl BasketItem {
    /// The product's id.
    pub fn product_id(&self) -> IntegerVar {
        IntegerVar::expr("$basket[app_item].product->getProductId()")
    }

    /// The product's name.
    pub fn name(&self) -> TextVar {
        TextVar::expr("$basket[app_item].product->getName()")
    }

    /// The product's price.
    pub fn price(&self) -> DecimalVar {
        DecimalVar::expr("$basket[app_item].product->getPrice()")
    }

    /// The quantity in the basket.
    pub fn amount(&self) -> DecimalVar {
        DecimalVar::expr("$basket[app_item].amount")
    }
}
