// Administration (`#/admin`, administrators only): companies, contracts and
// access tokens, each a list with a form that adds to it.
import { api, companyName, session } from "../lib/api.js";
import { dataRow, dataTable, h, option, submitter, when } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

/** @param {PageContext} ctx */
export async function adminPage(ctx) {
  if (session.me?.role !== "admin") {
    ctx.root.replaceChildren(h("section", { class: "card" }, h("p", { class: "error" }, t("adminOnly"))));
    return;
  }
  const [{ companies }, { contracts }, { tokens }, { assets }] = await Promise.all([
    api("/api/v1/companies"),
    api("/api/v1/contracts"),
    api("/api/v1/tokens"),
    api("/api/v1/assets"),
  ]);
  if (!ctx.alive()) return;
  // Names of companies connected since the login, for every page.
  session.me.companies = companies;
  const again = () => ctx.reload();
  const field = (name, props = {}) => h("input", { name, ...props });
  const langSel = (value) =>
    h(
      "select",
      { name: "lang" },
      option("ru", "русский", value === "ru"),
      option("en", "English", value === "en"),
    );

  const companyForm = submitter(
    h(
      "form",
      { class: "inline", id: "companyForm" },
      field("id", { placeholder: t("id"), required: true, pattern: "[A-Za-z0-9_.:\\-]+", size: 12 }),
      field("name", { placeholder: t("name"), required: true, size: 24 }),
      field("email", { placeholder: t("email"), type: "email", size: 20 }),
      langSel("ru"),
      field("timezone", { placeholder: t("timezone"), value: "Europe/Moscow", size: 14 }),
      h("button", { class: "primary" }, t("create")),
    ),
    async (d) => {
      const body = { id: d.get("id"), name: d.get("name"), lang: d.get("lang"), timezone: d.get("timezone") };
      if (d.get("email")) body.email = d.get("email");
      await api("/api/v1/companies", { method: "POST", body });
      again();
    },
  );
  /** A company's editable name, e-mail, language and time zone. */
  const companyEditor = (c) => {
    const name = field("name", { value: c.name, size: 24 });
    const email = field("email", { value: c.email ?? "", type: "email", size: 20 });
    const l = langSel(c.lang);
    const tz = field("timezone", { value: c.timezone ?? "", size: 14 });
    return submitter(
      h("form", { class: "inline" }, name, email, l, tz, h("button", null, t("save"))),
      async () => {
        await api(`/api/v1/companies/${encodeURIComponent(c.id)}`, {
          method: "PATCH",
          body: { name: name.value, email: email.value || null, lang: l.value, timezone: tz.value },
        });
        again();
      },
    );
  };

  const assetBoxes = h(
    "span",
    { class: "row" },
    assets
      .filter((a) => a.kind === "turbine")
      .map((a) => h("label", null, h("input", { type: "checkbox", name: "assets", value: a.id }), a.id)),
  );
  const today = new Date().toISOString().slice(0, 10);
  const contractForm = submitter(
    h(
      "form",
      { class: "inline", id: "contractForm" },
      h(
        "select",
        { name: "company", required: true },
        companies.map((c) => option(c.id, c.name)),
      ),
      assetBoxes,
      h("label", null, t("from"), field("from", { type: "date", value: today, required: true })),
      h("label", null, t("to"), field("to", { type: "date" })),
      h(
        "label",
        null,
        t("responseTime"),
        field("responseTimeMinutes", { type: "number", min: 1, value: 240, size: 5 }),
      ),
      h("button", { class: "primary" }, t("create")),
    ),
    async (d) => {
      const body = {
        company: d.get("company"),
        assets: d.getAll("assets"),
        from: new Date(`${d.get("from")}T00:00:00`).toISOString(),
        responseTimeMinutes: Number(d.get("responseTimeMinutes")),
      };
      if (d.get("to")) body.to = new Date(`${d.get("to")}T00:00:00`).toISOString();
      await api("/api/v1/contracts", { method: "POST", body });
      again();
    },
  );

  let newToken = null;
  const tokenForm = submitter(
    h(
      "form",
      { class: "inline", id: "tokenForm" },
      h(
        "select",
        { name: "role" },
        ["service_company", "ministry", "admin", "agent"].map((r) => option(r, r)),
      ),
      h(
        "select",
        { name: "tenant" },
        option("", "—"),
        companies.map((c) => option(c.id, c.id)),
      ),
      field("site", { placeholder: t("site"), size: 10 }),
      field("label", { placeholder: t("label"), required: true, size: 18 }),
      h("button", { class: "primary" }, t("create")),
    ),
    async (d) => {
      const body = { role: d.get("role"), label: d.get("label") };
      if (body.role === "service_company") body.tenant = d.get("tenant");
      if (body.role === "agent") body.site = d.get("site");
      const res = await api("/api/v1/tokens", { method: "POST", body });
      newToken = res.token;
      tokenSlot.replaceChildren(h("p", null, t("tokenOnce")), h("p", { class: "token-once" }, newToken));
    },
  );
  const tokenSlot = h("div");

  /** A row's button that changes something, then shows the lists again. */
  const change = (label, fn) =>
    h(
      "button",
      {
        type: "button",
        onclick: async () => {
          await fn();
          again();
        },
      },
      label,
    );
  /**
   * One administration list: a table of the items, a row each (named by its
   * id) and a column per `[heading, value of the item]`, then the form that
   * adds to it.
   */
  const adminSection = (id, title, columns, items, ...form) =>
    h(
      "section",
      { class: "card", id },
      h("h2", null, title),
      dataTable(
        columns.map(([head]) => head),
        items.map((item) => dataRow("id", item.id, ...columns.map(([, value]) => value(item)))),
      ),
      h("h3", null, t("create")),
      ...form,
    );
  const endContract = (c) =>
    change(t("endContract"), () =>
      api(`/api/v1/contracts/${encodeURIComponent(c.id)}`, {
        method: "PATCH",
        body: { to: new Date().toISOString() },
      }),
    );
  const revoke = (tk) =>
    change(t("revoke"), () => api(`/api/v1/tokens/${encodeURIComponent(tk.id)}`, { method: "DELETE" }));
  ctx.root.replaceChildren(
    adminSection(
      "adminCompanies",
      t("companies"),
      [
        [t("id"), (c) => c.id],
        [`${t("name")} · ${t("email")} · ${t("language")} · ${t("timezone")}`, companyEditor],
        [t("source"), (c) => c.source],
      ],
      companies,
      companyForm,
    ),
    adminSection(
      "adminContracts",
      t("contracts"),
      [
        [t("id"), (c) => c.id],
        [t("company"), (c) => companyName(c.company)],
        [t("assets"), (c) => c.assets.join(", ")],
        [t("period"), (c) => `${when(c.from)} — ${c.to ? when(c.to) : "…"}`],
        [t("responseTime"), (c) => String(c.responseTimeMinutes)],
        [t("source"), (c) => c.source],
        ["", (c) => (c.to == null ? endContract(c) : null)],
      ],
      contracts,
      contractForm,
    ),
    adminSection(
      "adminTokens",
      t("tokens"),
      [
        [t("id"), (tk) => String(tk.id)],
        [t("role"), (tk) => tk.role],
        [t("company"), (tk) => tk.tenant ?? ""],
        [t("site"), (tk) => tk.site ?? ""],
        [t("label"), (tk) => tk.label],
        [t("created"), (tk) => when(tk.createdAt)],
        ["", (tk) => (tk.revokedAt ? `${t("revoked")} ${when(tk.revokedAt)}` : revoke(tk))],
      ],
      tokens,
      tokenForm,
      tokenSlot,
    ),
  );
}
