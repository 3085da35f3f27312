// Alarm-system health (`#/alarm-health`): the figures of EEMUA 191 and
// ISA-18.2 §16.5 from `GET /api/v1/alarms/health` — annunciations per
// operator position (a company's console) and per turbine per 10 minutes,
// chattering and stale alarms, the top ten bad actors — each read against
// the standards' targets. Its texts live here (Russian and English).
import { api, qs, session } from "../lib/api.js";
import {
  cells,
  dataRow,
  dataTable,
  errorBox,
  h,
  hintedCard,
  num,
  option,
  stateText,
  when,
} from "../lib/dom.js";
import { faultName, pointName, textsOf } from "../lib/i18n.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

// biome-ignore format: one entry a line
const TEXT = {
  title: ["Качество сигнализации", "Alarm system health"],
  hint: ["Показатели EEMUA 191 и ANSI/ISA-18.2 §16.5 по журналу тревог: оповещения (новые тревоги и повышения до аварийного уровня) на оператора — консоль сервисной компании — и на объект за 10 минут, дребезжащие тревоги (не менее 3 оповещений за минуту), застарелые (открыты дольше 24 ч) и десять самых частых.", "EEMUA 191 and ANSI/ISA-18.2 §16.5 figures from the alarm book: annunciations (new alarms and rises to alarm) per operator — a service company's console — and per asset per 10 minutes, chattering alarms (3 or more annunciations within a minute), stale alarms (open for more than 24 h) and the ten most frequent."],
  period: ["Период", "Period"],
  day: ["последние 24 ч", "last 24 h"],
  week: ["последние 7 суток", "last 7 days"],
  month: ["последние 30 суток", "last 30 days"],
  company: ["Компания", "Company"],
  all: ["все", "all"],
  apply: ["Показать", "Show"],
  average: ["Оповещений за 10 мин, в среднем", "Annunciations per 10 min, average"],
  peak: ["Оповещений за 10 мин, пик", "Annunciations per 10 min, peak"],
  chattering: ["Дребезжащих тревог", "Chattering alarms"],
  stale: ["Застарелых тревог", "Stale alarms"],
  target: ["цель", "target"],
  perCompany: ["По операторам (компаниям)", "Per operator (company)"],
  perAsset: ["По объектам", "Per asset"],
  badActors: ["Десять самых частых тревог", "Top ten bad actors"],
  chatteringList: ["Дребезжащие тревоги", "Chattering alarms"],
  staleList: ["Застарелые тревоги", "Stale alarms"],
  asset: ["Объект", "Asset"],
  alarm: ["Тревога", "Alarm"],
  annunciations: ["Оповещений", "Annunciations"],
  events: ["Событий", "Events"],
  share: ["Доля, %", "Share, %"],
  perMinute: ["Наибольшее за минуту", "Most in a minute"],
  raised: ["Открыта", "Raised"],
  hours: ["Открыта, ч", "Open, h"],
  state: ["Состояние", "State"],
  none: ["нет", "none"],
  peakAt: ["Пик с", "Peak from"],
};
const tt = textsOf(TEXT);
const PERIODS = { day: 1, week: 7, month: 30 };

/** A figure read against its target: a tile coloured as the fleet's (ok, or a warning above the target). */
const tile = (id, label, value, target, digits = 0) =>
  h(
    "div",
    {
      class: `tile worst-${value > target ? "warning" : "ok"}`,
      dataset: { figure: id, over: value > target },
    },
    h("b", { class: "figure" }, num(value, digits)),
    h("div", { class: "muted" }, label),
    h("div", { class: "muted" }, `${tt("target")} ≤ ${num(target)}`),
  );

const conditionText = (c) => `${c.asset} · ${pointName(c.point)} · ${faultName(c.fault)}`;
/** A stale alarm, linked to its page. */
const staleLink = (s) => h("a", { href: `#/alarm/${encodeURIComponent(s.id)}` }, conditionText(s));

