// The service companies' console: one page, hash routes, the JSON API with
// the token from the login field (kept in the tab's session storage, sent as
// a Bearer header; never in the address). Plain browser ES modules (no build step);
// charts with uPlot served by central itself. Russian by default, English on
// the header's switch (remembered); times on screen in the browser's local
// zone; SI units.
//
// This entry module holds the login and logout, the header (navigation,
// language switch, live indicator) and the router; `lib/` holds the texts
// (i18n), building elements and formatting (dom), the API, session and live
// feed (api), charts and the pieces of alarms several pages show; `pages/`
// one module per page (the work-orders page also lends its table and form to
// the alarm and asset pages). Imports point from here to pages to lib, never
// back: no cycles.
import {
  ApiFailure,
  followAlarms,
  onSessionEnd,
  session,
  setLive,
  startStream,
  stopStream,
  whoAmI,
} from "./lib/api.js";
import { $, errorBox, h } from "./lib/dom.js";
import { lang, setLang, t } from "./lib/i18n.js";
import { forgetToken, saveToken } from "./lib/token.js";
import { adminPage } from "./pages/admin.js";
import { alarmPage } from "./pages/alarm.js";
import { alarmHealthPage } from "./pages/alarm-health.js";
import { alarmsPage } from "./pages/alarms.js";
import { assetPage } from "./pages/asset.js";
import { controlPage } from "./pages/control.js";
import { documentsPage } from "./pages/documents.js";
import { fleetPage } from "./pages/fleet.js";
import { reportsPage } from "./pages/reports.js";
import { spectrumPage } from "./pages/spectrum.js";
import { trendsPage } from "./pages/trends.js";
import { waterfallPage } from "./pages/waterfall.js";
import { workOrdersPage } from "./pages/work-orders.js";

/** @typedef {import("./lib/dom.js").PageContext} PageContext */

/* ------------------------------------------------------------ login and logout */

function showLogin(message) {
  $("#login").hidden = false;
  $("#app").hidden = true;
  $("#nav").hidden = true;
  $("#logout").hidden = true;
  $("#live").hidden = true;
  $("#who").textContent = "";
  const err = $("#loginError");
  err.hidden = !message;
  err.textContent = message ?? "";
  $("#token").focus();
}

async function login(token) {
  session.token = token;
  try {
    session.me = await whoAmI();
  } catch (e) {
    session.token = "";
    forgetToken();
    showLogin(e instanceof ApiFailure ? e.message : String(e));
    return;
  }
  saveToken(token);
  $("#login").hidden = true;
  $("#app").hidden = false;
  // Every role of the console gets the live feed: an energy manager's carries its facilities' alarms only.
  startStream();
  renderHeader();
  route();
}

function logout(message) {
  stopStream();
  session.token = "";
  session.me = null;
  forgetToken();
  leavePage();
  $("#app").replaceChildren();
  showLogin(message);
}

/* ------------------------------------------------------- router and header */

const NAV = [
  ["#/fleet", "fleet"],
  ["#/alarms", "alarms"],
  ["#/alarm-health", "alarmHealth"],
  ["#/work-orders", "workOrders"],
  ["#/reports", "reports"],
  ["#/control", "control"],
  ["#/documents", "documents"],
  ["#/admin", "admin"],
];

/** Who sees which entries of the navigation (an energy manager: its facilities' alarms and control). */
const navFor = (role, href) =>
  role === "energy_manager"
    ? href === "#/control" || href === "#/alarms"
    : (href !== "#/admin" || role === "admin") && (href !== "#/control" || role !== "service_company");

function renderHeader() {
  document.documentElement.lang = lang;
  document.title = `Vetra — ${t("fleet")}`;
  $("#loginTitle").textContent = t("loginTitle");
  $("#tokenLabel").textContent = t("token");
  $("#loginButton").textContent = t("login");
  $("#langSwitch").textContent = lang === "en" ? "Русский" : "English";
  $("#logout").textContent = t("logout");
  const me = session.me;
  if (!me) return;
  $("#logout").hidden = false;
  $("#who").textContent = me.company ? me.company.name : t(`${me.role}_role`);
  $("#who").dataset.company = me.company?.id ?? "";
  $("#who").dataset.role = me.role;
  const current = location.hash.split("/").slice(0, 2).join("/");
  $("#nav").hidden = false;
  $("#nav").replaceChildren(
    ...NAV.filter(([href]) => navFor(me.role, href)).map(([href, key]) =>
      h("a", { href, class: href === current ? "current" : null }, t(key)),
    ),
  );
  setLive($("#live").classList.contains("up"));
}

