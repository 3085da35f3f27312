// Talking to central: the session (token and who it is), the JSON API with
// the Bearer token, downloads of its files, and the live alarm feed read
// from `GET /api/v1/alarms/stream` with fetch() (EventSource cannot send the
// header). A 401 anywhere ends the session through the handler the entry
// module sets, so this module needs nothing of the router.
import { $, h } from "./dom.js";
import { lang, t } from "./i18n.js";
import { errorText } from "./server-texts.js";
import { savedToken } from "./token.js";

/** What ends the session (the entry module's logout); set once at start. */
let sessionEnded = (/** @type {string} */ _message) => {};
/** @param {(message: string) => void} fn */
export function onSessionEnd(fn) {
  sessionEnded = fn;
}

/**
 * A refused call: its status, central's error code and the text in the
 * page's language (the catalogue's, server-texts.js); central's own message
 * stays in `serverMessage` (shown as the error's tooltip).
 */
export class ApiFailure extends Error {
  /** @param {number} status @param {string} message @param {string} [code] @param {string} [serverMessage] */
  constructor(status, message, code, serverMessage) {
    super(message);
    this.status = status;
    this.code = code;
    this.serverMessage = serverMessage;
  }
}

export const session = {
  token: savedToken(),
  /** @type {{role: "admin"|"ministry"|"service_company"|"energy_manager", company: any, companies: any[]} | null} */
  me: null,
};

/**
 * A call of the API with the session's token. 401 ends the session.
 * @param {string} path
 * @param {{method?: string, body?: any, raw?: boolean}} [opts]
 */
export async function api(path, opts = {}) {
  const headers = { Authorization: `Bearer ${session.token}` };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method: opts.method ?? "GET",
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (res.status === 401) {
    sessionEnded(t("sessionEnded"));
    throw new ApiFailure(401, t("sessionEnded"));
  }
  if (!res.ok) {
    /** @type {{code?: string, message?: string} | undefined} */
    let error;
    try {
      error = (await res.json()).error;
    } catch {}
    const fallback = error?.message ?? `${res.status} ${res.statusText}`;
    throw new ApiFailure(res.status, errorText(error?.code, lang, fallback), error?.code, error?.message);
  }
  if (opts.raw) return res;
  return res.status === 204 ? null : res.json();
}
export const qs = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};

/** Who the token is: admin (may list tokens), else its own company (one) or all of them (ministry). */
export async function whoAmI() {
  const probe = await fetch("/api/v1/tokens", { headers: { Authorization: `Bearer ${session.token}` } });
  if (probe.status === 401) throw new ApiFailure(401, t("badToken"));
  const isAdmin = probe.ok;
  const res = await fetch("/api/v1/companies", { headers: { Authorization: `Bearer ${session.token}` } });
  if (res.status === 401) throw new ApiFailure(401, t("badToken"));
  if (res.status === 403) {
    // An energy manager sees control of its tenant's facilities, nothing of the turbines' service.
    const control = await fetch("/api/v1/control/points", {
      headers: { Authorization: `Bearer ${session.token}` },
    });
    if (control.ok) return { role: "energy_manager", company: null, companies: [] };
    throw new ApiFailure(403, t("noConsole"));
  }
  const companies = res.ok ? ((await res.json()).companies ?? []) : [];
  if (isAdmin) return { role: "admin", company: null, companies };
  if (companies.length === 1) return { role: "service_company", company: companies[0], companies };
  return { role: "ministry", company: null, companies };
}

/** Download of an API answer (PDF, CSV, JSON) with the session's token, as a file. */
export async function download(path, filename) {
  const res = await api(path, { raw: true });
  const url = URL.createObjectURL(await res.blob());
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const companyName = (id) => session.me?.companies?.find((c) => c.id === id)?.name ?? id;
export const canAct = () => session.me?.role === "admin" || session.me?.role === "service_company";

/* ------------------------------------------- live alarm events (SSE over fetch) */

const live = { controller: /** @type {AbortController | null} */ (null), listeners: new Set() };

export function stopStream() {
  live.controller?.abort();
  live.controller = null;
  setLive(false);
}

export function setLive(up) {
  const el = $("#live");
  el.hidden = !session.me;
  el.classList.toggle("up", up);
  el.title = up ? t("live") : t("liveDown");
  el.dataset.state = up ? "up" : "down";
}

/** Reads `GET /api/v1/alarms/stream` with the Bearer header; reconnects with back-off and jitter. */
export function startStream() {
  stopStream();
  const controller = new AbortController();
  live.controller = controller;
  const { signal } = controller;
  (async () => {
    let delayMs = 1000;
    while (!signal.aborted) {
      try {
        const res = await fetch("/api/v1/alarms/stream", {
          headers: { Authorization: `Bearer ${session.token}`, Accept: "text/event-stream" },
          signal,
        });
        if (res.status === 401) return sessionEnded(t("sessionEnded"));
        if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
        setLive(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          delayMs = 1000;
          buffer += value.replace(/\r\n?/g, "\n");
          for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
            handleSse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        if (signal.aborted) return;
      }
      setLive(false);
      await new Promise((r) => setTimeout(r, delayMs * (0.75 + Math.random() / 2)));
      delayMs = Math.min(delayMs * 2, 30_000);
    }
  })();
}

function handleSse(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (event !== "alarm" || data.length === 0) return;
  let message;
  try {
    message = JSON.parse(data.join("\n"));
  } catch {
    return;
  }
  for (const listener of live.listeners) listener(message);
}

/** Calls `fn` with every live alarm event until the returned function is called. */
export function followAlarms(fn) {
  live.listeners.add(fn);
  return () => live.listeners.delete(fn);
}
