// Alarm-system health (`#/alarm-health`): the figures of EEMUA 191 and
// ISA-18.2 §16.5 from `GET /api/v1/alarms/health` — annunciations per
// operator position (a company's console) and per turbine per 10 minutes,
// chattering and stale alarms, the top ten bad actors — each read against
// the standards' targets.
import { api, qs, session } from "../lib/api.js";
import {
  cells,
  dataRow,
  dataTable,
  errorBox,
  filterRow,
  h,
  hintedCard,
  num,
  option,
  stateText,
  when,
} from "../lib/dom.js";
import { faultName, pointName, t } from "../lib/i18n.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

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
    h("div", { class: "muted" }, `${t("target")} ≤ ${num(target)}`),
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
    Object.keys(PERIODS).map((p) => option(p, t(`last_${p}`), p === "day")),
  );
  const companySel = h(
    "select",
    { id: "healthCompany" },
    option("", t("all")),
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
      t("annunciations"),
      t("annunciationsAverage"),
      t("annunciationsPeak"),
      t("annunciationsPeakAt"),
      t("chatteringCount"),
      t("staleCount"),
    ];
    const list = (id, title, heads, rows) =>
      h(
        "section",
        { class: "card", id },
        h("h2", null, title),
        rows.length === 0 ? h("p", { class: "muted" }, t("none")) : dataTable(heads, rows),
      );
    /**
     * A list of alarms: a row per alarm, named by its `by` field, with the
     * alarm first and then its figures, each headed by the text of its key.
     */
    const alarmList = (id, title, alarms, by, alarmCell, figures) =>
      list(
        id,
        title,
        [t("alarmHeading"), ...Object.keys(figures).map((key) => t(key))],
        alarms.map((a) => dataRow(by, a[by], alarmCell(a), ...Object.values(figures).map((f) => f(a)))),
      );
    const cards = [
      h(
        "section",
        { class: "card" },
        h(
          "div",
          { class: "tiles", id: "healthFigures" },
          tile("average", t("annunciationsAverage"), r.totals.averagePer10Min, r.targets.averagePer10Min, 2),
          tile("peak", t("annunciationsPeak"), r.totals.peakPer10Min, r.targets.peakPer10Min),
          tile("chattering", t("chatteringCount"), r.totals.chattering, r.targets.chattering),
          tile("stale", t("staleCount"), r.totals.stale, r.targets.stale),
        ),
        h("p", { class: "muted" }, `${when(r.from)} — ${when(r.to)}`),
      ),
      me?.role === "service_company"
        ? null
        : list(
            "healthCompanies",
            t("perCompany"),
            [t("companyShort"), ...figureHeads],
            r.companies.map((c) => figuresRow(c.name, c)),
          ),
      list(
        "healthAssets",
        t("perAsset"),
        [t("asset"), ...figureHeads],
        r.assets.map((a) =>
          figuresRow(h("a", { href: `#/asset/${encodeURIComponent(a.asset)}` }, a.asset), a),
        ),
      ),
      alarmList("healthBadActors", t("badActors"), r.badActors, "key", conditionText, {
        annunciations: (b) => String(b.annunciations),
        eventCount: (b) => String(b.events),
        share: (b) => num(b.sharePct, 1),
      }),
      alarmList("healthChattering", t("chatteringAlarms"), r.chattering, "key", conditionText, {
        annunciations: (c) => String(c.annunciations),
        perMinute: (c) => String(c.maxPerMinute),
      }),
      alarmList("healthStale", t("staleAlarms"), r.stale, "id", staleLink, {
        raisedAt: (s) => when(s.raisedAt),
        openHours: (s) => num(s.openHours, 1),
        state: (s) => stateText(s.state),
      }),
    ];
    body.replaceChildren(...cards.filter((c) => c !== null));
  };
  ctx.root.replaceChildren(
    hintedCard(
      "h1",
      t("alarmHealthTitle"),
      t("alarmHealthHint"),
      filterRow(
        [[t("period"), periodSel], me?.role === "service_company" ? null : [t("companyShort"), companySel]],
        h(
          "button",
          {
            type: "button",
            id: "healthShow",
            onclick: () => load().catch((e) => body.replaceChildren(errorBox(e))),
          },
          t("apply"),
        ),
      ),
    ),
    body,
  );
  await load();
}