/** What a page may register to be undone when the page is left. */
let page = { alive: false, cleanups: /** @type {(() => void)[]} */ ([]) };

function leavePage() {
  page.alive = false;
  for (const fn of page.cleanups.splice(0)) {
    try {
      fn();
    } catch {}
  }
}

const ROUTES = [
  [/^#\/fleet$/, fleetPage],
  [/^#\/alarms$/, alarmsPage],
  [/^#\/alarm\/(.+)$/, alarmPage],
  [/^#\/alarm-health$/, alarmHealthPage],
  [/^#\/asset\/([^/]+)$/, assetPage],
  [/^#\/spectrum\/([^/]+)\/([^/]+)$/, spectrumPage],
  [/^#\/trends\/([^/]+)\/([^/]+)$/, trendsPage],
  [/^#\/waterfall\/([^/]+)\/([^/]+)$/, waterfallPage],
  [/^#\/work-orders$/, workOrdersPage],
  [/^#\/reports$/, reportsPage],
  [/^#\/control(?:\/([^/]+))?$/, controlPage],
  [/^#\/documents$/, documentsPage],
  [/^#\/admin$/, adminPage],
];

function route() {
  if (!session.me) return;
  if (!location.hash || location.hash === "#" || location.hash === "#/") {
    history.replaceState(null, "", session.me.role === "energy_manager" ? "#/control" : "#/fleet");
  }
  leavePage();
  const state = { alive: true, cleanups: [] };
  page = state;
  renderHeader();
  const root = $("#app");
  root.replaceChildren(h("p", { class: "muted" }, t("loading")));
  /** @type {PageContext} */
  const ctx = {
    root,
    alive: () => state.alive,
    cleanup: (fn) => state.cleanups.push(fn),
    onAlarm: (fn) => {
      state.cleanups.push(followAlarms(fn));
    },
    reload: route,
  };
  const match = ROUTES.map(([re, fn]) => [re.exec(location.hash), fn]).find(([m]) => m);
  if (!match) {
    root.replaceChildren(h("section", { class: "card" }, h("h1", null, t("notFound"))));
    return;
  }
  const [m, fn] = match;
  const args = m.slice(1).map((s) => (s === undefined ? undefined : decodeURIComponent(s)));
  Promise.resolve(fn(ctx, ...args)).catch((e) => {
    if (!state.alive || (e instanceof ApiFailure && e.status === 401)) return;
    root.replaceChildren(h("section", { class: "card" }, errorBox(e)));
  });
}

/* ------------------------------------------------------------------ start */

function start() {
  // `?lang=en|ru` chooses the language once (and is removed). A token never travels in the address:
  // it is typed into the form and kept in this tab's session storage.
  const params = new URLSearchParams(location.search);
  if (params.get("lang") === "en" || params.get("lang") === "ru") {
    setLang(params.get("lang"));
  }
  if (params.has("lang")) {
    params.delete("lang");
    const rest = params.toString();
    history.replaceState(null, "", `${location.pathname}${rest ? `?${rest}` : ""}${location.hash}`);
  }
  $("#loginForm").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = $("#token").value.trim();
    $("#token").value = "";
    if (value) login(value);
  });
  $("#logout").addEventListener("click", () => logout());
  $("#langSwitch").addEventListener("click", () => {
    setLang(lang === "en" ? "ru" : "en");
    renderHeader();
    if (session.me) route();
    else showLogin($("#loginError").hidden ? undefined : $("#loginError").textContent);
  });
  onSessionEnd(logout);
  window.addEventListener("hashchange", route);
  renderHeader();
  const token = session.token;
  if (token) login(token);
  else showLogin();
}

start();
