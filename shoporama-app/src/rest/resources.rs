//! The REST resources: [`ResourceKind`] (paths and JSON names), [`Resource`] (get / list /
//! create / update / delete on one of them), and the handles on [`ShopClient`].

use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize as _, Serialize};
use serde_json::Value;

use super::client::{NO_QUERY, decode, encode};
use super::models::{
    BlogPost, Brand, LandingPage, Manufacturer, Menu, OrderReturn, PaymentGateway, Profile,
    ProfileAttribute, ProfileAttributeValue, Redirect, Shipping, ShopCountry, StaticPage, Supplier,
    Voucher, Webhook, Webshop,
};
use super::{
    Category, CategoryUpdate, Customer, CustomerUpdate, ListQuery, ListStream, Order, OrderUpdate,
    Page, Product, ProductUpdate, RestError, ShopClient, Stock, StockUpdate, UpdateMethod, lenient,
};

/// Every resource of Shoporama's REST API, each with its typed model and handle on
/// [`ShopClient`].
///
/// | Kind | Path | Writes documented | Model | Handle |
/// |---|---|---|---|---|
/// | `Product` | `product` | POST, PUT, PATCH, DELETE | [`Product`] | [`products`](ShopClient::products) |
/// | `Category` | `category` | – | [`Category`] | [`categories`](ShopClient::categories) |
/// | `Brand` | `brand` | – | [`Brand`] | [`brands`](ShopClient::brands) |
/// | `Manufacturer` | `manufacturer` | – | [`Manufacturer`] | [`manufacturers`](ShopClient::manufacturers) |
/// | `Supplier` | `supplier` | – | [`Supplier`] | [`suppliers`](ShopClient::suppliers) |
/// | `Stock` | `stock` | POST, PUT `/stock` | [`Stock`] | [`stock`](ShopClient::stock), [`set_stock`](ShopClient::set_stock), [`post_stock`](ShopClient::post_stock) |
/// | `Profile` | `profile` | – | [`Profile`] | [`profiles`](ShopClient::profiles) |
/// | `ProfileAttribute` | `profile-attribute` | – | [`ProfileAttribute`] | [`profile_attributes`](ShopClient::profile_attributes) |
/// | `ProfileAttributeValue` | `profile-attribute-value` | – | [`ProfileAttributeValue`] | [`profile_attribute_values`](ShopClient::profile_attribute_values) |
/// | `Order` | `order` | POST, PATCH | [`Order`] | [`orders`](ShopClient::orders) |
/// | `OrderReturn` | `order-return` | – | [`OrderReturn`] | [`order_returns`](ShopClient::order_returns) |
/// | `Customer` | `customer` | – | [`Customer`] | [`customers`](ShopClient::customers) |
/// | `Voucher` | `voucher` | – | [`Voucher`] | [`vouchers`](ShopClient::vouchers) |
/// | `BlogPost` | `blog-post` | – | [`BlogPost`] | [`blog_posts`](ShopClient::blog_posts) |
/// | `Page` | `page` | – | [`StaticPage`] | [`pages`](ShopClient::pages) |
/// | `LandingPage` | `landing-page` | – | [`LandingPage`] | [`landing_pages`](ShopClient::landing_pages) |
/// | `Menu` | `menu` | – | [`Menu`] | [`menus`](ShopClient::menus) |
/// | `Shipping` | `shipping` | – | [`Shipping`] | [`shipping`](ShopClient::shipping) |
/// | `PaymentGateway` | `payment-gateway` | – | [`PaymentGateway`] | [`payment_gateways`](ShopClient::payment_gateways) |
/// | `Country` | `country` | – | [`ShopCountry`] | [`countries`](ShopClient::countries) |
/// | `Redirect` | `redirect` | – | [`Redirect`] | [`redirects`](ShopClient::redirects) |
/// | `Webhook` | `webhook` | – | [`Webhook`] | [`webhooks`](ShopClient::webhooks) |
/// | `SelfInfo` | `self` | – (get only) | [`Webshop`] | [`webshop`](ShopClient::webshop) |
///
/// Every handle lists (both envelopes), streams and gets; the raw JSON of any resource stays
/// available through [`ShopClient::resource`] and [`ShopClient::get_json`]. Every
/// [`Resource`] offers the write methods too (`create` POST, `put` PUT, `patch` PATCH,
/// `update` PUT or PATCH as configured, `delete` DELETE), for resources whose writes the
/// documentation lists without describing (the update type of those is JSON); where the
/// platform lacks one it answers with an error status ([`RestError::NotFound`],
/// [`RestError::Api`] with 405), returned as is. Only PUT and DELETE are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// `product`
    Product,
    /// `category`
    Category,
    /// `brand`
    Brand,
    /// `manufacturer`
    Manufacturer,
    /// `supplier`
    Supplier,
    /// `stock`
    Stock,
    /// `profile` (product profiles)
    Profile,
    /// `profile-attribute` (the attributes of product profiles)
    ProfileAttribute,
    /// `profile-attribute-value` (the values of those attributes)
    ProfileAttributeValue,
    /// `order`
    Order,
    /// `order-return`
    OrderReturn,
    /// `customer`
    Customer,
    /// `voucher` (discount codes)
    Voucher,
    /// `blog-post`
    BlogPost,
    /// `page`
    Page,
    /// `landing-page`
    LandingPage,
    /// `menu`
    Menu,
    /// `shipping` (delivery methods)
    Shipping,
    /// `payment-gateway`
    PaymentGateway,
    /// `country`
    Country,
    /// `redirect` (URL redirects)
    Redirect,
    /// `webhook`
    Webhook,
    /// `self` (the shop behind the token)
    SelfInfo,
}

