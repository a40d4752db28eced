//! Typed Smarty references: one type per kind of value, each printing the Smarty that reads the
//! value with the escaping its context needs.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use super::escape::{Cond, Form, Output, Test, setting_subject, write_if, write_output};
use crate::fields::{Code, Color, ListOptions, RichText};

/// The Smarty expression a reference reads (`$app_vars.measurement_id`, `$order->getOrderId()`).
type Subject = Cow<'static, str>;

/// The Smarty expression that reads the setting with this wire name: `$app_vars.<name>`.
pub(crate) fn app_var(name: &str) -> Subject {
    Cow::Owned(format!("$app_vars.{name}"))
}

/// The same, falling back to `default` (or `''`): `$app_vars.<name>|default:'…'`.
fn app_var_or(name: &str, default: &Value) -> Subject {
    Cow::Owned(setting_subject(name, default))
}

/// A reference built from a setting's wire name; implemented by every `*Var` type. Every
/// reference reads the setting with a fallback (`|default:'…'`, the field's default or `''`),
/// so a shop that never saved the form renders the defaults.
///
/// Generated code calls it with the wire name (`#[field(rename = …)]` or the field name); the
/// `#[shoporama_app]` macro has already checked that it is a valid Smarty identifier.
pub trait FromSetting: Sized {
    /// The reference to `$app_vars.<name>`.
    fn from_setting(name: &str) -> Self;

    /// The reference to `$app_vars.<name>`, falling back to the field's `default` (as
    /// Shoporama stores it, `null` for none) when the shop never saved the form or left the
    /// field blank: what generated code calls for every setting.
    fn from_setting_with_default(name: &str, default: &Value) -> Self {
        let _ = default;
        Self::from_setting(name)
    }
}

/// Maps a settings field's Rust type to the reference type templates see it as.
///
/// `String` → [`TextVar`], integers → [`IntegerVar`], `bool` → [`BooleanVar`], a
/// [`ListOptions`] enum `T` → [`ListVar<T>`], [`Color`] → [`ColorVar`], [`RichText`] and
/// [`Code`] → [`RawVar`]; `Option<T>` as `T`. `#[derive(ListOptions)]` implements it for its
/// enum. An external list (`String` with
/// `#[field(list = external(…))]`) is a [`ListVar<String>`], chosen by the macro.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no snippet reference type",
    label = "snippet templates cannot read this field",
    note = "a setting is a `String`, an integer type, `bool`, `Color`, `RichText`, `Code`, an enum with `#[derive(ListOptions)]`, or an `Option` of one of these"
)]
pub trait SnippetVar {
    /// The reference type.
    type Var: FromSetting;
}

macro_rules! snippet_var {
    ($var:ident: $($ty:ty),*) => {$(
        impl SnippetVar for $ty {
            type Var = $var;
        }
    )*};
}

snippet_var!(TextVar: String);
snippet_var!(IntegerVar: i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
snippet_var!(BooleanVar: bool);
snippet_var!(ColorVar: Color);
snippet_var!(RawVar: RichText, Code);

impl<T: SnippetVar> SnippetVar for Option<T> {
    type Var = T::Var;
}

macro_rules! reference {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            subject: Subject,
        }

        impl $name {
            /// A reference to any Smarty expression (a page object's getter, a variable the
            /// snippet assigned). The expression is printed as given: it must come from the
            /// app's code, never from a shop owner's input.
            pub fn expr(expr: impl Into<Cow<'static, str>>) -> Self {
                Self { subject: expr.into() }
            }
        }

        impl FromSetting for $name {
            fn from_setting(name: &str) -> Self {
                Self { subject: app_var_or(name, &Value::Null) }
            }

            fn from_setting_with_default(name: &str, default: &Value) -> Self {
                Self { subject: app_var_or(name, default) }
            }
        }

        presence!($name);
    };
}

