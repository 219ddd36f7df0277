// Indicators: network (domains, IPs, URLs), dropped files, mutexes, registry keys and command
// lines. Values are untrusted and shown verbatim as text; none becomes a link, since a URL a
// sample contacted is the last thing an analyst should open by accident. Each has a copy button.

import { copyButton, empty, h, lazyTable } from "./dom.js";
import { capped, list } from "./summary.js";

const PAGE = 50;

function totalNote(group, noun) {
  if (!group.truncated) return null;
  return h("p", { class: "hint", text: `The brief keeps the first ${group.items.length} of ${group.total} ${noun}.` });
}

function valueCell(value, what, item = null) {
  // Shared infrastructure and (when asked for) noise carry their class, confidence and reason.
  const classed = item && item.classification && item.classification !== "ioc";
  const chip = classed
    ? h("span", { class: `class-chip class-${item.classification}`, title: item.reason || "",
      text: `${item.classification} ${item.confidence ?? ""}`.trim() })
    : null;
  return h("td", { class: "value-cell" },
    h("code", { class: "untrusted", text: value }),
    copyButton(value, what), chip,
    classed && item.reason ? h("div", { class: "class-reason", text: item.reason }) : null);
}

/** How many noise indicators the brief left out, or null. */
export function noiseNote(brief) {
  const noise = brief.noise || {};
  const total = Object.values(noise).reduce((sum, n) => sum + Number(n || 0), 0);
  if (!total || brief.noise_included) return null;
  return h("p", { class: "hint", text: `${total} noise indicators left out (benign infrastructure, ` +
    "Windows background activity); the JSON export with ?include_noise=true keeps them." });
}

function joined(values) {
  return list(values).map(String).join(", ");
}

function copyAll(items, noun) {
  if (items.length === 0) return null;
  return h("p", { class: "copy-all" }, copyButton(items.map((i) => String(i.value)).join("\n"), `all ${items.length} ${noun}`),
    ` all ${items.length} ${noun} shown below, one a line`);
}

function group(title, id, source, noun, columns, row) {
  const data = capped(source);
  const heading = h("h3", { id }, `${title} `, h("span", { class: "count", text: `(${data.total})` }));
  if (data.items.length === 0) return h("div", { class: "indicator-group" }, heading, empty(`No ${noun}.`));
  return h(
    "div",
    { class: "indicator-group", attrs: { "aria-labelledby": id } },
    heading,
    copyAll(data.items, noun),
    lazyTable(title, columns, data.items, row, { pageSize: PAGE, label: noun, captionHidden: true }),
    totalNote(data, noun),
  );
}

/** Domains, IP addresses and URLs. */
export function renderNetwork(brief) {
  const indicators = brief.indicators || {};
  return [
    noiseNote(brief),
    group("Domains", "net-domains", indicators.domains, "domains",
      ["Domain", "Resolved to", "Seen in", "Sandboxes"],
      (item) => h("tr", {}, valueCell(String(item.value), `domain ${item.value}`, item),
        h("td", { class: "untrusted", text: joined(item.resolved_ips) }),
        h("td", { text: joined(item.contexts) }),
        h("td", { text: joined(item.sandboxes) }))),
    group("IP addresses", "net-ips", indicators.ips, "IP addresses",
      ["IP address", "Ports", "Protocols", "Seen in", "Sandboxes"],
      (item) => h("tr", {}, valueCell(String(item.value), `IP address ${item.value}`, item),
        h("td", { text: joined(item.ports) }),
        h("td", { text: joined(item.protocols) }),
        h("td", { text: joined(item.contexts) }),
        h("td", { text: joined(item.sandboxes) }))),
    group("URLs", "net-urls", indicators.urls, "URLs",
      ["URL", "Methods", "Seen in", "Sandboxes"],
      (item) => h("tr", {}, valueCell(String(item.value), "URL", item),
        h("td", { text: joined(item.methods) }),
        h("td", { text: joined(item.contexts) }),
        h("td", { text: joined(item.sandboxes) }))),
  ];
}

/** Dropped files with their hashes and paths. */
export function renderFiles(brief) {
  const indicators = brief.indicators || {};
  return [
    group("Dropped files", "files-dropped", indicators.files, "files",
      ["SHA-256 (or path)", "Type", "Paths", "Sandboxes"],
      (item) => h("tr", {}, valueCell(String(item.value), "file hash", item),
        h("td", { text: item.file_type || "" }),
        h("td", { class: "untrusted paths" }, list(item.paths).map((p) => h("code", { class: "path", text: p }))),
        h("td", { text: joined(item.sandboxes) }))),
  ];
}

/** Mutexes, notable registry keys and command lines. */
export function renderHost(brief) {
  const indicators = brief.indicators || {};
  return [
    group("Mutexes", "host-mutexes", indicators.mutexes, "mutexes",
      ["Mutex", "How", "Sandboxes"],
      (item) => h("tr", {}, valueCell(String(item.value), "mutex", item),
        h("td", { text: joined(item.contexts) }),
        h("td", { text: joined(item.sandboxes) }))),
    group("Registry keys", "host-registry", indicators.registry_keys, "registry keys",
      ["Key", "Why notable", "Data", "How", "Sandboxes"],
      (item) => h("tr", { class: item.notable ? "notable" : "" }, valueCell(String(item.value), "registry key", item),
        h("td", { text: item.notable || "" }),
        h("td", { class: "untrusted" }, item.data ? h("code", { text: item.data }) : ""),
        h("td", { text: joined(item.contexts) }),
        h("td", { text: joined(item.sandboxes) }))),
    group("Command lines", "host-commands", indicators.command_lines, "command lines",
      ["Command line", "Sandboxes"],
      (item) => h("tr", {}, valueCell(String(item.value), "command line", item),
        h("td", { text: joined(item.sandboxes) }))),
  ];
}

/** Behaviour tags (DETECT_DEBUG_ENVIRONMENT, ...) with agreement. */
export function renderTags(brief) {
  const tags = list(brief.tags);
  if (tags.length === 0) return null;
  return h("div", { class: "indicator-group" },
    h("h3", {}, "Behaviour tags"),
    h("ul", { class: "chip-list tags" }, tags.map((t) =>
      h("li", { class: "chip", attrs: { title: joined(t.sandboxes) } },
        h("code", { text: t.tag }), " ",
        h("span", { class: "count", text: t.agreement && t.agreement.text ? t.agreement.text : joined(t.sandboxes) })))));
}
