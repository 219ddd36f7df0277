// Artefact downloads (pcap, evtx, memdump, HTML report) and the investigation's exports.
//
// Downloads go through fetch + ReadableStream so the page can show progress against
// Content-Length, attach the bearer token when the gateway asks for one (a plain link cannot),
// and state the sha256 of exactly the bytes saved. Each control is still a real link with
// `download`, so "open in new tab" and "copy link" keep working where no token is needed.

import { cacheBadge } from "./badges.js";
import { ApiError, request, segment } from "./api.js";
import { copyButton, formatBytes, h, localPath } from "./dom.js";
import { artefactsOf, list } from "./summary.js";

const EXPORTS = [
  ["navigator", "ATT&CK Navigator layer", "navigator.json"],
  ["stix", "STIX 2.1 bundle", "stix.json"],
  ["iocs.csv", "IoCs as CSV", "iocs.csv"],
  ["iocs.json", "IoCs as JSON", "iocs.json"],
  ["report.html", "HTML report", "report.html"],
  ["report.md", "Markdown report", "report.md"],
];

/** A file name from Content-Disposition, reduced to safe characters; else ``fallback``. */
export function filenameFrom(disposition, fallback) {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition || "");
  let name = match ? match[1] : fallback;
  try {
    name = decodeURIComponent(name);
  } catch {
    // Not percent-encoded: keep it as sent.
  }
  name = name.replace(/[^A-Za-z0-9._ -]+/g, "_").replace(/^[ .]+/, "").slice(0, 150);
  return name || "download.bin";
}

async function sha256Hex(buffer) {
  if (!window.crypto || !window.crypto.subtle) return null; // not a secure context
  const digest = await window.crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { class: "offscreen", attrs: { download: filename } });
  link.href = url; // a blob: URL we made ourselves, not data from a report
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/**
 * Fetch ``path`` as bytes with progress, then save it. ``ui`` gets {progress, status} elements.
 * Resolves to {size, sha256, filename, meta}.
 */
export async function downloadWithProgress(path, fallbackName, ui) {
  ui.progress.hidden = false;
  ui.progress.removeAttribute("value");
  ui.status.textContent = "Starting download…";
  const { response, meta } = await request(path, { accept: "*/*" });
  // Artefacts are never content-encoded, so Content-Length is the size of what the stream yields.
  const total = meta.contentLength;
  const encoded = /gzip|br|deflate/i.test(response.headers.get("Content-Encoding") || "");
  const chunks = [];
  let received = 0;
  if (response.body && response.body.getReader) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      if (total && !encoded && received <= total) {
        ui.progress.max = total;
        ui.progress.value = received;
        ui.status.textContent = `${formatBytes(received)} of ${formatBytes(total)}`;
      } else {
        ui.status.textContent = `${formatBytes(received)} received`;
      }
    }
  } else {
    const buffer = await response.arrayBuffer();
    chunks.push(new Uint8Array(buffer));
    received = buffer.byteLength;
  }
  const blob = new Blob(chunks, { type: meta.contentType || "application/octet-stream" });
  const sha256 = await sha256Hex(await blob.arrayBuffer());
  const filename = filenameFrom(meta.disposition, fallbackName);
  saveBlob(blob, filename);
  ui.progress.max = 1;
  ui.progress.value = 1;
  return { size: received, sha256, filename, meta };
}

function downloadControl({ path, label, fallbackName, interceptAlways, authRequired }) {
  const progress = h("progress", { class: "download-progress", hidden: true, attrs: { "aria-label": `${label} download progress` } });
  const status = h("span", { class: "download-status", attrs: { "aria-live": "polite" } });
  const result = h("div", { class: "download-result" });
  const link = h("a", { class: "download-link", href: path, attrs: { download: fallbackName } }, label);
  let busy = false;
  link.addEventListener("click", async (event) => {
    if (!interceptAlways && !authRequired) return; // the browser downloads it itself
    event.preventDefault();
    if (busy) return;
    busy = true;
    link.setAttribute("aria-busy", "true");
    result.replaceChildren();
    try {
      const saved = await downloadWithProgress(path, fallbackName, { progress, status });
      status.textContent = `Saved ${saved.filename}, ${formatBytes(saved.size)}`;
      result.append(cacheBadge(saved.meta));
      if (saved.sha256) {
        result.append(
          h("span", { class: "digest" }, "sha256 ", h("code", { class: "sha256", text: saved.sha256 })),
          copyButton(saved.sha256, `sha256 of ${saved.filename}`),
        );
      }
    } catch (error) {
      progress.hidden = true;
      status.textContent = error instanceof ApiError ? `Failed: ${error.code}: ${error.message}` : `Failed: ${error.message}`;
      status.classList.add("error-text");
    } finally {
      busy = false;
      link.removeAttribute("aria-busy");
    }
  });
  return h("div", { class: "download" }, link, progress, status, result);
}

/** A REST path for an artefact: the brief's own when it is a same-origin path, else built. */
function artefactPath(run, artefact) {
  return localPath(artefact.path) || `/v1/file_behaviours/${segment(run.id)}/${artefact.kind}`;
}

/** Per-sandbox artefact downloads. */
export function renderArtefacts(brief, { authRequired }) {
  const runs = list(brief.sandboxes).filter((run) => artefactsOf(run).length > 0);
  if (runs.length === 0) return [h("p", { class: "empty", text: "No sandbox offers pcap, evtx, memdump or an HTML report for this file." })];
  return [
    h("p", { class: "hint", text: "Artefacts stream from the gateway byte for byte; pcap, evtx and memdump need a privileged VirusTotal key." }),
    h(
      "ul",
      { class: "artefact-list" },
      runs.map((run) =>
        h(
          "li",
          { class: "artefact-row", dataset: { sandbox: run.name } },
          h("h3", { class: "sandbox-name", text: run.name }),
          h(
            "div",
            { class: "artefact-downloads" },
            artefactsOf(run).map((artefact) =>
              downloadControl({
                path: artefactPath(run, artefact),
                label: `Download ${artefact.label}`,
                fallbackName: `${run.id}.${artefact.kind}`,
                interceptAlways: true,
                authRequired,
              }),
            ),
          ),
        ),
      ),
    ),
  ];
}

/** The exports of the investigation, one click each. */
export function renderExports(id, { authRequired }) {
  const base = `/x/investigate/${segment(id)}`;
  return [
    h(
      "div",
      { class: "export-list" },
      EXPORTS.map(([suffix, label, name]) =>
        downloadControl({
          path: `${base}/${suffix}`,
          label,
          fallbackName: `${id.slice(0, 64)}.${name}`,
          interceptAlways: false,
          authRequired,
        }),
      ),
    ),
    h("p", { class: "hint" }, "The brief itself: ", h("a", { href: base, text: `${base}` }), " (JSON)."),
  ];
}
