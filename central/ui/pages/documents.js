// Documents (`#/documents`): the register as the reader may see it (a
// service company its own documents, the ministry the savings reports, the
// region everything), each with its status, its file, the signed PDF and
// the detached signatures (.p7s) to download, and the actions whose turn it
// is for the reader's organisation: sign (the first signer), countersign
// (the counterparty), reject with a reason. The region also issues a
// company's month and checks the register's chain.

import { DOCUMENT_STATUSES, DOCUMENT_TYPES } from "/ui/names.js";
import { api, canAct, download, qs, session } from "../lib/api.js";
import { cells, dataTable, h, hintedCard, option, when } from "../lib/dom.js";
import { lang, textsOf } from "../lib/i18n.js";
import { verifyText } from "../lib/server-texts.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

/** The page's texts: [Russian, English]. */
// biome-ignore format: one entry a line
const TEXT = {
  title: ["Документы", "Documents"],
  hint: ["Акты, счета, выписки и отчёты в реестре: подпись исполнителя, затем акцепт заказчика. Подписи проверяются openssl и pdfsig (см. docs/documents.md).", "Acts, invoices, statements and reports in the register: the executor signs, then the customer accepts. Signatures verify with openssl and pdfsig (see docs/documents.md)."],
  type: ["Вид", "Type"],
  status: ["Статус", "Status"],
  period: ["Период", "Period"],
  company: ["Компания", "Company"],
  parties: ["Стороны", "Parties"],
  issued_at: ["Выпущен", "Issued"],
  files: ["Файлы", "Files"],
  actions: ["Действия", "Actions"],
  all: ["все", "all"],
  apply: ["Показать", "Show"],
  none: ["Документов нет", "No documents"],
  shown: ["Показано {n} из {total}", "Showing {n} of {total}"],
  pdf: ["PDF", "PDF"],
  signedPdf: ["PDF с подписями", "Signed PDF"],
  sign: ["Подписать", "Sign"],
  countersign: ["Акцептовать (подписать)", "Accept (countersign)"],
  reject: ["Отклонить", "Reject"],
  reason: ["Причина отказа", "Reason for rejection"],
  confirmReject: ["Отклонить с этой причиной", "Reject with this reason"],
  cancel: ["Отмена", "Cancel"],
  verify: ["Проверить подписи", "Verify signatures"],
  valid: ["действительна", "valid"],
  invalid: ["недействительна", "invalid"],
  noSignatures: ["подписей нет", "no signatures"],
  issueTitle: ["Выпуск документов за месяц", "Issue a month's documents"],
  issueHint: ["Отчёт, выписка, акт оказанных услуг, счёт и акты выполненных работ компании за месяц.", "The company's service report, statement, act of services, invoice and completion acts of the month."],
  issue: ["Выпустить", "Issue"],
  issuedN: ["Выпущено документов: {n}", "Documents issued: {n}"],
  month: ["Месяц", "Month"],
  register: ["Проверить реестр", "Check the register"],
  registerOk: ["Цепочка реестра цела: записей {n}", "The register's chain holds: {n} entries"],
  registerBad: ["Реестр нарушен:", "The register is broken:"],
  // Document types
  statement: ["Выписка за месяц", "Monthly statement"],
  act_of_services: ["Акт оказанных услуг", "Act of services rendered"],
  invoice: ["Счёт", "Invoice"],
  completion_act: ["Акт выполненных работ", "Completion act"],
  service_report: ["Отчёт о сервисе", "Service report"],
  savings_report: ["Отчёт об экономии", "Savings report"],
  // Statuses
  issued: ["выпущен", "issued"],
  signed: ["подписан исполнителем", "signed"],
  accepted: ["принят", "accepted"],
  rejected: ["отклонён", "rejected"],
};

const pageText = textsOf(TEXT);
/** @param {keyof typeof TEXT} key @param {Record<string, string|number>} [vars] */
const dt = (key, vars = {}) => pageText(key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));

/** The actions whose turn it is for `actingFor`, the reader's organisation as central names it (it checks them again). */
const turnOf = (d, actingFor) => {
  if (!canAct() || !actingFor) return null;
  if (d.status === "issued" && d.firstSigner === actingFor) return "sign";
  if (d.status === "signed" && d.countersigner === actingFor) return "countersign";
  return null;
};

