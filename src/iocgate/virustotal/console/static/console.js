// The analyst console's entry point: the search box, recent searches, demo hashes, the token,
// the quota bar, the cost check before an investigation, and the investigation view itself.
// The address bar keeps the query (?q=...), so back, forward and reload work and a view can be
// shared with a colleague.

import { ApiError, getJson, getToken, onAuthNeeded, onQuota, reportQuota, segment, setToken } from "./api.js";
import { isQuotaTight, quotaText } from "./badges.js";
import { clear, h } from "./dom.js";
import { classify, clearRecent, loadRecent, queryText, rememberRecent } from "./search.js";
import { describeError, renderInvestigation } from "./view.js";

function readIsland(id, fallback) {
  const node = document.getElementById(id);
  if (!node) return fallback;
  try {
    return JSON.parse(node.textContent || "null") ?? fallback;
  } catch {
    return fallback;
  }
}

const config = { demo: false, authRequired: false, ...readIsland("console-config", {}) };
const samples = Array.isArray(readIsland("demo-samples", [])) ? readIsland("demo-samples", []) : [];

const $ = (id) => document.getElementById(id);
const els = {
  form: $("search-form"),
  input: $("search-input"),
  error: $("search-error"),
  status: $("status"),
  article: $("investigation"),
  demoBanner: $("demo-banner"),
  demoBox: $("demo-box"),
  demoList: $("demo-list"),
  recentBox: $("recent-box"),
  recentList: $("recent-list"),
  recentClear: $("recent-clear"),
  quota: $("quota-value"),
  plan: $("plan-panel"),
  planText: $("plan-text"),
  planGo: $("plan-go"),
  planCancel: $("plan-cancel"),
  tokenButton: $("token-button"),
  tokenDialog: $("token-dialog"),
  tokenForm: $("token-form"),
  tokenInput: $("token-input"),
  tokenForget: $("token-forget"),
  tokenCancel: $("token-cancel"),
};

let lastQuota = null;
let runCounter = 0;
let shownQuery = null; // the query of the view on screen (popstate for a mere #fragment keeps it)

// ---- status line, quota, demo banner -------------------------------------------------------

function setStatus(text, kind = "info") {
  els.status.textContent = text;
  els.status.dataset.kind = kind;
}

onQuota((quota) => {
  lastQuota = quota;
  els.quota.textContent = quotaText(quota);
});

function showDemo() {
  els.demoBanner.hidden = false;
}

// ---- the token (only when the gateway asks for one) ----------------------------------------

let tokenWaiters = [];

function askToken(reason = "") {
  els.tokenInput.value = "";
  const intro = els.tokenForm.querySelector(".token-reason");
  if (intro) intro.remove();
  if (reason) els.tokenInput.before(h("p", { class: "token-reason error-text", text: reason }));
  if (!els.tokenDialog.open) els.tokenDialog.showModal();
  els.tokenInput.focus();
  return new Promise((resolve) => tokenWaiters.push(resolve));
}

function closeToken(saved) {
  if (els.tokenDialog.open) els.tokenDialog.close();
  const waiters = tokenWaiters;
  tokenWaiters = [];
  for (const resolve of waiters) resolve(saved);
  els.tokenButton.textContent = getToken() ? "Change token" : "Set token";
}

function setupToken() {
  if (!config.authRequired) return;
  els.tokenButton.hidden = false;
  els.tokenButton.textContent = getToken() ? "Change token" : "Set token";
  els.tokenButton.addEventListener("click", () => askToken());
  els.tokenForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = els.tokenInput.value.trim();
    if (!token) return;
    setToken(token);
    closeToken(true);
  });
  els.tokenForget.addEventListener("click", () => {
    setToken("");
    closeToken(false);
  });
  els.tokenCancel.addEventListener("click", () => closeToken(false));
  els.tokenDialog.addEventListener("cancel", () => closeToken(false));
  onAuthNeeded(() => {
    setToken("");
    els.tokenButton.textContent = "Set token";
  });
}

// ---- suggestions: demo hashes and recent searches ------------------------------------------

function chip(label, detail, query, title) {
  return h(
    "li",
    {},
    h(
      "button",
      { type: "button", class: "chip", attrs: { title }, on: { click: () => navigate(query, { fromUser: true }) } },
      h("span", { class: "chip-label", text: label }),
      h("code", { class: "chip-detail", text: detail }),
    ),
  );
}

