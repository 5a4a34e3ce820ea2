//! Amounts of money as data: a decimal amount (an integer and a scale,
//! never a float) and an ISO 4217 code. Catalogs and origins carry these;
//! only [`super::LocaleFormat`] turns them into text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::fraction_digits;

/// Digits an amount may have in all (integer and fraction): 18 keeps every
/// amount exact in an `i128` and in the formatter's decimal, and is far
/// beyond any price.
pub const MAX_AMOUNT_DIGITS: usize = 18;

/// Why an amount or a currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount is empty")]
    Empty,
    /// Not `-?digits[.digits]`: no exponent, sign `+`, separators, spaces.
    #[error("amount {0:?} is not a plain decimal (digits, an optional '.' and fraction)")]
    Malformed(String),
    #[error("amount {0:?} has leading zeros")]
    LeadingZeros(String),
    #[error("amount {0:?} has more than {MAX_AMOUNT_DIGITS} digits")]
    TooLong(String),
    /// More fraction digits than the currency's minor unit (ISO 4217 /
    /// CLDR `currencyData`): `189.999` EUR, `23800.5` JPY.
    #[error("amount {amount:?} has more than {digits} decimals, the minor unit of {currency}")]
    TooPrecise {
        amount: String,
        currency: String,
        digits: u8,
    },
    #[error("currency {0:?} is not an ISO 4217 code (three upper-case letters)")]
    Currency(String),
    /// Prices are what a shopper pays; a negative one is a data error.
    #[error("price {0:?} is negative")]
    Negative(String),
}

/// An ISO 4217 alphabetic code, upper case (`EUR`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CurrencyCode([u8; 3]);

impl CurrencyCode {
    pub fn parse(code: &str) -> Result<CurrencyCode, MoneyError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => {
                Ok(CurrencyCode([a, b, c]))
            }
            _ => Err(MoneyError::Currency(code.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Three ASCII upper-case letters, checked in `parse`.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// The currency's minor unit in decimals (2 for EUR, 0 for JPY), from
    /// the same CLDR data the formatter rounds with.
    pub fn minor_digits(&self) -> u8 {
        fraction_digits(*self)
    }
}

impl fmt::Debug for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CurrencyCode {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CurrencyCode::parse(s)
    }
}

/// An exact decimal: `units × 10^-scale` (`1234.5` is 12345, scale 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount {
    units: i128,
    scale: u8,
}

impl Amount {
    /// The integer and the number of decimals it is scaled by.
    pub fn parts(&self) -> (i128, u8) {
        (self.units, self.scale)
    }

    pub fn is_negative(&self) -> bool {
        self.units < 0
    }

    /// The decimals as written (`189.50` has 2).
    pub fn scale(&self) -> u8 {
        self.scale
    }

    /// The same value written with `scale` decimals; `None` if that would
    /// drop digits or overflow.
    pub fn rescaled(&self, scale: u8) -> Option<Amount> {
        if scale < self.scale {
            return None;
        }
        let factor = 10i128.checked_pow(u32::from(scale - self.scale))?;
        Some(Amount {
            units: self.units.checked_mul(factor)?,
            scale,
        })
    }
}

impl FromStr for Amount {
    type Err = MoneyError;

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, at most [`MAX_AMOUNT_DIGITS`] digits.
    fn from_str(text: &str) -> Result<Amount, MoneyError> {
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        let malformed = || MoneyError::Malformed(text.to_owned());
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = match unsigned.split_once('.') {
            Some((int, frac)) => {
                if frac.is_empty() {
                    return Err(malformed());
                }
                (int, frac)
            }
            None => (unsigned, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || !(frac.is_empty() || digits(frac)) {
            return Err(malformed());
        }
        if int.len() > 1 && int.starts_with('0') {
            return Err(MoneyError::LeadingZeros(text.to_owned()));
        }
        if int.len() + frac.len() > MAX_AMOUNT_DIGITS {
            return Err(MoneyError::TooLong(text.to_owned()));
        }
        // At most 18 ASCII digits: no overflow in i128.
        let mut units: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            units = units * 10 + i128::from(b - b'0');
        }
        Ok(Amount {
            units: if negative { -units } else { units },
            scale: u8::try_from(frac.len()).map_err(|_| malformed())?,
        })
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.units < 0 { "-" } else { "" };
        let magnitude = self.units.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{sign}{magnitude}");
        }
        let digits = format!("{magnitude:0>width$}", width = usize::from(self.scale) + 1);
        let (int, frac) = digits.split_at(digits.len() - usize::from(self.scale));
        write!(f, "{sign}{int}.{frac}")
    }
}

/// An amount in a currency, with no more decimals than the currency's
/// minor unit; written with exactly that many (`145.00` EUR, `23800` JPY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Amount,
    currency: CurrencyCode,
}

