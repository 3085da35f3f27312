// Pieces of the inline script that the self-contained pages (console,
// savings reports) share, so they read the language and escape text the
// same way. Each is whole lines of browser JavaScript, put into a page's
// template as it is.

/** Strict mode, the query parameters, and the language: Russian unless `?lang=en`. */
export const SCRIPT_LANG = `"use strict";
const params = new URLSearchParams(location.search);
const lang = params.get("lang") === "en" ? "en" : "ru";`;

/** `esc(s)`: text made safe to put into HTML (elements and quoted attributes). */
export const SCRIPT_ESC = `const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);`;