/// The methods every reference has: its expression, and tests of whether it is set.
macro_rules! presence {
    ($ty:ty $(, $param:ident)?) => {
        impl$(<$param>)? $ty {
            /// The Smarty expression read, e.g. `$app_vars.measurement_id`.
            pub fn smarty_expr(&self) -> &str {
                &self.subject
            }

            /// `<{if …}>` when the value is set: not missing and not blank (the settings
            /// parser's notion of present). Close with `{{ smarty.end_if() }}`.
            pub fn if_set(&self) -> Cond<'_> {
                Cond::new(&self.subject, Test::Set)
            }

            /// `<{if …}>` when the value is missing or blank.
            pub fn if_blank(&self) -> Cond<'_> {
                Cond::new(&self.subject, Test::Blank)
            }

            /// The condition "set" for a block: `{% call when(app.x.is_set()) %}…{% endcall %}`
            /// (the same Smarty as [`if_set`](Self::if_set)).
            pub fn is_set(&self) -> Cond<'_> {
                self.if_set()
            }

            /// The condition "missing or blank" for a block (as [`if_blank`](Self::if_blank)).
            pub fn is_blank(&self) -> Cond<'_> {
                self.if_blank()
            }
        }
    };
}

/// Methods that print a text-like value in each context.
macro_rules! text_contexts {
    ($ty:ty $(, $param:ident)?) => {
        impl$(<$param>)? $ty {
            /// HTML text: `<{…|escape:"html"}>` (`& < > " '` become entities).
            pub fn html(&self) -> Output<'_> {
                Output::new(&self.subject, Form::Html)
            }

            /// The inside of a quoted HTML attribute value (`"…"` or `'…'`): the same escaping as
            /// [`html`](Self::html), which covers both quotes. Not for unquoted attributes,
            /// and not for event-handler attributes (`onclick`), which are JavaScript.
            pub fn attr(&self) -> Output<'_> {
                Output::new(&self.subject, Form::Html)
            }

            /// A complete JavaScript string literal, quotes included, for use inside
            /// `<script>`: `'<{…|escape:"javascript"|…}>'`. Survives `</script>`, both
            /// quote kinds, backslashes, newlines, U+2028/U+2029, backticks and `${`.
            pub fn js(&self) -> Output<'_> {
                Output::quoted(&self.subject, Form::JsInner)
            }

            /// The inside of a JavaScript string literal you quote yourself (with `'`, `"` or
            /// `` ` ``), inside `<script>`. Prefer [`js`](Self::js), which cannot be left
            /// unquoted.
            pub fn js_inner(&self) -> Output<'_> {
                Output::new(&self.subject, Form::JsInner)
            }

            /// One URL component (a query value, a path segment): `<{…|escape:"url"}>`
            /// (`rawurlencode`); only `A-Z a-z 0-9 - _ . ~ %` come out, safe in any context.
            pub fn url_component(&self) -> Output<'_> {
                Output::new(&self.subject, Form::UrlComponent)
            }

            /// A CSS value (in `<style>` or a `style="…"` attribute): every character except
            /// ASCII letters, digits, space and `#%,.-` is dropped, so `;}</style>`,
            /// `expression(`, `url(` and CSS escapes cannot get through.
            pub fn css(&self) -> Output<'_> {
                Output::new(&self.subject, Form::Css)
            }
        }

        /// HTML text, as [`html`](Self::html).
        impl$(<$param>)? fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_output(f, &self.subject, Form::Html)
            }
        }
    };
}

reference!(
    /// A text value (a `text` setting, a product name): prints HTML-escaped by default, and in
    /// any other context through [`js`](Self::js), [`attr`](Self::attr), [`url`](Self::url),
    /// [`url_component`](Self::url_component) or [`css`](Self::css).
    ///
    /// In a snippet template: `{{ app.measurement_id.js() }}` prints
    /// `'<{$app_vars.measurement_id|escape:"javascript"|…}>'`.
    TextVar
);
text_contexts!(TextVar);

impl TextVar {
    /// A whole URL in a quoted `href`/`src` attribute: a value not starting with `http://` or
    /// `https://` (such as `javascript:…`) prints nothing; the rest is HTML-escaped.
    pub fn url(&self) -> Output<'_> {
        Output::new(&self.subject, Form::Url)
    }
}

reference!(
    /// A whole number (an `integer` setting, an order id): always printed as
    /// `<{…|string_format:"%d"}>`, which yields only digits and `-` whatever the value is, so
    /// it is safe in every context (HTML, attribute, JavaScript, CSS, URL).
    IntegerVar
);

impl IntegerVar {
    /// The number; the same in every context.
    pub fn html(&self) -> Output<'_> {
        Output::new(&self.subject, Form::Integer)
    }

    /// The number; the same in every context.
    pub fn attr(&self) -> Output<'_> {
        self.html()
    }

    /// The number as a JavaScript number literal.
    pub fn js(&self) -> Output<'_> {
        self.html()
    }

    /// The number; the same in every context.
    pub fn css(&self) -> Output<'_> {
        self.html()
    }

    /// The number; the same in every context.
    pub fn url_component(&self) -> Output<'_> {
        self.html()
    }
}