/** @param {PageContext} ctx */
export async function documentsPage(ctx) {
  const me = session.me;
  const error = h("p", { class: "error", id: "docError" });
  const notice = h("p", { class: "muted", id: "docNotice" });
  const typeSel = h(
    "select",
    { id: "docType" },
    option("", dt("all")),
    DOCUMENT_TYPES.map((x) => option(x, dt(x))),
  );
  const statusSel = h(
    "select",
    { id: "docStatus" },
    option("", dt("all")),
    DOCUMENT_STATUSES.map((x) => option(x, dt(x))),
  );
  const period = h("input", { id: "docPeriod", type: "month" });
  const companySel = h(
    "select",
    { id: "docCompany" },
    option("", dt("all")),
    (me?.companies ?? []).map((c) => option(c.id, c.name)),
  );
  const list = h("div", { id: "docList" });
  /** @type {string | null} */
  let actingFor = null;

  const fail = (e) => {
    error.textContent = e.message ?? String(e);
  };
  const run = (fn) => async () => {
    error.textContent = "";
    notice.textContent = "";
    try {
      await fn();
    } catch (e) {
      fail(e);
    }
  };

  const fileButtons = (d) => {
    const ext = d.mediaType === "application/pdf" ? "pdf" : (d.fileName.split(".").pop() ?? "bin");
    const buttons = [
      h(
        "button",
        {
          type: "button",
          dataset: { file: "original" },
          onclick: run(() => download(`/api/v1/documents/${encodeURIComponent(d.id)}`, d.fileName)),
        },
        ext.toUpperCase(),
      ),
    ];
    if (d.mediaType === "application/pdf" && d.status !== "issued")
      buttons.push(
        h(
          "button",
          {
            type: "button",
            dataset: { file: "signed" },
            onclick: run(() =>
              download(
                `/api/v1/documents/${encodeURIComponent(d.id)}${qs({ signed: "pdf" })}`,
                d.fileName.replace(/\.pdf$/, ".signed.pdf"),
              ),
            ),
          },
          dt("signedPdf"),
        ),
      );
    return h("span", { class: "toolbar" }, buttons);
  };

  /** The signatures of a document with their verification, shown under its row. */
  const showSignatures = async (d, into) => {
    const id = encodeURIComponent(d.id);
    const [{ signatures }, check] = await Promise.all([
      api(`/api/v1/documents/${id}/signatures`),
      api(`/api/v1/documents/${id}/verification`),
    ]);
    if (!ctx.alive()) return;
    if (signatures.length === 0) {
      into.replaceChildren(h("span", { class: "muted" }, dt("noSignatures")));
      return;
    }
    into.replaceChildren(
      h(
        "ul",
        { class: "signatures" },
        signatures.map((s, i) => {
          const v = check.detached[i];
          return h(
            "li",
            { dataset: { n: String(s.n), valid: String(Boolean(v?.valid)) } },
            `${s.n}. ${s.signer} · ${when(s.signedAt)} · `,
            h("span", { class: v?.valid ? "ok" : "error" }, v?.valid ? dt("valid") : dt("invalid")),
            v?.valid ? null : ` ${verifyText(v?.code, lang, v?.reason)}`,
            " ",
            h(
              "button",
              {
                type: "button",
                dataset: { p7s: String(s.n) },
                onclick: run(() => download(s.url, `${d.fileName}.${s.n}.p7s`)),
              },
              ".p7s",
            ),
          );
        }),
      ),
    );
  };

  const actionsOf = (d, detail) => {
    const turn = turnOf(d, actingFor);
    const buttons = [];
    if (turn)
      buttons.push(
        h(
          "button",
          {
            type: "button",
            class: "primary",
            dataset: { action: turn },
            onclick: run(async () => {
              await api(`/api/v1/documents/${encodeURIComponent(d.id)}/${turn}`, {
                method: "POST",
                body: {},
              });
              await load();
            }),
          },
          dt(turn),
        ),
        h(
          "button",
          {
            type: "button",
            dataset: { action: "reject" },
            onclick: () => {
              const reason = h("input", {
                class: "reason",
                maxlength: "2000",
                required: true,
                "aria-label": dt("reason"),
                placeholder: dt("reason"),
              });
              const form = h(
                "form",
                {
                  class: "inline reject-form",
                  onsubmit: (ev) => {
                    ev.preventDefault();
                    run(async () => {
                      await api(`/api/v1/documents/${encodeURIComponent(d.id)}/reject`, {
                        method: "POST",
                        body: { reason: reason.value },
                      });
                      await load();
                    })();
                  },
                },
                reason,
                h("button", { type: "submit" }, dt("confirmReject")),
                h("button", { type: "button", onclick: () => form.remove() }, dt("cancel")),
              );
              detail.replaceChildren(form);
              reason.focus();
            },
          },
          dt("reject"),
        ),
      );
    if (d.status !== "issued")
      buttons.push(
        h(
          "button",
          { type: "button", dataset: { action: "verify" }, onclick: run(() => showSignatures(d, detail)) },
          dt("verify"),
        ),
      );
    return h("span", { class: "toolbar" }, buttons);
  };

  const row = (d) => {
    const detail = h("div", { class: "doc-detail" });
    return h(
      "tr",
      { dataset: { id: d.id, status: d.status, type: d.type } },
      cells(
        h("span", null, h("strong", null, dt(d.type)), h("br"), h("span", { class: "muted" }, d.id)),
        d.period,
        d.parties.map((p) => h("div", null, p.name)),
        h(
          "span",
          null,
          h("span", { class: `doc-status ${d.status}` }, dt(d.status)),
          d.statusReason ? h("div", { class: "muted reason-text" }, d.statusReason) : null,
        ),
        when(d.issuedAt),
        fileButtons(d),
        h("div", null, actionsOf(d, detail), detail),
      ),
    );
  };

  const load = async () => {
    const r = await api(
      `/api/v1/documents${qs({
        type: typeSel.value,
        status: statusSel.value,
        period: period.value,
        company: me?.role === "admin" ? companySel.value : "",
        limit: 200,
      })}`,
    );
    if (!ctx.alive()) return;
    actingFor = r.actingFor ?? null;
    list.replaceChildren(
      r.documents.length === 0
        ? h("p", { class: "muted", id: "docEmpty" }, dt("none"))
        : h("p", { class: "muted" }, dt("shown", { n: r.documents.length, total: r.total })),
      r.documents.length === 0
        ? null
        : dataTable(
            [
              dt("type"),
              dt("period"),
              dt("parties"),
              dt("status"),
              dt("issued_at"),
              dt("files"),
              dt("actions"),
            ],
            r.documents.map(row),
            { id: "docTable" },
          ),
    );
  };

  ctx.root.replaceChildren(
    hintedCard(
      "h1",
      dt("title"),
      dt("hint"),
      h(
        "form",
        {
          class: "filters",
          onsubmit: (ev) => {
            ev.preventDefault();
            run(load)();
          },
        },
        h("label", null, dt("type"), typeSel),
        h("label", null, dt("status"), statusSel),
        h("label", null, dt("period"), period),
        me?.role === "admin" ? h("label", null, dt("company"), companySel) : null,
        h("button", { type: "submit", id: "docShow" }, dt("apply")),
      ),
      error,
      notice,
      list,
    ),
    ...(me?.role === "admin" ? [adminTools(run, notice, load)] : []),
  );
  await run(load)();
}