impl ResourceKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 23] = [
        Self::Product,
        Self::Category,
        Self::Brand,
        Self::Manufacturer,
        Self::Supplier,
        Self::Stock,
        Self::Profile,
        Self::ProfileAttribute,
        Self::ProfileAttributeValue,
        Self::Order,
        Self::OrderReturn,
        Self::Customer,
        Self::Voucher,
        Self::BlogPost,
        Self::Page,
        Self::LandingPage,
        Self::Menu,
        Self::Shipping,
        Self::PaymentGateway,
        Self::Country,
        Self::Redirect,
        Self::Webhook,
        Self::SelfInfo,
    ];

    /// The path below the REST root (`order-return`).
    pub fn path(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Category => "category",
            Self::Brand => "brand",
            Self::Manufacturer => "manufacturer",
            Self::Supplier => "supplier",
            Self::Stock => "stock",
            Self::Profile => "profile",
            Self::ProfileAttribute => "profile-attribute",
            Self::ProfileAttributeValue => "profile-attribute-value",
            Self::Order => "order",
            Self::OrderReturn => "order-return",
            Self::Customer => "customer",
            Self::Voucher => "voucher",
            Self::BlogPost => "blog-post",
            Self::Page => "page",
            Self::LandingPage => "landing-page",
            Self::Menu => "menu",
            Self::Shipping => "shipping",
            Self::PaymentGateway => "payment-gateway",
            Self::Country => "country",
            Self::Redirect => "redirect",
            Self::Webhook => "webhook",
            Self::SelfInfo => "self",
        }
    }

    /// The key of the list in the paging envelope (`products`, `order_returns`). A list
    /// whose only array has another key is accepted too.
    pub fn list_key(self) -> &'static str {
        match self {
            Self::Product => "products",
            Self::Category => "categories",
            Self::Brand => "brands",
            Self::Manufacturer => "manufacturers",
            Self::Supplier => "suppliers",
            Self::Stock => "stock",
            Self::Profile => "profiles",
            Self::ProfileAttribute => "profile_attributes",
            Self::ProfileAttributeValue => "profile_attribute_values",
            Self::Order => "orders",
            Self::OrderReturn => "order_returns",
            Self::Customer => "customers",
            Self::Voucher => "vouchers",
            Self::BlogPost => "blog_posts",
            Self::Page => "pages",
            Self::LandingPage => "landing_pages",
            Self::Menu => "menus",
            Self::Shipping => "shippings",
            Self::PaymentGateway => "payment_gateways",
            Self::Country => "countries",
            Self::Redirect => "redirects",
            Self::Webhook => "webhooks",
            Self::SelfInfo => "self",
        }
    }

    /// The name of an item's id field (`product_id`, `order_return_id`).
    pub fn id_field(self) -> &'static str {
        match self {
            Self::Product => "product_id",
            Self::Category => "category_id",
            Self::Brand => "brand_id",
            Self::Manufacturer => "manufacturer_id",
            Self::Supplier => "supplier_id",
            Self::Stock => "stock_id",
            Self::Profile => "profile_id",
            Self::ProfileAttribute => "attribute_id",
            Self::ProfileAttributeValue => "attribute_value_id",
            Self::Order => "order_id",
            Self::OrderReturn => "order_return_id",
            Self::Customer => "customer_id",
            Self::Voucher => "voucher_id",
            Self::BlogPost => "blog_post_id",
            Self::Page => "page_id",
            Self::LandingPage => "landing_page_id",
            Self::Menu => "menu_id",
            Self::Shipping => "shipping_id",
            Self::PaymentGateway => "payment_gateway_id",
            Self::Country => "country_id",
            Self::Redirect => "redirect_id",
            Self::Webhook => "webhook_id",
            Self::SelfInfo => "webshop_id",
        }
    }

    /// The kind whose path is `path`.
    pub fn from_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.path() == path)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// What a create or update answered: the item's id when the answer names it, and the whole
