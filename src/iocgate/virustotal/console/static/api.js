// Talking to iocgate's REST routes: the bearer token, the cache and quota headers, errors.

const TOKEN_KEY = "iocgate.console.token";

/** An error answer of the gateway, in VirusTotal's shape {"error": {"code", "message"}}. */
export class ApiError extends Error {
  constructor(status, code, message, meta = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.meta = meta;
  }
}

// Listeners told about every answer's quota headers, so the top bar stays current.
const quotaListeners = new Set();
const authListeners = new Set();

export function onQuota(listener) {
  quotaListeners.add(listener);
}

/** Tell the listeners about a quota state learnt some other way (a brief's ``cost``). */
export function reportQuota(quota) {
  for (const listener of quotaListeners) listener(quota);
}

/** Called with the failing ApiError when the gateway wants a (valid) token. */
export function onAuthNeeded(listener) {
  authListeners.add(listener);
}

// The token lives in sessionStorage only: it dies with the tab and is never in localStorage.
export function getToken() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function setToken(token) {
  try {
    if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token cannot be kept, the next request will ask again.
  }
}

function intHeader(headers, name) {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

/** What the headers of an answer say about where it came from and what is left of the quota. */
export function answerMeta(response) {
  const headers = response.headers;
  const quota = {
    policy: headers.get("X-Quota-Policy"),
    minute: intHeader(headers, "X-Quota-Remaining-Minute"),
    day: intHeader(headers, "X-Quota-Remaining-Day"),
    month: intHeader(headers, "X-Quota-Remaining-Month"),
  };
  return {
    status: response.status,
    cache: headers.get("X-Cache"),
    age: intHeader(headers, "Age"),
    requestId: headers.get("X-Request-ID"),
    demo: headers.get("X-Iocgate-Demo") === "true",
    contentLength: intHeader(headers, "Content-Length"),
    contentType: headers.get("Content-Type") || "",
    disposition: headers.get("Content-Disposition") || "",
    quota: quota.policy || quota.minute !== null || quota.day !== null ? quota : null,
  };
}

/** Headers for a request: the token when one is kept, and no-cache when refreshing. */
export function requestHeaders({ refresh = false, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (refresh) headers["Cache-Control"] = "no-cache";
  return headers;
}

async function errorFrom(response, meta) {
  let code = `HTTP${response.status}`;
  let message = response.statusText || `the gateway answered ${response.status}`;
  try {
    const body = await response.json();
    if (body && typeof body.error === "object" && body.error !== null) {
      code = String(body.error.code || code);
      message = String(body.error.message || message);
    }
  } catch {
    // Not JSON (a proxy's page): keep the status text.
  }
  return new ApiError(response.status, code, message, meta);
}

/**
 * Send a GET to the gateway. Resolves to {response, meta}; rejects with ApiError on an error
 * status (after telling the auth listeners on 401, so the page can ask for a token).
 */
export async function request(path, { refresh = false, accept = "application/json", signal } = {}) {
  let response;
  try {
    // The default cache mode: "no-store" would make the browser send Cache-Control: no-cache,
    // which the gateway reads as "refresh" and so would never answer from its cache.
    response = await fetch(path, { headers: requestHeaders({ refresh, accept }), signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "NetworkError", "the gateway could not be reached; is iocgate still running?");
  }
  const meta = answerMeta(response);
  if (meta.quota) for (const listener of quotaListeners) listener(meta.quota);
  if (!response.ok) {
    const error = await errorFrom(response, meta);
    if (response.status === 401) for (const listener of authListeners) listener(error);
    throw error;
  }
  return { response, meta };
}

/** GET a JSON document: {data, meta}. */
export async function getJson(path, options = {}) {
  const { response, meta } = await request(path, options);
  return { data: await response.json(), meta };
}

/** Percent-encode one path segment (a sandbox id holds spaces; never a "/"). */
export function segment(value) {
  return encodeURIComponent(value);
}
