// The GPP strings of tests/scenarios/market/gpp.toml, made with IAB's
// reference encoder (@iabgpp/cmpapi, pinned in package.json):
// `node scenarios.mjs` prints {label: string}.
import { GppModel } from "@iabgpp/cmpapi";

const did = 2; // "did not opt out" / "consent" / notice given = 1
const fill = (n, v) => Array.from({ length: n }, () => v);

// Every notice given, no opt-out, covered by the MSPA.
const usnat = (fields, version = 2) => ({
  Version: version,
  SharingNotice: 1, SaleOptOutNotice: 1, SharingOptOutNotice: 1,
  TargetedAdvertisingOptOutNotice: 1, SensitiveDataProcessingOptOutNotice: 1,
  SensitiveDataLimitUseNotice: 1, SaleOptOut: did, SharingOptOut: did,
  TargetedAdvertisingOptOut: did, SensitiveDataProcessing: fill(16, did),
  KnownChildSensitiveDataConsents: fill(3, 0), PersonalDataConsents: 0,
  MspaCoveredTransaction: 1, ...fields,
});
const usca = (fields) => ({
  SaleOptOutNotice: 1, SharingOptOutNotice: 1, SensitiveDataLimitUseNotice: 1,
  SaleOptOut: did, SharingOptOut: did, SensitiveDataProcessing: fill(9, did),
  PersonalDataConsents: 0, MspaCoveredTransaction: 1, ...fields,
});
const usco = (fields) => ({
  SharingNotice: 1, SaleOptOutNotice: 1, TargetedAdvertisingOptOutNotice: 1,
  SaleOptOut: did, TargetedAdvertisingOptOut: did, MspaCoveredTransaction: 1, ...fields,
});
const usva = usco;
const ustx = (fields) => ({
  ProcessingNotice: 1, SaleOptOutNotice: 1, TargetedAdvertisingOptOutNotice: 1,
  SaleOptOut: did, TargetedAdvertisingOptOut: did, AdditionalDataProcessingConsent: 0,
  MspaCoveredTransaction: 1, ...fields,
});
const purposes = (ids) => Array.from({ length: 24 }, (_, i) => ids.includes(i + 1));
const tcfeuv2 = (consent, vendors) => ({
  CmpId: 300, CmpVersion: 1, VendorListVersion: 100, PolicyVersion: 5,
  PublisherCountryCode: "DE", PurposeConsents: purposes(consent), VendorConsents: vendors,
});
const gpc = { GpcSegmentIncluded: true, Gpc: true };

const strings = {
  nat_sale_out: { usnat: usnat({ SaleOptOut: 1 }) },
  nat_sharing_out: { usnat: usnat({ SharingOptOut: 1 }) },
  nat_targeted_out: { usnat: usnat({ TargetedAdvertisingOptOut: 1 }) },
  nat_personal_no_consent: { usnat: usnat({ PersonalDataConsents: 1 }) },
  nat_clean: { usnat: usnat({}) },
  nat_v1_sale_out: { usnat: usnat({ SaleOptOut: 1 }, 1) },
  nat_v1_clean: { usnat: usnat({}, 1) },
  nat_gpc: { usnat: usnat(gpc) },
  // SensitiveDataProcessing category 7 (biometric) = 1: opted out.
  nat_biometric_refused: { usnat: usnat({ SensitiveDataProcessing: [2, 2, 2, 2, 2, 2, 1, ...fill(9, 2)] }) },
  ca_sale_out: { usca: usca({ SaleOptOut: 1 }) },
  ca_sharing_out: { usca: usca({ SharingOptOut: 1 }) },
  ca_clean: { usca: usca({}) },
  ca_gpc: { usca: usca(gpc) },
  ca_personal_no_consent: { usca: usca({ PersonalDataConsents: 1 }) },
  ca_clean_nat_sale_out: { usnat: usnat({ SaleOptOut: 1 }), usca: usca({}) },
  ca_sale_out_nat_clean: { usnat: usnat({}), usca: usca({ SaleOptOut: 1 }) },
  co_targeted_out: { usco: usco({ TargetedAdvertisingOptOut: 1 }) },
  co_clean: { usco: usco({}) },
  co_gpc: { usco: usco(gpc) },
  va_sale_out: { usva: usva({ SaleOptOut: 1 }) },
  va_clean: { usva: usva({}) },
  tx_sale_out: { ustx: ustx({ SaleOptOut: 1 }) },
  tx_clean: { ustx: ustx({}) },
  tx_additional_no_consent: { ustx: ustx({ AdditionalDataProcessingConsent: 1 }) },
  tx_gpc: { ustx: ustx(gpc) },
  tcf_granted: { tcfeuv2: tcfeuv2([1, 5, 6], [4040]) },
  tcf_purpose_5_missing: { tcfeuv2: tcfeuv2([1, 6], [4040]) },
  tcf_vendor_missing: { tcfeuv2: tcfeuv2([1, 5, 6], [1, 2, 3]) },
  tcf_granted_nat_clean: { tcfeuv2: tcfeuv2([1, 5, 6], [4040]), usnat: usnat({}) },
};

const out = {};
for (const [label, sections] of Object.entries(strings)) {
  const model = new GppModel();
  for (const [section, fields] of Object.entries(sections)) {
    for (const [field, value] of Object.entries(fields)) {
      model.setFieldValue(section, field, value);
    }
  }
  out[label] = model.encode();
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
