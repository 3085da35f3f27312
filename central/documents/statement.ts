// The monthly statement of one company: what the region owes it for the
// month under its contracts' terms. Per asset it maintained, the monitored
// days (the billing quantity of the monthly service report) × the fee:
// per monitored turbine-day, or per turbine-month pro rata by the monitored
// days of the month; less a credit per breach of the response time — an
// alarm routed to the company, raised in the month, that nobody
// acknowledged within the contract's response time (it escalated) — capped
// at a share of the month's fee; plus VAT on the net.
//
// Money in integer kopecks; the rounding rule (money.ts) is stated in the
// statement itself. Amounts exclude VAT until the VAT line.
import { CodedError } from "../../common/errors.ts";
import type { ContractTerms } from "../config.ts";
import { writeCsv } from "../lib/csv.ts";
import type { AlarmRecord } from "../maintenance/alarm-book.ts";
import type { Contract } from "../maintenance/contracts.ts";
import type { ServiceReport } from "../maintenance/service-report.ts";
import { divRoundHalfUp, kopecksToDecimal, percentToBasisPoints, rubToKopecks, vatKopecks } from "./money.ts";

export const ROUNDING_RULE = {
  ru: "Суммы в копейках. Сумма строки за турбино-месяц (пропорционально дням мониторинга), НДС — округляются до копейки по правилам арифметики (половина копейки — вверх); итоги — суммы округлённых строк; НДС начисляется один раз на сумму без НДС.",
  en: "Amounts in kopecks. A turbine-month line (pro rata by monitored days) and the VAT are rounded to the kopeck, half a kopeck up; totals are sums of rounded lines; VAT is charged once on the net amount.",
} as const;

export interface StatementLine {
  asset: string;
  name: string;
  site: string;
  /** The contract whose terms price the line; null: no contract with terms (not billed). */
  contract: string | null;
  per: ContractTerms["fee"]["per"] | null;
  unitFeeKopecks: number;
  daysMonitored: number;
  daysInMonth: number;
  amountKopecks: number;
}

export interface CreditLine {
  alarm: string;
  asset: string;
  point: string;
  fault: string;
  severity: string;
  raisedAt: string;
  /** When the response was due (raise at severity alarm + response time). */
  responseDueAt: string | null;
  acknowledgedAt: string | null;
  escalatedAt: string;
  contract: string;
  creditKopecks: number;
}

export interface Statement {
  company: { id: string; name: string };
  region: { id: string; name: string };
  month: string;
  timeZone: string;
  from: string;
  to: string;
  daysInMonth: number;
  currency: "RUB";
  vatRateBasisPoints: number;
  lines: StatementLine[];
  credits: CreditLine[];
  totals: {
    feeKopecks: number;
    creditsClaimedKopecks: number;
    /** After the cap. */
    creditsKopecks: number;
    netKopecks: number;
    vatKopecks: number;
    grossKopecks: number;
  };
  generatedAt: string;
}

export interface StatementInput {
  report: ServiceReport;
  region: { id: string; name: string };
  /** The company's contracts (any period; those overlapping the month are used). */
  contracts: readonly Contract[];
  /** Alarms routed to the company and raised in the month. */
  alarms: readonly AlarmRecord[];
  defaultVatRatePercent: string;
  nowMs: number;
}

const overlaps = (c: Contract, from: number, to: number) =>
  c.fromMs < to && (c.toMs === null || from < c.toMs);

