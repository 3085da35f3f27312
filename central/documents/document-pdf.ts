// The money documents as PDF, in the company's language: the monthly
// statement (fee lines, credits with the alarms that earned them, totals),
// the act of services rendered (акт оказанных услуг), the invoice (счёт на
// оплату) and the completion act of a work order (акт выполненных работ:
// findings, parts, photos). Parties with their requisites at the top,
// signature lines at the bottom; the electronic signatures themselves are
// CMS/PAdES (signing.ts), the lines say whose they are.

import { both, byLanguage } from "../lib/catalogue.ts";
import { formatDate, formatDateTime, type Lang } from "../lib/format.ts";
import { checkImage } from "../lib/image-check.ts";
import { type Doc, openPdf, PORTRAIT, pageFooters, paragraph, titleBlock } from "../lib/pdf/document.ts";
import { drawKeyValues, ensureSpace, heading } from "../lib/pdf/layout.ts";
import { PAGE_OF } from "../lib/pdf/page-text.ts";
import { drawRecordTable } from "../lib/pdf/record-table.ts";
import { faultName } from "../maintenance/names.ts";
import { monthName } from "../maintenance/service-report-pdf.ts";
import type { WorkOrder } from "../maintenance/work-orders.ts";
import { formatRate, formatRub } from "./money.ts";
import type { Requisites } from "./requisites.ts";
import { ROUNDING_RULE, type Statement } from "./statement.ts";

export interface PartyBlock {
  id: string;
  name: string;
  requisites: Requisites | null;
}

const L = byLanguage({
  executor: both("Исполнитель", "Executor"),
  customer: both("Заказчик", "Customer"),
  inn: both("ИНН", "INN"),
  kpp: both("КПП", "KPP"),
  ogrn: both("ОГРН", "OGRN"),
  address: both("Адрес", "Address"),
  bank: both("Банк", "Bank"),
  bic: both("БИК", "BIC"),
  corr: both("Корр. счёт", "Corr. account"),
  account: both("Расчётный счёт", "Account"),
  noRequisites: both("реквизиты не заданы", "requisites not configured"),
  statement: both("Расчёт стоимости услуг за месяц", "Monthly statement of services"),
  act: both(
    (n: string) => `Акт оказанных услуг № ${n}`,
    (n) => `Act of services rendered No. ${n}`,
  ),
  invoice: both(
    (n: string) => `Счёт на оплату № ${n}`,
    (n) => `Invoice No. ${n}`,
  ),
  completion: both(
    (n: string) => `Акт выполненных работ № ${n}`,
    (n) => `Completion act No. ${n}`,
  ),
  period: both("Период", "Period"),
  lines: both("Мониторинг и реагирование по объектам", "Monitoring and response by asset"),
  cols: {
    asset: both("Объект", "Asset"),
    contract: both("Договор", "Contract"),
    fee: both("Тариф", "Fee"),
    days: both("Дней мониторинга", "Days monitored"),
    amount: both("Сумма", "Amount"),
  },
  perDay: both("за турбино-сутки", "per turbine-day"),
  perMonth: both("за турбино-месяц", "per turbine-month"),
  notBilled: both("не тарифицируется", "not billed"),
  credits: both("Зачёты за нарушение времени реакции", "Credits for breaches of the response time"),
  creditCols: {
    alarm: both("Тревога", "Alarm"),
    asset: both("Объект", "Asset"),
    raised: both("Возникла", "Raised"),
    responseDue: both("Срок реакции", "Response due"),
    acknowledged: both("Квитирована", "Acknowledged"),
    credit: both("Зачёт", "Credit"),
  },
  noCredits: both("Нарушений времени реакции не было.", "No breach of the response time."),
  fee: both("Стоимость услуг", "Services"),
  creditsTotal: both("Зачёты (с учётом ограничения)", "Credits (after the cap)"),
  net: both("Итого без НДС", "Net (excluding VAT)"),
  vat: both(
    (r: string) => `НДС ${r}`,
    (r) => `VAT ${r}`,
  ),
  gross: both("Всего к оплате", "Total due"),
  rounding: both("Правило округления", "Rounding rule"),
  service: both(
    (m: string) =>
      `Услуги мониторинга технического состояния ветроустановок и реагирования на тревоги за ${m}`,
    (m) => `Condition monitoring of wind turbines and alarm response, ${m}`,
  ),
  actText: both(
    "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет.",
    "The services above were rendered in full and on time. The customer has no claims as to their scope, quality or timing.",
  ),
  itemCols: {
    number: both("№", "No."),
    description: both("Наименование", "Description"),
    quantity: both("Кол-во", "Qty"),
    unit: both("Ед.", "Unit"),
    amount: both("Сумма", "Amount"),
  },
  unit: both("усл.", "service"),
  payTo: both("Получатель платежа", "Payee"),
  purpose: both(
    (n: string, m: string) => `Назначение платежа: оплата по счёту № ${n} за услуги за ${m}`,
    (n, m) => `Payment reference: invoice No. ${n}, services of ${m}`,
  ),
  signedBy: both(
    "Подписи сторон (электронная подпись, CMS/PAdES)",
    "Signatures of the parties (electronic, CMS/PAdES)",
  ),
  signLine: (role: string, who: string) => `${role}: ____________ / ${who} /`,
  workOrder: both("Наряд-заказ", "Work order"),
  asset: both("Объект", "Asset"),
  fault: both("Неисправность", "Fault"),
  doneAt: both("Работы завершены", "Work completed"),
  findings: both("Результаты работ", "Findings"),
  parts: both("Использованные запчасти", "Parts used"),
  partCols: {
    name: both("Наименование", "Part"),
    partNumber: both("Артикул", "Part number"),
    quantity: both("Кол-во", "Qty"),
  },
  noParts: both("Запчасти не использовались.", "No parts were used."),
  photos: both(
    (n: number) => `Фотографии (${n})`,
    (n) => `Photos (${n})`,
  ),
  photoUnreadable: both(
    (n: number, why: string) => `Фото № ${n} не удалось прочитать и оно не включено (${why}).`,
    (n, why) => `Photo no. ${n} could not be read and is left out (${why}).`,
  ),
  completionText: both(
    "Работы по наряду-заказу выполнены. Заказчик принимает работы.",
    "The work of the work order is complete. The customer accepts the work.",
  ),
  page: PAGE_OF,
});

