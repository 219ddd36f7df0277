// Rule hits: behaviour signatures, Sigma rules and IDS alerts, most severe first.

import { empty, h, lazyTable } from "./dom.js";
import { severityBadge } from "./matrix.js";
import { capped, list } from "./summary.js";

const KINDS = [
  ["sigma", "Sigma rules", "Sigma hits"],
  ["ids", "IDS alerts", "IDS alerts"],
  ["signatures", "Signatures", "signature hits"],
];

function agreement(item) {
  const a = item.agreement;
  const names = list(item.sandboxes).join(", ");
  return a && typeof a === "object" ? `${names} (${a.text || `${a.count} of ${a.total}`})` : names;
}

function ruleCell(item) {
  return h(
    "td",
    { class: "untrusted" },
    h("span", { class: "rule-name", text: item.name || "(unnamed rule)" }),
    item.description && item.description !== item.name ? h("span", { class: "rule-description", text: item.description }) : null,
    item.rule_id || item.source || item.format
      ? h("span", { class: "rule-source", text: [item.format, item.source, item.rule_id].filter(Boolean).join(" · ") })
      : null,
  );
}

/** One table per kind of hit. */
export function renderHits(brief) {
  const detections = brief.detections || {};
  return KINDS.map(([key, title, noun]) => {
    const data = capped(detections[key]);
    const id = `hits-${key}`;
    return h(
      "div",
      { class: "indicator-group" },
      h("h3", { id }, `${title} `, h("span", { class: "count", text: `(${data.total})` })),
      data.items.length === 0
        ? empty(`No ${noun}.`)
        : lazyTable(
            title,
            ["Rule", "Severity", "Sandboxes"],
            data.items,
            (item) => h("tr", {}, ruleCell(item), h("td", {}, severityBadge(item.severity)), h("td", { text: agreement(item) })),
            { pageSize: 30, label: noun, captionHidden: true },
          ),
      data.truncated ? h("p", { class: "hint", text: `The brief keeps the first ${data.items.length} of ${data.total}.` }) : null,
    );
  });
}
