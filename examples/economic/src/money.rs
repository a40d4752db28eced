//! Decimal-safe amounts for e-conomic: money and quantities as integer hundredths, VAT rates as
//! integer basis points.
//!
//! # The choice
//!
//! e-conomic rejects prices with more than two decimals (`E04740`) and books in two-decimal
//! currencies, so every amount this crate handles is an `i64` count of hundredths (øre, cents):
//! [`Money`] and [`Quantity`]. Arithmetic is exact integer arithmetic (intermediate products in
//! `i128`), rounding is explicit and always *half away from zero* (commercial rounding, as used
//! in Danish bookkeeping). JSON has no decimal type, so at the wire edge a value becomes an `f64`
//! (`15960` hundredths → `159.6`, the nearest double, printed as its shortest round-trip form)
//! and a JSON number read back is rounded to the nearest hundredth. No arithmetic is ever done
//! on the `f64`.
//!
//! VAT rates are [`VatRate`]s in basis points (`2500` = 25 %), so `gross / (1 + rate)` is also
//! exact integer arithmetic.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest magnitude, in whole currency units, that [`Money::from_f64`] and
/// [`Money::from_str`] accept: one trillion. Sums of many such amounts still fit an `i64` of
/// hundredths by a wide margin.
pub const MAX_UNITS: i64 = 1_000_000_000_000;

/// Divides `numerator` by `denominator` (which must be positive), rounding half away from zero.
pub(crate) fn div_round(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0, "denominator must be positive");
    let half = denominator / 2;
    if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        -((-numerator + half) / denominator)
    }
}

/// Why a decimal string or number is not a valid two-decimal amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a plain decimal number (`-12.34`, `12`, `0.5`).
    #[error("`{0}` is not a decimal number")]
    NotADecimal(String),
    /// More than two decimals where exactness is required.
    #[error("`{0}` has more than two decimals")]
    TooManyDecimals(String),
    /// Larger than [`MAX_UNITS`] in magnitude, or not finite.
    #[error("`{0}` is out of range")]
    OutOfRange(String),
}

/// Parses `-?digits(.digits{0,2})?` into hundredths.
fn parse_hundredths(text: &str) -> Result<i64, AmountError> {
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !is_digits(whole) || !is_digits(fraction) || digits.ends_with('.') {
        return Err(AmountError::NotADecimal(text.to_owned()));
    }
    if fraction.len() > 2 {
        return Err(AmountError::TooManyDecimals(text.to_owned()));
    }
    let whole_value: i64 = whole
        .parse()
        .ok()
        .filter(|value| *value <= MAX_UNITS)
        .ok_or_else(|| AmountError::OutOfRange(text.to_owned()))?;
    let mut fraction_value: i64 = if fraction.is_empty() {
        0
    } else {
        fraction
            .parse()
            .map_err(|_| AmountError::NotADecimal(text.to_owned()))?
    };
    if fraction.len() == 1 {
        fraction_value *= 10;
    }
    let magnitude = whole_value * 100 + fraction_value;
    Ok(if negative { -magnitude } else { magnitude })
}

