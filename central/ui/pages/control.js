// Control of the facilities (`#/control`, `#/control/<facility>`): every
// controllable point the facility's agent declared with its limits, the
// commanded, effective and actual value and who holds it; a command form
// (a setpoint or state for a time or until relinquished); the weekly
// schedule, edited on a days × hours grid (control-schedule.js; from the
// template of the facility's kind, with its holidays and vacations) and the
// demand limit; the latest commands with their lifecycle.
// Admin and the energy manager act; the ministry reads.
import { api, qs, session } from "../lib/api.js";
import { cells, dataRow, dataTable, h, num, option, submitter, when } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { scheduleEditor } from "./control-schedule.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

const canControl = () => session.me?.role === "admin" || session.me?.role === "energy_manager";
const PRIORITY_KEYS = ["safety", "manual", "operator", "demand_limit", "schedule", "default"];
const DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** A value as its point shows it: a state's label, or a number with its unit. */
const valueText = (p, v) => {
  if (v == null) return "—";
  if (p.states?.[String(v)] != null) return `${p.states[String(v)]} (${v})`;
  return p.unit === "state" ? String(v) : `${num(v, 1)} ${p.unit === "degC" ? "°C" : p.unit}`;
};

/**
 * @param {PageContext} ctx
 * @param {string} [assetId]
 */
