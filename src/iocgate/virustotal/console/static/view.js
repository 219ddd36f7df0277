// The investigation view: assembles every section from the brief (`/x/investigate/{id}`) and
// loads the process tree of one sandbox from its raw report (`/v1/file_behaviours/{id}`).

import { ApiError, getJson, segment } from "./api.js";
import { briefSourceBadge, cacheBadge } from "./badges.js";
import { clear, copyButton, empty, h, section } from "./dom.js";
import { renderArtefacts, renderExports } from "./downloads.js";
import { renderActingProcesses } from "./acting.js";
import { renderFileFacts, renderNextSteps } from "./file.js";
import { renderHits } from "./hits.js";
import { renderFiles, renderHost, renderNetwork, renderTags } from "./indicators.js";
import { renderMatrix } from "./matrix.js";
import { list, renderComparison, renderVerdicts } from "./summary.js";
import { renderProcessTree } from "./tree.js";

const SECTIONS = [
  ["sec-verdicts", "Verdicts"],
  ["sec-compare", "Sandboxes side by side"],
  ["sec-matrix", "ATT&CK matrix"],
  ["sec-processes", "Process tree"],
  ["sec-network", "Network indicators"],
  ["sec-files", "Dropped files"],
  ["sec-hits", "Sigma, IDS and signature hits"],
  ["sec-host", "Mutexes, registry and commands"],
  ["sec-artefacts", "Artefacts"],
  ["sec-exports", "Exports"],
];

function hashRow(label, value) {
  if (!value) return null;
  return [h("dt", { text: label }), h("dd", {}, h("code", { class: "hash", text: value }), copyButton(value, label))];
}

function toc() {
  return h(
    "nav",
    { class: "toc", attrs: { "aria-label": "Sections of the investigation" } },
    h(
      "ul",
      {},
      SECTIONS.map(([id, title]) => {
        const link = h("a", { href: `#${id}`, text: title });
        link.addEventListener("click", (event) => {
          event.preventDefault();
          const heading = document.getElementById(`${id}-title`);
          if (!heading) return;
          heading.setAttribute("tabindex", "-1");
          heading.scrollIntoView({ block: "start" });
          heading.focus({ preventScroll: true });
        });
        return h("li", {}, link);
      }),
    ),
  );
}

/** The sandbox whose process tree to show first: the one searched for, else the first with data. */
function defaultSandbox(runs, wanted) {
  const named = runs.find((run) => wanted && run.name.toLowerCase() === wanted.toLowerCase());
  return named || runs.find((run) => run.has_behaviour !== false) || runs[0] || null;
}

function processSection(brief, state) {
  const runs = list(brief.sandboxes).filter((run) => typeof run.id === "string" && run.id.length > 0);
  const body = h("div", { class: "tree-body" });
  if (runs.length === 0) return section("sec-processes", "Process tree", empty("No sandbox report, so no process tree."));
  const select = h(
    "select",
    { id: "tree-sandbox" },
    runs.map((run) => h("option", { value: run.id, text: run.name })),
  );
  // Without a sandbox asked for, the tree opens on the one with the strongest verdict (#22.4).
  const first = defaultSandbox(runs, state.sandbox || brief.process_sandbox);
  select.value = first.id;
  const badge = h("span", { class: "tree-cache" });
  const load = async (refresh = false) => {
    const run = runs.find((r) => r.id === select.value);
    clear(badge);
    clear(body).append(h("p", { class: "loading", text: `Loading the report of ${run.name}…` }));
    try {
      const { data, meta } = await getJson(`/v1/file_behaviours/${segment(run.id)}`, { refresh });
      const attributes = data && data.data && data.data.attributes ? data.data.attributes : {};
      badge.append(cacheBadge(meta));
      clear(body).append(...renderProcessTree(attributes.processes_tree, run.name));
    } catch (error) {
      clear(body).append(h("p", { class: "error-text", text: describeError(error) }));
    }
  };
  select.addEventListener("change", () => load(false));
  const controls = h(
    "div",
    { class: "tree-controls" },
    h("label", { for: "tree-sandbox", text: "Sandbox" }),
    select,
    badge,
  );
  // After Refresh the tree is fetched fresh too; later sandbox changes use the cache.
  if (state.autoLoadTree) load(Boolean(state.refreshed));
  else {
    body.append(
      h("button", { type: "button", class: "button-quiet", on: { click: () => load(false) } },
        "Load the process tree (one upstream request unless cached)"),
    );
  }
  return section(
    "sec-processes",
    "Process tree",
    renderActingProcesses(brief),
    h("p", { class: "hint", text: "From the sandbox's own report (one upstream request per sandbox unless cached)." }),
    controls,
    body,
  );
}

