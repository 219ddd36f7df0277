// The top of an investigation: the overall verdict, each sandbox's verdict with its confidence,
// and the sandboxes compared side by side.

import { empty, formatEpoch, h } from "./dom.js";
import { severityBadge, severityOf, severityRank } from "./matrix.js";

const ARTEFACT_KINDS = [
  ["pcap", "has_pcap", "pcap"],
  ["evtx", "has_evtx", "evtx"],
  ["memdump", "has_memdump", "memdump"],
  ["html", "has_html_report", "HTML report"],
];

export function list(value) {
  return Array.isArray(value) ? value : [];
}

/** The items of a capped list of the brief ({total, truncated, items}) or a plain array. */
export function capped(value) {
  if (Array.isArray(value)) return { items: value, total: value.length, truncated: false };
  if (value && typeof value === "object") {
    const items = list(value.items);
    const total = Number.isFinite(value.total) ? value.total : items.length;
    return { items, total, truncated: Boolean(value.truncated) || total > items.length };
  }
  return { items: [], total: 0, truncated: false };
}

/** Which artefacts a sandbox run has: [{kind, label, path}] (path as the brief gives it). */
export function artefactsOf(run) {
  const artefacts = run && typeof run.artefacts === "object" && run.artefacts ? run.artefacts : {};
  const paths = artefacts.paths && typeof artefacts.paths === "object" ? artefacts.paths : {};
  return ARTEFACT_KINDS.filter(([kind, flag]) => artefacts[flag] || paths[kind]).map(([kind, , label]) => ({
    kind,
    label,
    path: typeof paths[kind] === "string" ? paths[kind] : null,
  }));
}

function verdictClass(value) {
  const word = String(value || "unknown").toLowerCase();
  if (/malic|malware|trojan/.test(word)) return "verdict-malicious";
  if (/suspic/.test(word)) return "verdict-suspicious";
  if (/clean|harmless|benign/.test(word)) return "verdict-clean";
  return "verdict-unknown";
}

function verdictWords(run) {
  const verdicts = list(run.verdicts).map(String);
  return verdicts.length ? verdicts.join(", ") : "no verdict";
}

function confidenceText(value) {
  return Number.isFinite(value) ? `${value}% confidence` : "confidence not stated";
}

/** The overall verdict and the per-sandbox verdicts. */
export function renderVerdicts(brief) {
  const verdict = brief.verdict && typeof brief.verdict === "object" ? brief.verdict : {};
  const reasons = list(verdict.reasons);
  const runs = list(brief.sandboxes);
  return [
    h(
      "div",
      { class: "verdict-head" },
      h("p", { class: `verdict ${verdictClass(verdict.value)}` }, String(verdict.value || "unknown")),
      h(
        "div",
        { class: "verdict-facts" },
        verdict.severity ? h("p", {}, "Highest severity ", severityBadge(verdict.severity)) : null,
        list(verdict.labels).length ? h("p", { class: "untrusted", text: `Labels: ${list(verdict.labels).join(", ")}` }) : null,
        Number.isFinite(verdict.confidence) ? h("p", { text: confidenceText(verdict.confidence) }) : null,
      ),
    ),
    reasons.length ? h("ul", { class: "reasons" }, reasons.map((r) => h("li", { text: r }))) : null,
    runs.length === 0
      ? empty("No sandbox has analysed this file.")
      : h(
          "ul",
          { class: "sandbox-verdicts", attrs: { "aria-label": "Verdict of each sandbox" } },
          runs.map((run) =>
            h(
              "li",
              { class: `sandbox-verdict ${verdictClass(list(run.verdicts)[0])}` },
              h("span", { class: "sandbox-name", text: run.name }),
              h("span", { class: "sandbox-verdict-value", text: verdictWords(run) }),
              h("span", { class: "confidence", text: confidenceText(run.confidence) }),
              list(run.labels).length ? h("span", { class: "labels untrusted", text: list(run.labels).join(", ") }) : null,
            ),
          ),
        ),
  ];
}

function countFor(items, sandbox) {
  return items.filter((item) => list(item.sandboxes).includes(sandbox)).length;
}

/** Facts about one sandbox run, counted from the brief's (possibly capped) lists. */
function factsOf(brief, run) {
  const techniques = list(brief.techniques).filter((t) => list(t.sandboxes).includes(run.name));
  const highest = techniques.reduce((best, t) => (severityRank(t.severity) > severityRank(best) ? t.severity : best), "unknown");
  const indicators = brief.indicators || {};
  const detections = brief.detections || {};
  const hits = ["signatures", "sigma", "ids"].reduce((sum, key) => sum + countFor(capped(detections[key]).items, run.name), 0);
  return {
    techniques: techniques.length,
    highest: techniques.length ? severityOf(highest) : null,
    domains: countFor(capped(indicators.domains).items, run.name),
    ips: countFor(capped(indicators.ips).items, run.name),
    urls: countFor(capped(indicators.urls).items, run.name),
    files: countFor(capped(indicators.files).items, run.name),
    hits,
  };
}

/** The sandboxes side by side: one column per sandbox, one row per fact. */
export function renderComparison(brief) {
  const runs = list(brief.sandboxes);
  if (runs.length === 0) return [empty("Nothing to compare: no sandbox report.")];
  const facts = runs.map((run) => factsOf(brief, run));
  const indicators = brief.indicators || {};
  const anyCapped = ["domains", "ips", "urls", "files"].some((k) => capped(indicators[k]).truncated);
  const rows = [
    ["Verdict", (run) => h("span", { class: `verdict-chip ${verdictClass(list(run.verdicts)[0])}`, text: verdictWords(run) })],
    ["Confidence", (run) => (Number.isFinite(run.confidence) ? `${run.confidence}%` : "—")],
    ["Analysed", (run) => formatEpoch(run.analysis_date) || "—"],
    ["Behaviour data", (run) => (run.has_behaviour === false ? "none" : "yes")],
    ["ATT&CK techniques", (run, f) => String(f.techniques)],
    ["Highest technique severity", (run, f) => (f.highest ? severityBadge(f.highest) : "—")],
    ["Domains", (run, f) => String(f.domains)],
    ["IP addresses", (run, f) => String(f.ips)],
    ["URLs", (run, f) => String(f.urls)],
    ["Dropped files", (run, f) => String(f.files)],
    ["Signature, Sigma and IDS hits", (run, f) => String(f.hits)],
    ["Artefacts", (run) => artefactsOf(run).map((a) => a.label).join(", ") || "none"],
  ];
  return [
    h(
      "div",
      { class: "table-scroll" },
      h(
        "table",
        { class: "data-table compare-table" },
        h("caption", { class: "visually-hidden", text: "Sandboxes compared side by side" }),
        h("thead", {}, h("tr", {}, h("td"), runs.map((run) => h("th", { scope: "col", text: run.name })))),
        h(
          "tbody",
          {},
          rows.map(([label, cell]) =>
            h("tr", {}, h("th", { scope: "row", text: label }), runs.map((run, i) => h("td", {}, cell(run, facts[i])))),
          ),
        ),
      ),
    ),
    anyCapped
      ? h("p", { class: "hint", text: "Counts are taken from the indicators the brief keeps; some lists were capped (totals are in each section)." })
      : null,
  ];
}
