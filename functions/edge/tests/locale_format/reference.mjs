// Node's Intl (ICU4C, full-icu) as the second implementation for
// tests/locale_format.rs: reads {"prices": [...], "plurals": [...]} on
// stdin and answers the same shape on stdout, plus the ICU and CLDR
// versions Node carries so a failure names the skew.
//
// Amounts are passed as strings: Intl.NumberFormat formats a string as an
// exact decimal (ECMA-402 NumberFormat v3), so no case goes through a
// binary float on this side either.
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { prices, plurals } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const numberFormats = new Map();
const priceAnswers = prices.map(({ locale, currency, amount }) => {
  const key = `${locale} ${currency}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: "currency", currency });
    numberFormats.set(key, format);
  }
  return format.format(amount);
});

const pluralRules = new Map();
const pluralAnswers = plurals.map(({ locale, n }) => {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  return { category: rules.select(Number(n)), categories: rules.resolvedOptions().pluralCategories };
});

process.stdout.write(
  JSON.stringify({
    icu: process.versions.icu,
    cldr: process.versions.cldr,
    prices: priceAnswers,
    plurals: pluralAnswers,
  }),
);
