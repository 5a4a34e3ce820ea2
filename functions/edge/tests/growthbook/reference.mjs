// The GrowthBook JS SDK's answers for the cases tests/growthbook.rs
// generates: reads {"cases": [...]} on stdin, writes one answer per case
// as a JSON array on stdout.
//
// The SDK's package "exports" expose only evalCondition,
// paddedVersionString and the GrowthBook class (requiring
// dist/cjs/util.js fails with ERR_PACKAGE_PATH_NOT_EXPORTED), so hashes,
// bucket ranges and namespaces are observed through GrowthBook.run.
import { GrowthBook, evalCondition, paddedVersionString } from "@growthbook/growthbook";

// The SDK logs invalid weights and coverage; the cases make them on purpose.
console.error = () => {};
console.log = () => {};

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { cases } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

// A sticky bucket service that keeps nothing itself: the documents live in
// the options object the SDK updates in place.
class MemoryStickyBuckets {
  async getAssignments() {
    return null;
  }
  async saveAssignments() {}
  async getAllAssignments() {
    return {};
  }
}

function growthbook(c) {
  const options = { attributes: c.attributes || {} };
  if (c.sticky) {
    options.stickyBucketService = new MemoryStickyBuckets();
    options.stickyBucketAssignmentDocs = c.sticky;
  }
  const gb = new GrowthBook(options);
  gb.initSync({
    payload: { features: c.features || {}, savedGroups: c.savedGroups || {} },
  });
  return gb;
}

function experimentResult(r) {
  const out = {
    inExperiment: r.inExperiment,
    variationId: r.variationId,
    key: r.key,
    value: r.value === undefined ? null : r.value,
    hashAttribute: r.hashAttribute,
    hashValue: r.hashValue,
    hashUsed: r.hashUsed,
    stickyBucketUsed: r.stickyBucketUsed,
    featureId: r.featureId,
  };
  if (r.bucket !== undefined) out.bucket = r.bucket;
  if (r.name !== undefined) out.name = r.name;
  if (r.passthrough) out.passthrough = true;
  return out;
}

function answer(c) {
  switch (c.kind) {
    case "condition":
      return evalCondition(c.attributes, c.condition, c.savedGroups || {});
    case "version":
      return paddedVersionString(c.input);
    case "run": {
      const gb = growthbook(c);
      const result = experimentResult(gb.run(c.experiment));
      return { result, sticky: c.sticky ? gb.getStickyBucketAssignmentDocs() : null };
    }
    case "feature": {
      const gb = growthbook(c);
      const results = c.keys.map((key) => {
        const r = gb.evalFeature(key);
        const out = { value: r.value, on: r.on, off: r.off, source: r.source, ruleId: r.ruleId };
        if (r.experimentResult) out.experimentResult = experimentResult(r.experimentResult);
        return out;
      });
      return { results, sticky: c.sticky ? gb.getStickyBucketAssignmentDocs() : null };
    }
    default:
      throw new Error(`unknown case kind ${c.kind}`);
  }
}

// An SDK exception is an answer too: the test reports it rather than hangs.
const answers = cases.map((c) => {
  try {
    return answer(c);
  } catch (e) {
    return { thrown: String(e) };
  }
});
process.stdout.write(JSON.stringify(answers));
