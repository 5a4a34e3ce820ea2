//! Prices and plural categories in the shopper's locale, by ICU4X.
//!
//! Amounts arrive as data ([`Money`]: an exact decimal and an ISO 4217
//! code); this module is the only place that turns them into text. Locale
//! data is baked into `data/` by `functions/edge/tools/icu-data.sh` from
//! CLDR for exactly the languages the market packs ship ([`SHIPPED`]), so
//! components carry no other locale. A locale outside that list goes
//! through the packs' own fallback ([`crate::policy::locale::pick_tag`]),
//! the same one labels and copy use.
//!
//! Building a [`LocaleFormat`] or a [`PriceFormat`] borrows the baked data
//! (nothing is parsed or copied), so a page builds one per render; both are
//! immutable and may also be kept for an instance's life.

pub mod money;

pub use icu_plurals::PluralCategory;
pub use money::{Amount, CurrencyCode, Money, MoneyError};

use fixed_decimal::{Decimal, SignedRoundingMode, UnsignedRoundingMode};
use icu_decimal::{DecimalFormatter, DecimalFormatterPreferences};
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::{
    CurrencyFormatter, CurrencyFormatterPreferences,
};
use icu_experimental::dimension::provider::currency::fractions::CurrencyFractionsV1;
use icu_locale_core::Locale;
use icu_plurals::{PluralRules, PluralRulesPreferences};
use icu_provider::prelude::*;

use crate::policy::locale::pick_tag;

mod data;
pub use data::SHIPPED;

/// Why a formatter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The tag does not parse as a locale at all.
    #[error("{0:?} is not a locale")]
    Locale(String),
    /// The baked data lacks what the formatter needs: the data is out of
    /// date with the packs (`tools/icu-data.sh --check` says so).
    #[error("no {what} data for {locale}: {source}")]
    Data {
        what: &'static str,
        locale: &'static str,
        #[source]
        source: DataError,
    },
}

/// The locale whose data formats for `locale`: `locale` itself when it is
/// shipped, else the packs' fallback (`de-AT` → `de-DE`, `ko` → `en`).
pub fn data_locale(locale: &str) -> Option<&'static str> {
    pick_tag(SHIPPED, locale)
}

/// Formatting for one locale.
#[derive(Debug)]
pub struct LocaleFormat {
    /// The shipped tag whose data is used.
    locale: &'static str,
    parsed: Locale,
    plurals: PluralRules,
}

impl LocaleFormat {
    pub fn new(locale: &str) -> Result<LocaleFormat, FormatError> {
        let tag = data_locale(locale).ok_or_else(|| FormatError::Locale(locale.to_owned()))?;
        let parsed = Locale::try_from_str(tag).map_err(|_| FormatError::Locale(tag.to_owned()))?;
        let plurals = PluralRules::try_new_cardinal_unstable(
            &data::Baked,
            PluralRulesPreferences::from(&parsed),
        )
        .map_err(|source| FormatError::Data {
            what: "plural rules",
            locale: tag,
            source,
        })?;
        Ok(LocaleFormat {
            locale: tag,
            parsed,
            plurals,
        })
    }

    /// The shipped tag whose data formats (may differ from the one asked).
    pub fn locale(&self) -> &'static str {
        self.locale
    }

    /// A formatter for amounts in `currency` (its symbol, pattern, minor
    /// unit and rounding as CLDR has them for this locale).
    pub fn prices(&self, currency: CurrencyCode) -> Result<PriceFormat, FormatError> {
        let data_error = |source| FormatError::Data {
            what: "currency",
            locale: self.locale,
            source,
        };
        let code = CurrencyType::try_from_str(currency.as_str())
            .map_err(|_| data_error(DataErrorKind::InvalidRequest.into_error()))?;
        let inner = CurrencyFormatter::try_new_symbol_unstable(
            &data::Baked,
            CurrencyFormatterPreferences::from(&self.parsed),
            code,
            Default::default(),
        )
        .map_err(data_error)?;
        Ok(PriceFormat { currency, inner })
    }

    /// `money` as a shopper of this locale reads it (`189,00 €` in de-DE).
    pub fn price(&self, money: &Money) -> Result<String, FormatError> {
        Ok(self.prices(money.currency())?.format(money))
    }

    /// The cardinal plural category of `n` (`one`, `few`, `other`, ...),
    /// for choosing a count label's message.
    pub fn plural(&self, n: &Amount) -> PluralCategory {
        self.plurals.category_for(&to_decimal(n))
    }

    /// The categories this locale's cardinal rules distinguish.
    pub fn plural_categories(&self) -> impl Iterator<Item = PluralCategory> + '_ {
        self.plurals.categories()
    }
}

/// Formats amounts of one currency in one locale.
#[derive(Debug)]
pub struct PriceFormat {
    currency: CurrencyCode,
    inner: CurrencyFormatter<DecimalFormatter>,
}

impl PriceFormat {
    pub fn currency(&self) -> CurrencyCode {
        self.currency
    }

    /// `money` in this formatter's currency; another currency's amount is
    /// formatted with that currency's own formatter (never relabelled).
    pub fn format(&self, money: &Money) -> String {
        self.format_amount(&money.amount())
    }

    /// Any decimal in this currency, rounded to its minor unit half away
    /// from zero (as ECMA-402's `Intl.NumberFormat` does).
    pub fn format_amount(&self, amount: &Amount) -> String {
        self.inner
            .format_fixed_decimal(&to_decimal(amount))
            .to_string()
    }
}

fn to_decimal(amount: &Amount) -> Decimal {
    let (units, scale) = amount.parts();
    let mut decimal = Decimal::from(units);
    decimal.multiply_pow10(-i16::from(scale));
    decimal
}

/// `n` as a plain number in `locale` (its grouping, separators and
/// digits; at most three decimals, rounded half away from zero, like
/// `Intl.NumberFormat`'s default): counts inside messages. `None` for a
/// locale without data or a number that is not finite.
pub fn format_number(locale: &str, n: f64) -> Option<String> {
    let tag = data_locale(locale)?;
    let parsed = Locale::try_from_str(tag).ok()?;
    let formatter = DecimalFormatter::try_new_unstable(
        &data::Baked,
        DecimalFormatterPreferences::from(&parsed),
        Default::default(),
    )
    .ok()?;
    let mut decimal = Decimal::try_from_str(&format!("{n}")).ok()?;
    decimal.round_with_mode(
        -3,
        SignedRoundingMode::Unsigned(UnsignedRoundingMode::HalfExpand),
    );
    decimal.trim_end();
    Some(formatter.format(&decimal).to_string())
}

/// The minor unit of `currency` in decimals, from CLDR `currencyData`
/// (`DEFAULT`: 2 for codes CLDR does not list).
pub fn fraction_digits(currency: CurrencyCode) -> u8 {
    let Ok(code) = CurrencyType::try_from_str(currency.as_str()) else {
        return 2;
    };
    DataProvider::<CurrencyFractionsV1>::load(&data::Baked, Default::default())
        .map(|r| r.payload.get().resolve(code).digits)
        .unwrap_or(2)
}

#[cfg(test)]
mod tests;