/// Rounds a finite `f64` to the nearest hundredth (half away from zero, on the decimal digits
/// the double prints as, so `0.125` → 13 and `159.6` → 15960).
fn f64_to_hundredths(value: f64) -> Result<i64, AmountError> {
    if !value.is_finite() {
        return Err(AmountError::OutOfRange(value.to_string()));
    }
    // Going through the shortest decimal representation avoids binary artefacts such as
    // `1.005 * 100.0 == 100.49999999999999`.
    let text = format!("{value}");
    if text.contains('e') || text.contains('E') {
        // Only extreme magnitudes print in exponent form; tiny ones round to zero.
        return if value.abs() < 1.0 {
            Ok(0)
        } else {
            Err(AmountError::OutOfRange(text))
        };
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let whole_value: i64 = whole
        .parse()
        .ok()
        .filter(|value| *value <= MAX_UNITS)
        .ok_or_else(|| AmountError::OutOfRange(text.clone()))?;
    let mut padded = fraction.to_owned();
    padded.push_str("000");
    let first_three: i64 = padded[..3]
        .parse()
        .map_err(|_| AmountError::NotADecimal(text.clone()))?;
    let round_up = first_three % 10 >= 5;
    let magnitude = whole_value * 100 + first_three / 10 + i64::from(round_up);
    Ok(if negative { -magnitude } else { magnitude })
}

/// Converts hundredths to the `f64` sent as a JSON number.
#[allow(clippy::cast_precision_loss)] // |hundredths| ≤ 1e14 < 2^53: exact.
fn hundredths_to_f64(hundredths: i64) -> f64 {
    hundredths as f64 / 100.0
}

fn fmt_hundredths(hundredths: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sign = if hundredths < 0 { "-" } else { "" };
    let magnitude = hundredths.unsigned_abs();
    write!(f, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

/// An amount of money in hundredths of the currency unit (øre for DKK, cents for EUR).
///
/// Serialised as a JSON number with at most two decimals; deserialised from a JSON number
/// rounded to the nearest hundredth. `Display` prints exactly two decimals (`159.60`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    /// Zero.
    pub const ZERO: Self = Self(0);

    /// An amount from hundredths: `Money::from_minor(19950)` is 199.50.
    pub const fn from_minor(hundredths: i64) -> Self {
        Self(hundredths)
    }

    /// An amount of whole currency units: `Money::from_major(10)` is 10.00.
    pub const fn from_major(units: i64) -> Self {
        Self(units * 100)
    }

    /// The amount in hundredths.
    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Rounds a float to the nearest hundredth (half away from zero). Fails on NaN, infinities
    /// and magnitudes above [`MAX_UNITS`].
    pub fn from_f64(value: f64) -> Result<Self, AmountError> {
        f64_to_hundredths(value).map(Self)
    }

    /// The amount as the `f64` sent over the wire (exactly two decimals when printed).
    pub fn to_f64(self) -> f64 {
        hundredths_to_f64(self.0)
    }

    /// Whether the amount is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The absolute amount.
    #[must_use]
    pub const fn abs(self) -> Self {
        Self(self.0.abs())
    }

    /// `self × quantity`, rounded to the hundredth; `None` on overflow.
    pub fn times(self, quantity: Quantity) -> Option<Self> {
        let product = div_round(i128::from(self.0) * i128::from(quantity.0), 100);
        i64::try_from(product).ok().map(Self)
    }

    /// `self / quantity` per unit, rounded to the hundredth; `None` for a zero quantity.
    pub fn per(self, quantity: Quantity) -> Option<Self> {
        if quantity.0 <= 0 {
            return None;
        }
        let quotient = div_round(i128::from(self.0) * 100, i128::from(quantity.0));
        i64::try_from(quotient).ok().map(Self)
    }

    /// The VAT-exclusive amount of this VAT-inclusive amount: `gross / (1 + rate)` rounded to
    /// the hundredth (`199.50` at 25 % → `159.60`).
    #[must_use]
    pub fn excluding_vat(self, rate: VatRate) -> Self {
        let denominator = 10_000 + i128::from(rate.basis_points());
        // |self| ≤ i64::MAX and denominator ≥ 10_000, so the quotient fits.
        let quotient = div_round(i128::from(self.0) * 10_000, denominator);
        Self(i64::try_from(quotient).unwrap_or(if self.0 < 0 { i64::MIN } else { i64::MAX }))
    }

    /// The VAT on this VAT-exclusive amount: `net × rate` rounded to the hundredth.
    #[must_use]
    pub fn vat_at(self, rate: VatRate) -> Self {
        let vat = div_round(i128::from(self.0) * i128::from(rate.basis_points()), 10_000);
        Self(i64::try_from(vat).unwrap_or(if self.0 < 0 { i64::MIN } else { i64::MAX }))
    }

    /// Checked addition.
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }
}

/// `+`, `-` and their assigning forms on [`Money`], saturating at the ends of `i64`.
macro_rules! saturating_ops {
    ($($op:ident::$method:ident, $assign:ident::$assign_method:ident => $saturating:ident;)*) => {$(
        impl $op for Money {
            type Output = Self;
            fn $method(self, rhs: Self) -> Self {
                Self(self.0.$saturating(rhs.0))
            }
        }

        impl $assign for Money {
            fn $assign_method(&mut self, rhs: Self) {
                *self = $op::$method(*self, rhs);
            }
        }
    )*};
}

saturating_ops! {
    Add::add, AddAssign::add_assign => saturating_add;
    Sub::sub, SubAssign::sub_assign => saturating_sub;
}

impl Neg for Money {
    type Output = Self;
    fn neg(self) -> Self {
        Self(self.0.saturating_neg())
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, Add::add)
    }
}

