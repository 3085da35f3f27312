// Alarm list (`#/alarms`): filters, sorting by a column, acknowledge and
// assign in place, and live events that refresh the list and highlight
// what changed (a refresh waits while a form is open).
import { FAULTS } from "/ui/names.js";
import { actionForm } from "../lib/alarm-parts.js";
import { api, canAct, qs, session } from "../lib/api.js";
import { $, debounce, errorBox, filterCard, h, option, sevBadge, stateText, when } from "../lib/dom.js";
import { faultName, pointName, t } from "../lib/i18n.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

const alarmFilters = { state: "open", severity: "", site: "", fault: "", q: "", sort: "", order: "desc" };
/** Alarm ids changed by live events a moment ago, with when the highlight ends. */
const flashing = new Map();
const FLASH_MS = 4000;

/** @param {PageContext} ctx */
export async function alarmsPage(ctx) {
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
            // A button inside the header (WAI-ARIA APG, sortable table): reachable by Tab, Enter/Space sort.
            sort
              ? h(
                  "button",
                  { type: "button", class: "sort" },
                  t(key),
                  on ? (alarmFilters.order === "asc" ? " ▲" : " ▼") : "",
                )
              : t(key),
          );
        }),
        canAct() ? h("th", null, t("actions")) : null,
      ),
    );
  };

  // An energy manager's console has no asset page (the API gives it control and alarms only): its
  // facility's control page, where the alarmed point is, instead.
  const assetHref = (asset) =>
    `#/${session.me?.role === "energy_manager" ? "control" : "asset"}/${encodeURIComponent(asset)}`;

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
            h("a", { href: assetHref(a.asset) }, names.get(a.asset) ?? a.asset),
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
    filterCard(
      t("alarms"),
      [
        [t("state"), stateSel],
        [t("severity"), sevSel],
        [t("site"), siteSel],
        [t("fault"), faultSel],
        [t("search"), text],
      ],
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
