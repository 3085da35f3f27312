// The service companies' console: one page, hash routes, the JSON API with
// the token from the login field. Plain browser ES module (no build step);
// charts with uPlot served by central itself. Russian by default, English on
// the header's switch (remembered); times on screen in the browser's local
// zone; SI units.
import uPlot from "/ui/assets/uPlot.esm.js";
import { FAULTS, POINTS } from "/ui/names.js";

const TOKEN_KEY = "vetra.token";
const LANG_KEY = "vetra.lang";

/* ---------------------------------------------------------------- texts */

/** Every text of the console: [Russian, English]. */
const TEXT = {
  loginTitle: ["Вход в консоль Vetra", "Sign in to the Vetra console"],
  token: ["Токен доступа", "Access token"],
  login: ["Войти", "Sign in"],
  logout: ["Выйти", "Sign out"],
  badToken: ["Токен не принят", "The token was not accepted"],
  noConsole: ["Этим токеном нельзя войти в консоль", "This token cannot use the console"],
  sessionEnded: ["Сеанс завершён: войдите снова", "Session ended: please sign in again"],
  fleet: ["Парк", "Fleet"],
  alarms: ["Тревоги", "Alarms"],
  workOrders: ["Наряды", "Work orders"],
  reports: ["Отчёты", "Reports"],
  admin: ["Администрирование", "Administration"],
  admin_role: ["администратор", "administrator"],
  ministry_role: ["министерство (только чтение)", "ministry (read only)"],
  live: ["Обновления в реальном времени", "Live updates"],
  liveDown: ["Нет связи с потоком обновлений, переподключение…", "Live updates lost, reconnecting…"],
  loading: ["Загрузка…", "Loading…"],
  error: ["Ошибка", "Error"],
  notFound: ["Страница не найдена", "Page not found"],
  noData: ["нет данных", "no data"],
  all: ["все", "all"],
  site: ["Площадка", "Site"],
  asset: ["Объект", "Asset"],
  assets: ["Объекты", "Assets"],
  point: ["Точка измерения", "Measuring point"],
  fault: ["Диагноз", "Diagnosis"],
  severity: ["Уровень", "Severity"],
  state: ["Состояние", "State"],
  since: ["Начало", "Since"],
  raisedAt: ["Открыта", "Raised"],
  clearedAt: ["Снята", "Cleared"],
  acknowledged: ["Квитирование", "Acknowledgement"],
  assignee: ["Исполнитель", "Assignee"],
  actions: ["Действия", "Actions"],
  company: ["Сервисная компания", "Service company"],
  search: ["Поиск", "Search"],
  status: ["Статус", "Status"],
  warning: ["предупреждение", "warning"],
  alarm: ["авария", "alarm"],
  ok: ["норма", "normal"],
  open: ["открытые", "open"],
  active: ["активна", "active"],
  acknowledgedState: ["квитирована", "acknowledged"],
  cleared: ["снята", "cleared"],
  st_active: ["активные", "active"],
  st_acknowledged: ["квитированные", "acknowledged"],
  st_cleared: ["снятые", "cleared"],
  ack: ["Квитировать", "Acknowledge"],
  assign: ["Назначить", "Assign"],
  comment: ["Комментарий", "Comment"],
  addComment: ["Добавить комментарий", "Add comment"],
  technician: ["Техник", "Technician"],
  confirm: ["Подтвердить", "Confirm"],
  cancel: ["Отмена", "Cancel"],
  save: ["Сохранить", "Save"],
  create: ["Создать", "Create"],
  unassign: ["Снять назначение", "Unassign"],
  shown: ["Показано", "Shown"],
  of: ["из", "of"],
  noAlarms: ["Тревог нет", "No alarms"],
  totalAssets: ["объектов", "assets"],
  inAlarm: ["в аварии", "in alarm"],
  inWarning: ["с предупреждением", "with a warning"],
  inOk: ["в норме", "normal"],
  countAlarm: ["аварий", "alarms"],
  countWarning: ["предупр.", "warnings"],
  countAck: ["квит.", "ack."],
  spectrum: ["Спектр", "Spectrum"],
  spectra: ["Спектры", "Spectra"],
  trends: ["Тренды", "Trends"],
  diagnoses: ["Активные диагнозы", "Active diagnoses"],
  evidence: ["Доказательства", "Evidence"],
  history: ["История", "History"],
  events: ["События", "Events"],
  openAlarms: ["Открытые тревоги", "Open alarms"],
  points: ["Точки измерения", "Measuring points"],
  zone: ["Зона ISO 10816-21", "ISO 10816-21 zone"],
  latest: ["Последний замер", "Latest block"],
  range: ["Интервал", "Range"],
  custom: ["свой", "custom"],
  from: ["с", "from"],
  to: ["по", "to"],
  apply: ["Показать", "Show"],
  h1: ["1 ч", "1 h"],
  h6: ["6 ч", "6 h"],
  h24: ["24 ч", "24 h"],
  d7: ["7 сут", "7 d"],
  velocitySpectrum: ["Спектр виброскорости", "Velocity spectrum"],
  envelopeSpectrum: ["Спектр квадрата огибающей", "Squared-envelope spectrum"],
  snapshotTime: ["Время снимка", "Snapshot time"],
  speed: ["Частота вращения", "Speed"],
  reason: ["Причина", "Reason"],
  scheduled: ["по расписанию", "scheduled"],
  diagnosis_changed: ["изменился диагноз", "diagnosis changed"],
  sampleRate: ["Частота дискретизации", "Sample rate"],
  band: ["Полоса демодуляции", "Demodulation band"],
  markers: ["Маркеры", "Markers"],
  resetZoom: ["Сбросить масштаб", "Reset zoom"],
  fullRange: ["Весь диапазон", "Full range"],
  linear: ["линейная", "linear"],
  log: ["логарифм.", "log"],
  amplitude: ["Амплитуда", "Amplitude"],
  olderSnapshots: ["Снимок", "Snapshot"],
  zoomHint: ["Масштаб: выделите участок мышью", "Zoom: drag across the chart"],
  frequency: ["Частота", "Frequency"],
  expected: ["Ожидаемая", "Expected"],
  snr: ["Сигнал/шум", "SNR"],
  harmonics: ["Гармоники", "Harmonics"],
  sidebands: ["Боковые полосы", "Sidebands"],
  baselineRatio: ["Отношение к базе", "Ratio to baseline"],
  confidence: ["Достоверность", "Confidence"],
  detail: ["Подробности", "Detail"],
  kind_bpfo: ["BPFO (наружное кольцо)", "BPFO (outer race)"],
  kind_bpfi: ["BPFI (внутреннее кольцо)", "BPFI (inner race)"],
  kind_bsf: ["BSF (тела качения)", "BSF (rolling elements)"],
  kind_ftf: ["FTF (сепаратор)", "FTF (cage)"],
  kind_shaft: ["1×/2×/3× вала", "1×/2×/3× shaft"],
  kind_gmf: ["зубцовая (GMF)", "gear mesh (GMF)"],
  kind_sideband: ["боковые полосы", "sidebands"],
  ev_raised: ["возникла", "raised"],
  ev_severity: ["смена уровня", "severity changed"],
  ev_acknowledged: ["квитирована", "acknowledged"],
  ev_assigned: ["назначена", "assigned"],
  ev_escalated: ["эскалация", "escalated"],
  ev_cleared: ["снята", "cleared"],
  ev_reactivated: ["возобновлена", "reactivated"],
  ev_comment: ["комментарий", "comment"],
  time: ["Время", "Time"],
  event: ["Событие", "Event"],
  actor: ["Кто", "By"],
  change: ["Изменение", "Change"],
  responseDue: ["Срок реакции", "Response due"],
  escalatedAt: ["Эскалирована", "Escalated"],
  maxSeverity: ["Наибольший уровень", "Highest severity"],
  createWorkOrder: ["Создать наряд", "Create work order"],
  workOrderTitle: ["Что сделать", "What to do"],
  wo_open: ["открыт", "open"],
  wo_in_progress: ["в работе", "in progress"],
  wo_done: ["выполнен", "done"],
  start: ["Начать", "Start"],
  finish: ["Завершить", "Finish"],
  findings: ["Выводы", "Findings"],
  created: ["Создан", "Created"],
  download: ["Скачать", "Download"],
  month: ["Месяц", "Month"],
  serviceReport: ["Ежемесячный отчёт об обслуживании", "Monthly service report"],
  daysMonitored: ["Дней под наблюдением", "Days monitored"],
  alarmsBySeverity: ["Аварий / предупр.", "Alarms / warnings"],
  medianAck: ["Медиана квитирования, мин", "Median to acknowledge, min"],
  medianClose: ["Медиана закрытия, мин", "Median to close, min"],
  escalations: ["Эскалаций", "Escalations"],
  ordersOpenedDone: ["Наряды: открыто / выполнено", "Work orders: opened / done"],
  total: ["Итого", "Total"],
  reportHint: [
    "Турбины × дни под наблюдением, тревоги по уровням, время квитирования и закрытия, наряды.",
    "Turbines × days monitored, alarms by severity, time to acknowledge and to close, work orders.",
  ],
  companies: ["Сервисные компании", "Service companies"],
  contracts: ["Договоры", "Contracts"],
  tokens: ["Токены", "Tokens"],
  id: ["Код", "ID"],
  name: ["Название", "Name"],
  email: ["Эл. почта", "E-mail"],
  language: ["Язык", "Language"],
  timezone: ["Часовой пояс", "Time zone"],
  source: ["Источник", "Source"],
  period: ["Период", "Period"],
  responseTime: ["Время реакции, мин", "Response time, min"],
  role: ["Роль", "Role"],
  label: ["Метка", "Label"],
  revoke: ["Отозвать", "Revoke"],
  revoked: ["отозван", "revoked"],
  tokenOnce: ["Новый токен (показывается один раз, сохраните его):", "New token (shown once, keep it now):"],
  edit: ["Изменить", "Edit"],
  endContract: ["Завершить сегодня", "End today"],
  adminOnly: ["Только для администратора", "Administrators only"],
  v_rms: ["Виброскорость СКЗ 10–1000 Гц", "Velocity RMS 10–1000 Hz"],
  a_rms: ["Виброускорение СКЗ", "Acceleration RMS"],
  iso_zone: ["Зона ISO 10816-21", "ISO 10816-21 zone"],
  kurtosis: ["Эксцесс", "Kurtosis"],
  crest: ["Пик-фактор", "Crest factor"],
  env_sk: ["Спектральный эксцесс полосы огибающей", "Spectral kurtosis of the envelope band"],
  rotor_speed: ["Частота вращения ротора", "Rotor speed"],
  power: ["Активная мощность", "Active power"],
  wind: ["Скорость ветра", "Wind speed"],
  mm_s: ["мм/с", "mm/s"],
  m_s2: ["м/с²", "m/s²"],
  m_s: ["м/с", "m/s"],
  rpm: ["об/мин", "rpm"],
  hz: ["Гц", "Hz"],
  kw: ["кВт", "kW"],
  db: ["дБ", "dB"],
  turbine: ["ветроустановка", "wind turbine"],
  hospital: ["больница", "hospital"],
  clinic: ["поликлиника", "clinic"],
  school: ["школа", "school"],
  open_asset: ["Открыть объект", "Open asset"],
  details: ["Подробнее", "Details"],
  back: ["Назад", "Back"],
  noSpectrum: ["Спектров этой точки ещё нет", "No spectrum of this point yet"],
  zoneAlarmEvidence: ["Общий уровень вибрации по ISO 10816-21", "Overall vibration level per ISO 10816-21"],
};

