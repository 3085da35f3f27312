// @ts-check
// The /map page's batch check: a CSV of sites sent in parts (progress shown),
// the results joined into one CSV to download and a summary table.
import { errorBodyText } from "../lib/server-texts.js";
import { BATCH_COLUMNS } from "./batch-columns.js";
import { byId, esc, inputById, lang, mln, num, setStatus, T, text } from "./page.js";

/**
 * @typedef {{
 *   line: number, name: string, mw: number | null, status: string, connection_point_name: string | null,
 *   cost_rub: number | null, reasons: string[], [column: string]: unknown
 * }} BatchRow
 */

// The file is sent in parts so a large one shows progress; results are joined here.
const CHUNK = 500;
const csvCell = (/** @type {unknown} */ v) => {
  const s = v == null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
/** Record boundaries outside quotes. */
function splitLines(/** @type {string} */ text) {
  /** @type {string[]} */
  const out = [];
  let cur = "";
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if (!quoted && c === "\n") {
      out.push(cur.replace(/\r$/, ""));
      cur = "";
    } else cur += c;
  }
  if (cur.trim() !== "") out.push(cur.replace(/\r$/, ""));
  return out.filter((l) => l.trim() !== "");
}

async function runBatch() {
  const file = inputById("batchFile").files?.[0];
  if (!file) return;
  const lines = splitLines(await file.text());
  const header = lines[0] ?? "";
  const body = lines.slice(1);
  const bar = /** @type {HTMLProgressElement} */ (byId("batchProgress"));
  bar.hidden = false;
  bar.max = Math.max(1, body.length);
  bar.value = 0;
  /** @type {BatchRow[]} */
  const rows = [];
  /** @type {Record<string, number>} */
  const summary = { available: 0, needs_reinforcement: 0, unavailable: 0, invalid: 0 };
  for (let i = 0; i < body.length; i += CHUNK) {
    const part = [header, ...body.slice(i, i + CHUNK)].join("\n");
    const r = await fetch(`/api/v1/grid/check-batch?format=json&lang=${lang}`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: part,
    });
    const j = await r.json();
    if (!r.ok) {
      byId("summary").textContent = `${T.error}: ${errorBodyText(j, lang) ?? j.error.message}`;
      bar.hidden = true;
      return;
    }
    for (const row of /** @type {BatchRow[]} */ (j.rows)) {
      row.line += i;
      rows.push(row);
    }
    for (const [k, n] of Object.entries(/** @type {Record<string, number>} */ (j.summary)))
      summary[k] = (summary[k] ?? 0) + n;
    bar.value = Math.min(body.length, i + CHUNK);
    setStatus(`${T.rows}: ${bar.value} / ${body.length}`);
  }
  const csv = `${[
    BATCH_COLUMNS.join(","),
    ...rows.map((r) =>
      BATCH_COLUMNS.map((c) => csvCell(c === "reasons" ? r.reasons.join("; ") : r[c])).join(","),
    ),
  ].join("\r\n")}\r\n`;
  const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
  const sum = byId("summary");
  sum.innerHTML =
    `<h2>${esc(T.summaryTitle)}</h2>${byId("illustrative").hidden ? "" : `<p class="muted">${esc(T.illustrative)}</p>`}` +
    `<table><tr><th>${esc(T.available)}</th><td>${summary.available}</td></tr><tr><th>${esc(T.needs_reinforcement)}</th><td>${summary.needs_reinforcement}` +
    `</td></tr><tr><th>${esc(T.unavailable)}</th><td>${summary.unavailable}</td></tr><tr><th>${esc(T.invalid)}</th><td>${summary.invalid}</td></tr><tr><th>${esc(T.total)}</th><td>${rows.length}</td></tr></table>` +
    `<p><a id="batchCsv" download="grid-check.csv" href="${url}">${esc(T.download)}</a> · <a href="#" id="printBtn">${esc(T.print)}</a></p>` +
    `<table><tr><th>#</th><th>name</th><th>MW</th><th>${esc(T.site)}</th><th></th><th>${esc(T.cost)}</th></tr>` +
    rows
      .slice(0, 200)
      .map(
        (r) =>
          `<tr><td>${r.line}</td><td>${esc(r.name)}</td><td>${num(r.mw, 1)}</td><td>${esc(r.connection_point_name || "—")}</td><td>${esc(text(r.status))}</td><td>${mln(r.cost_rub)}</td></tr>`,
      )
      .join("") +
    "</table>";
  byId("printBtn").addEventListener("click", (e) => {
    e.preventDefault();
    window.print();
  });
  document.body.dataset.batchRows = String(rows.length);
}
byId("batchForm").addEventListener("submit", (e) => {
  e.preventDefault();
  runBatch().catch((err) => setStatus(`${T.error}: ${err.message}`));
});
