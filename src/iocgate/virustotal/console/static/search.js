// What the search box accepts (the same rules as iocgate's identifier checks) and the list of
// recent searches kept in localStorage.

const HEX = /^[0-9a-f]+$/i;
const HASH_KINDS = { 32: "MD5", 40: "SHA-1", 64: "SHA-256" };
// As in virustotal/ids.py: no / \ ? # %, no control characters, 1-100 characters of name.
const SANDBOX_NAME = /^[^/\\?#%\u0000-\u001f\u007f]{1,100}$/;
const SLASH_LOOKALIKES = /[\u2215\u2044\uff0f\u29f8\u2216\uff3c]/;

/**
 * Classify what the analyst typed.
 * Returns {ok: true, kind, hash, sandbox, label} or {ok: false, message}.
 */
export function classify(raw) {
  const text = String(raw ?? "").trim();
  if (text === "") {
    return { ok: false, message: "Type a file hash (MD5, SHA-1 or SHA-256) or a sandbox report id." };
  }
  const underscore = text.indexOf("_");
  if (underscore !== -1) {
    const hash = text.slice(0, underscore);
    const sandbox = text.slice(underscore + 1);
    if (hash.length !== 64 || !HEX.test(hash)) {
      return {
        ok: false,
        message:
          "A sandbox report id starts with the file's SHA-256 (64 hexadecimal characters), then " +
          `"_" and the sandbox name; "${shorten(hash)}" before the "_" is not a SHA-256.`,
      };
    }
    if (!SANDBOX_NAME.test(sandbox) || SLASH_LOOKALIKES.test(sandbox)) {
      return {
        ok: false,
        message:
          "The sandbox name after the \"_\" must be 1 to 100 characters without / \\ ? # % or " +
          "control characters, e.g. VirusTotal Jujubox.",
      };
    }
    return { ok: true, kind: "sandbox id", hash: hash.toLowerCase(), sandbox, label: "sandbox report" };
  }
  if (!HEX.test(text)) {
    const bad = [...text].find((c) => !/[0-9a-f]/i.test(c));
    return {
      ok: false,
      message:
        `This is not a file hash: "${shorten(bad)}" is not a hexadecimal digit. ` +
        "A hash uses only 0-9 and a-f: 32 characters for MD5, 40 for SHA-1, 64 for SHA-256.",
    };
  }
  const kind = HASH_KINDS[text.length];
  if (!kind) {
    return {
      ok: false,
      message:
        `This is not a file hash: it has ${text.length} hexadecimal characters, and an MD5 has ` +
        "32, a SHA-1 40 and a SHA-256 64.",
    };
  }
  return { ok: true, kind, hash: text.toLowerCase(), sandbox: null, label: kind };
}

function shorten(text) {
  const value = String(text ?? "");
  return value.length > 24 ? `${value.slice(0, 21)}...` : value;
}

/** The canonical text of a query (what the URL fragment and the recent list keep). */
export function queryText(parsed) {
  return parsed.sandbox ? `${parsed.hash}_${parsed.sandbox}` : parsed.hash;
}

const RECENT_KEY = "iocgate.console.recent";
const RECENT_MAX = 8;

export function loadRecent() {
  try {
    const value = JSON.parse(window.localStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(value)
      ? value.filter((item) => item && typeof item.query === "string" && classify(item.query).ok)
      : [];
  } catch {
    return [];
  }
}

/** Put ``query`` first in the recent list; ``note`` (a verdict) is shown beside it. */
export function rememberRecent(query, note = "") {
  const items = loadRecent().filter((item) => item.query !== query);
  items.unshift({ query, note: String(note).slice(0, 40), at: Date.now() });
  saveRecent(items.slice(0, RECENT_MAX));
}

export function clearRecent() {
  saveRecent([]);
}

function saveRecent(items) {
  try {
    window.localStorage.setItem(RECENT_KEY, JSON.stringify(items));
  } catch {
    // Private mode or storage full: recent searches are a convenience only.
  }
}
