// Reports (`#/reports`): the monthly service report of a company as a
// preview table and as PDF, CSV or JSON downloads.
import { api, download, qs, session } from "../lib/api.js";
import { dataRow, dataTable, filterRow, h, hintedCard, num, option } from "../lib/dom.js";
import { lang, t } from "../lib/i18n.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

/** An asset's condition (as the report names it): its word's key in the console's catalogue. */
const CONDITION_TEXT = { alarm: "conditionAlarm", warning: "warning", normal: "ok", unknown: "noData" };
/** An asset's condition at the report's end and the most urgent action, in the page's language. */
const conditionCell = (c) =>
  c
    ? h(
        "span",
        { class: `condition ${c.condition}` },
        `${t(CONDITION_TEXT[c.condition] ?? c.condition)} — ${c.recommendation[lang]}`,
      )
    : "—";

/** @param {PageContext} ctx */
export async function reportsPage(ctx) {
  // The current month by default: a new company has nothing in the last one, and the month so far is what is asked.
  const now = new Date();
  const ym = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
  const month = h("input", {
    id: "reportMonth",
    type: "month",
    value: ym(now),
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
      const row = (name, x, condition) =>
        dataRow(
          "urgency",
          condition?.recommendation.urgency ?? "",
          name,
          condition === undefined ? "" : conditionCell(condition),
          String(x.daysMonitored),
          `${x.alarms.alarm} / ${x.alarms.warning}`,
          mins(x.timeToAcknowledge),
          mins(x.timeToClose),
          String(x.escalations),
          `${x.workOrders.opened} / ${x.workOrders.done}`,
        );
      preview.replaceChildren(
        h("h2", null, `${r.company.name} · ${r.month}`),
        dataTable(
          [
            t("asset"),
            t("conditionHead"),
            t("daysMonitored"),
            t("alarmsBySeverity"),
            t("medianAck"),
            t("medianClose"),
            t("escalations"),
            t("ordersOpenedDone"),
          ],
          [...r.assets.map((a) => row(`${a.name} (${a.asset})`, a, a.condition)), row(t("total"), r.totals)],
        ),
      );
    } catch (e) {
      error.textContent = e.message;
    }
  };
  ctx.root.replaceChildren(
    hintedCard(
      "h1",
      t("serviceReport"),
      t("reportHint"),
      filterRow(
        [[t("month"), month], me?.role === "service_company" ? null : [t("company"), companySel]],
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