function renderSamples() {
  const valid = samples.filter((s) => s && typeof s.sha256 === "string" && classify(s.sha256).ok);
  if (!config.demo || valid.length === 0) return;
  clear(els.demoList).append(
    ...valid.map((s) => chip(String(s.kind), `${s.sha256.slice(0, 12)}…`, s.sha256, `${s.kind}: ${s.sha256}`)),
  );
  els.demoBox.hidden = false;
}

function renderRecent() {
  const items = loadRecent();
  els.recentBox.hidden = items.length === 0;
  clear(els.recentList).append(
    ...items.map((item) => {
      const parsed = classify(item.query);
      const short = parsed.sandbox ? `${parsed.hash.slice(0, 10)}…_${parsed.sandbox}` : `${parsed.hash.slice(0, 16)}…`;
      return chip(item.note || parsed.label, short, item.query, item.query);
    }),
  );
}

// ---- the cost check before fetching --------------------------------------------------------

// Set once the gateway answers 404 for the plan route: an older gateway without it is asked
// only once per page, not before every search.
let planUnavailable = false;

async function fetchPlan(hash) {
  if (planUnavailable) return null;
  try {
    const { data } = await getJson(`/x/investigate/${segment(hash)}/plan`);
    const plan = data && typeof data === "object" && data.plan && typeof data.plan === "object" ? data.plan : data;
    return plan && Number.isFinite(plan.calls) ? plan : null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    if (error instanceof ApiError && error.status === 404) planUnavailable = true;
    return null; // no plan route, or it failed: the investigation itself still works
  }
}

function confirmPlan(text) {
  els.planText.textContent = text;
  els.plan.hidden = false;
  els.planGo.focus();
  return new Promise((resolve) => {
    const done = (answer) => {
      els.plan.hidden = true;
      els.planGo.removeEventListener("click", yes);
      els.planCancel.removeEventListener("click", no);
      resolve(answer);
    };
    const yes = () => done(true);
    const no = () => done(false);
    els.planGo.addEventListener("click", yes);
    els.planCancel.addEventListener("click", no);
  });
}

// ---- running an investigation --------------------------------------------------------------

function showSearchError(message) {
  els.error.textContent = message;
  els.error.hidden = false;
  els.input.setAttribute("aria-invalid", "true");
}

function clearSearchError() {
  els.error.textContent = "";
  els.error.hidden = true;
  els.input.removeAttribute("aria-invalid");
}

function showNotFound(parsed, error) {
  clear(els.article).append(
    h(
      "section",
      { class: "panel not-found", attrs: { "aria-labelledby": "inv-title" } },
      h("h2", { id: "inv-title", tabindex: "-1" }, "Not found: ", h("code", { class: "hash", text: parsed.hash })),
      h("p", { text: "VirusTotal has no behaviour report for this file (the hash is unknown to it)." }),
      h("p", { class: "hint", text: `${error.code}: ${error.message}` }),
    ),
  );
  els.article.hidden = false;
}