/// answer (Shoporama returns the item, or at least `{"<kind>_id": …}`).
#[derive(Debug, Clone, PartialEq)]
pub struct WriteOutcome {
    /// The item's id, read from `<kind>_id` or `id` in the answer.
    pub id: Option<u64>,
    /// The answer, as sent (`null` for an empty body).
    pub body: Value,
}

impl WriteOutcome {
    fn new(kind: ResourceKind, body: Value) -> Self {
        let id = [kind.id_field(), "id"]
            .iter()
            .filter_map(|key| body.get(key))
            .find_map(lenient::value::id);
        Self { id, body }
    }

    /// The answer parsed as a model (e.g. the full [`Product`] the platform sent back).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.body)
    }
}

/// One resource of one shop: typed items `T`, written with `U` (an update type that sends
/// only the fields set, or `serde_json::Value`).
pub struct Resource<T, U = T> {
    client: ShopClient,
    kind: ResourceKind,
    marker: PhantomData<fn() -> (T, U)>,
}

impl<T, U> Clone for Resource<T, U> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            kind: self.kind,
            marker: PhantomData,
        }
    }
}

impl<T, U> fmt::Debug for Resource<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl<T, U> Resource<T, U>
where
    T: DeserializeOwned + Send + 'static,
    U: Serialize,
{
    fn new(client: &ShopClient, kind: ResourceKind) -> Self {
        Self {
            client: client.clone(),
            kind,
            marker: PhantomData,
        }
    }

    /// Which resource this is.
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// The client it calls through.
    pub(crate) fn client(&self) -> &ShopClient {
        &self.client
    }

    /// `GET /<resource>/<id>`: one item. A deleted item is [`RestError::Gone`], an unknown
    /// one [`RestError::NotFound`].
    pub async fn get(&self, id: impl fmt::Display) -> Result<T, RestError> {
        let id = id.to_string();
        let segments = [self.kind.path(), &id];
        let bytes = self
            .client
            .call(Method::GET, &segments, NO_QUERY, None)
            .await?;
        decode(&Method::GET, &segments, &bytes)
    }

    /// Like [`get`](Self::get), with `None` for an unknown or deleted item.
    pub async fn find(&self, id: impl fmt::Display) -> Result<Option<T>, RestError> {
        match self.get(id).await {
            Ok(item) => Ok(Some(item)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Every item matching `query`, streamed page by page (see [`ListStream`]).
    pub fn list(&self, query: ListQuery) -> ListStream<T> {
        ListStream::new(
            self.client.clone(),
            self.kind.path(),
            self.kind.list_key(),
            query,
        )
    }

    /// Every item, streamed page by page.
    pub fn all(&self) -> ListStream<T> {
        self.list(ListQuery::new())
    }

    /// One page: `limit` and `offset` from `query` (its page size, else the configured one).
    pub async fn page(&self, query: &ListQuery) -> Result<Page<T>, RestError> {
        self.client
            .list_page(self.kind.path(), self.kind.list_key(), query)
            .await
    }

    /// `POST /<resource>`: creates an item. Never retried (a timed-out create may have been
    /// applied); a 429 or 5xx is returned to the caller.
    pub async fn create(&self, fields: &U) -> Result<WriteOutcome, RestError> {
        self.write(Method::POST, &[self.kind.path()], fields).await
    }

    /// Changes the fields set in `changes` on item `id` (`PUT /<resource>/<id>`, a partial
    /// update; or PATCH, see [`UpdateMethod`]).
    pub async fn update(
        &self,
        id: impl fmt::Display,
        changes: &U,
    ) -> Result<WriteOutcome, RestError> {
        let method = match self.client.config().update_method {
            UpdateMethod::Put => Method::PUT,
            UpdateMethod::Patch => Method::PATCH,
        };
        self.write(method, &[self.kind.path(), &id.to_string()], changes)
            .await
    }

    /// `PUT /<resource>/<id>` with the fields set in `changes` (Shoporama treats PUT as a
    /// partial update). Idempotent, so retried.
    pub async fn put(&self, id: impl fmt::Display, changes: &U) -> Result<WriteOutcome, RestError> {
        self.write(Method::PUT, &[self.kind.path(), &id.to_string()], changes)
            .await
    }

    /// `PATCH /<resource>/<id>` with the fields set in `changes` (the old wiki's verb for
    /// changing a product or an order). Never retried.
    pub async fn patch(
        &self,
        id: impl fmt::Display,
        changes: &U,
    ) -> Result<WriteOutcome, RestError> {
        self.write(Method::PATCH, &[self.kind.path(), &id.to_string()], changes)
            .await
    }

    /// `DELETE /<resource>/<id>`.
    pub async fn delete(&self, id: impl fmt::Display) -> Result<(), RestError> {
        self.client
            .call(
                Method::DELETE,
                &[self.kind.path(), &id.to_string()],
                NO_QUERY,
                None,
            )
            .await
            .map(drop)
    }

    async fn write(
        &self,
        method: Method,
        segments: &[&str],
        body: &U,
    ) -> Result<WriteOutcome, RestError> {
        let body: Bytes = encode(body)?;
        let bytes = self
            .client
            .call(method.clone(), segments, NO_QUERY, Some(body))
            .await?;
        let answer = decode::<Value>(&method, segments, &bytes).unwrap_or_else(|_| {
            // A write that succeeded with a non-JSON body (e.g. "OK"): keep it as text.
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        });
        Ok(WriteOutcome::new(self.kind, answer))
    }
}

impl ShopClient {
    /// Products, typed.
    pub fn products(&self) -> Resource<Product, ProductUpdate> {
        Resource::new(self, ResourceKind::Product)
    }

    /// Orders, typed.
    pub fn orders(&self) -> Resource<Order, OrderUpdate> {
        Resource::new(self, ResourceKind::Order)
    }

    /// Categories, typed.
    pub fn categories(&self) -> Resource<Category, CategoryUpdate> {
        Resource::new(self, ResourceKind::Category)
    }

    /// Customers, typed.
    pub fn customers(&self) -> Resource<Customer, CustomerUpdate> {
        Resource::new(self, ResourceKind::Customer)
    }

    /// Stock levels, typed. Set one with [`ShopClient::set_stock`] (PUT) or
    /// [`ShopClient::post_stock`] (POST).
    pub fn stock(&self) -> Resource<Stock, StockUpdate> {
        Resource::new(self, ResourceKind::Stock)
    }

    /// Sets a stock level: `PUT /stock` with the update as body (idempotent, so retried).
    pub async fn set_stock(&self, update: &StockUpdate) -> Result<WriteOutcome, RestError> {
        self.stock()
            .write(Method::PUT, &[ResourceKind::Stock.path()], update)
            .await
    }

    /// Sets a stock level with `POST /stock`, as older integrations do. Never retried (use
    /// [`set_stock`](Self::set_stock) where PUT is accepted).
    pub async fn post_stock(&self, update: &StockUpdate) -> Result<WriteOutcome, RestError> {
        self.stock()
            .write(Method::POST, &[ResourceKind::Stock.path()], update)
            .await
    }

    /// The shop behind the token (`GET /self`), typed.
    pub async fn webshop(&self) -> Result<Webshop, RestError> {
        self.self_info().await.and_then(|raw| {
            Webshop::deserialize(&raw).map_err(|source| RestError::Decode {
                method: Method::GET,
                path: ResourceKind::SelfInfo.path().to_owned(),
                source,
            })
        })
    }

    /// The shop behind the token (`GET /self`), as JSON.
    pub async fn self_info(&self) -> Result<Value, RestError> {
        let segments = [ResourceKind::SelfInfo.path()];
        let bytes = self.call(Method::GET, &segments, NO_QUERY, None).await?;
        decode(&Method::GET, &segments, &bytes)
    }

    /// Any resource, as JSON.
    pub fn resource(&self, kind: ResourceKind) -> Resource<Value, Value> {
        Resource::new(self, kind)
    }
}

/// The typed handles of the resources whose writes Shoporama lists without describing them:
/// items typed, writes as JSON.
macro_rules! typed_handles {
    ($($(#[$doc:meta])* $name:ident: $model:ty = $kind:ident;)*) => {
        impl ShopClient {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Resource<$model, Value> {
                    Resource::new(self, ResourceKind::$kind)
                }
            )*
        }
    };
}

typed_handles! {
    /// Brands, typed.
    brands: Brand = Brand;
    /// Manufacturers, typed.
    manufacturers: Manufacturer = Manufacturer;
    /// Suppliers, typed.
    suppliers: Supplier = Supplier;
    /// Product profiles, typed.
    profiles: Profile = Profile;
    /// The attributes of product profiles, typed.
    profile_attributes: ProfileAttribute = ProfileAttribute;
    /// The values of profile attributes, typed.
    profile_attribute_values: ProfileAttributeValue = ProfileAttributeValue;
    /// Order returns, typed.
    order_returns: OrderReturn = OrderReturn;
    /// Vouchers (discount codes), typed.
    vouchers: Voucher = Voucher;
    /// Blog posts, typed.
    blog_posts: BlogPost = BlogPost;
    /// Static pages, typed.
    pages: StaticPage = Page;
    /// Landing pages, typed.
    landing_pages: LandingPage = LandingPage;
    /// Menus, typed.
    menus: Menu = Menu;
    /// Delivery methods, typed.
    shipping: Shipping = Shipping;
    /// Payment gateways, typed.
    payment_gateways: PaymentGateway = PaymentGateway;
    /// The shop's country table, typed (see also [`ShopClient::country_table`]).
    countries: ShopCountry = Country;
    /// URL redirects, typed.
    redirects: Redirect = Redirect;
    /// Standalone webhooks, typed.
    webhooks: Webhook = Webhook;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_round_trip_their_paths() {
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::from_path(kind.path()), Some(kind));
            assert!(kind.id_field().ends_with("_id"));
        }
        assert_eq!(ResourceKind::from_path("nope"), None);
        assert_eq!(ResourceKind::OrderReturn.to_string(), "order-return");
    }

    #[test]
    fn write_outcomes_find_the_id() {
        assert_eq!(
            WriteOutcome::new(ResourceKind::Product, json!({"product_id": "42"})).id,
            Some(42)
        );
        assert_eq!(
            WriteOutcome::new(ResourceKind::Brand, json!({"id": 7})).id,
            Some(7)
        );
        assert_eq!(WriteOutcome::new(ResourceKind::Brand, json!("OK")).id, None);
    }
}