function partyLines(p: PartyBlock, lang: Lang): [string, string][] {
  const t = L[lang];
  const r = p.requisites;
  if (!r) return [[p.name, t.noRequisites]];
  return [
    [t.inn, `${r.inn}${r.kpp ? ` / ${t.kpp} ${r.kpp}` : ""}${r.ogrn ? ` / ${t.ogrn} ${r.ogrn}` : ""}`],
    [t.address, r.address],
    [t.bank, `${r.bank.name}, ${t.bic} ${r.bank.bic}`],
    ...(r.bank.correspondentAccount ? ([[t.corr, r.bank.correspondentAccount]] as [string, string][]) : []),
    [t.account, r.bank.account],
  ];
}

function parties(doc: Doc, executor: PartyBlock, customer: PartyBlock, lang: Lang): void {
  const t = L[lang];
  for (const [role, p] of [
    [t.executor, executor],
    [t.customer, customer],
  ] as const) {
    heading(doc, `${role}: ${p.requisites?.legalName ?? p.name}`, 10.5);
    drawKeyValues(doc, partyLines(p, lang), { fontSize: 8.5, labelShare: 0.22 });
    doc.moveDown(0.4);
  }
}

function signatureLines(
  doc: Doc,
  executor: PartyBlock,
  customer: PartyBlock,
  lang: Lang,
  newPage: () => void,
) {
  const t = L[lang];
  doc.moveDown(0.8);
  ensureSpace(doc, 90, newPage);
  heading(doc, t.signedBy, 10.5);
  for (const [role, p] of [
    [t.executor, executor],
    [t.customer, customer],
  ] as const) {
    const who = p.requisites ? `${p.requisites.signatory.position} ${p.requisites.signatory.name}` : p.name;
    paragraph(doc, t.signLine(role, who), 9.5);
  }
}

function open(title: string, author: string, lang: Lang) {
  const { doc, bytes } = openPdf({ title, author, lang, layout: PORTRAIT });
  return { doc, bytes, newPage: () => doc.addPage(PORTRAIT) };
}

function totalsBlock(doc: Doc, s: Statement, lang: Lang) {
  const t = L[lang];
  drawKeyValues(
    doc,
    [
      [t.fee, formatRub(s.totals.feeKopecks, lang)],
      [t.creditsTotal, formatRub(-s.totals.creditsKopecks, lang)],
      [t.net, formatRub(s.totals.netKopecks, lang)],
      [t.vat(formatRate(s.vatRateBasisPoints, lang)), formatRub(s.totals.vatKopecks, lang)],
      [t.gross, formatRub(s.totals.grossKopecks, lang)],
    ],
    { fontSize: 10, labelShare: 0.5, boldValues: true },
  );
}

