//! `#[shoporama_app(...)]`: the app-level keys.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt as _;
use syn::parse::ParseStream;
use syn::{Lit, LitStr, Path, Token};

use super::snippet::{self, Snippet};
use super::{Attr, parse_eq, parse_ident_list, parse_items, parse_lit, parse_str, unknown_key};
use crate::case::{one_of, with_suggestion};
use crate::ctxt::Ctxt;
use crate::symbol::{
    ACCESS, ACCESS_VALUES, ALL, ALLOWED_SHOPS, APP_KEYS, CALLBACK_URL, CATEGORY, CRATE,
    DESCRIPTION, EVENT_ENUM, EVENT_NAMES, EVENTS, MONTHLY_PRICE, NAME, READ, SNIPPET,
    STANDALONE_ONLY_WEBHOOKS, Symbol, WEBHOOK_NAMES, WEBHOOKS, WRITE, Wire,
};

const ATTRIBUTE: &str = "shoporama_app";

/// The REST token's rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
    All,
}

impl Access {
    /// The runtime's `Access` variant.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Self::Read => "Read",
            Self::Write => "Write",
            Self::All => "All",
        }
    }
}

/// A subscribed event or webhook, as written.
#[derive(Clone)]
pub(crate) struct WireName {
    pub(crate) wire: &'static Wire,
    pub(crate) ident: Ident,
}

/// Everything `#[shoporama_app(...)]` says, each key parsed and validated on its own.
pub(crate) struct App {
    pub(crate) name: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) category: Option<LitStr>,
    pub(crate) access: Option<Access>,
    pub(crate) monthly_price: u64,
    pub(crate) callback_url: Option<LitStr>,
    pub(crate) allowed_shops: Vec<u64>,
    pub(crate) events: Vec<WireName>,
    pub(crate) webhooks: Vec<WireName>,
    pub(crate) snippets: Vec<Snippet>,
    pub(crate) event_enum: Option<Ident>,
    pub(crate) krate: Option<Path>,
}

impl App {
    /// Parses the attribute's arguments; every mistake goes to `cx`.
    pub(crate) fn from_args(cx: &Ctxt, args: TokenStream) -> Self {
        let mut name = Attr::none(ATTRIBUTE, NAME);
        let mut description = Attr::none(ATTRIBUTE, DESCRIPTION);
        let mut category = Attr::none(ATTRIBUTE, CATEGORY);
        let mut access = Attr::none(ATTRIBUTE, ACCESS);
        let mut monthly_price = Attr::none(ATTRIBUTE, MONTHLY_PRICE);
        let mut callback_url = Attr::none(ATTRIBUTE, CALLBACK_URL);
        let mut allowed_shops = Attr::none(ATTRIBUTE, ALLOWED_SHOPS);
        let mut events = Attr::none(ATTRIBUTE, EVENTS);
        let mut webhooks = Attr::none(ATTRIBUTE, WEBHOOKS);
        let mut event_enum = Attr::none(ATTRIBUTE, EVENT_ENUM);
        let mut krate = Attr::none(ATTRIBUTE, CRATE);
        let mut snippets = Vec::new();

        parse_items(cx, args, |key, input| {
            if *key == NAME {
                // name = "Conversion pixel"
                name.written();
                let lit = parse_str(key, input)?;
                if lit.value().trim().is_empty() {
                    cx.error_spanned_by(&lit, "`name` must not be empty");
                }
                name.set(cx, key, lit);
            } else if *key == DESCRIPTION {
                // description = "Reports purchases. <a href=\"…\">Docs</a>"
                let lit = parse_str(key, input)?;
                check_description(cx, &lit);
                description.set(cx, key, lit);
            } else if *key == CATEGORY {
                // category = "Marketing"
                category.set(cx, key, parse_str(key, input)?);
            } else if *key == ACCESS {
                // access = read | write | all
                access.written();
                access.set(cx, key, parse_access(key, input)?);
            } else if *key == MONTHLY_PRICE {
                // monthly_price = 49
                monthly_price.set(cx, key, parse_price(key, input)?);
            } else if *key == CALLBACK_URL {
                // callback_url = "https://pixel.example.com/callback"
                let lit = parse_str(key, input)?;
                check_url(cx, &lit);
                callback_url.set(cx, key, lit);
            } else if *key == ALLOWED_SHOPS {
                // allowed_shops(1, 2)
                allowed_shops.set(cx, key, parse_shops(cx, key, input)?);
            } else if *key == EVENTS {
                // events(add_to_basket, paid)
                let names = parse_wire_names(cx, key, input, Kind::Event)?;
                events.set(cx, key, names);
            } else if *key == WEBHOOKS {
                // webhooks(paid, new_status)
                let names = parse_wire_names(cx, key, input, Kind::Webhook)?;
                webhooks.set(cx, key, names);
            } else if *key == SNIPPET {
                // snippet(place = before_body_close, pages(thanks), template = "snippets/x.tpl")
                if let Some(snippet) = snippet::parse(cx, key, input)? {
                    snippets.push(snippet);
                }
            } else if *key == EVENT_ENUM {
                // event_enum = PixelEvent
                parse_eq(key, input, "event_enum = MyEvent")?;
                event_enum.set(cx, key, input.parse::<Ident>()?);
            } else if *key == CRATE {
                // crate = ::shoporama_app
                krate.set(cx, key, parse_crate(key, input)?);
            } else {
                return Err(unknown_key(ATTRIBUTE, key, APP_KEYS));
            }
            Ok(())
        });

        if !name.was_written() {
            cx.error_at(
                Span::call_site(),
                "#[shoporama_app] requires `name = \"…\"`: the app's short name in Shoporama",
            );
        }
        if !access.was_written() {
            cx.error_at(
                Span::call_site(),
                "#[shoporama_app] requires `access = read`, `access = write` or `access = all`: the rights of the REST token each shop creates",
            );
        }
        Self {
            name: name.get(),
            description: description.get(),
            category: category.get(),
            access: access.get(),
            monthly_price: monthly_price.get().unwrap_or(0),
            callback_url: callback_url.get(),
            allowed_shops: allowed_shops.get().unwrap_or_default(),
            events: events.get().unwrap_or_default(),
            webhooks: webhooks.get().unwrap_or_default(),
            snippets,
            event_enum: event_enum.get(),
            krate: krate.get(),
        }
    }
}

