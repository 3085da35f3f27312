// The weekly schedule editor of the control page: per point a grid of
// 7 days × 24 hours in the facility's time zone. A marked hour is an
// occupied period holding the value it was marked with (the schedule's
// entries); an unmarked one holds `otherwise` (the setback). Click an hour,
// or drag across hours (mouse, pen or finger), to mark them with the value
// chosen above the grid; start on a marked hour to clear instead. Below,
// the exception days (holidays, school vacations) on which only `otherwise`
// holds. The result is the schedule the API takes (common/control.ts).
// Hours are the grid's resolution: entries off the hour are shown from the
// hour they cover at its start, and saved on whole hours.
import { h, option } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

const DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const HOURS = 24;
const hh = (hour) => `${String(hour).padStart(2, "0")}:00`;
const minutesOf = (text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

/** The grid of one point: `cells[day][hour]` is the value of a marked hour, or null. */
export function gridOf(sp) {
  const cells = Array.from({ length: 7 }, () => Array.from({ length: HOURS }, () => null));
  for (let d = 0; d < 7; d++)
    for (let hour = 0; hour < HOURS; hour++) {
      const at = hour * 60;
      const e = sp.entries.find(
        (x) => x.days.includes(d + 1) && minutesOf(x.from) <= at && at < minutesOf(x.to),
      );
      if (e) cells[d][hour] = e.value;
    }
  return cells;
}

/** The entries of a grid: each day's runs of equal value, the same run on several days as one entry. */
export function entriesOf(cells) {
  const runs = new Map();
  for (let d = 0; d < 7; d++) {
    let hour = 0;
    while (hour < HOURS) {
      const v = cells[d][hour];
      if (v == null) {
        hour++;
        continue;
      }
      let end = hour;
      while (end < HOURS && cells[d][end] === v) end++;
      const key = `${hour}|${end}|${v}`;
      const run = runs.get(key) ?? {
        days: [],
        from: hh(hour),
        to: end === HOURS ? "24:00" : hh(end),
        value: v,
      };
      run.days.push(d + 1);
      runs.set(key, run);
      hour = end;
    }
  }
  return [...runs.values()];
}

/**
 * The editor. `shown` is the schedule (or template) to start from; `points`
 * the facility's declared points (critical ones are never scheduled).
 * Returns the element and `value()`, the schedule to save.
 */
export function scheduleEditor(shown, points, timeZone) {
  const schedulable = points.filter((p) => !p.critical);
  const byPoint = new Map();
  for (const sp of shown?.points ?? []) byPoint.set(sp.point, { cells: gridOf(sp), otherwise: sp.otherwise });
  for (const p of schedulable)
    if (!byPoint.has(p.point))
      byPoint.set(p.point, { cells: gridOf({ entries: [] }), otherwise: p.failSafe });
  const original = new Set((shown?.points ?? []).map((sp) => sp.point));
  const exceptions = (shown?.exceptions ?? []).map((x) => ({ ...x }));
  const declared = (name) => points.find((p) => p.point === name);
  let current = [...byPoint.keys()][0];

  const pointSelect = h(
    "select",
    { id: "schedulePoint", "aria-label": t("controlPoint") },
    ...[...byPoint.keys()].map((name) => option(name, name, name === current)),
  );
  const valueInput = (name, id, label) => {
    const p = declared(current);
    const control = p?.states
      ? h(
          "select",
          { id, name },
          ...Object.entries(p.states).map(([v, l]) => option(v, `${l} (${v})`, false)),
        )
      : h("input", { id, name, type: "number", step: "any", size: 5, min: p?.min, max: p?.max });
    return { control, label: h("label", null, label, control) };
  };
  let brush;
  let otherwise;
  const valueRow = h("div", { class: "toolbar" });
  const grid = h("div", {
    id: "scheduleGrid",
    role: "grid",
    "aria-label": t("schedule"),
    style:
      "display:grid;grid-template-columns:2.4em repeat(24,minmax(0,1fr));gap:1px;touch-action:none;user-select:none;font-size:0.75rem",
  });

  const colour = (v) => {
    const p = declared(current);
    if (v == null) return "var(--line, #ddd)";
    const lo = p?.min ?? 0;
    const hi = p?.max ?? 1;
    const f = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 1;
    return `hsl(${Math.round(210 - 190 * f)} 70% 55%)`;
  };
  const paintCell = (cell, v) => {
    cell.dataset.value = v == null ? "" : String(v);
    cell.setAttribute("aria-pressed", v == null ? "false" : "true");
    cell.style.background = colour(v);
    cell.title = `${t(DAY_KEYS[Number(cell.dataset.day) - 1])} ${hh(Number(cell.dataset.hour))}: ${v == null ? `${t("unoccupied")} ${otherwise.control.value}` : `${t("occupied")} ${v}`}`;
  };

  const renderValues = () => {
    brush = valueInput("brush", "scheduleBrush", t("brush"));
    otherwise = valueInput("otherwise", "scheduleOtherwise", t("otherwiseValue"));
    const state = byPoint.get(current);
    const p = declared(current);
    const firstMarked = state.cells.flat().find((v) => v != null);
    brush.control.value = String(firstMarked ?? p?.max ?? 1);
    otherwise.control.value = String(state.otherwise);
    const takeOtherwise = () => {
      state.otherwise = Number(otherwise.control.value);
    };
    otherwise.control.addEventListener("input", takeOtherwise);
    otherwise.control.addEventListener("change", takeOtherwise);
    const clear = h(
      "button",
      {
        type: "button",
        id: "scheduleClear",
        onclick: () => {
          state.cells = gridOf({ entries: [] });
          renderGrid();
        },
      },
      t("clearPoint"),
    );
    valueRow.replaceChildren(brush.label, otherwise.label, clear);
  };

  let painting = null;
  const renderGrid = () => {
    const state = byPoint.get(current);
    const head = [h("span")];
    for (let hour = 0; hour < HOURS; hour++)
      head.push(
        h("span", { class: "muted", style: "text-align:center" }, hour % 6 === 0 ? String(hour) : ""),
      );
    const rows = [];
    for (let d = 0; d < 7; d++) {
      rows.push(h("span", { role: "rowheader" }, t(DAY_KEYS[d])));
      for (let hour = 0; hour < HOURS; hour++) {
        const cell = h("button", {
          type: "button",
          class: "schedule-cell",
          role: "gridcell",
          "aria-label": `${t(DAY_KEYS[d])} ${hh(hour)}`,
          dataset: { day: String(d + 1), hour: String(hour) },
          style: "min-height:1.6em;padding:0;border:0;border-radius:2px;min-width:0",
          // Keyboard (Enter, Space): a click with no pointer before it toggles the hour.
          onclick: (e) => {
            if (e.detail !== 0) return;
            const v = state.cells[d][hour] == null ? Number(brush.control.value) : null;
            state.cells[d][hour] = v;
            paintCell(cell, v);
          },
        });
        paintCell(cell, state.cells[d][hour]);
        rows.push(cell);
      }
    }
    grid.replaceChildren(...head, ...rows);
  };
  const cellAt = (x, y) => {
    const el = document.elementFromPoint(x, y);
    return el instanceof HTMLElement && el.classList.contains("schedule-cell") && grid.contains(el)
      ? el
      : null;
  };
  const paint = (cell) => {
    const state = byPoint.get(current);
    const d = Number(cell.dataset.day) - 1;
    const hour = Number(cell.dataset.hour);
    state.cells[d][hour] = painting.value;
    paintCell(cell, painting.value);
  };
  grid.addEventListener("pointerdown", (e) => {
    const cell = cellAt(e.clientX, e.clientY);
    if (!cell) return;
    e.preventDefault();
    // Starting on a marked hour clears; on an unmarked one marks with the chosen value.
    painting = { value: cell.dataset.value === "" ? Number(brush.control.value) : null };
    if (painting.value !== null && !Number.isFinite(painting.value)) {
      painting = null;
      return;
    }
    grid.setPointerCapture?.(e.pointerId);
    paint(cell);
  });
  grid.addEventListener("pointermove", (e) => {
    if (!painting) return;
    const cell = cellAt(e.clientX, e.clientY);
    if (cell) paint(cell);
  });
  const stop = () => {
    painting = null;
  };
  grid.addEventListener("pointerup", stop);
  grid.addEventListener("pointercancel", stop);

  pointSelect.addEventListener("change", () => {
    current = pointSelect.value;
    renderValues();
    renderGrid();
  });

  const exceptionRows = h("div", { id: "scheduleExceptions", class: "stack" });
  const renderExceptions = () => {
    exceptionRows.replaceChildren(
      ...exceptions.map((x, i) => {
        const field = (key, type, label, extra = {}) =>
          h(
            "label",
            null,
            label,
            h("input", {
              type,
              value: x[key],
              required: true,
              ...extra,
              onchange: (e) => {
                x[key] = e.target.value;
              },
            }),
          );
        return h(
          "div",
          { class: "inline", dataset: { exception: String(i) } },
          field("from", "date", t("fromDate")),
          field("to", "date", t("toDate")),
          field("name", "text", t("name"), { maxlength: 200, size: 16 }),
          h(
            "button",
            {
              type: "button",
              class: "small",
              onclick: () => {
                exceptions.splice(i, 1);
                renderExceptions();
              },
            },
            t("removeException"),
          ),
        );
      }),
    );
  };
  const addException = h(
    "button",
    {
      type: "button",
      id: "addException",
      onclick: () => {
        const today = new Date().toISOString().slice(0, 10);
        exceptions.push({ from: today, to: today, name: "" });
        renderExceptions();
        exceptionRows.lastElementChild?.querySelector("input")?.focus();
      },
    },
    t("addException"),
  );

  renderValues();
  renderGrid();
  renderExceptions();
  const element = h(
    "div",
    { class: "stack", id: "scheduleEditor" },
    h("label", null, t("controlPoint"), " ", pointSelect),
    h("p", { class: "muted" }, t("editorHint"), ` (${timeZone})`),
    valueRow,
    grid,
    h(
      "p",
      { class: "muted" },
      h("span", {
        style: `display:inline-block;width:1em;height:1em;background:${colour(declared(current)?.max ?? 1)}`,
      }),
      ` ${t("occupied")}  `,
      h("span", { style: "display:inline-block;width:1em;height:1em;background:var(--line, #ddd)" }),
      ` ${t("unoccupied")}`,
    ),
    h("h3", null, t("exceptionsTitle")),
    exceptionRows,
    h("div", null, addException),
  );
  return {
    element,
    value: () => ({
      timeZone: shown?.timeZone ?? timeZone,
      ...(shown?.template ? { template: shown.template } : {}),
      // A point the schedule had, or one given marked hours or a setback of its own; the others stay unscheduled.
      points: [...byPoint.entries()]
        .map(([point, s]) => ({ point, entries: entriesOf(s.cells), otherwise: s.otherwise }))
        .filter(
          (sp) =>
            original.has(sp.point) || sp.entries.length > 0 || sp.otherwise !== declared(sp.point)?.failSafe,
        ),
      exceptions: exceptions.map((x) => ({ from: x.from, to: x.to, name: x.name })),
      effectiveFrom: shown?.effectiveFrom ?? Date.now(),
    }),
  };
}
