use super::{Code, Color, FieldProblem, RichText};

/// Builds a field's value from the literal in `#[field(default = …)]`.
///
/// `L` is the literal's type: `&'static str` for text, colours, rich text, code and list keys;
/// `i128` for every integer type (the macro checks the range at compile time); `bool` for
/// booleans. A literal of the wrong kind
/// is a compile error at the `default` value.
#[diagnostic::on_unimplemented(
    message = "`default = {L}` does not fit a `{Self}` field",
    label = "a literal of the field's kind is expected here",
    note = "text, colour, rich-text, code and list fields take a string literal, integer fields an integer literal, boolean fields `true` or `false`"
)]
pub trait SettingDefault<L>: Sized {
    /// The value for the literal, or why the literal is not a valid value of this field.
    fn from_default(literal: L) -> Result<Self, FieldProblem>;
}

impl SettingDefault<&'static str> for String {
    fn from_default(literal: &'static str) -> Result<Self, FieldProblem> {
        Ok(literal.to_owned())
    }
}

impl SettingDefault<&'static str> for RichText {
    fn from_default(literal: &'static str) -> Result<Self, FieldProblem> {
        Ok(Self(literal.to_owned()))
    }
}

impl SettingDefault<&'static str> for Code {
    fn from_default(literal: &'static str) -> Result<Self, FieldProblem> {
        Ok(Self(literal.to_owned()))
    }
}

impl SettingDefault<&'static str> for Color {
    fn from_default(literal: &'static str) -> Result<Self, FieldProblem> {
        literal.parse()
    }
}

impl SettingDefault<bool> for bool {
    fn from_default(literal: bool) -> Result<Self, FieldProblem> {
        Ok(literal)
    }
}

macro_rules! integer_default {
    ($($ty:ident),*) => {$(
        impl SettingDefault<i128> for $ty {
            fn from_default(literal: i128) -> Result<Self, FieldProblem> {
                $ty::try_from(literal).map_err(|_| FieldProblem::OutOfRange {
                    received: literal.to_string(),
                    ty: stringify!($ty),
                })
            }
        }
    )*};
}

integer_default!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl<L, T: SettingDefault<L>> SettingDefault<L> for Option<T> {
    fn from_default(literal: L) -> Result<Self, FieldProblem> {
        T::from_default(literal).map(Some)
    }
}