fn parse_access(key: &Ident, input: ParseStream<'_>) -> syn::Result<Access> {
    parse_eq(key, input, "access = read")?;
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "write the access without quotes: `access = {}`",
                lit.value()
            ),
        ));
    }
    let value = input.call(Ident::parse_any)?;
    if value == READ {
        Ok(Access::Read)
    } else if value == WRITE {
        Ok(Access::Write)
    } else if value == ALL {
        Ok(Access::All)
    } else {
        Err(syn::Error::new(
            value.span(),
            format!(
                "unknown access `{value}`, expected one of: {}",
                one_of(ACCESS_VALUES)
            ),
        ))
    }
}

fn parse_price(key: &Ident, input: ParseStream<'_>) -> syn::Result<u64> {
    const EXAMPLE: &str = "monthly_price = 49";
    parse_eq(key, input, EXAMPLE)?;
    if input.peek(Token![-]) {
        let minus: Token![-] = input.parse()?;
        let lit = parse_lit(input, EXAMPLE)?;
        return Err(syn::Error::new_spanned(
            quote!(#minus #lit),
            "`monthly_price` must not be negative",
        ));
    }
    match parse_lit(input, EXAMPLE)? {
        Lit::Int(int) => int.base10_parse::<u64>(),
        other => Err(syn::Error::new(
            other.span(),
            "`monthly_price` must be a whole, non-negative number of DKK: `monthly_price = 49`",
        )),
    }
}

fn parse_shops(cx: &Ctxt, key: &Ident, input: ParseStream<'_>) -> syn::Result<Vec<u64>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key.span(),
            "expected `allowed_shops(1, 2, …)` with webshop ids",
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let mut shops = Vec::new();
    while !content.is_empty() {
        match parse_lit(&content, "allowed_shops(1, 2)")? {
            Lit::Int(int) => {
                let id = int.base10_parse::<u64>()?;
                if shops.contains(&id) {
                    cx.error_spanned_by(
                        &int,
                        format!("duplicate webshop id {id} in `allowed_shops`"),
                    );
                } else {
                    shops.push(id);
                }
            }
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "`allowed_shops` takes webshop ids (integers): `allowed_shops(1, 2)`",
                ));
            }
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(shops)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Event,
    Webhook,
}

impl Kind {
    fn table(self) -> &'static [Wire] {
        match self {
            Self::Event => EVENT_NAMES,
            Self::Webhook => WEBHOOK_NAMES,
        }
    }

    fn key(self) -> Symbol {
        match self {
            Self::Event => EVENTS,
            Self::Webhook => WEBHOOKS,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Webhook => "webhook",
        }
    }

    /// With its article, as prose.
    fn noun(self) -> &'static str {
        match self {
            Self::Event => "a storefront event",
            Self::Webhook => "a webhook",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::Event => Self::Webhook,
            Self::Webhook => Self::Event,
        }
    }
}