export interface MoneyDocumentArgs {
  statement: Statement;
  executor: PartyBlock;
  customer: PartyBlock;
  /** The document's number as printed (the register's id). */
  number: string;
  lang: Lang;
}

export function renderStatementPdf(a: MoneyDocumentArgs): Promise<Buffer> {
  const { statement: s, lang } = a;
  const t = L[lang];
  const month = monthName(s.month, lang);
  const { doc, bytes, newPage } = open(`${t.statement} — ${s.company.name} — ${month}`, s.region.name, lang);
  titleBlock(doc, t.statement, `${s.company.name} — ${month} — ${a.number}`);
  parties(doc, a.executor, a.customer, lang);
  heading(doc, t.lines, 12);
  drawRecordTable(doc, {
    columns: [
      {
        header: t.cols.asset,
        share: 2.4,
        flex: true,
        cell: (l) => (l.name === l.asset ? l.asset : `${l.name} (${l.asset})`),
      },
      { header: t.cols.contract, share: 1.4, cell: (l) => l.contract ?? "—" },
      {
        header: t.cols.fee,
        share: 2,
        cell: (l) =>
          l.per
            ? `${formatRub(l.unitFeeKopecks, lang)} ${l.per === "turbine_day" ? t.perDay : t.perMonth}`
            : t.notBilled,
      },
      {
        header: t.cols.days,
        share: 1.1,
        align: "right",
        cell: (l) => `${l.daysMonitored} / ${l.daysInMonth}`,
      },
      { header: t.cols.amount, share: 1.5, align: "right", cell: (l) => formatRub(l.amountKopecks, lang) },
    ],
    records: s.lines,
    total: [t.fee, "", "", "", formatRub(s.totals.feeKopecks, lang)],
    fontSize: 8.5,
    newPage,
  });
  doc.moveDown(0.6);
  ensureSpace(doc, 120, newPage);
  heading(doc, t.credits, 12);
  const tz = s.timeZone;
  const when = (v: string | null) => (v ? formatDateTime(Date.parse(v), lang, tz) : "—");
  const c = t.creditCols;
  if (s.credits.length === 0) paragraph(doc, t.noCredits);
  else
    drawRecordTable(doc, {
      columns: [
        { header: c.alarm, share: 2.6, flex: true, cell: (r) => `${r.alarm} (${faultName(r.fault, lang)})` },
        { header: c.asset, share: 0.8, cell: (r) => r.asset },
        { header: c.raised, share: 1.4, cell: (r) => when(r.raisedAt) },
        { header: c.responseDue, share: 1.4, cell: (r) => when(r.responseDueAt) },
        { header: c.acknowledged, share: 1.4, cell: (r) => when(r.acknowledgedAt) },
        { header: c.credit, share: 1.3, align: "right", cell: (r) => formatRub(-r.creditKopecks, lang) },
      ],
      records: s.credits,
      fontSize: 8,
      condensed: true,
      newPage,
    });
  doc.moveDown(0.6);
  ensureSpace(doc, 140, newPage);
  totalsBlock(doc, s, lang);
  doc.moveDown(0.4);
  paragraph(doc, `${t.rounding}: ${ROUNDING_RULE[lang]}`, 8);
  signatureLines(doc, a.executor, a.customer, lang, newPage);
  pageFooters(doc, `Vetra · ${a.number} · ${t.statement} · ${month}`, t.page);
  doc.end();
  return bytes;
}

function serviceItems(doc: Doc, s: Statement, lang: Lang, newPage: () => void) {
  const t = L[lang];
  const c = t.itemCols;
  drawRecordTable(doc, {
    columns: [
      { header: c.number, share: 0.5, cell: (_, i) => String(i + 1) },
      { header: c.description, share: 5, flex: true, cell: () => t.service(monthName(s.month, lang)) },
      { header: c.quantity, share: 0.7, align: "right", cell: () => "1" },
      { header: c.unit, share: 0.8, cell: () => t.unit },
      { header: c.amount, share: 1.6, align: "right", cell: () => formatRub(s.totals.netKopecks, lang) },
    ],
    records: [s],
    fontSize: 9,
    newPage,
  });
  doc.moveDown(0.5);
  totalsBlock(doc, s, lang);
}

/**
 * The act and the invoice of a month's services: the title over the period,
 * (the invoice: the payee's requisites first), the parties, the service line
 * with the totals, a closing paragraph and the signature lines.
 */