/// What [`Money`] and [`Quantity`] share as counts of hundredths: `Display` (`199.50`),
/// `FromStr` (`199.50`, `-5`, `0.5`; more than two decimals is an error, not a rounding) and
/// serde as a JSON number with at most two decimals.
macro_rules! hundredths {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_hundredths(self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = AmountError;

            fn from_str(text: &str) -> Result<Self, AmountError> {
                parse_hundredths(text).map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_f64(self.to_f64())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = f64::deserialize(deserializer)?;
                Self::from_f64(value).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

hundredths!(Money, Quantity);

/// A quantity in hundredths of a unit (`Quantity::from_units(3)` is 3.00; `2.5` kg is 250).
///
/// Serialised like [`Money`]: a JSON number with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(i64);

impl Quantity {
    /// One unit.
    pub const ONE: Self = Self(100);

    /// Whole units.
    pub const fn from_units(units: u32) -> Self {
        Self(units as i64 * 100)
    }

    /// Hundredths of a unit.
    pub const fn from_hundredths(hundredths: i64) -> Self {
        Self(hundredths)
    }

    /// The quantity in hundredths.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Rounds a float to the nearest hundredth; fails on NaN, infinities and huge values.
    pub fn from_f64(value: f64) -> Result<Self, AmountError> {
        f64_to_hundredths(value).map(Self)
    }

    /// The quantity as the `f64` sent over the wire.
    pub fn to_f64(self) -> f64 {
        hundredths_to_f64(self.0)
    }

    /// Whether the quantity is above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }
}

/// A VAT rate in basis points: `VatRate::from_percent(25)` is 2500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VatRate(u32);

impl VatRate {
    /// No VAT.
    pub const ZERO: Self = Self(0);
    /// The Danish standard rate, 25 %.
    pub const DANISH: Self = Self(2500);

    /// A whole-percent rate.
    pub const fn from_percent(percent: u32) -> Self {
        Self(percent * 100)
    }

    /// A rate in basis points (hundredths of a percent).
    pub const fn from_basis_points(basis_points: u32) -> Self {
        Self(basis_points)
    }

    /// A rate from a percentage with up to two decimals (`25.0`, `12.5`); `None` for negative,
    /// non-finite or absurd (> 100 %) values.
    pub fn from_percent_f64(percent: f64) -> Option<Self> {
        let hundredths = f64_to_hundredths(percent).ok()?;
        if (0..=10_000).contains(&hundredths) {
            u32::try_from(hundredths).ok().map(Self)
        } else {
            None
        }
    }

    /// The rate in basis points.
    pub const fn basis_points(self) -> u32 {
        self.0
    }

    /// The rate as a percentage (`25.0`), as e-conomic prints `vatRate`.
    pub fn percent(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// Whether the rate is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(100) {
            write!(f, "{} %", self.0 / 100)
        } else {
            write!(f, "{}.{:02} %", self.0 / 100, self.0 % 100)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round(5, 10), 1);
        assert_eq!(div_round(4, 10), 0);
        assert_eq!(div_round(-5, 10), -1);
        assert_eq!(div_round(-4, 10), 0);
        assert_eq!(div_round(15, 10), 2);
        assert_eq!(div_round(25, 10), 3);
    }

    #[test]
    fn worked_vat_examples() {
        // 199.50 incl. 25 % VAT → 159.60 excl.
        let net = Money::from_minor(19_950).excluding_vat(VatRate::DANISH);
        assert_eq!(net, Money::from_minor(15_960));
        assert_eq!(net.vat_at(VatRate::DANISH), Money::from_minor(3_990));
        for (gross, net) in [
            // 99.95 / 1.25 = 79.96 exactly.
            (9_995, 7_996),
            // 10.00 / 1.25 = 8.00; 0.01 / 1.25 = 0.008 → 0.01; 0.06 / 1.25 = 0.048 → 0.05.
            (1_000, 800),
            (1, 1),
            (6, 5),
            // Negative amounts round symmetrically.
            (-6, -5),
        ] {
            assert_eq!(
                Money::from_minor(gross).excluding_vat(VatRate::DANISH),
                Money::from_minor(net),
                "{gross} øre"
            );
        }
        // 0 % leaves the amount alone.
        assert_eq!(
            Money::from_minor(12_345).excluding_vat(VatRate::ZERO),
            Money::from_minor(12_345)
        );
    }

    #[test]
    fn times_and_per_round_to_hundredths() {
        let unit = Money::from_minor(3_333);
        assert_eq!(
            unit.times(Quantity::from_units(3)),
            Some(Money::from_minor(9_999))
        );
        assert_eq!(
            unit.times(Quantity::from_hundredths(150)),
            Some(Money::from_minor(5_000))
        );
        assert_eq!(
            Money::from_major(100).per(Quantity::from_units(3)),
            Some(Money::from_minor(3_333))
        );
        assert_eq!(Money::from_major(1).per(Quantity::from_hundredths(0)), None);
    }

    #[test]
    fn parse_and_display() {
        assert_eq!("199.50".parse::<Money>(), Ok(Money::from_minor(19_950)));
        assert_eq!("199.5".parse::<Money>(), Ok(Money::from_minor(19_950)));
        assert_eq!("-0.05".parse::<Money>(), Ok(Money::from_minor(-5)));
        assert_eq!("7".parse::<Money>(), Ok(Money::from_major(7)));
        assert!(matches!(
            "1.234".parse::<Money>(),
            Err(AmountError::TooManyDecimals(_))
        ));
        for text in ["1.", "abc", ""] {
            assert!(
                matches!(text.parse::<Money>(), Err(AmountError::NotADecimal(_))),
                "{text:?}"
            );
        }
        assert!(matches!(
            "99999999999999".parse::<Money>(),
            Err(AmountError::OutOfRange(_))
        ));
        assert_eq!(Money::from_minor(-5).to_string(), "-0.05");
        assert_eq!(Money::from_minor(15_960).to_string(), "159.60");
        assert_eq!(VatRate::DANISH.to_string(), "25 %");
        assert_eq!(VatRate::from_basis_points(1250).to_string(), "12.50 %");
    }

    #[test]
    fn floats_round_on_their_decimal_digits() {
        assert_eq!(Money::from_f64(1.005), Ok(Money::from_minor(101)));
        assert_eq!(Money::from_f64(159.6), Ok(Money::from_minor(15_960)));
        assert_eq!(Money::from_f64(-0.125), Ok(Money::from_minor(-13)));
        assert_eq!(Money::from_f64(1e-9), Ok(Money::ZERO));
        assert!(Money::from_f64(f64::NAN).is_err());
        assert!(Money::from_f64(1e20).is_err());
        assert_eq!(VatRate::from_percent_f64(25.0), Some(VatRate::DANISH));
        assert_eq!(VatRate::from_percent_f64(-1.0), None);
    }

    #[test]
    fn json_is_a_two_decimal_number() {
        let json = serde_json::to_string(&Money::from_minor(15_960)).expect("serialises");
        assert_eq!(json, "159.6");
        let json = serde_json::to_string(&Money::from_minor(101)).expect("serialises");
        assert_eq!(json, "1.01");
        let back: Money = serde_json::from_str("500.00").expect("parses");
        assert_eq!(back, Money::from_major(500));
        let quantity: Quantity = serde_json::from_str("1.5").expect("parses");
        assert_eq!(quantity, Quantity::from_hundredths(150));
    }
}
