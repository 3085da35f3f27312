// Fleet page (`#/fleet`): the caller's assets by site as tiles coloured by
// their worst open alarm, with totals and filters; follows live alarm events.
import { api, companyName, session } from "../lib/api.js";
import { debounce, filterCard, h, option } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

const fleetFilters = { site: "", status: "", text: "" };

/** @param {PageContext} ctx */
export async function fleetPage(ctx) {
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
    filterCard(t("fleet"), [
      [t("site"), siteSel],
      [t("status"), statusSel],
      [t("search"), text],
    ]),
    body,
  );
  await load();
  const reload = debounce(() => load().catch(() => {}), 300);
  ctx.onAlarm(reload);
}