/** @param {PageContext} ctx */
export async function alarmHealthPage(ctx) {
  const me = session.me;
  const periodSel = h(
    "select",
    { id: "healthPeriod" },
    Object.keys(PERIODS).map((p) => option(p, tt(p), p === "day")),
  );
  const companySel = h(
    "select",
    { id: "healthCompany" },
    option("", tt("all")),
    (me?.companies ?? []).map((c) => option(c.id, c.name)),
  );
  const body = h("div", { id: "healthBody", class: "cards" });
  const load = async () => {
    const toMs = Date.now();
    const fromMs = toMs - PERIODS[periodSel.value] * 24 * 3_600_000;
    const r = await api(
      `/api/v1/alarms/health${qs({
        company: companySel.value,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
      })}`,
    );
    if (!ctx.alive()) return;
    const figuresRow = (name, f) =>
      h(
        "tr",
        null,
        cells(
          name,
          String(f.annunciations),
          num(f.averagePer10Min, 2),
          String(f.peakPer10Min),
          f.peakAt ? when(f.peakAt) : "—",
          String(f.chattering),
          String(f.stale),
        ),
      );
    const figureHeads = [
      tt("annunciations"),
      tt("average"),
      tt("peak"),
      tt("peakAt"),
      tt("chattering"),
      tt("stale"),
    ];
    const list = (id, title, heads, rows) =>
      h(
        "section",
        { class: "card", id },
        h("h2", null, title),
        rows.length === 0 ? h("p", { class: "muted" }, tt("none")) : dataTable(heads, rows),
      );
    /**
     * A list of alarms: a row per alarm, named by its `by` field, with the
     * alarm first and then its figures, each headed by its text's key.
     */
    const alarmList = (id, title, alarms, by, alarmCell, figures) =>
      list(
        id,
        tt(title),
        [tt("alarm"), ...Object.keys(figures).map(tt)],
        alarms.map((a) => dataRow(by, a[by], alarmCell(a), ...Object.values(figures).map((f) => f(a)))),
      );
    const cards = [
      h(
        "section",
        { class: "card" },
        h(
          "div",
          { class: "tiles", id: "healthFigures" },
          tile("average", tt("average"), r.totals.averagePer10Min, r.targets.averagePer10Min, 2),
          tile("peak", tt("peak"), r.totals.peakPer10Min, r.targets.peakPer10Min),
          tile("chattering", tt("chattering"), r.totals.chattering, r.targets.chattering),
          tile("stale", tt("stale"), r.totals.stale, r.targets.stale),
        ),
        h("p", { class: "muted" }, `${when(r.from)} — ${when(r.to)}`),
      ),
      me?.role === "service_company"
        ? null
        : list(
            "healthCompanies",
            tt("perCompany"),
            [tt("company"), ...figureHeads],
            r.companies.map((c) => figuresRow(c.name, c)),
          ),
      list(
        "healthAssets",
        tt("perAsset"),
        [tt("asset"), ...figureHeads],
        r.assets.map((a) =>
          figuresRow(h("a", { href: `#/asset/${encodeURIComponent(a.asset)}` }, a.asset), a),
        ),
      ),
      alarmList("healthBadActors", "badActors", r.badActors, "key", conditionText, {
        annunciations: (b) => String(b.annunciations),
        events: (b) => String(b.events),
        share: (b) => num(b.sharePct, 1),
      }),
      alarmList("healthChattering", "chatteringList", r.chattering, "key", conditionText, {
        annunciations: (c) => String(c.annunciations),
        perMinute: (c) => String(c.maxPerMinute),
      }),
      alarmList("healthStale", "staleList", r.stale, "id", staleLink, {
        raised: (s) => when(s.raisedAt),
        hours: (s) => num(s.openHours, 1),
        state: (s) => stateText(s.state),
      }),
    ];
    body.replaceChildren(...cards.filter((c) => c !== null));
  };
  ctx.root.replaceChildren(
    hintedCard(
      "h1",
      tt("title"),
      tt("hint"),
      h(
        "div",
        { class: "filters" },
        h("label", null, tt("period"), periodSel),
        me?.role === "service_company" ? null : h("label", null, tt("company"), companySel),
        h(
          "button",
          {
            type: "button",
            id: "healthShow",
            onclick: () => load().catch((e) => body.replaceChildren(errorBox(e))),
          },
          tt("apply"),
        ),
      ),
    ),
    body,
  );
  await load();
}