impl Money {
    pub fn new(amount: Amount, currency: CurrencyCode) -> Result<Money, MoneyError> {
        let digits = currency.minor_digits();
        let amount = amount
            .rescaled(digits)
            .ok_or_else(|| MoneyError::TooPrecise {
                amount: amount.to_string(),
                currency: currency.to_string(),
                digits,
            })?;
        Ok(Money { amount, currency })
    }

    /// `Money::parse("189", "EUR")`.
    pub fn parse(amount: &str, currency: &str) -> Result<Money, MoneyError> {
        Money::new(amount.parse()?, CurrencyCode::parse(currency)?)
    }

    /// As [`Money::parse`], refusing negative amounts (prices).
    pub fn price(amount: &str, currency: &str) -> Result<Money, MoneyError> {
        let money = Money::parse(amount, currency)?;
        if money.amount.is_negative() {
            return Err(MoneyError::Negative(amount.to_owned()));
        }
        Ok(money)
    }

    pub fn amount(&self) -> Amount {
        self.amount
    }

    pub fn currency(&self) -> CurrencyCode {
        self.currency
    }
}

/// On the wire: `{"amount": "145.00", "currency": "EUR"}`; the amount is a
/// string so no JSON reader turns it into a float.
#[derive(Serialize, Deserialize)]
struct MoneyWire {
    amount: String,
    currency: String,
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MoneyWire {
            amount: self.amount.to_string(),
            currency: self.currency.to_string(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let wire = MoneyWire::deserialize(deserializer)?;
        Money::parse(&wire.amount, &wire.currency).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(s: &str) -> Result<(i128, u8), MoneyError> {
        s.parse::<Amount>().map(|a| a.parts())
    }

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(amount("0"), Ok((0, 0)));
        assert_eq!(amount("189"), Ok((189, 0)));
        assert_eq!(amount("1234.5"), Ok((12345, 1)));
        assert_eq!(amount("0.05"), Ok((5, 2)));
        assert_eq!(amount("-12.30"), Ok((-1230, 2)));
        assert_eq!(amount("1234567.891"), Ok((1_234_567_891, 3)));
        assert_eq!(
            amount("999999999999999999"),
            Ok((999_999_999_999_999_999, 0))
        );
    }

    #[test]
    fn malformed_amounts_are_refused() {
        for bad in [
            "€ 189", "1,234.50", "1 234", "1e3", "+5", " 5", "5 ", ".5", "5.", "-", "--1", "1.2.3",
            "0x10", "NaN", "inf", "١٢", "5-",
        ] {
            assert!(
                matches!(amount(bad), Err(MoneyError::Malformed(_))),
                "{bad:?}: {:?}",
                amount(bad)
            );
        }
        assert_eq!(amount(""), Err(MoneyError::Empty));
        assert!(matches!(amount("007"), Err(MoneyError::LeadingZeros(_))));
        assert!(matches!(
            amount("1234567890123456789"),
            Err(MoneyError::TooLong(_))
        ));
    }

    #[test]
    fn money_keeps_the_currencys_minor_unit() {
        let eur = Money::parse("189", "EUR").expect("EUR");
        assert_eq!(eur.amount().to_string(), "189.00");
        assert_eq!(eur.amount().parts(), (18900, 2));
        assert_eq!(
            Money::parse("0.5", "USD").map(|m| m.amount().to_string()),
            Ok("0.50".into())
        );
        let jpy = Money::parse("23800", "JPY").expect("JPY");
        assert_eq!(jpy.amount().to_string(), "23800");
        assert!(matches!(
            Money::parse("23800.5", "JPY"),
            Err(MoneyError::TooPrecise { digits: 0, .. })
        ));
        assert!(matches!(
            Money::parse("189.999", "EUR"),
            Err(MoneyError::TooPrecise { digits: 2, .. })
        ));
        for code in ["eur", "EU", "EURO", "E1R", "", "€"] {
            assert_eq!(
                Money::parse("1", code),
                Err(MoneyError::Currency(code.into()))
            );
        }
        assert_eq!(
            Money::price("-1", "EUR"),
            Err(MoneyError::Negative("-1".into()))
        );
        assert_eq!(
            Money::parse("-0.5", "EUR").map(|m| m.amount().to_string()),
            Ok("-0.50".into())
        );
    }

    #[test]
    fn money_round_trips_as_json_with_a_string_amount() {
        let m = Money::parse("1234.5", "EUR").expect("EUR");
        let json = serde_json::to_string(&m).expect("serializes");
        assert_eq!(json, r#"{"amount":"1234.50","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).expect("parses"), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"€ 5","currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":5,"currency":"EUR"}"#).is_err());
    }
}
