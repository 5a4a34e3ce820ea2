// IAB's GPP library as the reference for tests/gpp.rs: reads
// {"cases": [{"sections": {name: {field: value}}}]} on stdin, encodes each
// case with the reference encoder, decodes the string again with a fresh
// model and answers [{"string", "section_ids", "sections": {name: fields}}],
// every field as the reference decoder reads it (or {"error"}).
import { GppModel } from "@iabgpp/cmpapi";

const input = JSON.parse(await new Promise((done) => {
  let text = "";
  process.stdin.on("data", (c) => (text += c));
  process.stdin.on("end", () => done(text));
}));

function answer(c) {
  if (c.decode !== undefined) {
    return read(c.decode);
  }
  const model = new GppModel();
  for (const [section, fields] of Object.entries(c.sections)) {
    for (const [field, value] of Object.entries(fields)) {
      const v = field === "Created" || field === "LastUpdated" ? new Date(value) : value;
      model.setFieldValue(section, field, v);
    }
  }
  return read(model.encode());
}

function read(string) {
  try {
    const model = new GppModel(string);
    const sections = {};
    const objects = model.toObject();
    for (const [name, obj] of Object.entries(objects)) {
      sections[name] = {};
      for (const [field, value] of Object.entries(obj)) {
        sections[name][field] = value instanceof Date ? value.getTime() : value;
      }
      // Not in toObject(): whether the string carried a GPC segment.
      try {
        sections[name].GpcSegmentIncluded = model.getFieldValue(name, "GpcSegmentIncluded");
      } catch {
        // The section has no GPC segment.
      }
    }
    return { string, section_ids: model.getSectionIds(), sections };
  } catch (e) {
    return { string, error: String(e && e.message ? e.message : e) };
  }
}

process.stdout.write(JSON.stringify(input.cases.map(answer)));
