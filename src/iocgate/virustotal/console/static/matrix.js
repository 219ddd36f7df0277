// The ATT&CK heat map: tactics as columns in kill-chain order, one button per technique,
// coloured by the highest severity any sandbox gave it. Selecting a technique (click, Enter or
// Space) shows the signatures and sandboxes behind it in the detail panel below the grid.

import { clear, empty, h } from "./dom.js";

// Enterprise ATT&CK in kill-chain order (the same list as virustotal/investigate/attack.py).
export const TACTIC_ORDER = [
  ["TA0043", "Reconnaissance"],
  ["TA0042", "Resource Development"],
  ["TA0001", "Initial Access"],
  ["TA0002", "Execution"],
  ["TA0003", "Persistence"],
  ["TA0004", "Privilege Escalation"],
  ["TA0005", "Defense Evasion"],
  ["TA0006", "Credential Access"],
  ["TA0007", "Discovery"],
  ["TA0008", "Lateral Movement"],
  ["TA0009", "Collection"],
  ["TA0011", "Command and Control"],
  ["TA0010", "Exfiltration"],
  ["TA0040", "Impact"],
];

export const SEVERITIES = ["critical", "high", "medium", "low", "info", "unknown"];
const SEVERITY_RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, SEVERITIES.length - i]));

/** A severity word as one of SEVERITIES (VirusTotal spells it four ways). */
export function severityOf(value) {
  const word = String(value ?? "").trim().toLowerCase().replace(/^impact_severity_/, "");
  if (word === "informational" || word === "information") return "info";
  return SEVERITY_RANK[word] ? word : "unknown";
}

export function severityRank(value) {
  return SEVERITY_RANK[severityOf(value)] || 0;
}

/** A coloured severity badge that also says the level in words (colour is never the only cue). */
export function severityBadge(value) {
  const severity = severityOf(value);
  return h("span", { class: `severity sev-${severity}`, text: severity });
}

/** Group techniques into tactic columns, in kill-chain order; unknown tactics go last. */
export function columnsOf(techniques) {
  const order = new Map(TACTIC_ORDER.map(([id], index) => [id, index]));
  const columns = new Map();
  for (const technique of techniques) {
    const tactics = Array.isArray(technique.tactics) && technique.tactics.length > 0
      ? technique.tactics
      : [{ id: "other", name: "Other (no tactic given)" }];
    for (const tactic of tactics) {
      const id = String(tactic.id || tactic.name || "other");
      if (!columns.has(id)) {
        const known = TACTIC_ORDER.find(([tid]) => tid === id);
        columns.set(id, {
          id,
          name: String(tactic.name || (known ? known[1] : id)),
          order: order.has(id) ? order.get(id) : TACTIC_ORDER.length,
          techniques: [],
        });
      }
      columns.get(id).techniques.push(technique);
    }
  }
  const sorted = [...columns.values()].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
  for (const column of sorted) {
    column.techniques.sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || String(a.id).localeCompare(String(b.id)),
    );
  }
  return sorted;
}

function legend() {
  return h(
    "ul",
    { class: "legend", attrs: { "aria-label": "Severity colours" } },
    SEVERITIES.map((s) => h("li", {}, h("span", { class: `swatch sev-${s}`, attrs: { "aria-hidden": "true" } }), s)),
  );
}

function agreementText(technique) {
  const agreement = technique.agreement;
  if (agreement && typeof agreement === "object") {
    return agreement.text || `${agreement.count} of ${agreement.total}`;
  }
  const count = Array.isArray(technique.sandboxes) ? technique.sandboxes.length : 0;
  return `${count}`;
}

