// The file panel: what VirusTotal knows of the file itself (the brief's `file_context`, from
// `GET /files/{id}`), its fuzzy hashes, and the next steps when behaviour data is missing.

import { copyButton, h } from "./dom.js";

function day(epoch) {
  return typeof epoch === "number" ? new Date(epoch * 1000).toISOString().slice(0, 10) : null;
}

function row(label, value, { code = false } = {}) {
  if (value === null || value === undefined || value === "") return null;
  const shown = code ? h("code", { class: "hash", text: value }) : h("span", { text: value });
  return [h("dt", { text: label }), h("dd", {}, shown, code ? copyButton(String(value), label) : null)];
}

/** The file facts as a definition list, or null when the brief has none. */
export function renderFileFacts(brief) {
  const context = brief.file_context;
  const file = brief.file || {};
  const rows = [];
  if (context) {
    const stats = context.detections || {};
    const ratio = context.ratio
      ? `${context.ratio} engines flag it malicious${stats.suspicious ? `, ${stats.suspicious} suspicious` : ""}`
      : null;
    const signature = context.signature || {};
    const signed = signature.verified && signature.signers ? `${signature.verified} (${signature.signers})` : signature.verified;
    rows.push(
      row("Detections", ratio),
      row("Threat label", context.threat_label),
      row("Threat categories", (context.threat_categories || []).join(", ")),
      row("Type", context.type_description),
      row("Size", typeof context.size === "number" ? `${context.size.toLocaleString("en")} bytes` : null),
      row("Names", (context.names || []).slice(0, 6).join(", ")),
      row("First seen", day(context.first_seen)),
      row("Last seen", day(context.last_seen)),
      row("Signature", signed),
      row("Crowdsourced YARA", (context.yara_rules || []).join(", ")),
      row("Crowdsourced Sigma", (context.sigma_rules || []).join(", ")),
    );
  }
  rows.push(row("imphash", file.imphash, { code: true }), row("ssdeep", file.ssdeep, { code: true }),
    row("TLSH", file.tlsh, { code: true }), row("vhash", file.vhash, { code: true }));
  const shown = rows.filter(Boolean);
  return shown.length ? h("dl", { class: "hashes file-facts" }, ...shown) : null;
}

/** The brief's next steps (e.g. the re-analysis request), or null. */
export function renderNextSteps(brief) {
  const steps = brief.next_steps || [];
  if (!steps.length) return null;
  return h("div", { class: "next-steps" }, h("p", { class: "next-steps-title", text: "Next steps" }),
    h("ul", {}, ...steps.map((step) => h("li", { text: step }))));
}
