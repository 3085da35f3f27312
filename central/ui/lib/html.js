// @ts-check
// Escaping for pages that build HTML as text (/map, /reports).

/** Text made safe to put into HTML (elements and quoted attributes); nothing for null. */
export const esc = (/** @type {unknown} */ s) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) =>
      /** @type {Record<string, string>} */ ({
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
      })[c] ?? c,
  );
