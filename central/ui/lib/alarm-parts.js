// Pieces of alarms that several pages show: the acknowledge/assign/comment
// form (alarm list and alarm page), a diagnosis's evidence (alarm, asset and
// spectrum pages), the table of alarm events (alarm and asset pages) and an
// alarm's short label (also in work orders).
import { api } from "./api.js";
import { cells, dataTable, h, kv, num, unitText, when, zoneBadge } from "./dom.js";
import { faultName, lang, pointName, TEXT, t } from "./i18n.js";
import { serverNote } from "./server-texts.js";

/**
 * Acknowledge/assign/comment forms, shared by the list (in place) and the detail page.
 * @param {"ack"|"assign"|"comment"} kind
 * @param {any} alarm
 * @param {(alarm: any) => void} done
 * @param {() => void} [cancel]
 */
export function actionForm(kind, alarm, done, cancel) {
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

/**
 * Evidence of a diagnosis as a list of name/value pairs. The zone rating
 * (`overall_vibration`) has its own: a band RMS against the standard's
 * boundaries, no spectral line or demodulation band.
 */
export function evidenceList(ev, extra = [], fault = "") {
  if (!ev) return h("p", { class: "muted" }, t("noData"));
  if (fault === "overall_vibration") return zoneEvidence(ev, extra);
  const hz = (v) => (v == null ? null : `${num(v, 3)} ${t("hz")}`);
  const main = kv([
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
  ]);
  // The detector's own figures (zone boundaries, scores, sources) under their field names, folded away.
  const detail = Object.entries(ev.detail ?? {}).map(([k, v]) => [k, typeof v === "number" ? num(v, 3) : v]);
  return detail.length === 0
    ? main
    : h(
        "div",
        null,
        main,
        h("details", { class: "evidence-detail" }, h("summary", null, t("detail")), kv(detail)),
      );
}

/**
 * The zone's evidence (edge-agent/diagnostics/zones.ts): the band RMS, the
 * zone it falls in, the boundary that opened the zone, all three boundaries
 * and the standard they come from (ISO 10816-21 Annex A, or an override).
 */
export function zoneEvidence(ev, extra = []) {
  const d = ev.detail ?? {};
  const unit = unitText(ev.amplitude_unit);
  const level = (v) => (v == null ? null : `${num(v, 2)} ${unit}`);
  const opened = d.zone === "D" ? ["C/D", d.cd] : d.zone === "C" ? ["B/C", d.bc] : null;
  return kv([
    ...extra,
    [t("zone"), d.zone ? zoneBadge(d.zone) : null],
    [t("zoneValue"), level(ev.amplitude)],
    [t("zoneBand"), ev.band_hz ? `${num(ev.band_hz[0], 0)}–${num(ev.band_hz[1], 0)} ${t("hz")}` : null],
    [t("zoneOpenedBy"), opened && opened[1] != null ? `${opened[0]} ${level(opened[1])}` : null],
    [
      t("zoneBoundaries"),
      d.ab == null ? null : `A/B ${level(d.ab)} · B/C ${level(d.bc)} · C/D ${level(d.cd)}`,
    ],
    [t("zoneStandard"), d.source ?? null],
  ]);
}

/** Alarm events as a table: newest first as given. */
export function eventsTable(events, withAlarm) {
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
          e.comment == null ? "" : serverNote(e.comment, lang),
        ),
      ),
    ),
    { class: "events" },
  );
}
const valueText = (v) => (v == null ? "—" : TEXT[v] ? t(v === "acknowledged" ? "acknowledgedState" : v) : v);
/** '<asset>:<point>:<fault>:<n>' → "point, fault". */
export const alarmLabel = (id) => {
  const [, point, fault] = id.split(":");
  return point && fault ? `${pointName(point)}, ${faultName(fault)}` : id;
};
