// Alarm page (`#/alarm/<id or key>`): the alarm's fields, its evidence (the
// diagnosis of the newest spectrum snapshot, or the ISO zone), its work
// orders and events; acknowledge, assign, comment and open a work order.
import { actionForm, eventsTable, evidenceList } from "../lib/alarm-parts.js";
import { api, canAct, companyName, qs } from "../lib/api.js";
import { debounce, errorBox, h, kv, num, sevBadge, stateText, when, zoneBadge } from "../lib/dom.js";
import { faultName, pointName, t } from "../lib/i18n.js";
import { workOrderForm, workOrderSection } from "./work-orders.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

/** @param {PageContext} ctx @param {string} id */
export async function alarmPage(ctx, id) {
  const load = async () => {
    const { alarm, events } = await api(`/api/v1/alarms/${encodeURIComponent(id)}`);
    const [spectrum, health, orders, fleet] = await Promise.all([
      api(`/api/v1/assets/${encodeURIComponent(alarm.asset)}/spectrum${qs({ point: alarm.point })}`).catch(
        () => null,
      ),
      api(`/api/v1/assets/${encodeURIComponent(alarm.asset)}/health`).catch(() => null),
      api(`/api/v1/work-orders${qs({ alarm: alarm.id })}`).catch(() => null),
      // The site and the asset by name, as the alarm list shows them.
      api("/api/v1/fleet").catch(() => null),
    ]);
    const site = fleet?.sites?.find((s) => s.id === alarm.site);
    const assetName = site?.assets?.find((a) => a.id === alarm.asset)?.name ?? alarm.asset;
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
          h("a", { href: `#/asset/${encodeURIComponent(alarm.asset)}` }, assetName),
          ", ",
          pointName(alarm.point),
        ),
        kv([
          [t("state"), stateText(alarm.state)],
          [t("maxSeverity"), t(alarm.maxSeverity)],
          [
            t("site"),
            h("span", { id: "alarmSite", dataset: { site: alarm.site } }, site?.name ?? alarm.site),
          ],
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
        { class: "card", id: "alarmEvidence" },
        h("h2", null, t("evidence")),
        diag
          ? evidenceList(
              diag.evidence,
              [
                // A zone is a rating against the standard, not a detection: it has no confidence.
                diag.fault === "overall_vibration"
                  ? null
                  : [t("confidence"), `${num(diag.confidence * 100, 0)} %`],
                [t("since"), when(diag.since)],
              ].filter(Boolean),
              diag.fault,
            )
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