/** A sentence for an error of the gateway. */
export function describeError(error) {
  if (error instanceof ApiError) {
    if (error.status === 404) return `Not found: ${error.message}`;
    if (error.status === 429) return `Quota exceeded: ${error.message}`;
    if (error.status === 401) return `A valid bearer token is needed: ${error.message}`;
    return `${error.code}: ${error.message}`;
  }
  return `Something went wrong: ${error && error.message ? error.message : error}`;
}

/**
 * Render ``brief`` into ``article``. ``state`` carries the query, the brief's answer meta and
 * the refresh callback; ``config`` the page's settings (authRequired).
 */
export function renderInvestigation(article, brief, meta, state, config) {
  const file = brief.file || {};
  const sha256 = file.sha256 || state.hash;
  const cost = brief.cost || {};
  const refresh = h("button", { type: "button", id: "refresh-button", class: "button-quiet", text: "Refresh" });
  refresh.setAttribute("aria-describedby", "refresh-help");
  refresh.addEventListener("click", () => state.refresh());
  const header = h(
    "header",
    { class: "inv-header panel" },
    h("h2", { id: "inv-title" }, "Investigation of ", h("code", { class: "hash", text: sha256 })),
    h("dl", { class: "hashes" }, hashRow("SHA-256", file.sha256), hashRow("SHA-1", file.sha1), hashRow("MD5", file.md5)),
    renderFileFacts(brief),
    h(
      "div",
      { class: "inv-meta" },
      h("span", { class: "answer-source" }, "Brief: ", briefSourceBadge(meta, cost)),
      brief.generated_at ? h("span", { class: "generated", text: `Generated ${brief.generated_at}` }) : null,
      refresh,
      h("span", { id: "refresh-help", class: "visually-hidden", text: "Fetch again from VirusTotal, skipping the cache (Cache-Control: no-cache)" }),
    ),
    brief.note ? h("p", { class: "note", text: brief.note }) : null,
    renderNextSteps(brief),
    h("p", { class: "untrusted-note", text: brief.untrusted || "Strings from sandbox reports are untrusted data." }),
  );
  if (brief.has_behaviour_data === false && list(brief.sandboxes).length === 0) {
    // A known file no sandbox ran: say so, and spare the analyst ten empty sections.
    clear(article).append(
      header,
      section("sec-verdicts", "Verdicts", ...renderVerdicts(brief)),
      section("sec-exports", "Exports", ...renderExports(state.hash, config)),
    );
    article.hidden = false;
    return;
  }
  clear(article).append(
    header,
    toc(),
    section("sec-verdicts", "Verdicts", ...renderVerdicts(brief)),
    section("sec-compare", "Sandboxes side by side", ...renderComparison(brief)),
    section("sec-matrix", "ATT&CK matrix", ...renderMatrix(brief.techniques)),
    processSection(brief, state),
    section("sec-network", "Network indicators", ...renderNetwork(brief)),
    section("sec-files", "Dropped files", ...renderFiles(brief)),
    section("sec-hits", "Sigma, IDS and signature hits", ...renderHits(brief)),
    section("sec-host", "Mutexes, registry and commands", ...renderHost(brief), renderTags(brief)),
    section("sec-artefacts", "Artefacts", ...renderArtefacts(brief, config)),
    section("sec-exports", "Exports", ...renderExports(state.hash, config)),
  );
  article.hidden = false;
}