export async function controlPage(ctx, assetId) {
  const all = await api("/api/v1/control/points");
  if (!ctx.alive()) return;
  const facilities = all.facilities;
  if (facilities.length === 0) {
    ctx.root.replaceChildren(
      h(
        "section",
        { class: "card" },
        h("h1", null, t("control")),
        h("p", { class: "muted" }, t("noFacilities")),
      ),
    );
    return;
  }
  const facility = facilities.find((f) => f.id === assetId) ?? facilities[0];
  const asset = facility.id;
  const points = all.points.filter((p) => p.asset === asset);
  const [{ commands }, scheduleAnswer, limitAnswer] = await Promise.all([
    api(`/api/v1/control/commands${qs({ asset, limit: 20 })}`),
    api(`/api/v1/control/schedules/${encodeURIComponent(asset)}`),
    api(`/api/v1/control/limits/${encodeURIComponent(asset)}`),
  ]);
  if (!ctx.alive()) return;
  const again = () => ctx.reload();

  const picker = h(
    "select",
    {
      id: "controlFacility",
      "aria-label": t("facility"),
      onchange: (e) => {
        location.hash = `#/control/${encodeURIComponent(e.target.value)}`;
      },
    },
    ...facilities.map((f) => option(f.id, `${f.name} (${f.id})`, f.id === asset)),
  );

  const relinquish = (id) =>
    h(
      "button",
      {
        class: "small",
        dataset: { relinquish: id },
        onclick: async () => {
          await api(`/api/v1/control/commands/${encodeURIComponent(id)}`, { method: "DELETE" });
          again();
        },
      },
      t("relinquish"),
    );

  const pointsTable = points.length
    ? dataTable(
        [t("controlPoint"), t("limits"), t("commanded"), t("effective"), t("holder"), t("actual"), ""],
        points.map((p) =>
          h(
            "tr",
            { dataset: { point: p.point }, class: p.critical ? "critical" : null },
            cells(
              h("span", null, p.point, p.critical ? h("span", { class: "sev alarm" }, t("critical")) : null),
              `${valueText(p, p.min)} … ${valueText(p, p.max)}`,
              p.commanded
                ? `${valueText(p, p.commanded.value)}${p.commanded.until ? ` ${t("until")} ${when(p.commanded.until)}` : ""} · ${t(`cmd_${p.commanded.state}`)}`
                : "—",
              p.effective ? valueText(p, p.effective.value) : "—",
              p.effective ? `${t(`prio_${p.effective.priority}`)} (${p.effective.holder})` : "—",
              valueText(p, p.actual),
              p.commanded && canControl() ? relinquish(p.commanded.id) : "",
            ),
          ),
        ),
        { id: "controlPoints" },
      )
    : h("p", { class: "muted" }, t("noControlPoints"));

  const commandForm =
    canControl() && points.length
      ? submitter(
          h(
            "form",
            { class: "inline", id: "commandForm" },
            h(
              "label",
              null,
              t("controlPoint"),
              h("select", { name: "point" }, ...points.map((p) => option(p.point, p.point, false))),
            ),
            h(
              "label",
              null,
              t("value"),
              h("input", { name: "value", type: "number", step: "any", required: true, size: 6 }),
            ),
            h("label", null, t("until"), h("input", { name: "until", type: "datetime-local" })),
            h(
              "label",
              null,
              t("reason"),
              h("input", { name: "reason", required: true, maxlength: 500, size: 20 }),
            ),
            h("label", null, h("input", { name: "override", type: "checkbox" }), t("override")),
            h("button", { class: "primary" }, t("sendCommand")),
          ),
          async (d) => {
            const until = String(d.get("until") ?? "");
            const body = {
              asset,
              point: d.get("point"),
              value: Number(d.get("value")),
              reason: d.get("reason"),
              ...(until ? { until: new Date(until).toISOString() } : {}),
              ...(d.get("override") ? { override: true } : {}),
            };
            await api("/api/v1/control/commands", { method: "POST", body });
            again();
          },
        )
      : null;

  const schedule = scheduleAnswer.schedule;
  const shown = schedule ?? scheduleAnswer.template;
  const scheduleSummary = shown?.points.length
    ? dataTable(
        [t("controlPoint"), t("days"), t("hours"), t("value"), t("otherwise")],
        shown.points.flatMap((sp) =>
          sp.entries.map((e) =>
            h(
              "tr",
              null,
              cells(
                sp.point,
                e.days.map((d) => t(DAY_KEYS[d - 1])).join(", "),
                `${e.from}–${e.to}`,
                num(e.value, 1),
                num(sp.otherwise, 1),
              ),
            ),
          ),
        ),
      )
    : h("p", { class: "muted" }, t("noSchedule"));
  const exceptionsList = shown?.exceptions.length
    ? h(
        "details",
        null,
        h("summary", null, `${t("exceptions")}: ${shown.exceptions.length}`),
        h("ul", null, ...shown.exceptions.map((x) => h("li", null, `${x.from} – ${x.to}: ${x.name}`))),
      )
    : null;
  // The graphical weekly editor (control-schedule.js); "from the template" starts it again from the template.
  const editorSlot = h("div");
  let editor = null;
  const startEditor = (from) => {
    editor = scheduleEditor(from, points, facility.timeZone);
    editorSlot.replaceChildren(editor.element);
  };
  const scheduleForm = canControl()
    ? submitter(
        h(
          "form",
          { id: "scheduleForm", class: "stack" },
          editorSlot,
          h(
            "div",
            { class: "toolbar" },
            scheduleAnswer.template
              ? h(
                  "button",
                  {
                    type: "button",
                    id: "scheduleFromTemplate",
                    onclick: () => startEditor({ ...scheduleAnswer.template, effectiveFrom: Date.now() }),
                  },
                  t("fromTemplate"),
                )
              : null,
            h("button", { class: "primary", id: "scheduleSave" }, t("saveSchedule")),
          ),
        ),
        async () => {
          await api(`/api/v1/control/schedules/${encodeURIComponent(asset)}`, {
            method: "PUT",
            body: editor.value(),
          });
          again();
        },
      )
    : null;
  if (scheduleForm) startEditor(shown);

  const limit = limitAnswer.limit;
  const limitForm = canControl()
    ? submitter(
        h(
          "form",
          { class: "inline", id: "limitForm" },
          h(
            "label",
            null,
            t("limitKw"),
            h("input", {
              name: "limitKw",
              type: "number",
              min: 0.1,
              step: "any",
              required: true,
              size: 6,
              value: limit?.limitKw ?? "",
            }),
          ),
          h(
            "label",
            null,
            t("interval"),
            h(
              "select",
              { name: "intervalMinutes" },
              ...[15, 30, 60].map((m) =>
                option(String(m), `${m} ${t("minutes")}`, (limit?.intervalMinutes ?? 15) === m),
              ),
            ),
          ),
          h(
            "label",
            null,
            t("restoreBelow"),
            h("input", {
              name: "restore",
              type: "number",
              min: 0,
              max: 0.5,
              step: 0.01,
              size: 4,
              value: limit?.restoreBelowFraction ?? 0.1,
            }),
          ),
          h(
            "label",
            null,
            t("sheds"),
            h("input", {
              name: "sheds",
              size: 24,
              placeholder: "lighting:0, ventilation:0",
              value: (limit?.sheds ?? []).map((s) => `${s.point}:${s.shedValue}`).join(", "),
            }),
          ),
          h("button", { class: "primary" }, t("saveLimit")),
        ),
        async (d) => {
          const sheds = String(d.get("sheds") ?? "")
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
            .map((s) => {
              const [point, value] = s.split(":");
              return { point: (point ?? "").trim(), shedValue: Number(value) };
            });
          const body = {
            limitKw: Number(d.get("limitKw")),
            intervalMinutes: Number(d.get("intervalMinutes")),
            restoreBelowFraction: Number(d.get("restore")),
            sheds,
          };
          await api(`/api/v1/control/limits/${encodeURIComponent(asset)}`, { method: "PUT", body });
          again();
        },
      )
    : null;

  const history = commands.length
    ? dataTable(
        [t("requested"), t("controlPoint"), t("value"), t("state"), t("by"), t("reason")],
        commands.map((c) =>
          dataRow(
            "command",
            c.id,
            when(c.requestedAt),
            c.point,
            num(c.value, 2),
            `${t(`cmd_${c.state}`)} · ${when(c.stateAt)}${c.stateReason ? ` (${c.stateReason})` : ""}`,
            c.requestedBy,
            c.reason,
          ),
        ),
        { id: "controlHistory" },
      )
    : h("p", { class: "muted" }, t("noCommands"));

  ctx.root.replaceChildren(
    h(
      "section",
      { class: "card" },
      h("h1", null, t("control")),
      h(
        "div",
        { class: "toolbar" },
        picker,
        h("span", { class: "muted" }, `${t("timezone")}: ${facility.timeZone}`),
      ),
      h(
        "p",
        { class: "muted" },
        t("priorityOrder"),
        " ",
        PRIORITY_KEYS.map((k) => t(`prio_${k}`)).join(" › "),
      ),
      pointsTable,
      commandForm,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", null, t("schedule")),
      h(
        "p",
        { class: "muted" },
        schedule
          ? `${t("updated")}: ${when(scheduleAnswer.updatedAt)}, ${scheduleAnswer.updatedBy}`
          : t("templateShown"),
      ),
      scheduleSummary,
      exceptionsList,
      scheduleForm,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", null, t("demandLimit")),
      limit
        ? h(
            "p",
            null,
            `${num(limit.limitKw, 1)} kW / ${limit.intervalMinutes} ${t("minutes")}; ${t("sheds")}: ${limit.sheds.map((s) => s.point).join(", ") || "—"}`,
          )
        : h("p", { class: "muted" }, t("noLimit")),
      limitForm,
    ),
    h("section", { class: "card" }, h("h2", null, t("controlHistory")), history),
  );
}
