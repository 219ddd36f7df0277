// The processes that acted, from the brief (#22.4): each with the rule hits it triggered, what
// it injected into and its decoded PowerShell (shown as text, never run).

import { h } from "./dom.js";

/** A panel listing the brief's processes with hits, injections or decoded scripts; or null. */
export function renderActingProcesses(brief) {
  const processes = brief.processes && Array.isArray(brief.processes.items) ? brief.processes.items : [];
  const acting = processes.filter((p) => (p.hits && p.hits.length) || (p.injected_into && p.injected_into.length) || p.decoded_powershell);
  if (!acting.length) return null;
  const items = acting.map((p) => h("li", { class: "acting" },
    h("span", { class: "pid", text: `PID ${p.pid}` }), " ",
    h("code", { class: "cmdline untrusted", text: p.name }),
    (p.hits || []).length
      ? h("ul", { class: "acting-hits" }, ...p.hits.map((hit) => h("li", {},
        h("span", { class: `sev sev-${hit.severity}`, text: hit.severity }), ` ${hit.kind}: `,
        h("span", { class: "untrusted", text: hit.name }))))
      : null,
    (p.injected_into || []).length
      ? h("p", { class: "acting-note" }, "Injects into ", h("code", { class: "untrusted", text: p.injected_into.join(", ") }))
      : null,
    p.decoded_powershell
      ? h("div", { class: "decoded" }, h("p", { class: "acting-note", text: "Decoded -EncodedCommand (data, never run):" }),
        h("pre", { class: "cmdline untrusted", text: p.decoded_powershell }))
      : null));
  return h("div", { class: "acting-panel", id: "acting-processes" },
    h("h3", { text: `Processes that acted (${brief.process_sandbox || "sandbox"}, strongest verdict)` }),
    h("ul", { class: "acting-list" }, ...items));
}