fn parse_wire_names(
    cx: &Ctxt,
    key: &Ident,
    input: ParseStream<'_>,
    kind: Kind,
) -> syn::Result<Vec<WireName>> {
    let idents = parse_ident_list(key, input, &format!("{} names", kind.what()))?;
    let mut names: Vec<WireName> = Vec::new();
    for ident in idents {
        let name = ident.unraw().to_string();
        if let Some(wire) = kind.table().iter().find(|w| w.name == name) {
            if names.iter().any(|n| n.wire.name == name) {
                cx.error_at(ident.span(), format!("duplicate {} `{name}`", kind.what()));
            } else {
                names.push(WireName { wire, ident });
            }
        } else if kind == Kind::Webhook && STANDALONE_ONLY_WEBHOOKS.contains(&name.as_str()) {
            cx.error_at(
                ident.span(),
                format!(
                    "Shoporama's app form does not offer the webhook `{name}`: it is one of the shop's own webhooks (Settings → Webhooks); the app form offers {}",
                    one_of(WEBHOOK_NAMES.iter().map(|w| w.name))
                ),
            );
        } else if kind.other().table().iter().any(|w| w.name == name) {
            cx.error_at(
                ident.span(),
                format!(
                    "`{name}` is {}, not {}: subscribe with `{}({name})`",
                    kind.other().noun(),
                    kind.noun(),
                    kind.other().key()
                ),
            );
        } else {
            let valid = kind.table().iter().map(|w| w.name);
            let message = format!(
                "unknown {} `{name}`, expected one of: {}",
                kind.what(),
                one_of(valid.clone())
            );
            cx.error_at(ident.span(), with_suggestion(message, &name, valid));
        }
    }
    Ok(names)
}

fn parse_crate(key: &Ident, input: ParseStream<'_>) -> syn::Result<Path> {
    parse_eq(key, input, "crate = ::shoporama_app")?;
    let path = input.call(Path::parse_mod_style)?;
    let absolute =
        path.leading_colon.is_some() || path.segments.first().is_some_and(|s| s.ident == "crate");
    if absolute {
        Ok(path)
    } else {
        Err(syn::Error::new_spanned(
            &path,
            "`crate` must be an absolute path, such as `crate = ::shoporama_app`",
        ))
    }
}

/// Shoporama's description allows no HTML but links: each tag must be part of
/// `<a href="https://…">text</a>`, with no other attribute and no markup inside the link.
fn check_description(cx: &Ctxt, lit: &LitStr) {
    for problem in description_problems(&lit.value()) {
        cx.error_spanned_by(
            lit,
            format!(
                "{problem}: Shoporama's `description` allows no HTML but links written `<a href=\"https://…\">text</a>`"
            ),
        );
    }
}

/// What is wrong with the HTML of a description, each problem once, in order.
fn description_problems(text: &str) -> Vec<String> {
    let mut problems: Vec<String> = Vec::new();
    let mut push = |problem: String| {
        if !problems.contains(&problem) {
            problems.push(problem);
        }
    };
    let mut in_link = false;
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let Some(tag) = Tag::at(after) else {
            rest = after;
            continue;
        };
        match tag.name.to_ascii_lowercase().as_str() {
            "a" if !tag.closing => {
                if in_link {
                    push("a link inside a link".to_owned());
                }
                match link_target(tag.attributes) {
                    Ok(()) => {}
                    Err(problem) => push(problem),
                }
                in_link = true;
            }
            "a" => {
                if !in_link {
                    push("`</a>` without its `<a href=\"…\">`".to_owned());
                }
                if !tag.attributes.trim().is_empty() {
                    push("`</a>` with attributes".to_owned());
                }
                in_link = false;
            }
            _ => push(format!("HTML tag `{}` is not allowed", tag.shown())),
        }
        rest = &after[tag.length..];
    }
    if in_link {
        push("a link `<a href=\"…\">` is never closed with `</a>`".to_owned());
    }
    problems
}

/// One HTML tag: `<name attributes>`, `</name>`, `<!-- … -->`.
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    attributes: &'a str,
    /// Bytes from after `<` to after `>` (or to the end of the text).
    length: usize,
}

impl<'a> Tag<'a> {
    /// The tag starting right after a `<`, if the `<` starts one (a letter, `/` or `!`
    /// follows): `1 < 2` is text.
    fn at(after: &'a str) -> Option<Self> {
        let (closing, body) = match after.strip_prefix('/') {
            Some(body) => (true, body),
            None => (false, after),
        };
        if !body
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '!')
        {
            return None;
        }
        let name_end = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '!' || c == '-'))
            .unwrap_or(body.len());
        let end = tag_end(&body[name_end..]).map_or(body.len(), |i| name_end + i);
        let attributes = &body[name_end..end];
        let length = usize::from(closing) + (end + 1).min(body.len());
        Some(Self {
            name: &body[..name_end],
            closing,
            attributes,
            length,
        })
    }

    /// The tag as `<name>`, for an opening and a closing tag alike (each reported once).
    fn shown(&self) -> String {
        format!("<{}>", self.name.to_ascii_lowercase())
    }
}