let lang = localStorage.getItem(LANG_KEY) === "en" ? "en" : "ru";
/** @param {keyof typeof TEXT | string} key */
const t = (key) => {
  const pair = TEXT[/** @type {keyof typeof TEXT} */ (key)];
  return pair ? pair[lang === "en" ? 1 : 0] : key;
};
const locale = () => (lang === "en" ? "en-GB" : "ru-RU");
const pointName = (id) => POINTS[id]?.[lang] ?? id;
const faultName = (id) => FAULTS[id]?.[lang] ?? id;

/* ------------------------------------------------------------ formatting */

/** A number in the page's language, or a dash. */
const num = (v, digits = 2) =>
  v == null || !Number.isFinite(Number(v))
    ? "—"
    : new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(Number(v));
/** Local date and time of an ISO string or epoch ms. */
const when = (v) => {
  if (v == null) return "—";
  const d = new Date(typeof v === "number" ? v : Date.parse(v));
  return Number.isNaN(d.getTime())
    ? "—"
    : d.toLocaleString(locale(), { dateStyle: "short", timeStyle: "medium" });
};
/** Units as the edge writes them ("mm/s", "g2") on screen. */
const unitText = (u) => ({ "mm/s": t("mm_s"), "m/s2": t("m_s2"), g2: "g²" })[u] ?? u ?? "";
const PALETTE = ["#1f5fbf", "#c0392b", "#2e8540", "#8e44ad", "#d35400", "#16a085", "#7f8c8d"];

/* ------------------------------------------------------------------ DOM */

/**
 * An element with properties and children; text is always text (never parsed as HTML).
 * @param {string} tag
 * @param {Record<string, any> | null} [props]
 * @param {...any} children
 * @returns {HTMLElement}
 */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value" || k === "checked") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}
const $ = (sel, root = document) => root.querySelector(sel);
const sevBadge = (s) => h("span", { class: `sev ${s}` }, t(s));
const stateText = (s) =>
  h("span", { class: `state ${s}` }, t(s === "acknowledged" ? "acknowledgedState" : s));
const zoneBadge = (z) => h("span", { class: `zone z${z ?? "N"}` }, z ?? "–");
const option = (value, label, selected) => h("option", { value, selected: selected ? true : null }, label);
const kv = (pairs) =>
  h(
    "dl",
    { class: "kv" },
    pairs.filter(([, v]) => v != null && v !== "").flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
  );

/** A table with a header row, scrolling sideways when narrow. */
const dataTable = (heads, rows, props = null) =>
  h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      props,
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          heads.filter((x) => x !== null).map((x) => h("th", null, x)),
        ),
      ),
      h("tbody", null, rows),
    ),
  );
/** Table cells of the values; `false` leaves a column out. */
const cells = (...values) => values.filter((v) => v !== false).map((v) => h("td", null, v));

/* ------------------------------------------------------- API and session */

class ApiFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const session = {
  token: localStorage.getItem(TOKEN_KEY) ?? "",
  /** @type {{role: "admin"|"ministry"|"service_company", company: any, companies: any[]} | null} */
  me: null,
};

/**
 * A call of the API with the session's token. 401 ends the session.
 * @param {string} path
 * @param {{method?: string, body?: any, raw?: boolean}} [opts]
 */
async function api(path, opts = {}) {
  const headers = { Authorization: `Bearer ${session.token}` };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method: opts.method ?? "GET",
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (res.status === 401) {
    logout(t("sessionEnded"));
    throw new ApiFailure(401, t("sessionEnded"));
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).error?.message ?? message;
    } catch {}
    throw new ApiFailure(res.status, message);
  }
  if (opts.raw) return res;
  return res.status === 204 ? null : res.json();
}
const qs = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};

/** Who the token is: admin (may list tokens), else its own company (one) or all of them (ministry). */
async function whoAmI() {
  const probe = await fetch("/api/v1/tokens", { headers: { Authorization: `Bearer ${session.token}` } });
  if (probe.status === 401) throw new ApiFailure(401, t("badToken"));
  const isAdmin = probe.ok;
  const res = await fetch("/api/v1/companies", { headers: { Authorization: `Bearer ${session.token}` } });
  if (res.status === 401) throw new ApiFailure(401, t("badToken"));
  if (res.status === 403) throw new ApiFailure(403, t("noConsole"));
  const companies = res.ok ? ((await res.json()).companies ?? []) : [];
  if (isAdmin) return { role: "admin", company: null, companies };
  if (companies.length === 1) return { role: "service_company", company: companies[0], companies };
  return { role: "ministry", company: null, companies };
}

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
    localStorage.removeItem(TOKEN_KEY);
    showLogin(e instanceof ApiFailure ? e.message : String(e));
    return;
  }
  localStorage.setItem(TOKEN_KEY, token);
  $("#login").hidden = true;
  $("#app").hidden = false;
  startStream();
  renderHeader();
  route();
}

function logout(message) {
  stopStream();
  session.token = "";
  session.me = null;
  localStorage.removeItem(TOKEN_KEY);
  leavePage();
  $("#app").replaceChildren();
  showLogin(message);
}

/* ------------------------------------------- live alarm events (SSE over fetch) */

const live = { controller: /** @type {AbortController | null} */ (null), listeners: new Set() };

function stopStream() {
  live.controller?.abort();
  live.controller = null;
  setLive(false);
}

function setLive(up) {
  const el = $("#live");
  el.hidden = !session.me;
  el.classList.toggle("up", up);
  el.title = up ? t("live") : t("liveDown");
  el.dataset.state = up ? "up" : "down";
}

