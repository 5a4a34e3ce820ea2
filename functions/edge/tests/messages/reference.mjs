// Formats Meridian's message files with @fluent/bundle, Project Fluent's
// JavaScript implementation (plurals by Intl.PluralRules and numbers by
// Intl.NumberFormat: ICU4C), for tests/messages.rs. COUNT(), the plural
// selector Meridian registers, is Intl.PluralRules' category here.
// stdin: {"files": {lang: ftl}, "cases": [{"lang", "locale", "id", "args"}]}
// stdout: [{"value", "errors"}], one per case.
import { FluentBundle, FluentResource } from '@fluent/bundle';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { files, cases } = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const bundles = new Map();
function bundle(lang, locale) {
  const key = `${lang} ${locale}`;
  if (!bundles.has(key)) {
    // COUNT(): Meridian's plural selector, here by Intl.PluralRules.
    const rules = new Intl.PluralRules(locale);
    const COUNT = ([n]) => rules.select(n.valueOf());
    const b = new FluentBundle(locale, { functions: { COUNT } });
    const errors = b.addResource(new FluentResource(files[lang]));
    if (errors.length) throw new Error(`${lang}.ftl: ${errors.join('; ')}`);
    bundles.set(key, b);
  }
  return bundles.get(key);
}

const answers = cases.map(({ lang, locale, id, args }) => {
  const b = bundle(lang, locale);
  const message = b.getMessage(id);
  if (!message || !message.value) return { value: null, errors: [`no message ${id}`] };
  const errors = [];
  const value = b.formatPattern(message.value, args, errors);
  return { value, errors: errors.map(String) };
});
process.stdout.write(JSON.stringify(answers));