impl fmt::Display for IntegerVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_output(f, &self.subject, Form::Integer)
    }
}

reference!(
    /// A decimal number (a price, an amount): printed with two decimals and a decimal point
    /// (`<{…|string_format:"%.2F"}>`, never a locale's comma), safe in every context.
    DecimalVar
);

impl DecimalVar {
    /// The number with `decimals` decimals (at most 9).
    pub fn fixed(&self, decimals: u8) -> Output<'_> {
        Output::new(&self.subject, Form::Decimal(decimals))
    }

    /// The number rounded towards zero to a whole number (`%d`).
    pub fn int(&self) -> Output<'_> {
        Output::new(&self.subject, Form::Integer)
    }

    /// The number as a JavaScript number literal (two decimals).
    pub fn js(&self) -> Output<'_> {
        self.fixed(2)
    }
}

impl fmt::Display for DecimalVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_output(f, &self.subject, Form::Decimal(2))
    }
}

/// A checkbox (a `boolean` setting).
///
/// Shoporama's JSON is loosely typed, so the test is the settings parser's: on when the
/// value, trimmed and lowercased, is `1`, `true`, `on` or `yes`. Printed on its own it is
/// `<{if …}>true<{else}>false<{/if}>`, a JavaScript boolean literal that is also safe text
/// in any other context. Use [`if_true`](Self::if_true) to gate markup. A field with
/// `default = true` is on while the shop has never saved it (missing or `null`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BooleanVar {
    subject: Subject,
    /// Whether a value that was never saved counts as on (`default = true`).
    default_on: bool,
}

impl BooleanVar {
    /// A reference to any Smarty expression, read as a checkbox. The expression is printed as
    /// given: it must come from the app's code, never from a shop owner's input.
    pub fn expr(expr: impl Into<Cow<'static, str>>) -> Self {
        Self {
            subject: expr.into(),
            default_on: false,
        }
    }

    fn checked(&self) -> Test<'static> {
        if self.default_on {
            Test::CheckedOrUnset
        } else {
            Test::Checked
        }
    }

    fn unchecked(&self) -> Test<'static> {
        if self.default_on {
            Test::UncheckedAndSet
        } else {
            Test::Unchecked
        }
    }
}

impl FromSetting for BooleanVar {
    fn from_setting(name: &str) -> Self {
        Self::expr(app_var(name))
    }

    fn from_setting_with_default(name: &str, default: &Value) -> Self {
        Self {
            subject: app_var(name),
            default_on: default.as_bool() == Some(true),
        }
    }
}

presence!(BooleanVar);

impl BooleanVar {
    /// `<{if …}>` when the box is checked. Close with `{{ smarty.end_if() }}`.
    pub fn if_true(&self) -> Cond<'_> {
        Cond::new(&self.subject, self.checked())
    }

    /// `<{if …}>` when the box is not checked.
    pub fn if_false(&self) -> Cond<'_> {
        Cond::new(&self.subject, self.unchecked())
    }

    /// The condition "checked" for a block: `{% call when(app.enabled.is_on()) %}…{% endcall %}`
    /// (the same Smarty as [`if_true`](Self::if_true)).
    pub fn is_on(&self) -> Cond<'_> {
        self.if_true()
    }

    /// The condition "not checked" for a block (as [`if_false`](Self::if_false)).
    pub fn is_off(&self) -> Cond<'_> {
        self.if_false()
    }

    /// `true` or `false` as a JavaScript literal (the same as printing it).
    pub fn js(&self) -> BooleanLiteral<'_> {
        BooleanLiteral {
            subject: &self.subject,
            test: self.checked(),
        }
    }
}

/// `<{if …}>true<{else}>false<{/if}>`.
#[derive(Debug, Clone, Copy)]
pub struct BooleanLiteral<'a> {
    subject: &'a str,
    test: Test<'static>,
}

impl fmt::Display for BooleanLiteral<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_if(f, self.subject, self.test)?;
        f.write_str("true<{else}>false<{/if}>")
    }
}

impl fmt::Display for BooleanVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.js().fmt(f)
    }
}