/** The region's tools: issue a company's month, check the register's chain. */
function adminTools(run, notice, reload) {
  const me = session.me;
  const now = new Date();
  const ym = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
  const month = h("input", {
    id: "issueMonth",
    type: "month",
    required: true,
    value: ym(new Date(now.getFullYear(), now.getMonth() - 1, 1)),
    max: ym(now),
  });
  const company = h(
    "select",
    { id: "issueCompany", required: true },
    (me?.companies ?? []).map((c) => option(c.id, c.name)),
  );
  const register = h("div", { id: "registerCheck" });
  return hintedCard(
    "h2",
    dt("issueTitle"),
    dt("issueHint"),
    h(
      "form",
      {
        class: "inline",
        id: "issueForm",
        onsubmit: (ev) => {
          ev.preventDefault();
          run(async () => {
            const r = await api("/api/v1/documents/issue", {
              method: "POST",
              body: { kind: "month", company: company.value, month: month.value },
            });
            await reload();
            notice.textContent = dt("issuedN", { n: r.documents.length });
          })();
        },
      },
      h("label", null, dt("company"), company),
      h("label", null, dt("month"), month),
      h("button", { type: "submit", class: "primary" }, dt("issue")),
    ),
    h(
      "p",
      null,
      h(
        "button",
        {
          type: "button",
          id: "registerButton",
          onclick: run(async () => {
            const r = await api("/api/v1/documents/register/verification");
            register.dataset.ok = String(r.ok);
            register.replaceChildren(
              r.ok
                ? h("p", { class: "ok" }, dt("registerOk", { n: r.entries }))
                : h(
                    "div",
                    { class: "error" },
                    dt("registerBad"),
                    h(
                      "ul",
                      null,
                      r.problems.map((p) => h("li", null, `${p.seq}: ${p.problem}`)),
                    ),
                  ),
            );
          }),
        },
        dt("register"),
      ),
    ),
    register,
  );
}