export function buildStatement(input: StatementInput): Statement {
  const { report } = input;
  const fromMs = Date.parse(report.from);
  const toMs = Date.parse(report.to);
  const inMonth = input.contracts.filter((c) => overlaps(c, fromMs, toMs));
  const rates = new Set(
    inMonth
      .filter((c) => c.terms)
      .map((c) => percentToBasisPoints(c.terms!.vatRatePercent ?? input.defaultVatRatePercent)),
  );
  if (rates.size > 1)
    throw new CodedError("CONFLICT", `the company's contracts in ${report.month} have different VAT rates`);
  const vatRateBasisPoints = [...rates][0] ?? percentToBasisPoints(input.defaultVatRatePercent);

  const feeByContract = new Map<string, number>();
  const lines: StatementLine[] = report.assets.map((row) => {
    const covering = inMonth.filter((c) => c.assets.includes(row.asset) && c.terms);
    const distinct = new Set(covering.map((c) => JSON.stringify(c.terms)));
    if (distinct.size > 1)
      throw new CodedError(
        "CONFLICT",
        `asset ${row.asset}: contracts ${covering.map((c) => c.id).join(", ")} with different terms in ${report.month}; split the month by contract`,
      );
    const contract = covering[0] ?? null;
    const terms = contract?.terms ?? null;
    const unit = terms ? rubToKopecks(terms.fee.rub) : 0;
    const amount = !terms
      ? 0
      : terms.fee.per === "turbine_day"
        ? unit * row.daysMonitored
        : divRoundHalfUp(unit * row.daysMonitored, report.daysInMonth);
    if (contract) feeByContract.set(contract.id, (feeByContract.get(contract.id) ?? 0) + amount);
    return {
      asset: row.asset,
      name: row.name,
      site: row.siteName,
      contract: contract?.id ?? null,
      per: terms?.fee.per ?? null,
      unitFeeKopecks: unit,
      daysMonitored: row.daysMonitored,
      daysInMonth: report.daysInMonth,
      amountKopecks: amount,
    };
  });

  const credits: CreditLine[] = [];
  const claimedByContract = new Map<string, number>();
  for (const a of input.alarms) {
    if (a.escalatedAt === null) continue;
    const raised = Date.parse(a.raisedAt);
    const contract = input.contracts.find(
      (c) => c.assets.includes(a.asset) && c.fromMs <= raised && (c.toMs === null || raised < c.toMs),
    );
    if (!contract?.terms) continue;
    const credit = rubToKopecks(contract.terms.creditPerBreachRub);
    if (credit === 0) continue;
    claimedByContract.set(contract.id, (claimedByContract.get(contract.id) ?? 0) + credit);
    credits.push({
      alarm: a.id,
      asset: a.asset,
      point: a.point,
      fault: a.fault,
      severity: a.maxSeverity,
      raisedAt: a.raisedAt,
      responseDueAt: a.responseDueAt,
      acknowledgedAt: a.acknowledgedAt,
      escalatedAt: a.escalatedAt,
      contract: contract.id,
      creditKopecks: credit,
    });
  }
  let creditsKopecks = 0;
  for (const [id, claimed] of claimedByContract) {
    const terms = input.contracts.find((c) => c.id === id)!.terms!;
    const cap = divRoundHalfUp(
      (feeByContract.get(id) ?? 0) * percentToBasisPoints(terms.creditCapPercent),
      10_000,
    );
    creditsKopecks += Math.min(claimed, cap);
  }
  const feeKopecks = lines.reduce((s, l) => s + l.amountKopecks, 0);
  const creditsClaimedKopecks = credits.reduce((s, c) => s + c.creditKopecks, 0);
  const netKopecks = feeKopecks - creditsKopecks;
  const vat = vatKopecks(netKopecks, vatRateBasisPoints);
  return {
    company: report.company,
    region: input.region,
    month: report.month,
    timeZone: report.timeZone,
    from: report.from,
    to: report.to,
    daysInMonth: report.daysInMonth,
    currency: "RUB",
    vatRateBasisPoints,
    lines,
    credits,
    totals: {
      feeKopecks,
      creditsClaimedKopecks,
      creditsKopecks,
      netKopecks,
      vatKopecks: vat,
      grossKopecks: netKopecks + vat,
    },
    generatedAt: new Date(input.nowMs).toISOString(),
  };
}

/** Fee lines, credit lines and the totals; amounts as decimal roubles ("1234.56"). */
export function statementCsv(s: Statement): string {
  const rows: (string | number)[][] = [
    [
      "kind",
      "asset_or_alarm",
      "name",
      "contract",
      "per",
      "unit_fee_rub",
      "days_monitored",
      "days_in_month",
      "amount_rub",
    ],
    ...s.lines.map((l) => [
      "fee",
      l.asset,
      l.name,
      l.contract ?? "",
      l.per ?? "",
      kopecksToDecimal(l.unitFeeKopecks),
      l.daysMonitored,
      l.daysInMonth,
      kopecksToDecimal(l.amountKopecks),
    ]),
    ...s.credits.map((c) => [
      "credit",
      c.alarm,
      c.asset,
      c.contract,
      "",
      "",
      "",
      "",
      kopecksToDecimal(-c.creditKopecks),
    ]),
    ["total_fee", "", "", "", "", "", "", "", kopecksToDecimal(s.totals.feeKopecks)],
    ["total_credits", "", "", "", "", "", "", "", kopecksToDecimal(-s.totals.creditsKopecks)],
    ["net", "", "", "", "", "", "", "", kopecksToDecimal(s.totals.netKopecks)],
    [
      `vat_${s.vatRateBasisPoints / 100}pct`,
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      kopecksToDecimal(s.totals.vatKopecks),
    ],
    ["gross", "", "", "", "", "", "", "", kopecksToDecimal(s.totals.grossKopecks)],
  ];
  return writeCsv(rows);
}