async function run(query, { refresh = false, fromUser = false } = {}) {
  const parsed = classify(query);
  if (!parsed.ok) {
    // Keep what was given (a ?q= link, a step back in history) in view beside the error (#17).
    els.input.value = query;
    showSearchError(parsed.message);
    return;
  }
  clearSearchError();
  const current = ++runCounter;
  const stale = () => current !== runCounter;
  shownQuery = queryText(parsed);
  els.input.value = queryText(parsed);
  els.plan.hidden = true;
  if (config.authRequired && !getToken()) {
    setStatus("A bearer token is needed first.");
    if (!(await askToken())) {
      setStatus("No token: nothing was fetched.", "error");
      return;
    }
  }
  try {
    setStatus("Checking what this investigation will cost…");
    const plan = await fetchPlan(parsed.hash);
    if (stale()) return;
    const calls = plan ? (refresh ? plan.requests ?? plan.calls : plan.calls) : 0;
    if (plan && isQuotaTight(lastQuota, calls)) {
      setStatus("Waiting for you to confirm the cost (the quota is small).");
      const verb = refresh ? "Refreshing" : "This investigation";
      const ok = await confirmPlan(
        `${verb} will use ${refresh ? `up to ${calls} upstream calls` : plan.text || `${calls} upstream calls`}. ` +
          `Quota left: ${quotaText(lastQuota)}.`,
      );
      if (stale()) return;
      if (!ok) {
        setStatus("Cancelled: nothing was fetched.");
        return;
      }
    }
    setStatus(
      plan && calls > 0
        ? `Investigating ${parsed.hash} (${plan.text || `${calls} upstream calls`})…`
        : `Investigating ${parsed.hash}…`,
    );
    els.article.setAttribute("aria-busy", "true");
    const { data: brief, meta } = await getJson(`/x/investigate/${segment(parsed.hash)}`, { refresh });
    if (stale()) return;
    if (meta.demo) showDemo();
    const cost = brief.cost || {};
    if (!meta.quota && cost.quota_policy) {
      // The brief's route may not relay the quota headers; its cost holds the same facts.
      reportQuota({
        policy: cost.quota_policy,
        minute: cost.quota_remaining_minute ?? null,
        day: cost.quota_remaining_day ?? null,
        month: null,
      });
    }
    const state = {
      hash: parsed.hash,
      sandbox: parsed.sandbox,
      autoLoadTree: !isQuotaTight(lastQuota, 1),
      refreshed: refresh,
      refresh: () => run(queryText(parsed), { refresh: true, fromUser: true }),
    };
    renderInvestigation(els.article, brief, meta, state, config);
    const verdict = brief.verdict && brief.verdict.value ? String(brief.verdict.value) : "";
    rememberRecent(queryText(parsed), verdict);
    renderRecent();
    document.title = `${verdict ? `${verdict} · ` : ""}${parsed.hash.slice(0, 12)}… · iocgate`;
    setStatus(`Investigation of ${parsed.hash} ready${verdict ? `: ${verdict}` : ""}.`);
    if (fromUser) $("inv-title")?.focus({ preventScroll: false });
  } catch (error) {
    if (stale()) return;
    if (error instanceof ApiError && error.status === 404) {
      showNotFound(parsed, error);
      rememberRecent(queryText(parsed), "not found");
      renderRecent();
      setStatus(`Not found: VirusTotal does not know ${parsed.hash}.`, "error");
      if (fromUser) $("inv-title")?.focus();
    } else if (error instanceof ApiError && error.status === 401 && config.authRequired) {
      setStatus("The token was refused.", "error");
      if (await askToken("The gateway refused that token.")) run(query, { refresh, fromUser });
    } else {
      els.article.hidden = true;
      setStatus(describeError(error), "error");
    }
  } finally {
    if (!stale()) els.article.removeAttribute("aria-busy");
  }
}

function navigate(query, { fromUser = false } = {}) {
  const parsed = classify(query);
  if (!parsed.ok) {
    showSearchError(parsed.message);
    els.input.focus();
    return;
  }
  const url = new URL(window.location.href);
  const same = url.searchParams.get("q") === queryText(parsed);
  url.searchParams.set("q", queryText(parsed));
  url.hash = "";
  // Searching the same thing again re-runs it without stacking history entries.
  window.history[same ? "replaceState" : "pushState"]({ q: queryText(parsed) }, "", url.pathname + url.search);
  run(queryText(parsed), { fromUser });
}

function routeFromLocation() {
  const query = new URL(window.location.href).searchParams.get("q");
  const parsed = query ? classify(query) : null;
  // Only the #fragment changed (the skip link): the view on screen stays.
  if (parsed && parsed.ok && queryText(parsed) === shownQuery) return;
  if (query) {
    run(query);
  } else {
    shownQuery = null;
    els.article.hidden = true;
    clear(els.article);
    setStatus("");
    els.input.value = "";
  }
}

// ---- wiring --------------------------------------------------------------------------------

function setup() {
  if (config.demo) showDemo();
  setupToken();
  renderSamples();
  renderRecent();
  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(els.input.value, { fromUser: true });
  });
  els.input.addEventListener("input", () => {
    // Say "not a hash" on submit, not on every key; but clear the message once it is fixed.
    if (!els.error.hidden && classify(els.input.value).ok) clearSearchError();
  });
  els.recentClear.addEventListener("click", () => {
    clearRecent();
    renderRecent();
    els.input.focus();
  });
  window.addEventListener("popstate", routeFromLocation);
  document.documentElement.dataset.ready = "true";
  routeFromLocation();
}

setup();