/// The offset of the `>` that ends a tag's attributes, skipping quoted values.
fn tag_end(attributes: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in attributes.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '>' => return Some(i),
            _ => {}
        }
    }
    None
}

/// Checks that a link's attributes are exactly `href="https://…"`.
fn link_target(attributes: &str) -> Result<(), String> {
    let attributes = attributes.trim().trim_end_matches('/').trim_end();
    let href = attributes
        .get(..4)
        .filter(|name| name.eq_ignore_ascii_case("href"))
        .map(|_| &attributes[4..])
        .filter(|rest| rest.starts_with(|c: char| c == '=' || c.is_whitespace()));
    let Some(value) = href else {
        let name: String = attributes
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '=')
            .collect();
        return Err(if name.is_empty() {
            "a link `<a>` without `href`".to_owned()
        } else {
            format!("attribute `{name}` on a link")
        });
    };
    let value = value.trim_start();
    let Some(value) = value.strip_prefix('=') else {
        return Err("`href` without a value".to_owned());
    };
    let value = value.trim_start();
    let Some(quoted) = value.strip_prefix('"') else {
        return Err("an `href` not in double quotes".to_owned());
    };
    let Some(close) = quoted.find('"') else {
        return Err("an `href` whose quote is never closed".to_owned());
    };
    let (url, after) = (&quoted[..close], quoted[close + 1..].trim());
    if !after.is_empty() {
        let name: String = after
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '=')
            .collect();
        return Err(format!("attribute `{name}` on a link"));
    }
    let host = url.strip_prefix("https://").unwrap_or_default();
    let valid = !host.is_empty()
        && !host.starts_with('/')
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '\'' | '`'));
    if valid {
        Ok(())
    } else {
        Err(format!("link target `{url}` is not an https:// URL"))
    }
}

/// `callback_url` is where Shoporama POSTs: an absolute http(s) URL.
fn check_url(cx: &Ctxt, lit: &LitStr) {
    let url = lit.value();
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let valid = host.is_some_and(|rest| {
        !rest.is_empty() && !rest.starts_with('/') && !rest.chars().any(char::is_whitespace)
    });
    if !valid {
        cx.error_spanned_by(
            lit,
            "`callback_url` must be an absolute URL starting with `https://` (it can also be set at run time)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::description_problems;

    #[test]
    fn a_description_may_hold_https_links_only() {
        assert!(
            description_problems(
                "See <a href=\"https://example.com/x?a=1&b=2\">the docs</a>; 1 < 2, <A HREF=\"https://e.dk\">DK</a>."
            )
            .is_empty()
        );
        let problems = |text: &str| description_problems(text);
        assert_eq!(
            problems("<b>bold</b> <p>x</p><!-- c -->"),
            [
                "HTML tag `<b>` is not allowed",
                "HTML tag `<p>` is not allowed",
                "HTML tag `<!-->` is not allowed",
            ]
        );
        assert_eq!(
            problems("<a href=\"https://e.dk\" onclick=\"x()\">x</a>"),
            ["attribute `onclick` on a link"]
        );
        assert_eq!(
            problems("<a onclick=\"x()\" href=\"https://e.dk\">x</a>"),
            ["attribute `onclick` on a link"]
        );
        assert_eq!(
            problems("<a href=\"javascript:alert(1)\">x</a>"),
            ["link target `javascript:alert(1)` is not an https:// URL"]
        );
        assert_eq!(
            problems("<a href=\"http://e.dk\">x</a>"),
            ["link target `http://e.dk` is not an https:// URL"]
        );
        assert_eq!(
            problems("<a href='https://e.dk'>x</a>"),
            ["an `href` not in double quotes"]
        );
        assert_eq!(
            problems("<a href=\"https://e.dk\"><b>x</b></a>"),
            ["HTML tag `<b>` is not allowed"]
        );
        assert_eq!(
            problems("<a href=\"https://e.dk\">x"),
            ["a link `<a href=\"…\">` is never closed with `</a>`"]
        );
        assert_eq!(problems("x</a>"), ["`</a>` without its `<a href=\"…\">`"]);
        assert_eq!(problems("<a>x</a>"), ["a link `<a>` without `href`"]);
    }
}
