// The process tree of one sandbox report (its raw `processes_tree`), as nested <details>.
// Command lines are untrusted text: written with textContent only, never as markup. Children
// are built when a node is first opened, so a report with thousands of processes costs only
// what the analyst unfolds.

import { copyButton, empty, h } from "./dom.js";

const CHILDREN_PAGE = 100;
const OPEN_DEPTH = 2; // the first levels start open: the root process and what it started
// The lazy builder of each <details>, so "Expand all" can build children without waiting for
// the (asynchronous) toggle event.
const builders = new WeakMap();

function countNodes(nodes, limit = 100000) {
  let count = 0;
  const stack = [...nodes];
  while (stack.length > 0 && count < limit) {
    const node = stack.pop();
    count += 1;
    if (node && Array.isArray(node.children)) stack.push(...node.children);
  }
  return count;
}

function nodeLabel(node) {
  const pid = node.process_id !== undefined && node.process_id !== null ? String(node.process_id) : "?";
  const name = typeof node.name === "string" ? node.name : "(no name)";
  const offset = Number.isFinite(node.time_offset) ? `+${node.time_offset} s` : null;
  return [
    h("span", { class: "pid", text: `PID ${pid}` }),
    h("code", { class: "cmdline untrusted", text: name }),
    offset ? h("span", { class: "offset", text: `· ${offset}` }) : null,
  ];
}

function renderChildren(container, children, depth) {
  let shown = 0;
  const more = h("button", { type: "button", class: "button-quiet show-more" });
  const page = () => {
    const next = children.slice(shown, shown + CHILDREN_PAGE);
    for (const child of next) container.insertBefore(renderNode(child, depth), more.isConnected ? more : null);
    shown += next.length;
    if (shown < children.length) {
      more.textContent = `Show more processes (${shown} of ${children.length} shown)`;
      if (!more.isConnected) container.append(more);
    } else {
      more.remove();
    }
  };
  more.addEventListener("click", page);
  page();
}

function renderNode(node, depth) {
  const safe = node && typeof node === "object" ? node : {};
  const children = Array.isArray(safe.children) ? safe.children : [];
  const item = h("li", { class: "process" });
  if (children.length === 0) {
    item.append(h("div", { class: "process-leaf" }, nodeLabel(safe)));
    return item;
  }
  const list = h("ul", { class: "process-children" });
  const details = h(
    "details",
    { class: "process-node" },
    h("summary", {}, nodeLabel(safe), h("span", { class: "child-count", text: `· ${children.length} child${children.length === 1 ? "" : "ren"}` })),
    list,
  );
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    renderChildren(list, children, depth + 1);
  };
  builders.set(details, build);
  details.addEventListener("toggle", () => {
    if (details.open) build();
  });
  if (depth < OPEN_DEPTH) {
    details.open = true;
    build();
  }
  item.append(details);
  return item;
}

/** The tree, or a sentence saying the report has none. */
export function renderProcessTree(tree, sandboxName) {
  const roots = Array.isArray(tree) ? tree : [];
  if (roots.length === 0) return [empty(`${sandboxName} reported no process tree.`)];
  const total = countNodes(roots);
  const list = h("ul", { class: "process-tree", attrs: { "aria-label": `Process tree from ${sandboxName}` } });
  renderChildren(list, roots, 0);
  const allCommands = [];
  const stack = [...roots];
  while (stack.length > 0 && allCommands.length < 5000) {
    const node = stack.shift();
    if (node && typeof node.name === "string") allCommands.push(node.name);
    if (node && Array.isArray(node.children)) stack.push(...node.children);
  }
  return [
    h(
      "div",
      { class: "tree-toolbar" },
      h("p", { class: "hint", text: `${total} processes. Command lines are untrusted text from the sandbox.` }),
      h("div", { class: "tree-actions" },
        h("button", { type: "button", class: "button-quiet", on: { click: () => toggleAll(list, true) }, text: "Expand all" }),
        h("button", { type: "button", class: "button-quiet", on: { click: () => toggleAll(list, false) }, text: "Collapse all" }),
        copyButton(allCommands.join("\n"), "all command lines", "Copy command lines")),
    ),
    list,
  ];
}

function toggleAll(list, open) {
  // Expanding builds children lazily, so repeat until no closed node is left (bounded).
  for (let pass = 0; pass < 50; pass += 1) {
    const closed = [...list.querySelectorAll(open ? "details:not([open])" : "details[open]")];
    if (closed.length === 0) break;
    for (const details of closed) {
      details.open = open;
      if (open) builders.get(details)?.();
    }
    if (!open) break;
  }
}
