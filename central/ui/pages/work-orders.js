// Work orders (`#/work-orders`): the list with its state filter, moving an
// order along (open → in progress → done, with findings) and its PDF/JSON;
// also the form, table and section the alarm and asset pages show.
import { alarmLabel } from "../lib/alarm-parts.js";
import { api, canAct, download, qs } from "../lib/api.js";
import { errorBox, filterCard, h, option, when } from "../lib/dom.js";
import { faultName, lang, pointName, t } from "../lib/i18n.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

export function workOrderForm(alarm, done) {
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

export function workOrderSection(orders, onChange) {
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
export async function workOrdersPage(ctx) {
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
  ctx.root.replaceChildren(filterCard(t("workOrders"), [[t("state"), stateSel]], list));
  await load();
}
