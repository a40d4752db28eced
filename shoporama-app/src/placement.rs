//! [`Placement`] and [`Page`]: where a snippet goes. Shared by the manifest, which lists each
//! snippet's place, and the snippet module, which lints and previews them; both import it from
//! here (see ARCHITECTURE.md).

use crate::wire::wire_enum;

wire_enum!(
    /// Where in the page Shoporama injects a snippet.
    Placement, "placement" {
        /// Right after `<head>`.
        AfterHeadOpen = "after_head_open",
        /// Right before `</head>`.
        BeforeHeadClose = "before_head_close",
        /// Right after `<body>`.
        AfterBodyOpen = "after_body_open",
        /// Right before `</body>`.
        BeforeBodyClose = "before_body_close",
    }
);

impl Placement {
    /// How Shoporama's app form names this placement.
    pub const fn form_label(self) -> &'static str {
        match self {
            Self::AfterHeadOpen => "after <head>",
            Self::BeforeHeadClose => "before </head>",
            Self::AfterBodyOpen => "after <body>",
            Self::BeforeBodyClose => "before </body>",
        }
    }

    /// Whether the snippet lands inside `<head>`.
    pub const fn is_in_head(self) -> bool {
        matches!(self, Self::AfterHeadOpen | Self::BeforeHeadClose)
    }
}

wire_enum!(
    /// The pages a snippet is injected on.
    Page, "page" {
        /// Every page.
        All = "all",
        /// Product pages.
        Products = "products",
        /// Landing pages.
        LandingPages = "landing_pages",
        /// Category pages.
        Categories = "categories",
        /// Static pages.
        StaticPages = "static_pages",
        /// Blog posts.
        BlogPosts = "blog_posts",
        /// `/search`.
        Search = "search",
        /// `/basket`.
        Basket = "basket",
        /// `/address`.
        Address = "address",
        /// `/shipping`.
        Shipping = "shipping",
        /// `/approve`.
        Approve = "approve",
        /// `/thanks`.
        Thanks = "thanks",
        /// `/order`.
        Order = "order",
        /// `/also`.
        Also = "also",
    }
);

impl Page {
    /// How Shoporama's app form names this page choice.
    pub const fn form_label(self) -> &'static str {
        match self {
            Self::All => "all pages",
            Self::Products => "products",
            Self::LandingPages => "landing pages",
            Self::Categories => "categories",
            Self::StaticPages => "static pages",
            Self::BlogPosts => "blog posts",
            Self::Search => "/search",
            Self::Basket => "/basket",
            Self::Address => "/address",
            Self::Shipping => "/shipping",
            Self::Approve => "/approve",
            Self::Thanks => "/thanks",
            Self::Order => "/order",
            Self::Also => "/also",
        }
    }
}

impl Page {
    /// The page named as the manifest names it (`thanks`) or by its route (`/thanks`),
    /// case-insensitively.
    pub fn from_route(name: &str) -> Option<Self> {
        let name = name.trim().trim_start_matches('/').to_ascii_lowercase();
        Self::from_name(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_parse_from_names_and_routes() {
        assert_eq!(Page::from_route("/thanks"), Some(Page::Thanks));
        assert_eq!(Page::from_route(" Basket "), Some(Page::Basket));
        assert_eq!(Page::from_route("landing_pages"), Some(Page::LandingPages));
        assert_eq!(Page::from_route("/checkout"), None);
    }
}
