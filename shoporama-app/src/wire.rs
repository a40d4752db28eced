//! Enums of the names Shoporama uses on the wire and in its app form (event and webhook
//! types, snippet placements and pages): one macro, so every such enum parses, prints and
//! serialises the same way.

/// A name that is not one of the values of a wire-name enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`; expected one of: {}", valid.join(", "))]
pub struct UnknownName {
    pub(crate) what: &'static str,
    pub(crate) name: String,
    pub(crate) valid: &'static [&'static str],
}

/// Declares a `Copy` enum whose variants stand for fixed names: `ALL` in documentation order,
/// `as_str`, `Display`, `FromStr` (error: [`UnknownName`]), `from_name`, and serde by name.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant,)*
        }

        impl $name {
            /// Every value, in the order of Shoporama's documentation.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The name Shoporama uses for it.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire,)* }
            }

            /// The value with this name.
            pub fn from_name(name: &str) -> Option<Self> {
                name.parse().ok()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::wire::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok(Self::$variant),)*
                    _ => Err($crate::wire::UnknownName { what: $what, name: s.to_owned(), valid: &[$($wire,)*] }),
                }
            }
        }
    };
}

pub(crate) use wire_enum;