function techniqueButton(technique, column, select) {
  const severity = severityOf(technique.severity);
  const name = technique.name ? String(technique.name) : "";
  const button = h(
    "button",
    {
      type: "button",
      class: `technique sev-${severity}`,
      dataset: { technique: String(technique.id), tactic: column.id },
      attrs: {
        "aria-expanded": "false",
        "aria-controls": "technique-detail",
        "aria-label": `${technique.id}${name ? ` ${name}` : ""}, severity ${severity}, ` +
          `seen by ${agreementText(technique)} sandboxes`,
      },
    },
    h("span", { class: "technique-id", text: technique.id }),
    // A break opportunity after "/" ("Virtualization/Sandbox Evasion") keeps columns narrow.
    name ? h("span", { class: "technique-name", text: name.replace(/\//g, "/\u200b") }) : null,
    h("span", { class: "technique-meta", text: `${severity} · ${agreementText(technique)}` }),
  );
  button.addEventListener("click", () => select(technique, button));
  return button;
}

function detailOf(technique) {
  const signatures = Array.isArray(technique.signatures) ? technique.signatures : [];
  const sandboxes = Array.isArray(technique.sandboxes) ? technique.sandboxes : [];
  const tactics = (technique.tactics || []).map((t) => t.name || t.id).join(", ");
  return [
    h(
      "h3",
      { id: "technique-detail-title", tabindex: "-1" },
      `${technique.id}${technique.name ? ` ${technique.name}` : ""}`,
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", { text: "Highest severity" }), h("dd", {}, severityBadge(technique.severity)),
      h("dt", { text: "Tactics" }), h("dd", { text: tactics || "none given" }),
      h("dt", { text: "Sandboxes" }),
      h("dd", { text: sandboxes.length ? `${sandboxes.join(", ")} (${agreementText(technique)})` : "none named" }),
      technique.link ? h("dt", { text: "ATT&CK" }) : null,
      technique.link ? h("dd", {}, h("a", { href: technique.link, text: "Technique page on attack.mitre.org" })) : null,
    ),
    signatures.length === 0
      ? empty("No signature text was reported for this technique.")
      : h(
          "table",
          { class: "data-table signatures-table" },
          h("caption", { text: `Signatures behind ${technique.id} (${signatures.length})` }),
          h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Signature" }), h("th", { scope: "col", text: "Severity" }), h("th", { scope: "col", text: "Sandboxes" }))),
          h(
            "tbody",
            {},
            signatures.map((signature) =>
              h(
                "tr",
                {},
                h("td", { class: "untrusted", text: signature.description ?? "" }),
                h("td", {}, severityBadge(signature.severity)),
                h("td", { text: (signature.sandboxes || []).join(", ") }),
              ),
            ),
          ),
        ),
  ];
}

// Arrow keys move between technique buttons: up/down within a tactic, left/right across.
function onGridKey(event, grid) {
  const keys = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  const move = keys[event.key];
  if (!move || !event.target.classList.contains("technique")) return;
  const columns = [...grid.querySelectorAll(".tactic")].map((c) => [...c.querySelectorAll(".technique")]);
  const col = columns.findIndex((c) => c.includes(event.target));
  if (col === -1) return;
  const row = columns[col].indexOf(event.target);
  const nextCol = Math.min(Math.max(col + move[0], 0), columns.length - 1);
  const nextRow = Math.min(Math.max(move[0] ? row : row + move[1], 0), columns[nextCol].length - 1);
  const target = columns[nextCol][nextRow];
  if (target) {
    event.preventDefault();
    target.focus();
  }
}

/** The heat map for the brief's techniques, with its legend and detail panel. */
export function renderMatrix(techniques) {
  const list = Array.isArray(techniques) ? techniques : [];
  if (list.length === 0) return [empty("No ATT&CK technique was observed by any sandbox.")];
  const detail = h("div", { id: "technique-detail", class: "technique-detail", attrs: { "aria-live": "polite" } },
    h("p", { class: "hint", text: "Select a technique to see the signatures and sandboxes behind it." }));
  let selected = null;
  const select = (technique, button) => {
    for (const other of grid.querySelectorAll(".technique[aria-expanded='true']")) {
      other.setAttribute("aria-expanded", "false");
    }
    for (const twin of grid.querySelectorAll(".technique")) {
      if (twin.dataset.technique === String(technique.id)) twin.setAttribute("aria-expanded", "true");
    }
    selected = button;
    clear(detail).append(...detailOf(technique));
    // On a phone the panel is below a long column of tactics: bring it into view.
    detail.scrollIntoView({ block: "nearest" });
  };
  const columns = columnsOf(list);
  const grid = h(
    "div",
    { class: "matrix", attrs: { role: "group", "aria-label": "ATT&CK techniques by tactic, in kill-chain order" } },
    columns.map((column) =>
      h(
        "section",
        { class: "tactic", attrs: { "aria-label": `${column.name}: ${column.techniques.length} techniques` } },
        h("h3", { class: "tactic-name" }, column.name, h("span", { class: "count", text: ` ${column.techniques.length}` })),
        h("div", { class: "tactic-techniques" }, column.techniques.map((t) => techniqueButton(t, column, select))),
      ),
    ),
  );
  grid.addEventListener("keydown", (event) => onGridKey(event, grid));
  detail.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && selected) selected.focus();
  });
  const uniqueIds = new Set(list.map((t) => t.id));
  return [
    h("p", { class: "hint" },
      `${uniqueIds.size} techniques across ${columns.length} tactics. Arrow keys move between techniques; ` +
      "Enter shows the evidence."),
    legend(),
    h("div", { class: "matrix-scroll" }, grid),
    detail,
  ];
}