/** Reads `GET /api/v1/alarms/stream` with the Bearer header; reconnects with back-off and jitter. */
function startStream() {
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
        if (res.status === 401) return logout(t("sessionEnded"));
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

/* ------------------------------------------------------- router and header */

const NAV = [
  ["#/fleet", "fleet"],
  ["#/alarms", "alarms"],
  ["#/work-orders", "workOrders"],
  ["#/reports", "reports"],
  ["#/admin", "admin"],
];

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
    ...NAV.filter(([href]) => href !== "#/admin" || me.role === "admin").map(([href, key]) =>
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

/**
 * @typedef {{ root: HTMLElement, alive: () => boolean, cleanup: (fn: () => void) => void,
 *   onAlarm: (fn: (m: {event: any, alarm: any}) => void) => void }} PageContext
 */

const ROUTES = [
  [/^#\/fleet$/, fleetPage],
  [/^#\/alarms$/, alarmsPage],
  [/^#\/alarm\/(.+)$/, alarmPage],
  [/^#\/asset\/([^/]+)$/, assetPage],
  [/^#\/spectrum\/([^/]+)\/([^/]+)$/, spectrumPage],
  [/^#\/work-orders$/, workOrdersPage],
  [/^#\/reports$/, reportsPage],
  [/^#\/admin$/, adminPage],
];

function route() {
  if (!session.me) return;
  if (!location.hash || location.hash === "#" || location.hash === "#/") {
    history.replaceState(null, "", "#/fleet");
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
      live.listeners.add(fn);
      state.cleanups.push(() => live.listeners.delete(fn));
    },
  };
  const match = ROUTES.map(([re, fn]) => [re.exec(location.hash), fn]).find(([m]) => m);
  if (!match) {
    root.replaceChildren(h("section", { class: "card" }, h("h1", null, t("notFound"))));
    return;
  }
  const [m, fn] = match;
  const args = m.slice(1).map((s) => decodeURIComponent(s));
  Promise.resolve(fn(ctx, ...args)).catch((e) => {
    if (!state.alive || (e instanceof ApiFailure && e.status === 401)) return;
    root.replaceChildren(
      h("section", { class: "card" }, h("p", { class: "error" }, `${t("error")}: ${e.message ?? e}`)),
    );
  });
}

/** Runs `fn` at most once per `ms`, after the last call (live events come in bursts). */
function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const errorBox = (e) => h("p", { class: "error" }, `${t("error")}: ${e.message ?? e}`);

const companyName = (id) => session.me?.companies?.find((c) => c.id === id)?.name ?? id;

/* ------------------------------------------------------------------ fleet */

const fleetFilters = { site: "", status: "", text: "" };

/** @param {PageContext} ctx */
async function fleetPage(ctx) {
  const body = h("div");
  const siteSel = h("select", { id: "fleetSite" });
  const statusSel = h(
    "select",
    { id: "fleetStatus" },
    option("", t("all")),
    ...["alarm", "warning", "ok"].map((s) => option(s, t(s), fleetFilters.status === s)),
  );
  const text = h("input", { id: "fleetText", type: "search", value: fleetFilters.text, size: 16 });
  let data = null;
  const draw = () => {
    if (!data) return;
    const q = fleetFilters.text.trim().toLowerCase();
    const sites = data.sites
      .filter((s) => !fleetFilters.site || s.id === fleetFilters.site)
      .map((s) => ({
        ...s,
        assets: s.assets.filter(
          (a) =>
            (!fleetFilters.status || (a.worst ?? "ok") === fleetFilters.status) &&
            (!q || a.id.toLowerCase().includes(q) || a.name.toLowerCase().includes(q)),
        ),
      }))
      .filter((s) => s.assets.length > 0);
    const tot = data.totals;
    body.replaceChildren(
      h(
        "section",
        { class: "card" },
        h(
          "div",
          { class: "totals", id: "fleetTotals" },
          h("span", null, h("b", null, tot.assets), " ", t("totalAssets")),
          h("span", null, h("b", { class: "sev alarm" }, tot.alarm), " ", t("inAlarm")),
          h("span", null, h("b", { class: "sev warning" }, tot.warning), " ", t("inWarning")),
          h("span", null, h("b", null, tot.ok), " ", t("inOk")),
        ),
      ),
      ...sites.map((s) =>
        h(
          "section",
          { class: "card", dataset: { site: s.id } },
          h("h2", null, s.name, " ", h("span", { class: "muted" }, s.id)),
          h(
            "div",
            { class: "tiles" },
            s.assets.map((a) =>
              h(
                "a",
                {
                  class: `tile worst-${a.worst ?? "ok"}`,
                  href: `#/asset/${encodeURIComponent(a.id)}`,
                  dataset: { asset: a.id, worst: a.worst ?? "ok" },
                },
                h("b", null, a.name),
                h("span", { class: "muted" }, `${a.id} · ${t(a.kind)}`),
                session.me?.role !== "service_company"
                  ? h("div", { class: "muted" }, companyName(a.company))
                  : null,
                h(
                  "div",
                  { class: "counts" },
                  `${t("countAlarm")} ${a.counts.alarm} · ${t("countWarning")} ${a.counts.warning} · ${t("countAck")} ${a.counts.acknowledged}`,
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };
  const load = async () => {
    const next = await api("/api/v1/fleet");
    if (!ctx.alive()) return;
    data = next;
    const current = fleetFilters.site;
    siteSel.replaceChildren(
      option("", t("all")),
      ...data.sites.map((s) => option(s.id, s.name, s.id === current)),
    );
    draw();
  };
  siteSel.addEventListener("change", () => {
    fleetFilters.site = siteSel.value;
    draw();
  });
  statusSel.addEventListener("change", () => {
    fleetFilters.status = statusSel.value;
    draw();
  });
  text.addEventListener("input", () => {
    fleetFilters.text = text.value;
    draw();
  });
  ctx.root.replaceChildren(
    h(
      "section",
      { class: "card" },
      h("h1", null, t("fleet")),
      h(
        "div",
        { class: "filters" },
        h("label", null, t("site"), siteSel),
        h("label", null, t("status"), statusSel),
        h("label", null, t("search"), text),
      ),
    ),
    body,
  );
  await load();
  const reload = debounce(() => load().catch(() => {}), 300);
  ctx.onAlarm(reload);
}

/* ----------------------------------------------------------------- alarms */

const alarmFilters = { state: "open", severity: "", site: "", fault: "", q: "", sort: "", order: "desc" };
/** Alarm ids changed by live events a moment ago, with when the highlight ends. */
const flashing = new Map();
const FLASH_MS = 4000;
const canAct = () => session.me?.role === "admin" || session.me?.role === "service_company";

/**
 * Acknowledge/assign/comment forms, shared by the list (in place) and the detail page.
 * @param {"ack"|"assign"|"comment"} kind
 * @param {any} alarm
 * @param {(alarm: any) => void} done
 * @param {() => void} [cancel]
 */
function actionForm(kind, alarm, done, cancel) {
  const comment = h("input", { name: "comment", placeholder: t("comment"), size: 28 });
  const assignee = h("input", { name: "assignee", placeholder: t("technician"), size: 18 });
  if (kind === "assign" && alarm.assignee) assignee.value = alarm.assignee;
  const error = h("span", { class: "error" });
  const submit = h(
    "button",
    { class: "primary", type: "submit" },
    t(kind === "assign" ? "assign" : kind === "ack" ? "ack" : "addComment"),
  );
  const form = h(
    "form",
    { class: "inline", dataset: { form: kind } },
    kind === "assign" ? assignee : null,
    comment,
    submit,
    cancel ? h("button", { type: "button", onclick: cancel }, t("cancel")) : null,
    error,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const text = comment.value.trim();
    const path = `/api/v1/alarms/${encodeURIComponent(alarm.id)}/${kind}`;
    const body =
      kind === "ack"
        ? text
          ? { comment: text }
          : {}
        : kind === "assign"
          ? { assignee: assignee.value.trim() || null, ...(text ? { comment: text } : {}) }
          : { comment: text };
    try {
      const res = await api(path, { method: "POST", body });
      done(res.alarm);
    } catch (err) {
      submit.disabled = false;
      error.textContent = err.message;
    }
  });
  return form;
}

/** @param {PageContext} ctx */
async function alarmsPage(ctx) {
  const COLUMNS = [
    ["severity", "severity"],
    ["asset", "asset"],
    [null, "site"],
    [null, "point"],
    [null, "fault"],
    ["state", "state"],
    ["since", "since"],
    ["raisedAt", "raisedAt"],
    [null, "acknowledged"],
    [null, "assignee"],
  ];
  const tbody = h("tbody", { id: "alarmRows" });
  const thead = h("thead");
  const count = h("p", { class: "muted", id: "alarmCount" });
  const status = h("div");
  /** Row id with an open form: a live refresh waits until it closes. */
  let editing = null;
  let pending = false;
  let names = new Map();
  let siteNames = new Map();
  let rows = [];

  const sel = (id, key, choices) => {
    const s = h(
      "select",
      { id },
      choices.map(([v, label]) => option(v, label, alarmFilters[key] === v)),
    );
    s.addEventListener("change", () => {
      alarmFilters[key] = s.value;
      load();
    });
    return s;
  };
  const stateSel = sel("alarmState", "state", [
    ["open", t("open")],
    ["active", t("st_active")],
    ["acknowledged", t("st_acknowledged")],
    ["cleared", t("st_cleared")],
    ["all", t("all")],
  ]);
  const sevSel = sel("alarmSeverity", "severity", [
    ["", t("all")],
    ["alarm", t("alarm")],
    ["warning", t("warning")],
  ]);
  const siteSel = sel("alarmSite", "site", [["", t("all")]]);
  const faultSel = sel("alarmFault", "fault", [
    ["", t("all")],
    ...Object.keys(FAULTS).map((f) => [f, faultName(f)]),
  ]);
  const text = h("input", { id: "alarmText", type: "search", value: alarmFilters.q, size: 16 });
  const typed = debounce(() => {
    alarmFilters.q = text.value.trim();
    load();
  }, 300);
  text.addEventListener("input", typed);

  const drawHead = () => {
    thead.replaceChildren(
      h(
        "tr",
        null,
        COLUMNS.map(([sort, key]) => {
          const on = sort && alarmFilters.sort === sort;
          return h(
            "th",
            {
              dataset: sort ? { sort } : {},
              "aria-sort": on ? (alarmFilters.order === "asc" ? "ascending" : "descending") : null,
              onclick: sort
                ? () => {
                    if (alarmFilters.sort === sort)
                      alarmFilters.order = alarmFilters.order === "asc" ? "desc" : "asc";
                    else {
                      alarmFilters.sort = sort;
                      alarmFilters.order = sort === "asset" ? "asc" : "desc";
                    }
                    load();
                  }
                : null,
            },
            t(key),
            on ? (alarmFilters.order === "asc" ? " ▲" : " ▼") : "",
          );
        }),
        canAct() ? h("th", null, t("actions")) : null,
      ),
    );
  };

  const drawRows = () => {
    const now = Date.now();
    for (const [id, until] of flashing) if (until < now) flashing.delete(id);
    if (rows.length === 0) {
      tbody.replaceChildren(
        h("tr", null, h("td", { colspan: COLUMNS.length + 1, class: "muted" }, t("noAlarms"))),
      );
      return;
    }
    tbody.replaceChildren(
      ...rows.flatMap((a) => {
        const tr = h(
          "tr",
          {
            class: flashing.has(a.id) ? "flash" : null,
            dataset: { id: a.id, state: a.state, severity: a.severity },
          },
          h("td", null, sevBadge(a.severity)),
          h(
            "td",
            null,
            h("a", { href: `#/asset/${encodeURIComponent(a.asset)}` }, names.get(a.asset) ?? a.asset),
            " ",
            h("span", { class: "muted" }, a.asset),
          ),
          h("td", null, siteNames.get(a.site) ?? a.site),
          h("td", null, pointName(a.point)),
          h("td", null, h("a", { href: `#/alarm/${encodeURIComponent(a.id)}` }, faultName(a.fault))),
          h("td", null, stateText(a.state)),
          h("td", null, when(a.since)),
          h("td", null, when(a.raisedAt)),
          h(
            "td",
            { class: "ack" },
            a.acknowledgedAt ? [a.acknowledgedBy ?? "", " · ", when(a.acknowledgedAt)] : "—",
            a.ackComment ? h("div", { class: "muted ack-comment" }, a.ackComment) : null,
          ),
          h("td", { class: "assignee" }, a.assignee ?? "—"),
          canAct()
            ? h(
                "td",
                { class: "toolbar" },
                a.state === "active"
                  ? h(
                      "button",
                      { type: "button", dataset: { action: "ack" }, onclick: () => openForm(a, "ack") },
                      t("ack"),
                    )
                  : null,
                a.state !== "cleared"
                  ? h(
                      "button",
                      { type: "button", dataset: { action: "assign" }, onclick: () => openForm(a, "assign") },
                      t("assign"),
                    )
                  : null,
              )
            : null,
        );
        if (editing?.id !== a.id) return [tr];
        const form = actionForm(
          editing.kind,
          a,
          (updated) => {
            editing = null;
            flashing.set(updated.id, Date.now() + FLASH_MS);
            rows = rows.map((r) => (r.id === updated.id ? updated : r));
            if (pending) load();
            else drawRows();
          },
          () => {
            editing = null;
            if (pending) load();
            else drawRows();
          },
        );
        return [tr, h("tr", { class: "inline" }, h("td", { colspan: COLUMNS.length + 1 }, form))];
      }),
    );
    $("tr.inline input", tbody)?.focus();
  };

  const openForm = (a, kind) => {
    editing = { id: a.id, kind };
    drawRows();
  };

  let seq = 0;
  const load = async () => {
    drawHead();
    if (editing) {
      pending = true;
      return;
    }
    pending = false;
    const mine = ++seq;
    try {
      const { alarms, total } = await api(
        `/api/v1/alarms${qs({
          state: alarmFilters.state,
          severity: alarmFilters.severity,
          site: alarmFilters.site,
          fault: alarmFilters.fault,
          q: alarmFilters.q,
          sort: alarmFilters.sort,
          order: alarmFilters.sort ? alarmFilters.order : "",
          limit: 500,
        })}`,
      );
      if (!ctx.alive() || mine !== seq) return;
      rows = alarms;
      count.textContent = `${t("shown")} ${alarms.length} ${t("of")} ${total}`;
      status.replaceChildren();
      drawRows();
    } catch (e) {
      if (ctx.alive()) status.replaceChildren(errorBox(e));
    }
  };

  ctx.root.replaceChildren(
    h(
      "section",
      { class: "card" },
      h("h1", null, t("alarms")),
      h(
        "div",
        { class: "filters" },
        h("label", null, t("state"), stateSel),
        h("label", null, t("severity"), sevSel),
        h("label", null, t("site"), siteSel),
        h("label", null, t("fault"), faultSel),
        h("label", null, t("search"), text),
      ),
      status,
      h("div", { class: "table-wrap" }, h("table", { id: "alarmTable" }, thead, tbody)),
      count,
    ),
  );
  const [fleet] = await Promise.all([api("/api/v1/fleet").catch(() => null), load()]);
  if (fleet && ctx.alive()) {
    names = new Map(fleet.sites.flatMap((s) => s.assets.map((a) => [a.id, a.name])));
    siteNames = new Map(fleet.sites.map((s) => [s.id, s.name]));
    siteSel.append(...fleet.sites.map((s) => option(s.id, s.name, alarmFilters.site === s.id)));
    drawRows();
  }
  const refresh = debounce(load, 150);
  ctx.onAlarm(({ alarm }) => {
    if (alarm?.id) flashing.set(alarm.id, Date.now() + FLASH_MS);
    if (editing) pending = true;
    else refresh();
  });
}

/* ----------------------------------------------------------- alarm detail */

/** Evidence of a diagnosis as a list of name/value pairs. */
function evidenceList(ev, extra = []) {
  if (!ev) return h("p", { class: "muted" }, t("noData"));
  const hz = (v) => (v == null ? null : `${num(v, 3)} ${t("hz")}`);
  return kv([
    ...extra,
    [t("frequency"), hz(ev.frequency_hz)],
    [t("expected"), hz(ev.expected_hz)],
    [t("amplitude"), ev.amplitude == null ? null : `${num(ev.amplitude, 4)} ${unitText(ev.amplitude_unit)}`],
    [t("snr"), ev.snr_db == null ? null : `${num(ev.snr_db, 1)} ${t("db")}`],
    [
      t("harmonics"),
      ev.harmonics == null
        ? null
        : ev.harmonics_searched
          ? `${ev.harmonics} ${t("of")} ${ev.harmonics_searched}`
          : String(ev.harmonics),
    ],
    [
      t("sidebands"),
      ev.sidebands ? `${ev.sidebands.found} × ${num(ev.sidebands.spacing_hz, 3)} ${t("hz")}` : null,
    ],
    [t("band"), ev.band_hz ? `${num(ev.band_hz[0], 0)}–${num(ev.band_hz[1], 0)} ${t("hz")}` : null],
    [t("baselineRatio"), ev.baseline_ratio == null ? null : num(ev.baseline_ratio, 2)],
    ...Object.entries(ev.detail ?? {}).map(([k, v]) => [k, typeof v === "number" ? num(v, 3) : v]),
  ]);
}

/** @param {PageContext} ctx @param {string} id */
async function alarmPage(ctx, id) {
  const load = async () => {
    const { alarm, events } = await api(`/api/v1/alarms/${encodeURIComponent(id)}`);
    const [spectrum, health, orders] = await Promise.all([
      api(`/api/v1/assets/${encodeURIComponent(alarm.asset)}/spectrum${qs({ point: alarm.point })}`).catch(
        () => null,
      ),
      api(`/api/v1/assets/${encodeURIComponent(alarm.asset)}/health`).catch(() => null),
      api(`/api/v1/work-orders${qs({ alarm: alarm.id })}`).catch(() => null),
    ]);
    if (!ctx.alive()) return;
    const snap = spectrum?.snapshots?.[0];
    const diag = snap?.diagnoses?.find((d) => d.fault === alarm.fault);
    const pointHealth = health?.points?.find((p) => p.point === alarm.point);
    const actions = h("div", { class: "toolbar", id: "alarmActions" });
    const formSlot = h("div");
    const after = () => load().catch((e) => ctx.root.append(errorBox(e)));
    if (canAct() && alarm.state !== "cleared") {
      const open = (kind) =>
        formSlot.replaceChildren(actionForm(kind, alarm, after, () => formSlot.replaceChildren()));
      if (alarm.state === "active")
        actions.append(
          h("button", { type: "button", dataset: { action: "ack" }, onclick: () => open("ack") }, t("ack")),
        );
      actions.append(
        h(
          "button",
          { type: "button", dataset: { action: "assign" }, onclick: () => open("assign") },
          t("assign"),
        ),
      );
    }
    if (canAct())
      actions.append(
        h(
          "button",
          {
            type: "button",
            dataset: { action: "comment" },
            onclick: () =>
              formSlot.replaceChildren(actionForm("comment", alarm, after, () => formSlot.replaceChildren())),
          },
          t("addComment"),
        ),
      );
    if (canAct() && orders)
      actions.append(
        h(
          "button",
          {
            type: "button",
            dataset: { action: "work-order" },
            onclick: () => formSlot.replaceChildren(workOrderForm(alarm, after)),
          },
          t("createWorkOrder"),
        ),
      );
    ctx.root.replaceChildren(
      h(
        "section",
        { class: "card", id: "alarmDetail", dataset: { id: alarm.id, state: alarm.state } },
        h(
          "h1",
          null,
          sevBadge(alarm.severity),
          " ",
          faultName(alarm.fault),
          " — ",
          h("a", { href: `#/asset/${encodeURIComponent(alarm.asset)}` }, alarm.asset),
          ", ",
          pointName(alarm.point),
        ),
        kv([
          [t("state"), stateText(alarm.state)],
          [t("maxSeverity"), t(alarm.maxSeverity)],
          [t("site"), alarm.site],
          [t("company"), companyName(alarm.company)],
          [t("since"), when(alarm.since)],
          [t("raisedAt"), when(alarm.raisedAt)],
          [t("zone"), alarm.isoZone ? zoneBadge(alarm.isoZone) : null],
          [
            t("acknowledged"),
            alarm.acknowledgedAt ? `${alarm.acknowledgedBy ?? ""} · ${when(alarm.acknowledgedAt)}` : null,
          ],
          [t("comment"), alarm.ackComment],
          [t("assignee"), alarm.assignee],
          [t("responseDue"), alarm.responseDueAt ? when(alarm.responseDueAt) : null],
          [t("escalatedAt"), alarm.escalatedAt ? when(alarm.escalatedAt) : null],
          [t("clearedAt"), alarm.clearedAt ? when(alarm.clearedAt) : null],
        ]),
        h(
          "p",
          null,
          h(
            "a",
            { href: `#/spectrum/${encodeURIComponent(alarm.asset)}/${encodeURIComponent(alarm.point)}` },
            t("spectrum"),
          ),
        ),
        actions,
        formSlot,
      ),
      h(
        "section",
        { class: "card" },
        h("h2", null, t("evidence")),
        diag
          ? evidenceList(diag.evidence, [
              [t("confidence"), `${num(diag.confidence * 100, 0)} %`],
              [t("since"), when(diag.since)],
            ])
          : alarm.fault === "overall_vibration" && pointHealth
            ? [
                h("p", null, t("zoneAlarmEvidence")),
                kv([
                  [t("zone"), zoneBadge(pointHealth.isoZone)],
                  [t("v_rms"), `${num(pointHealth.features.v_rms_mm_s, 2)} ${t("mm_s")}`],
                  [t("latest"), when(pointHealth.ts)],
                ]),
              ]
            : h("p", { class: "muted" }, t("noData")),
      ),
      orders ? workOrderSection(orders.workOrders ?? orders.work_orders ?? []) : null,
      h("section", { class: "card" }, h("h2", null, t("events")), eventsTable(events, false)),
    );
  };
  await load();
  const reload = debounce(() => load().catch(() => {}), 200);
  ctx.onAlarm(({ alarm }) => {
    if (alarm?.id === id || alarm?.key === id) reload();
  });
}

/** Alarm events as a table: newest first as given. */
function eventsTable(events, withAlarm) {
  if (!events?.length) return h("p", { class: "muted" }, t("noData"));
  return dataTable(
    [t("time"), withAlarm ? t("fault") : null, t("event"), t("actor"), t("change"), t("comment")],
    events.map((e) =>
      h(
        "tr",
        { dataset: { kind: e.kind } },
        cells(
          when(e.at),
          withAlarm ? h("a", { href: `#/alarm/${encodeURIComponent(e.alarm)}` }, alarmLabel(e.alarm)) : false,
          t(`ev_${e.kind}`),
          e.actor,
          e.from || e.to ? `${valueText(e.from)} → ${valueText(e.to)}` : "",
          e.comment ?? "",
        ),
      ),
    ),
    { class: "events" },
  );
}
const valueText = (v) => (v == null ? "—" : TEXT[v] ? t(v === "acknowledged" ? "acknowledgedState" : v) : v);
/** '<asset>:<point>:<fault>:<n>' → "point, fault". */
const alarmLabel = (id) => {
  const [, point, fault] = id.split(":");
  return point && fault ? `${pointName(point)}, ${faultName(fault)}` : id;
};

/* ------------------------------------------------------------ work orders */

function workOrderForm(alarm, done) {
  const title = h("input", {
    name: "title",
    size: 40,
    placeholder: t("workOrderTitle"),
    value: `${faultName(alarm.fault)} — ${alarm.asset}, ${pointName(alarm.point)}`,
  });
  const assignee = h("input", {
    name: "assignee",
    size: 18,
    placeholder: t("technician"),
    value: alarm.assignee ?? "",
  });
  const error = h("span", { class: "error" });
  const form = h(
    "form",
    { class: "inline", dataset: { form: "work-order" } },
    title,
    assignee,
    h("button", { class: "primary" }, t("create")),
    error,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const body = { title: title.value.trim() };
      if (assignee.value.trim()) body.assignee = assignee.value.trim();
      await api(`/api/v1/alarms/${encodeURIComponent(alarm.id)}/work-orders`, { method: "POST", body });
      done();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  return form;
}

/** Download of an API answer (PDF, CSV, JSON) with the session's token, as a file. */
async function download(path, filename) {
  const res = await api(path, { raw: true });
  const url = URL.createObjectURL(await res.blob());
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function workOrderSection(orders, onChange) {
  return h(
    "section",
    { class: "card" },
    h("h2", null, t("workOrders")),
    orders.length === 0
      ? h("p", { class: "muted" }, t("noData"))
      : h("div", { class: "table-wrap" }, workOrderTable(orders, onChange)),
  );
}

function workOrderTable(orders, onChange) {
  const NEXT = { open: ["in_progress", "start"], in_progress: ["done", "finish"] };
  return h(
    "table",
    { id: "workOrderTable" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        [
          t("id"),
          t("asset"),
          t("workOrderTitle"),
          t("state"),
          t("assignee"),
          t("created"),
          t("findings"),
          "",
        ].map((c) => h("th", null, c)),
      ),
    ),
    h(
      "tbody",
      null,
      orders.map((o) => {
        const next = NEXT[o.state];
        const findings = h("input", { size: 24, value: o.findings ?? "", placeholder: t("findings") });
        const error = h("span", { class: "error" });
        const attempt = (fn) => () =>
          fn().catch((e) => {
            error.textContent = e.message;
          });
        return h(
          "tr",
          { dataset: { id: o.id, state: o.state } },
          h("td", null, o.id),
          h(
            "td",
            null,
            h("a", { href: `#/asset/${encodeURIComponent(o.asset)}` }, o.asset),
            o.alarm
              ? [" · ", h("a", { href: `#/alarm/${encodeURIComponent(o.alarm)}` }, alarmLabel(o.alarm))]
              : null,
          ),
          h("td", null, o.title ?? ""),
          h("td", null, t(`wo_${o.state}`)),
          h("td", null, o.assignee ?? "—"),
          h("td", null, when(o.createdAt)),
          h("td", null, canAct() && onChange && o.state !== "done" ? findings : (o.findings ?? "")),
          h(
            "td",
            { class: "toolbar" },
            canAct() && onChange && next
              ? h(
                  "button",
                  {
                    type: "button",
                    dataset: { action: next[0] },
                    onclick: attempt(async () => {
                      const body = { state: next[0] };
                      if (findings.value.trim()) body.findings = findings.value.trim();
                      await api(`/api/v1/work-orders/${encodeURIComponent(o.id)}`, { method: "PATCH", body });
                      onChange();
                    }),
                  },
                  t(next[1]),
                )
              : null,
            ...["pdf", "json"].map((format) =>
              h(
                "button",
                {
                  type: "button",
                  dataset: { format },
                  onclick: attempt(() =>
                    download(
                      `/api/v1/work-orders/${encodeURIComponent(o.id)}${qs({ format, lang })}`,
                      `work-order-${o.id}.${format}`,
                    ),
                  ),
                },
                format.toUpperCase(),
              ),
            ),
            error,
          ),
        );
      }),
    ),
  );
}

const woFilters = { state: "" };

/** @param {PageContext} ctx */
async function workOrdersPage(ctx) {
  const list = h("div");
  const stateSel = h(
    "select",
    { id: "woState" },
    option("", t("all")),
    ...["open", "in_progress", "done"].map((s) => option(s, t(`wo_${s}`), woFilters.state === s)),
  );
  const load = async () => {
    const res = await api(`/api/v1/work-orders${qs({ state: woFilters.state })}`);
    if (!ctx.alive()) return;
    const orders = res.workOrders ?? res.work_orders ?? [];
    list.replaceChildren(
      orders.length
        ? h(
            "div",
            { class: "table-wrap" },
            workOrderTable(orders, () => load()),
          )
        : h("p", { class: "muted" }, t("noData")),
    );
  };
  stateSel.addEventListener("change", () => {
    woFilters.state = stateSel.value;
    load().catch((e) => list.replaceChildren(errorBox(e)));
  });
  ctx.root.replaceChildren(
    h(
      "section",
      { class: "card" },
      h("h1", null, t("workOrders")),
      h("div", { class: "filters" }, h("label", null, t("state"), stateSel)),
      list,
    ),
  );
  await load();
}

/* ---------------------------------------------------------------- reports */

/** @param {PageContext} ctx */
async function reportsPage(ctx) {
  // The previous month by default: the last complete one is what gets billed.
  const now = new Date();
  const ym = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
  const month = h("input", {
    id: "reportMonth",
    type: "month",
    value: ym(new Date(now.getFullYear(), now.getMonth() - 1, 1)),
    max: ym(now),
    required: true,
  });
  const me = session.me;
  const companySel = h(
    "select",
    { id: "reportCompany" },
    (me?.companies ?? []).map((c) => option(c.id, c.name, c.id === me?.company?.id)),
  );
  const error = h("p", { class: "error" });
  const preview = h("div", { id: "reportPreview" });
  const path = (format) =>
    `/api/v1/reports/service${qs({ company: companySel.value, month: month.value, format, lang })}`;
  const get = (format) => async () => {
    error.textContent = "";
    if (!month.value) return;
    try {
      await download(path(format), `service-report-${companySel.value}-${month.value}.${format}`);
    } catch (e) {
      error.textContent = e.message;
    }
  };
  const show = async () => {
    error.textContent = "";
    if (!month.value) return;
    try {
      const r = await api(path("json"));
      if (!ctx.alive()) return;
      const mins = (d) => (d.medianMin == null ? "—" : num(d.medianMin, 0));
      const row = (name, x) =>
        h(
          "tr",
          null,
          cells(
            name,
            String(x.daysMonitored),
            `${x.alarms.alarm} / ${x.alarms.warning}`,
            mins(x.timeToAcknowledge),
            mins(x.timeToClose),
            String(x.escalations),
            `${x.workOrders.opened} / ${x.workOrders.done}`,
          ),
        );
      preview.replaceChildren(
        h("h2", null, `${r.company.name} · ${r.month}`),
        dataTable(
          [
            t("asset"),
            t("daysMonitored"),
            t("alarmsBySeverity"),
            t("medianAck"),
            t("medianClose"),
            t("escalations"),
            t("ordersOpenedDone"),
          ],
          [...r.assets.map((a) => row(`${a.name} (${a.asset})`, a)), row(t("total"), r.totals)],
        ),
      );
    } catch (e) {
      error.textContent = e.message;
    }
  };
  ctx.root.replaceChildren(
    h(
      "section",
      { class: "card" },
      h("h1", null, t("serviceReport")),
      h("p", { class: "muted" }, t("reportHint")),
      h(
        "div",
        { class: "filters" },
        h("label", null, t("month"), month),
        me?.role === "service_company" ? null : h("label", null, t("company"), companySel),
        h("button", { type: "button", id: "reportShow", onclick: show }, t("apply")),
        h(
          "span",
          { class: "toolbar" },
          t("download"),
          ...["pdf", "csv", "json"].map((f) =>
            h("button", { type: "button", dataset: { format: f }, onclick: get(f) }, f.toUpperCase()),
          ),
        ),
      ),
      error,
      preview,
    ),
  );
}

/* ------------------------------------------------------------------ admin */

/** @param {PageContext} ctx */
async function adminPage(ctx) {
  if (session.me?.role !== "admin") {
    ctx.root.replaceChildren(h("section", { class: "card" }, h("p", { class: "error" }, t("adminOnly"))));
    return;
  }
  const [{ companies }, { contracts }, { tokens }, { assets }] = await Promise.all([
    api("/api/v1/companies"),
    api("/api/v1/contracts"),
    api("/api/v1/tokens"),
    api("/api/v1/assets"),
  ]);
  if (!ctx.alive()) return;
  // Names of companies connected since the login, for every page.
  session.me.companies = companies;
  const again = () => route();
  const field = (name, props = {}) => h("input", { name, ...props });
  const submitter = (form, fn) => {
    const error = h("span", { class: "error" });
    form.append(error);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      try {
        await fn(new FormData(form));
      } catch (err) {
        error.textContent = err.message;
      }
    });
    return form;
  };
  const langSel = (value) =>
    h(
      "select",
      { name: "lang" },
      option("ru", "русский", value === "ru"),
      option("en", "English", value === "en"),
    );

  const companyForm = submitter(
    h(
      "form",
      { class: "inline", id: "companyForm" },
      field("id", { placeholder: t("id"), required: true, pattern: "[A-Za-z0-9_.:\\-]+", size: 12 }),
      field("name", { placeholder: t("name"), required: true, size: 24 }),
      field("email", { placeholder: t("email"), type: "email", size: 20 }),
      langSel("ru"),
      field("timezone", { placeholder: t("timezone"), value: "Europe/Moscow", size: 14 }),
      h("button", { class: "primary" }, t("create")),
    ),
    async (d) => {
      const body = { id: d.get("id"), name: d.get("name"), lang: d.get("lang"), timezone: d.get("timezone") };
      if (d.get("email")) body.email = d.get("email");
      await api("/api/v1/companies", { method: "POST", body });
      again();
    },
  );
  const companyRow = (c) => {
    const name = field("name", { value: c.name, size: 24 });
    const email = field("email", { value: c.email ?? "", type: "email", size: 20 });
    const l = langSel(c.lang);
    const tz = field("timezone", { value: c.timezone ?? "", size: 14 });
    const form = submitter(
      h("form", { class: "inline" }, name, email, l, tz, h("button", null, t("save"))),
      async () => {
        await api(`/api/v1/companies/${encodeURIComponent(c.id)}`, {
          method: "PATCH",
          body: { name: name.value, email: email.value || null, lang: l.value, timezone: tz.value },
        });
        again();
      },
    );
    return h(
      "tr",
      { dataset: { id: c.id } },
      h("td", null, c.id),
      h("td", null, form),
      h("td", null, c.source),
    );
  };

  const assetBoxes = h(
    "span",
    { class: "row" },
    assets
      .filter((a) => a.kind === "turbine")
      .map((a) => h("label", null, h("input", { type: "checkbox", name: "assets", value: a.id }), a.id)),
  );
  const today = new Date().toISOString().slice(0, 10);
  const contractForm = submitter(
    h(
      "form",
      { class: "inline", id: "contractForm" },
      h(
        "select",
        { name: "company", required: true },
        companies.map((c) => option(c.id, c.name)),
      ),
      assetBoxes,
      h("label", null, t("from"), field("from", { type: "date", value: today, required: true })),
      h("label", null, t("to"), field("to", { type: "date" })),
      h(
        "label",
        null,
        t("responseTime"),
        field("responseTimeMinutes", { type: "number", min: 1, value: 240, size: 5 }),
      ),
      h("button", { class: "primary" }, t("create")),
    ),
    async (d) => {
      const body = {
        company: d.get("company"),
        assets: d.getAll("assets"),
        from: new Date(`${d.get("from")}T00:00:00`).toISOString(),
        responseTimeMinutes: Number(d.get("responseTimeMinutes")),
      };
      if (d.get("to")) body.to = new Date(`${d.get("to")}T00:00:00`).toISOString();
      await api("/api/v1/contracts", { method: "POST", body });
      again();
    },
  );

  let newToken = null;
  const tokenForm = submitter(
    h(
      "form",
      { class: "inline", id: "tokenForm" },
      h(
        "select",
        { name: "role" },
        ["service_company", "ministry", "admin", "agent"].map((r) => option(r, r)),
      ),
      h(
        "select",
        { name: "tenant" },
        option("", "—"),
        companies.map((c) => option(c.id, c.id)),
      ),
      field("site", { placeholder: t("site"), size: 10 }),
      field("label", { placeholder: t("label"), required: true, size: 18 }),
      h("button", { class: "primary" }, t("create")),
    ),
    async (d) => {
      const body = { role: d.get("role"), label: d.get("label") };
      if (body.role === "service_company") body.tenant = d.get("tenant");
      if (body.role === "agent") body.site = d.get("site");
      const res = await api("/api/v1/tokens", { method: "POST", body });
      newToken = res.token;
      tokenSlot.replaceChildren(h("p", null, t("tokenOnce")), h("p", { class: "token-once" }, newToken));
    },
  );
  const tokenSlot = h("div");

  /** One administration list: its table, then the form that adds to it. */
  const adminSection = (id, title, heads, rows, ...form) =>
    h(
      "section",
      { class: "card", id },
      h("h2", null, title),
      dataTable(heads, rows),
      h("h3", null, t("create")),
      ...form,
    );
  /** A row's button that changes something, then shows the lists again. */
  const change = (label, fn) =>
    h(
      "button",
      {
        type: "button",
        onclick: async () => {
          await fn();
          again();
        },
      },
      label,
    );
  ctx.root.replaceChildren(
    adminSection(
      "adminCompanies",
      t("companies"),
      [t("id"), `${t("name")} · ${t("email")} · ${t("language")} · ${t("timezone")}`, t("source")],
      companies.map(companyRow),
      companyForm,
    ),
    adminSection(
      "adminContracts",
      t("contracts"),
      [t("id"), t("company"), t("assets"), t("period"), t("responseTime"), t("source"), ""],
      contracts.map((c) =>
        h(
          "tr",
          { dataset: { id: c.id } },
          cells(
            c.id,
            companyName(c.company),
            c.assets.join(", "),
            `${when(c.from)} — ${c.to ? when(c.to) : "…"}`,
            String(c.responseTimeMinutes),
            c.source,
            c.to == null
              ? change(t("endContract"), () =>
                  api(`/api/v1/contracts/${encodeURIComponent(c.id)}`, {
                    method: "PATCH",
                    body: { to: new Date().toISOString() },
                  }),
                )
              : null,
          ),
        ),
      ),
      contractForm,
    ),
    adminSection(
      "adminTokens",
      t("tokens"),
      [t("id"), t("role"), t("company"), t("site"), t("label"), t("created"), ""],
      tokens.map((tk) =>
        h(
          "tr",
          { dataset: { id: tk.id } },
          cells(
            String(tk.id),
            tk.role,
            tk.tenant ?? "",
            tk.site ?? "",
            tk.label,
            when(tk.createdAt),
            tk.revokedAt
              ? `${t("revoked")} ${when(tk.revokedAt)}`
              : change(t("revoke"), () =>
                  api(`/api/v1/tokens/${encodeURIComponent(tk.id)}`, { method: "DELETE" }),
                ),
          ),
        ),
      ),
      tokenForm,
      tokenSlot,
    ),
  );
}

/* ------------------------------------------------------------------ charts */

/**
 * A uPlot chart that follows its container's width and is destroyed with the page.
 * @param {PageContext} ctx @param {HTMLElement} el @param {any} opts @param {any} data
 */
function chart(ctx, el, opts, data) {
  const u = new uPlot({ width: Math.max(300, el.clientWidth || 600), ...opts }, data, el);
  const ro = new ResizeObserver(() => {
    const w = Math.max(300, el.clientWidth);
    if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: u.height });
  });
  ro.observe(el);
  ctx.cleanup(() => {
    ro.disconnect();
    u.destroy();
  });
  return u;
}

/**
 * Time axis labels in the page's language and the local zone: hours and
 * minutes, the date under the first label of each day; dates alone when the
 * ticks are a day or more apart.
 */
const timeAxis = () => ({
  values: (_u, splits, _axis, _space, incr) => {
    let lastDay = "";
    return splits.map((s) => {
      const d = new Date(s * 1000);
      const day = d.toLocaleDateString(locale(), { day: "2-digit", month: "2-digit" });
      if (incr >= 86_400) return day;
      const hm = d.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
      const label = day === lastDay ? hm : `${hm}\n${day}`;
      lastDay = day;
      return label;
    });
  },
});

/* ------------------------------------------------------------------ asset */

const TRENDS = [
  { key: "v_rms", measurement: "vibration", field: "v_rms_mm_s", unit: "mm_s" },
  { key: "a_rms", measurement: "vibration", field: "a_rms_m_s2", unit: "m_s2" },
  { key: "iso_zone", measurement: "vibration", field: "iso_zone", zone: true, agg: "max" },
  { key: "kurtosis", measurement: "vibration", field: "kurtosis" },
  { key: "crest", measurement: "vibration", field: "crest_factor" },
  { key: "env_sk", measurement: "vibration", field: "env_spectral_kurtosis" },
  { key: "rotor_speed", measurement: "scada", field: "rotor_speed_rpm", unit: "rpm" },
  { key: "power", measurement: "scada", field: "power_kw", unit: "kw" },
  { key: "wind", measurement: "scada", field: "wind_speed_m_s", unit: "m_s" },
];
const FACILITY_TRENDS = [{ key: "power", measurement: "meter", field: "power_kw", unit: "kw" }];
const RANGES = [
  ["h1", 3_600_000],
  ["h6", 6 * 3_600_000],
  ["h24", 24 * 3_600_000],
  ["d7", 7 * 24 * 3_600_000],
];
const trendRange = { key: "h6", fromMs: 0, toMs: 0 };
/** About this many windows per chart: detailed enough, light enough. */
const TREND_WINDOWS = 600;

/** @param {PageContext} ctx @param {string} id */
async function assetPage(ctx, id) {
  const enc = encodeURIComponent(id);
  const [health, history, alarms, spectra, orders] = await Promise.all([
    api(`/api/v1/assets/${enc}/health`),
    api(`/api/v1/assets/${enc}/history`).catch(() => null),
    api(`/api/v1/alarms${qs({ asset: id, state: "open" })}`).catch(() => null),
    api(`/api/v1/assets/${enc}/spectrum`).catch(() => null),
    api(`/api/v1/work-orders${qs({ asset: id })}`).catch(() => null),
  ]);
  if (!ctx.alive()) return;
  const a = health.asset;
  const withSpectrum = new Set((spectra?.snapshots ?? []).map((s) => s.point));
  const diagnosisEvidence = (d) =>
    spectra?.snapshots?.find((s) => s.point === d.point)?.diagnoses?.find((x) => x.fault === d.fault)
      ?.evidence;

  const chartsEl = h("div", { class: "charts", id: "trendCharts" });
  const rangeButtons = h("span", { class: "toolbar", id: "rangePicker" });
  const fromIn = h("input", { type: "datetime-local", id: "rangeFrom" });
  const toIn = h("input", { type: "datetime-local", id: "rangeTo" });
  const customBox = h(
    "span",
    { class: "toolbar", hidden: trendRange.key !== "custom" },
    t("from"),
    fromIn,
    t("to"),
    toIn,
    h(
      "button",
      {
        type: "button",
        onclick: () => {
          const f = Date.parse(fromIn.value);
          const to = Date.parse(toIn.value);
          if (Number.isFinite(f) && Number.isFinite(to) && f < to) {
            Object.assign(trendRange, { key: "custom", fromMs: f, toMs: to });
            drawTrends();
          }
        },
      },
      t("apply"),
    ),
  );
  const trendCleanups = [];
  const drawRangeButtons = () =>
    rangeButtons.replaceChildren(
      ...RANGES.map(([key]) =>
        h(
          "button",
          {
            type: "button",
            class: trendRange.key === key ? "on" : null,
            dataset: { range: key },
            onclick: () => {
              Object.assign(trendRange, { key, fromMs: 0, toMs: 0 });
              customBox.hidden = true;
              drawTrends();
            },
          },
          t(key),
        ),
      ),
      h(
        "button",
        {
          type: "button",
          class: trendRange.key === "custom" ? "on" : null,
          dataset: { range: "custom" },
          onclick: () => {
            customBox.hidden = false;
          },
        },
        t("custom"),
      ),
    );
  const localInput = (ms) => {
    const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
    return d.toISOString().slice(0, 16);
  };

  async function drawTrends() {
    drawRangeButtons();
    for (const fn of trendCleanups.splice(0)) fn();
    const span = RANGES.find(([k]) => k === trendRange.key)?.[1];
    const toMs = span ? Date.now() : trendRange.toMs;
    const fromMs = span ? toMs - span : trendRange.fromMs;
    fromIn.value = localInput(fromMs);
    toIn.value = localInput(toMs);
    const everyS = Math.max(1, Math.ceil((toMs - fromMs) / TREND_WINDOWS / 1000));
    const specs = a.kind === "turbine" ? TRENDS : FACILITY_TRENDS;
    const boxes = specs.map((s) => h("div", { class: "chart", dataset: { trend: s.key } }));
    chartsEl.replaceChildren(...boxes);
    await Promise.all(
      specs.map(async (s, i) => {
        const box = boxes[i];
        let res;
        try {
          res = await api(
            `/api/v1/series${qs({ asset: id, measurement: s.measurement, field: s.field, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), every: `${everyS}s`, agg: s.agg ?? "mean" })}`,
          );
        } catch (e) {
          box.replaceChildren(h("h3", null, t(s.key)), errorBox(e));
          return;
        }
        if (!ctx.alive()) return;
        const series = res.series.filter((x) => x.points.length > 0);
        const title = `${t(s.key)}${s.unit ? `, ${t(s.unit)}` : ""}`;
        if (series.length === 0) {
          box.replaceChildren(h("h3", null, title), h("div", { class: "empty" }, t("noData")));
          return;
        }
        box.replaceChildren(h("h3", null, title));
        const tables = series.map((x) => [x.points.map((p) => p[0] / 1000), x.points.map((p) => p[1])]);
        const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
        const sub = { cleanups: [] };
        const u = chart(
          { ...ctx, cleanup: (fn) => sub.cleanups.push(fn) },
          box,
          {
            height: 200,
            scales: {
              x: { time: true, range: [fromMs / 1000, toMs / 1000] },
              ...(s.zone ? { y: { range: [0.5, 4.5] } } : {}),
            },
            series: [
              { label: t("time"), value: (_u, v) => (v == null ? "—" : when(v * 1000)) },
              ...series.map((x, k) => ({
                label: x.tags.point ? pointName(x.tags.point) : t(s.key),
                stroke: PALETTE[k % PALETTE.length],
                width: 1.5,
                value: (_u, v) =>
                  v == null ? "—" : s.zone ? (["", "A", "B", "C", "D"][Math.round(v)] ?? "—") : num(v, 3),
              })),
            ],
            axes: [
              timeAxis(),
              s.zone
                ? {
                    splits: () => [1, 2, 3, 4],
                    values: (_u, vals) => vals.map((v) => ["", "A", "B", "C", "D"][v] ?? ""),
                  }
                : { values: (_u, vals) => vals.map((v) => num(v, 3)) },
            ],
          },
          data,
        );
        box.dataset.points = String(series.reduce((n, x) => n + x.points.length, 0));
        trendCleanups.push(() => {
          for (const fn of sub.cleanups) fn();
        });
        box.dataset.xMin = String(u.scales.x.min);
      }),
    );
  }
  ctx.cleanup(() => {
    for (const fn of trendCleanups.splice(0)) fn();
  });

  const diagnoses = health.diagnoses ?? [];
  ctx.root.replaceChildren(
    h(
      "section",
      { class: "card", id: "assetHead", dataset: { asset: a.id } },
      h("h1", null, a.name, " ", h("span", { class: "muted" }, `${a.id} · ${t(a.kind)} · ${a.site}`)),
    ),
    h(
      "div",
      { class: "grid2" },
      h(
        "section",
        { class: "card" },
        h("h2", null, t("points")),
        health.points.length === 0
          ? h("p", { class: "muted" }, t("noData"))
          : h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { id: "pointTable" },
                h(
                  "thead",
                  null,
                  h(
                    "tr",
                    null,
                    [t("point"), "ISO", t("v_rms"), t("a_rms"), t("latest"), ""].map((x) => h("th", null, x)),
                  ),
                ),
                h(
                  "tbody",
                  null,
                  health.points.map((p) =>
                    h(
                      "tr",
                      { dataset: { point: p.point } },
                      h("td", null, pointName(p.point)),
                      h("td", null, zoneBadge(p.isoZone)),
                      h("td", null, `${num(p.features.v_rms_mm_s, 2)} ${t("mm_s")}`),
                      h("td", null, `${num(p.features.a_rms_m_s2, 2)} ${t("m_s2")}`),
                      h("td", null, when(p.ts)),
                      h(
                        "td",
                        null,
                        withSpectrum.has(p.point)
                          ? h(
                              "a",
                              { href: `#/spectrum/${enc}/${encodeURIComponent(p.point)}` },
                              t("spectrum"),
                            )
                          : null,
                      ),
                    ),
                  ),
                ),
              ),
            ),
        health.scada
          ? kv([
              [t("rotor_speed"), `${num(health.scada.fields.rotor_speed_rpm, 1)} ${t("rpm")}`],
              [t("power"), `${num(health.scada.fields.power_kw, 0)} ${t("kw")}`],
              [t("wind"), `${num(health.scada.fields.wind_speed_m_s, 1)} ${t("m_s")}`],
              [t("latest"), when(health.scada.ts)],
            ])
          : null,
        health.meter
          ? kv([
              [t("power"), `${num(health.meter.fields.power_kw, 1)} ${t("kw")}`],
              [t("latest"), when(health.meter.ts)],
            ])
          : null,
      ),
      h(
        "section",
        { class: "card", id: "assetDiagnoses" },
        h("h2", null, t("diagnoses")),
        diagnoses.length === 0
          ? h("p", { class: "muted" }, "—")
          : diagnoses.map((d) =>
              h(
                "div",
                { dataset: { fault: d.fault, point: d.point ?? "" } },
                h(
                  "h3",
                  null,
                  d.severity ? sevBadge(d.severity) : null,
                  " ",
                  faultName(d.fault),
                  " — ",
                  d.point ? pointName(d.point) : "",
                  d.confidence != null
                    ? h("span", { class: "muted" }, ` (${t("confidence")} ${num(d.confidence * 100, 0)} %)`)
                    : null,
                ),
                evidenceList(
                  diagnosisEvidence(d) ?? {
                    frequency_hz: d.fields.frequency_hz,
                    amplitude: d.fields.amplitude,
                    snr_db: d.fields.snr_db,
                    harmonics: d.fields.harmonics,
                  },
                ),
              ),
            ),
        h("h2", null, t("openAlarms")),
        !alarms || alarms.alarms.length === 0
          ? h("p", { class: "muted" }, t("noAlarms"))
          : h(
              "ul",
              { id: "assetAlarms" },
              alarms.alarms.map((x) =>
                h(
                  "li",
                  null,
                  sevBadge(x.severity),
                  " ",
                  h(
                    "a",
                    { href: `#/alarm/${encodeURIComponent(x.id)}` },
                    `${pointName(x.point)}, ${faultName(x.fault)}`,
                  ),
                  " · ",
                  stateText(x.state),
                  " · ",
                  when(x.since),
                ),
              ),
            ),
      ),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", null, t("trends")),
      h("div", { class: "filters" }, t("range"), rangeButtons, customBox),
      chartsEl,
    ),
    orders ? workOrderSection(orders.workOrders ?? orders.work_orders ?? [], () => route()) : null,
    h(
      "section",
      { class: "card", id: "assetHistory" },
      h("h2", null, t("history")),
      eventsTable(history?.events ?? [], true),
    ),
  );
  await drawTrends();
}

/* --------------------------------------------------------------- spectrum */

const MARKER_KINDS = ["bpfo", "bpfi", "bsf", "ftf", "shaft", "gmf", "sideband"];
const spectrumPrefs = { log: false, hidden: new Set() };
/** A default view shows every marker of the chart with some room, not less than this many bins. */
const MIN_VIEW_BINS = 50;

/** @param {PageContext} ctx @param {string} assetId @param {string} point */
async function spectrumPage(ctx, assetId, point) {
  const enc = encodeURIComponent(assetId);
  let res;
  try {
    res = await api(`/api/v1/assets/${enc}/spectrum${qs({ point, history: 20 })}`);
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 404) {
      ctx.root.replaceChildren(
        h(
          "section",
          { class: "card" },
          h("h1", null, assetId, " · ", pointName(point)),
          h("p", { class: "muted", id: "noSpectrum" }, t("noSpectrum")),
        ),
      );
      return;
    }
    throw e;
  }
  if (!ctx.alive()) return;
  const snapshots = res.snapshots.filter((s) => s.point === point);
  let index = 0;
  const info = h("div", { id: "snapshotInfo" });
  const diag = h("div");
  const velocityBox = h("div", { class: "chart spectrum-chart", id: "velocityChart" });
  const envelopeBox = h("div", { class: "chart spectrum-chart", id: "envelopeChart" });
  const toggles = h("span", { class: "toolbar", id: "markerToggles" });
  /** @type {{velocity?: any, envelope?: any}} */
  const charts = {};
  /** Initial x ranges per chart (the "reset zoom" target). */
  const initial = {};
  const chartCleanups = [];
  window.vetraCharts = charts;
  ctx.cleanup(() => {
    for (const fn of chartCleanups.splice(0)) fn();
    if (window.vetraCharts === charts) window.vetraCharts = undefined;
  });

  const scaleButtons = h(
    "span",
    { class: "toolbar" },
    t("amplitude"),
    ...[
      [false, "linear"],
      [true, "log"],
    ].map(([log, key]) =>
      h(
        "button",
        {
          type: "button",
          id: log ? "scaleLog" : "scaleLinear",
          class: spectrumPrefs.log === log ? "on" : null,
          onclick: (e) => {
            spectrumPrefs.log = log;
            for (const b of e.currentTarget.parentElement.querySelectorAll("button"))
              b.classList.remove("on");
            e.currentTarget.classList.add("on");
            draw(true);
          },
        },
        t(key),
      ),
    ),
  );
  const resetButton = h(
    "button",
    {
      type: "button",
      id: "resetZoom",
      onclick: () => {
        for (const k of ["velocity", "envelope"])
          if (charts[k] && initial[k]) charts[k].setScale("x", initial[k]);
      },
    },
    t("resetZoom"),
  );
  const fullButton = h(
    "button",
    {
      type: "button",
      id: "fullRange",
      onclick: () => {
        for (const k of ["velocity", "envelope"]) {
          const u = charts[k];
          if (u) u.setScale("x", { min: 0, max: u.data[0][u.data[0].length - 1] });
        }
      },
    },
    t("fullRange"),
  );

  /**
   * One spectrum chart with a cursor element per marker.
   * @param {"velocity"|"envelope"} which
   */
  function spectrumChart(which, box, trace, markers, keepX) {
    const n = trace.values.length;
    const xs = new Float64Array(n);
    for (let k = 0; k < n; k++) xs[k] = k * trace.df_hz;
    const ys = spectrumPrefs.log ? trace.values.map((v) => (v > 0 ? v : null)) : trace.values;
    const maxHz = n > 0 ? xs[n - 1] : 0;
    const markerMax = Math.max(0, ...markers.map((m) => m.frequency_hz));
    const viewMax =
      markers.length > 0 ? Math.min(maxHz, Math.max(markerMax * 1.25, MIN_VIEW_BINS * trace.df_hz)) : maxHz;
    initial[which] = { min: 0, max: viewMax };
    const title = `${t(which === "velocity" ? "velocitySpectrum" : "envelopeSpectrum")}, ${unitText(trace.unit)}`;
    box.replaceChildren(
      h(
        "h3",
        null,
        title,
        which === "envelope" && trace.band_hz
          ? h(
              "span",
              { class: "muted" },
              ` (${t("band")} ${num(trace.band_hz[0], 0)}–${num(trace.band_hz[1], 0)} ${t("hz")})`,
            )
          : null,
      ),
    );
    const cursors = markers.map((m, i) =>
      h(
        "div",
        {
          class: "cursor",
          hidden: spectrumPrefs.hidden.has(m.kind) ? true : null,
          title: `${m.label}: ${num(m.frequency_hz, 3)} ${t("hz")}`,
          dataset: {
            marker: m.kind.toUpperCase(),
            kind: m.kind,
            harmonic: String(m.harmonic),
            hz: String(m.frequency_hz),
            label: m.label,
            spectrum: which,
          },
        },
        h("span", { class: "label", style: `top:${2 + (i % 5) * 14}px` }, m.label),
      ),
    );
    const place = (u) => {
      const { min, max } = u.scales.x;
      for (const c of cursors) {
        const hz = Number(c.dataset.hz);
        const px = u.valToPos(hz, "x");
        c.style.left = `${px}px`;
        c.dataset.px = String(px);
        c.dataset.inView = hz >= min && hz <= max ? "1" : "0";
        c.style.visibility = hz >= min && hz <= max ? "" : "hidden";
      }
    };
    const sub = [];
    const u = chart(
      { ...ctx, cleanup: (fn) => sub.push(fn) },
      box,
      {
        height: 300,
        scales: {
          x: { time: false },
          y: spectrumPrefs.log
            ? { distr: 3, log: 10 }
            : { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
        },
        series: [
          { label: t("frequency"), value: (_u, v) => (v == null ? "—" : `${num(v, 3)} ${t("hz")}`) },
          {
            label: unitText(trace.unit),
            stroke: which === "velocity" ? "#1f5fbf" : "#7a4fbf",
            width: 1,
            value: (_u, v) => (v == null ? "—" : num(v, 5)),
          },
        ],
        axes: [
          { label: t("hz"), values: (_u, vals) => vals.map((v) => num(v, 2)) },
          { values: (_u, vals) => vals.map((v) => num(v, 4)), size: 60 },
        ],
        cursor: { drag: { x: true, y: false, setScale: true } },
        legend: { live: true },
        hooks: { draw: [place] },
      },
      [xs, ys],
    );
    u.over.append(...cursors);
    u.setScale("x", keepX ?? initial[which]);
    chartCleanups.push(() => {
      for (const fn of sub) fn();
    });
    return u;
  }

  function draw(keepZoom) {
    const s = snapshots[index];
    const keep = keepZoom
      ? {
          velocity: charts.velocity && {
            min: charts.velocity.scales.x.min,
            max: charts.velocity.scales.x.max,
          },
          envelope: charts.envelope && {
            min: charts.envelope.scales.x.min,
            max: charts.envelope.scales.x.max,
          },
        }
      : {};
    for (const fn of chartCleanups.splice(0)) fn();
    const speedHz = s.speedRpm == null ? null : s.speedRpm / 60;
    info.replaceChildren(
      kv([
        [t("snapshotTime"), h("span", { id: "snapshotTime", dataset: { ts: s.ts } }, when(s.ts))],
        [
          t("speed"),
          s.speedRpm == null
            ? "—"
            : h(
                "span",
                { id: "snapshotSpeed", dataset: { rpm: String(s.speedRpm) } },
                `${num(s.speedRpm, 2)} ${t("rpm")} (${num(speedHz, 4)} ${t("hz")})`,
              ),
        ],
        [t("reason"), t(s.reason)],
        [t("sampleRate"), `${num(s.sampleRateHz, 0)} ${t("hz")} × ${s.samples}`],
      ]),
    );
    diag.replaceChildren(
      ...s.diagnoses.map((d) =>
        h(
          "div",
          { dataset: { fault: d.fault } },
          h(
            "h3",
            null,
            sevBadge(d.severity),
            " ",
            faultName(d.fault),
            h(
              "span",
              { class: "muted" },
              ` ${t("confidence")} ${num(d.confidence * 100, 0)} % · ${t("since")} ${when(d.since)}`,
            ),
          ),
          evidenceList(d.evidence),
        ),
      ),
    );
    const kinds = MARKER_KINDS.filter((k) => s.markers.some((m) => m.kind === k));
    toggles.replaceChildren(
      t("markers"),
      ...kinds.map((k) => {
        const box = h("input", {
          type: "checkbox",
          checked: !spectrumPrefs.hidden.has(k),
          dataset: { kind: k },
        });
        box.addEventListener("change", () => {
          if (box.checked) spectrumPrefs.hidden.delete(k);
          else spectrumPrefs.hidden.add(k);
          for (const c of ctx.root.querySelectorAll(`.cursor[data-kind="${k}"]`)) c.hidden = !box.checked;
        });
        return h("label", null, box, t(`kind_${k}`));
      }),
    );
    charts.velocity = spectrumChart(
      "velocity",
      velocityBox,
      s.spectrum,
      s.markers.filter((m) => m.spectrum === "spectrum"),
      keep.velocity,
    );
    charts.envelope = spectrumChart(
      "envelope",
      envelopeBox,
      s.envelope,
      s.markers.filter((m) => m.spectrum === "envelope"),
      keep.envelope,
    );
  }

  const pointLinks = h("span", { class: "toolbar" });
  const older =
    snapshots.length > 1
      ? h(
          "select",
          { id: "snapshotSelect" },
          snapshots.map((s, i) => option(String(i), when(s.ts), i === 0)),
        )
      : null;
  older?.addEventListener("change", () => {
    index = Number(older.value);
    draw(false);
  });

  ctx.root.replaceChildren(
    h(
      "section",
      { class: "card", id: "spectrumHead", dataset: { asset: assetId, point } },
      h(
        "h1",
        null,
        t("spectrum"),
        ": ",
        h("a", { href: `#/asset/${enc}` }, assetId),
        " · ",
        pointName(point),
      ),
      pointLinks,
      info,
      older ? h("label", null, t("olderSnapshots"), " ", older) : null,
    ),
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "filters" },
        toggles,
        scaleButtons,
        resetButton,
        fullButton,
        h("span", { class: "muted" }, t("zoomHint")),
      ),
      velocityBox,
      envelopeBox,
    ),
    h("section", { class: "card", id: "spectrumDiagnoses" }, h("h2", null, t("diagnoses")), diag),
  );
  draw(false);
  // Other measuring points of the asset with a spectrum, one click away.
  api(`/api/v1/assets/${enc}/spectrum`)
    .then((all) => {
      if (!ctx.alive()) return;
      pointLinks.replaceChildren(
        ...all.snapshots
          .filter((s) => s.point !== point)
          .map((s) =>
            h("a", { href: `#/spectrum/${enc}/${encodeURIComponent(s.point)}` }, pointName(s.point)),
          ),
      );
    })
    .catch(() => {});
}

/* ------------------------------------------------------------------ start */

function start() {
  // A token in the address (`/?token=…`, as the demo prints it) is taken once and removed.
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("token");
  if (params.get("lang") === "en" || params.get("lang") === "ru") {
    lang = params.get("lang");
    localStorage.setItem(LANG_KEY, lang);
  }
  if (fromUrl || params.has("lang")) {
    params.delete("token");
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
    lang = lang === "en" ? "ru" : "en";
    localStorage.setItem(LANG_KEY, lang);
    renderHeader();
    if (session.me) route();
    else showLogin($("#loginError").hidden ? undefined : $("#loginError").textContent);
  });
  window.addEventListener("hashchange", route);
  renderHeader();
  const token = fromUrl ?? session.token;
  if (token) login(token);
  else showLogin();
}

start();
