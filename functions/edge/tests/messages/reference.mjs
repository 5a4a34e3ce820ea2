// Formats Meridian's message files with @fluent/bundle, Project Fluent's
// JavaScript implementation (plurals by Intl.PluralRules and numbers by
// Intl.NumberFormat: ICU4C), for tests/messages.rs. COUNT(), the plural
// selector Meridian registers, is Intl.PluralRules' category here.
// stdin: {"files": {tag: ftl}, "cases": [{"layers", "locale", "id", "args"}]}
// where `layers` lists the files a case reads, most general first (pt-PT.ftl
// over pt.ftl: the later file's messages override).
// stdout: [{"value", "errors"}], one per case.
import { FluentBundle, FluentResource } from '@fluent/bundle';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { files, cases } = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const bundles = new Map();
function bundle(layers, locale) {
  const key = `${layers.join('+')} ${locale}`;
  if (!bundles.has(key)) {
    // COUNT(): Meridian's plural selector, here by Intl.PluralRules.
    const rules = new Intl.PluralRules(locale);
    const COUNT = ([n]) => rules.select(n.valueOf());
    const b = new FluentBundle(locale, { functions: { COUNT } });
    for (const [i, tag] of layers.entries()) {
      const errors = b.addResource(new FluentResource(files[tag]), { allowOverrides: i > 0 });
      if (errors.length) throw new Error(`${tag}.ftl: ${errors.join('; ')}`);
    }
    bundles.set(key, b);
  }
  return bundles.get(key);
}

const answers = cases.map(({ layers, locale, id, args }) => {
  const b = bundle(layers, locale);
  const message = b.getMessage(id);
  if (!message || !message.value) return { value: null, errors: [`no message ${id}`] };
  const errors = [];
  const value = b.formatPattern(message.value, args, errors);
  return { value, errors: errors.map(String) };
});
process.stdout.write(JSON.stringify(answers));
