// DOM helpers. Every string from a report reaches the page through text nodes or attribute
// values set here: nothing in the console assigns innerHTML, so a sandbox string such as
// "<script>alert(1)</script>" is shown as those characters and never parsed as markup.

/**
 * Build an element: h("button", {class: "x", on: {click: f}, attrs: {"aria-label": "y"}}, "text").
 * Children may be nodes, strings (always text), numbers, arrays or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else if (key === "attrs") for (const [name, v] of Object.entries(value)) setAttr(node, name, v);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "href") setHref(node, value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else setAttr(node, key, value);
  }
  append(node, children);
  return node;
}

function setAttr(node, name, value) {
  if (value === undefined || value === null || value === false) return;
  // Event-handler attributes and raw URLs from data are never set through this path.
  if (/^on/i.test(name)) throw new Error(`refusing to set ${name} as an attribute`);
  if (/^(href|src|action|formaction|xlink:href)$/i.test(name)) {
    setHref(node, value, name);
    return;
  }
  node.setAttribute(name, value === true ? "" : String(value));
}

/** Append children (text for strings) to a node. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Remove every child of a node. */
export function clear(node) {
  node.replaceChildren();
  return node;
}

const SAFE_SCHEMES = new Set(["http:", "https:"]);

/**
 * The URL if it may be put in an href: a same-origin path, or http(s) elsewhere. Anything else
 * (javascript:, data:, vbscript:, a scheme hidden behind whitespace or entities) gives null.
 */
export function safeUrl(value) {
  if (typeof value !== "string" || value.length === 0 || value.length > 4096) return null;
  let url;
  try {
    url = new URL(value, window.location.origin);
  } catch {
    return null;
  }
  if (!SAFE_SCHEMES.has(url.protocol)) return null;
  return url.origin === window.location.origin ? url.pathname + url.search + url.hash : url.href;
}

function setHref(node, value, name = "href") {
  const url = safeUrl(String(value));
  if (url === null) return; // an unsafe link is rendered as text without a target
  node.setAttribute(name, url);
  if (/^https?:/.test(url)) {
    node.setAttribute("rel", "noopener noreferrer");
    node.setAttribute("target", "_blank");
  }
}

/** The path of a same-origin REST route, or null: report-supplied paths must stay on iocgate. */
export function localPath(value) {
  const url = safeUrl(value);
  return url !== null && url.startsWith("/") && !url.startsWith("//") ? url : null;
}

/** "1.2 MB" */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** "3 min ago" for an age in seconds. */
export function formatAge(seconds) {
  const s = Math.max(0, Math.round(Number(seconds)));
  if (!Number.isFinite(s)) return "";
  if (s < 60) return `${s} s old`;
  if (s < 3600) return `${Math.round(s / 60)} min old`;
  if (s < 86400) return `${Math.round(s / 3600)} h old`;
  return `${Math.round(s / 86400)} days old`;
}

/** A date from epoch seconds, in the analyst's locale and UTC. */
export function formatEpoch(seconds) {
  if (!Number.isFinite(seconds) || seconds <= 0) return "";
  const date = new Date(seconds * 1000);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

let copyFeedbackTimer = 0;

/** Copy text to the clipboard; falls back to a hidden textarea where the API is missing. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = h("textarea", { class: "offscreen", attrs: { "aria-hidden": "true", readonly: true } });
  area.value = text;
  document.body.append(area);
  area.select();
  try {
    document.execCommand("copy");
  } finally {
    area.remove();
  }
}

/** A small button that copies ``value``; its label says what it copies to screen readers. */
export function copyButton(value, what, visible = "Copy") {
  const button = h("button", {
    type: "button",
    class: "copy-button",
    attrs: { "aria-label": `Copy ${what}`, title: `Copy ${what}` },
    text: visible,
  });
  button.addEventListener("click", async () => {
    try {
      await copyText(value);
      button.textContent = "Copied";
      button.classList.add("copied");
    } catch {
      button.textContent = "Copy failed";
    }
    window.clearTimeout(copyFeedbackTimer);
    copyFeedbackTimer = window.setTimeout(() => {
      button.textContent = visible;
      button.classList.remove("copied");
    }, 1500);
  });
  return button;
}

/**
 * Render a long list lazily: the first ``pageSize`` items, then a "Show more" button that adds
 * the next page. Reports can list thousands of files or keys; the page stays fast because it
 * builds only what the analyst asks to see. ``list`` is where items go (a <ul> by default, or
 * the <tbody> of a table passed as ``root``).
 */
export function lazyList(items, renderItem, { pageSize = 50, list = null, root = null, label = "items" } = {}) {
  const target = list || h("ul", { class: "plain-list" });
  const wrapper = h("div", { class: "lazy-list" }, root || target);
  let shown = 0;
  const more = h("button", { type: "button", class: "button-quiet show-more" });
  const renderPage = () => {
    const next = items.slice(shown, shown + pageSize);
    const fragment = document.createDocumentFragment();
    for (const item of next) fragment.append(renderItem(item));
    target.append(fragment);
    shown += next.length;
    const left = items.length - shown;
    if (left > 0) {
      more.textContent = `Show ${Math.min(left, pageSize)} more ${label} (${shown} of ${items.length} shown)`;
      if (!more.isConnected) wrapper.append(more);
    } else {
      more.remove();
    }
  };
  more.addEventListener("click", () => {
    const firstNew = shown;
    renderPage();
    // Keep keyboard users in place: focus the first newly shown item's first control.
    const focusable = target.children[firstNew]?.querySelector("button, summary, a");
    if (focusable) focusable.focus();
    else if (more.isConnected) more.focus();
  });
  renderPage();
  return wrapper;
}

/** A table whose rows are rendered lazily; ``columns`` are header labels. */
export function lazyTable(caption, columns, items, renderRow, options = {}) {
  const body = h("tbody");
  const table = h(
    "table",
    { class: `data-table ${options.className || ""}` },
    h("caption", { class: options.captionHidden ? "visually-hidden" : "", text: caption }),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", text: c })))),
    body,
  );
  return lazyList(items, renderRow, { ...options, list: body, root: h("div", { class: "table-scroll" }, table) });
}

/** A section with a heading (h2) and an id for the table of contents. */
export function section(id, title, ...children) {
  return h(
    "section",
    { class: "panel", id, attrs: { "aria-labelledby": `${id}-title` } },
    h("h2", { id: `${id}-title`, text: title }),
    ...children,
  );
}

/** A paragraph for an empty list: says what is absent rather than showing nothing. */
export function empty(text) {
  return h("p", { class: "empty", text });
}
