// @ts-check
// Where the pages keep the caller's token: the tab's session storage, sent
// by the pages' scripts as `Authorization: Bearer` and never in a URL (an
// address ends up in logs, history and Referer headers) nor in a cookie
// (nothing is sent by the browser on its own, so no request can be forged
// from another site). It is gone when the tab closes; the console, /reports
// and /map of one tab share it. See ARCHITECTURE.md, "Signing in".

const KEY = "vetra.token";

/** The token of this tab's session, or "" when signed out. */
export function savedToken() {
  // Versions before this one kept the token in local storage (kept across restarts, shared by tabs): drop it.
  localStorage.removeItem(KEY);
  return sessionStorage.getItem(KEY) ?? "";
}

/** @param {string} token */
export function saveToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

/**
 * The Authorization header for the session's token (none when signed out).
 * @param {string} token
 * @returns {Record<string, string>}
 */
export const bearer = (token) => (token ? { Authorization: `Bearer ${token}` } : {});