function servicesPdf(
  a: MoneyDocumentArgs,
  title: string,
  closing: { text: string; gapLines: number; fontSize?: number },
  payee: boolean,
): Promise<Buffer> {
  const { statement: s, lang } = a;
  const t = L[lang];
  const { doc, bytes, newPage } = open(title, a.executor.name, lang);
  titleBlock(doc, title, `${t.period}: ${monthName(s.month, lang)}`);
  if (payee) {
    heading(doc, t.payTo, 10.5);
    drawKeyValues(doc, partyLines(a.executor, lang), { fontSize: 9, labelShare: 0.22 });
    doc.moveDown(0.4);
  }
  parties(doc, a.executor, a.customer, lang);
  serviceItems(doc, s, lang, newPage);
  doc.moveDown(closing.gapLines);
  paragraph(doc, closing.text, closing.fontSize);
  signatureLines(doc, a.executor, a.customer, lang, newPage);
  pageFooters(doc, `Vetra · ${title}`, t.page);
  doc.end();
  return bytes;
}

export function renderActPdf(a: MoneyDocumentArgs): Promise<Buffer> {
  const t = L[a.lang];
  return servicesPdf(a, t.act(a.number), { text: t.actText, gapLines: 0.5 }, false);
}

export function renderInvoicePdf(a: MoneyDocumentArgs): Promise<Buffer> {
  const t = L[a.lang];
  const purpose = t.purpose(a.number, monthName(a.statement.month, a.lang));
  return servicesPdf(a, t.invoice(a.number), { text: purpose, gapLines: 0.4, fontSize: 9 }, true);
}

export interface CompletionActArgs {
  order: WorkOrder;
  assetName: string;
  /** Photo bytes (JPEG or PNG), shown at the end. */
  photos: readonly Buffer[];
  executor: PartyBlock;
  customer: PartyBlock;
  number: string;
  timeZone: string;
  lang: Lang;
  fault: string | null;
}

/**
 * The completion act. Each photo is checked whole first (lib/image-check.ts):
 * a damaged one is named in a note, never handed to pdfkit, whose PNG
 * decoding fails in a callback nobody can catch.
 */
export async function renderCompletionActPdf(a: CompletionActArgs): Promise<Buffer> {
  const checks = await Promise.all(a.photos.map((p) => checkImage(p)));
  const { order, lang } = a;
  const t = L[lang];
  const { doc, bytes, newPage } = open(t.completion(a.number), a.executor.name, lang);
  titleBlock(doc, t.completion(a.number), `${t.workOrder} ${order.id}: ${order.title}`);
  parties(doc, a.executor, a.customer, lang);
  drawKeyValues(
    doc,
    [
      [t.workOrder, `${order.id} — ${order.title}`],
      [t.asset, `${a.assetName} (${order.asset})`],
      ...(a.fault ? ([[t.fault, faultName(a.fault, lang)]] as [string, string][]) : []),
      [t.doneAt, order.doneAt ? formatDateTime(Date.parse(order.doneAt), lang, a.timeZone) : "—"],
    ],
    { fontSize: 9.5, labelShare: 0.28 },
  );
  doc.moveDown(0.5);
  heading(doc, t.findings, 11);
  paragraph(doc, order.findings?.trim() || "—");
  heading(doc, t.parts, 11);
  if (order.parts.length === 0) paragraph(doc, t.noParts);
  else
    drawRecordTable(doc, {
      columns: [
        { header: t.partCols.name, share: 4, flex: true, cell: (p) => p.name },
        { header: t.partCols.partNumber, share: 2, cell: (p) => p.partNumber ?? "—" },
        { header: t.partCols.quantity, share: 1, align: "right", cell: (p) => String(p.quantity) },
      ],
      records: order.parts,
      fontSize: 9,
      newPage,
    });
  doc.moveDown(0.4);
  paragraph(doc, t.completionText);
  signatureLines(doc, a.executor, a.customer, lang, newPage);
  if (a.photos.length > 0) {
    doc.moveDown(0.6);
    ensureSpace(doc, 220, newPage);
    heading(doc, t.photos(a.photos.length), 11);
    for (const [i, photo] of a.photos.entries()) {
      const check = checks[i]!;
      if (!check.ok) {
        paragraph(doc, t.photoUnreadable(i + 1, check.reason), 9);
        continue;
      }
      ensureSpace(doc, 200, newPage);
      try {
        doc.image(photo, doc.page.margins.left, doc.y, { fit: [260, 190] });
        doc.y += 196;
      } catch (error) {
        paragraph(doc, t.photoUnreadable(i + 1, String((error as Error)?.message ?? error)), 9);
      }
    }
  }
  pageFooters(
    doc,
    `Vetra · ${t.completion(a.number)} · ${formatDate(Date.parse(order.doneAt ?? order.updatedAt), lang, a.timeZone)}`,
    t.page,
  );
  doc.end();
  return bytes;
}