reference!(
    /// A colour (a `color` setting): prints the value only when it is `#rgb` or `#rrggbb`,
    /// else nothing, so it is safe in CSS, HTML and attributes.
    ColorVar
);

impl ColorVar {
    /// The colour for CSS (the same as printing it).
    pub fn css(&self) -> Output<'_> {
        Output::new(&self.subject, Form::Color)
    }

    /// The colour for HTML text or a quoted attribute (the same as printing it).
    pub fn html(&self) -> Output<'_> {
        self.css()
    }

    /// The colour for a quoted attribute (the same as printing it).
    pub fn attr(&self) -> Output<'_> {
        self.css()
    }

    /// The colour as a JavaScript string literal, quotes included.
    pub fn js(&self) -> Output<'_> {
        Output::quoted(&self.subject, Form::Color)
    }
}

impl fmt::Display for ColorVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_output(f, &self.subject, Form::Color)
    }
}

reference!(
    /// A `code` or `richtext` setting, printed raw: `<{$app_vars.<name>}>`.
    ///
    /// Raw by design. These fields exist so that the shop owner can put their own HTML,
    /// JavaScript or CSS on their own shop: escaping would turn it into visible text and
    /// defeat the field. Only the shop's administrators can set them, the same people who can
    /// already edit the theme, so printing them raw gives nobody a power they lacked. Never
    /// use a `code` or `richtext` field for text a customer can influence.
    RawVar
);

impl RawVar {
    /// The value, unescaped (the same as printing it).
    pub fn raw(&self) -> Output<'_> {
        Output::new(&self.subject, Form::Raw)
    }
}

impl fmt::Display for RawVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_output(f, &self.subject, Form::Raw)
    }
}

/// A list setting whose options are `T` (a [`ListOptions`] enum, or `String` for an external
/// list). Prints its key like a [`TextVar`], and tests it with [`if_is`](Self::if_is).
#[derive(Debug)]
pub struct ListVar<T> {
    subject: Subject,
    options: PhantomData<fn() -> T>,
}

impl<T> Clone for ListVar<T> {
    fn clone(&self) -> Self {
        Self {
            subject: self.subject.clone(),
            options: PhantomData,
        }
    }
}

impl<T> FromSetting for ListVar<T> {
    fn from_setting(name: &str) -> Self {
        Self {
            subject: app_var_or(name, &Value::Null),
            options: PhantomData,
        }
    }

    fn from_setting_with_default(name: &str, default: &Value) -> Self {
        Self {
            subject: app_var_or(name, default),
            options: PhantomData,
        }
    }
}

presence!(ListVar<T>, T);
text_contexts!(ListVar<T>, T);

impl<T> ListVar<T> {
    /// `<{if $app_vars.<name> == '<key>'}>`, the key quoted so nothing in it is interpolated.
    /// Prefer [`if_is`](Self::if_is), which checks the option exists.
    pub fn if_key<'a>(&'a self, key: &'a str) -> Cond<'a> {
        Cond::new(&self.subject, Test::Is(key))
    }

    /// `<{if $app_vars.<name> != '<key>'}>`.
    pub fn if_not_key<'a>(&'a self, key: &'a str) -> Cond<'a> {
        Cond::new(&self.subject, Test::IsNot(key))
    }
}

impl<T: ListOptions> ListVar<T> {
    /// `<{if $app_vars.<name> == '<key of option>'}>`: `{{ app.consent.if_is(Consent::Full) }}`.
    // Templates pass the variant by value, as they name it.
    #[allow(clippy::needless_pass_by_value)]
    pub fn if_is(&self, option: T) -> Cond<'_> {
        Cond::new(&self.subject, Test::Is(option.key()))
    }

    /// `<{if $app_vars.<name> != '<key of option>'}>`.
    #[allow(clippy::needless_pass_by_value)]
    pub fn if_is_not(&self, option: T) -> Cond<'_> {
        Cond::new(&self.subject, Test::IsNot(option.key()))
    }

    /// The condition "this option" for a block:
    /// `{% call when(app.consent.equals(Consent::Full)) %}…{% endcall %}` (as
    /// [`if_is`](Self::if_is)).
    pub fn equals(&self, option: T) -> Cond<'_> {
        self.if_is(option)
    }

    /// The condition "another option" for a block (as [`if_is_not`](Self::if_is_not)).
    pub fn not_equals(&self, option: T) -> Cond<'_> {
        self.if_is_not(option)
    }
}
