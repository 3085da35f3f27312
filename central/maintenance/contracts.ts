// Service companies and their contracts. A contract gives one company a set
// of assets for a period [from, to) with a response time: alarms of those
// assets raised in the period are routed to that company, and an `alarm`
// nobody acknowledged within the response time escalates. Where no contract
// covers a time, the asset's owner in the fleet config maintains it.
//
// Contracts live in the metadata database; each replica's copy of the fleet
// holds them per asset (`Asset.contracts`), so visibility checks stay in
// memory. A change of contracts moves the fleet generation in its own
// transaction, under the fleet's lock: replicas changing contracts at once
// check overlaps one after the other, against what is committed.
import { CodedError } from "../../common/errors.ts";
import { type ContractConfig, type ContractTerms, configTimeMs } from "../config.ts";
import { placeholders } from "../db/sql.ts";
import type { MetaDb, SqlRunner, SqlTx } from "../db/types.ts";
import { bumpFleetGeneration, FLEET_LOCK } from "../meta/fleet.ts";
import type { Asset, ContractSpan, MetaStore } from "../meta/meta.ts";

export const CompanyLangs = ["ru", "en"] as const;
export type CompanyLang = (typeof CompanyLangs)[number];

export interface Company {
  id: string;
  name: string;
  email: string | null;
  lang: CompanyLang;
  /** IANA zone for quiet hours, report months and local times in messages. */
  timezone: string;
  source: "config" | "api";
}

export interface Contract {
  id: string;
  company: string;
  assets: string[];
  fromMs: number;
  /** Exclusive; null: open-ended. */
  toMs: number | null;
  responseTimeMs: number;
  /** Fee, credit per breach, VAT (central/documents/statement.ts); null: not billed. */
  terms: ContractTerms | null;
  source: "config" | "api";
}

export type NewContract = Omit<Contract, "source" | "id" | "terms"> & {
  id?: string;
  terms?: ContractTerms | null;
};

/**
 * A change refused, with a message naming the key and what is in the way:
 * CONFLICT for what exists already (an id, an asset under another contract
 * in the period), VALIDATION_FAILED for what does not resolve (an unknown
 * company or asset, an empty period).
 */
export class ContractConflict extends CodedError {
  override readonly name = "ContractConflict";
  constructor(message: string, code: "CONFLICT" | "VALIDATION_FAILED" = "CONFLICT") {
    super(code, message);
  }
}

/** The contract of `asset` that covers `atMs`, if any. */
export const contractAt = (asset: Asset, atMs: number): ContractSpan | null => {
  for (const c of asset.contracts) if (c.fromMs <= atMs && (c.toMs === null || atMs < c.toMs)) return c;
  return null;
};

/** The company maintaining `asset` at `atMs`: its contract's, else the fleet owner. */
export const responsibleCompany = (asset: Asset, atMs: number): string =>
  contractAt(asset, atMs)?.company ?? asset.tenant;

const overlaps = (aFrom: number, aTo: number | null, bFrom: number, bTo: number | null): boolean =>
  aFrom < (bTo ?? Number.POSITIVE_INFINITY) && bFrom < (aTo ?? Number.POSITIVE_INFINITY);

/** The company table's columns are the Company's fields, one to one. */
type CompanyRow = Company;

interface ContractRow {
  id: string;
  company: string;
  from_ms: number;
  to_ms: number | null;
  response_time_ms: number;
  source: "config" | "api";
  assets: string | null;
  terms: string | null;
}

const contractOf = (r: ContractRow): Contract => ({
  id: r.id,
  company: r.company,
  assets: r.assets ? r.assets.split("\n").sort() : [],
  fromMs: r.from_ms,
  toMs: r.to_ms,
  responseTimeMs: r.response_time_ms,
  terms: r.terms ? (JSON.parse(r.terms) as ContractTerms) : null,
  source: r.source,
});

/** A contract with its assets joined by newlines (each engine's string aggregate) and its terms. */
const contractSelect = (db: SqlRunner): string =>
  `SELECT c.id, c.company, c.from_ms, c.to_ms, c.response_time_ms, c.source,
  (SELECT ${db.dialect === "postgres" ? "string_agg(asset, chr(10))" : "group_concat(asset, char(10))"}
     FROM contract_asset WHERE contract = c.id) AS assets,
  (SELECT terms FROM contract_terms WHERE contract = c.id) AS terms FROM contract c`;

export class Contracts {
  private readonly db: MetaDb;

  constructor(
    private readonly meta: MetaStore,
    private readonly clock: () => number = Date.now,
  ) {
    this.db = meta.db;
  }

  listCompanies(): Promise<Company[]> {
    return this.db.all<CompanyRow>("SELECT id, name, email, lang, timezone, source FROM company ORDER BY id");
  }

  async getCompany(id: string): Promise<Company | null> {
    return (
      (await this.db.get<CompanyRow>(
        "SELECT id, name, email, lang, timezone, source FROM company WHERE id = ?",
        [id],
      )) ?? null
    );
  }

  /** Connects a company; ContractConflict when the id is taken. */
  async addCompany(input: Omit<Company, "source">): Promise<Company> {
    const changed = await this.db.run(
      `INSERT INTO company (id, name, email, lang, timezone, source, created_at) VALUES (?, ?, ?, ?, ?, 'api', ?)
       ON CONFLICT (id) DO NOTHING`,
      [input.id, input.name, input.email, input.lang, input.timezone, this.clock()],
    );
    if (changed === 0) throw new ContractConflict(`company "${input.id}" exists`);
    return (await this.getCompany(input.id))!;
  }

  async updateCompany(id: string, change: Partial<Omit<Company, "id" | "source">>): Promise<Company | null> {
    const current = await this.getCompany(id);
    if (!current) return null;
    const next = { ...current, ...change };
    await this.db.run("UPDATE company SET name = ?, email = ?, lang = ?, timezone = ? WHERE id = ?", [
      next.name,
      next.email,
      next.lang,
      next.timezone,
      id,
    ]);
    return this.getCompany(id);
  }

  async listContracts(company?: string): Promise<Contract[]> {
    const rows =
      company === undefined
        ? await this.db.all<ContractRow>(`${contractSelect(this.db)} ORDER BY c.from_ms, c.id`)
        : await this.db.all<ContractRow>(
            `${contractSelect(this.db)} WHERE c.company = ? ORDER BY c.from_ms, c.id`,
            [company],
          );
    return rows.map(contractOf);
  }

  private async contractIn(db: SqlRunner, id: string): Promise<Contract | null> {
    const row = await db.get<ContractRow>(`${contractSelect(db)} WHERE c.id = ?`, [id]);
    return row ? contractOf(row) : null;
  }

  getContract(id: string): Promise<Contract | null> {
    return this.contractIn(this.db, id);
  }

  /**
   * Adds a contract (source 'api') or, with `source: 'config'`, adds or
   * replaces one from the config. ContractConflict when the company or an
   * asset is unknown, the period is empty, or an asset is already under
   * another contract for part of the period.
   */
  async putContract(input: NewContract, source: "config" | "api" = "api"): Promise<Contract> {
    const id = await this.db.transaction((tx) => this.save(tx, input, source, source === "config"));
    return (await this.getContract(id))!;
  }

  private async save(
    tx: SqlTx,
    input: NewContract,
    source: "config" | "api",
    replace: boolean,
  ): Promise<string> {
    await tx.lock(FLEET_LOCK);
    const id = input.id ?? (await this.nextContractId(tx));
    if (!replace && (await this.contractIn(tx, id))) throw new ContractConflict(`contract "${id}" exists`);
    await this.check(tx, { ...input, id });
    await tx.run("DELETE FROM contract_asset WHERE contract = ?", [id]);
    await tx.run(
      `INSERT INTO contract (id, company, from_ms, to_ms, response_time_ms, source, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET company = excluded.company, from_ms = excluded.from_ms,
         to_ms = excluded.to_ms, response_time_ms = excluded.response_time_ms, source = excluded.source`,
      [id, input.company, input.fromMs, input.toMs, input.responseTimeMs, source, this.clock()],
    );
    for (const asset of new Set(input.assets))
      await tx.run("INSERT INTO contract_asset (contract, asset) VALUES (?, ?)", [id, asset]);
    await tx.run("DELETE FROM contract_terms WHERE contract = ?", [id]);
    if (input.terms)
      await tx.run("INSERT INTO contract_terms (contract, terms) VALUES (?, ?)", [
        id,
        JSON.stringify(input.terms),
      ]);
    await bumpFleetGeneration(tx);
    return id;
  }

  /** Changes a contract's end, response time or assets (checked like a new one). */
  async updateContract(
    id: string,
    change: Partial<Pick<Contract, "toMs" | "responseTimeMs" | "assets" | "fromMs" | "terms">>,
  ): Promise<Contract | null> {
    const saved = await this.db.transaction(async (tx) => {
      await tx.lock(FLEET_LOCK);
      const current = await this.contractIn(tx, id);
      if (!current) return null;
      return this.save(tx, { ...current, ...change, id }, current.source, true);
    });
    return saved === null ? null : this.getContract(saved);
  }

  /** Makes the config's contracts present (idempotent; contracts added through the API stay). */
  async importConfig(contracts: readonly ContractConfig[]): Promise<void> {
    if (contracts.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const c of contracts)
        await this.save(
          tx,
          {
            id: c.id,
            company: c.company,
            assets: c.assets,
            fromMs: configTimeMs(c.from),
            toMs: c.to === undefined ? null : configTimeMs(c.to),
            responseTimeMs: c.responseTimeMinutes * 60_000,
            terms: c.terms ?? null,
          },
          "config",
          true,
        );
    });
  }

  /**
   * Per asset, the parts of [fromMs, toMs) in which `company` maintains it:
   * by contract, or as the fleet owner where no contract covers the time.
   */
  async coverage(company: string, fromMs: number, toMs: number): Promise<Map<string, [number, number][]>> {
    const out = new Map<string, [number, number][]>();
    for (const asset of (await this.meta.fleet.current()).assets) {
      const spans: [number, number][] = [];
      // Walk the contract boundaries inside the range; each piece belongs to one company.
      const cuts = new Set<number>([fromMs, toMs]);
      for (const c of asset.contracts) {
        for (const t of [c.fromMs, c.toMs]) if (t !== null && t > fromMs && t < toMs) cuts.add(t);
      }
      const sorted = [...cuts].sort((a, b) => a - b);
      for (let i = 0; i + 1 < sorted.length; i++) {
        const a = sorted[i]!;
        const b = sorted[i + 1]!;
        if (responsibleCompany(asset, a) !== company) continue;
        const last = spans[spans.length - 1];
        if (last && last[1] === a) last[1] = b;
        else spans.push([a, b]);
      }
      if (spans.length > 0) out.set(asset.id, spans);
    }
    return out;
  }

  /** Checked against what is committed (under the fleet's lock), not against this replica's copy of the fleet. */
  private async check(tx: SqlTx, c: NewContract & { id: string }): Promise<void> {
    if (!(await tx.get("SELECT 1 AS one FROM company WHERE id = ?", [c.company])))
      throw new ContractConflict(`company: unknown company "${c.company}"`, "VALIDATION_FAILED");
    if (c.toMs !== null && c.toMs <= c.fromMs)
      throw new ContractConflict("to: must be after from", "VALIDATION_FAILED");
    if (c.assets.length === 0) throw new ContractConflict("assets: at least one asset", "VALIDATION_FAILED");
    const ids = [...new Set(c.assets)];
    const known = new Set(
      (
        await tx.all<{ id: string }>(`SELECT id FROM asset WHERE id IN (${placeholders(ids.length)})`, ids)
      ).map((r) => r.id),
    );
    const spans = await tx.all<{
      asset: string;
      id: string;
      company: string;
      from_ms: number;
      to_ms: number | null;
    }>(
      `SELECT ca.asset, c.id, c.company, c.from_ms, c.to_ms FROM contract c JOIN contract_asset ca ON ca.contract = c.id
        WHERE ca.asset IN (${placeholders(ids.length)}) ORDER BY c.from_ms, c.id`,
      ids,
    );
    for (const id of c.assets) {
      if (!known.has(id)) throw new ContractConflict(`assets: unknown asset "${id}"`, "VALIDATION_FAILED");
      const clash = spans.find(
        (other) =>
          other.asset === id && other.id !== c.id && overlaps(c.fromMs, c.toMs, other.from_ms, other.to_ms),
      );
      if (clash)
        throw new ContractConflict(
          `assets: "${id}" is under contract "${clash.id}" (${clash.company}) for part of the period`,
        );
    }
  }

  private async nextContractId(tx: SqlTx): Promise<string> {
    const n = ((await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM contract"))?.n ?? 0) + 1;
    for (let i = n; ; i++) {
      const id = `C-${String(i).padStart(4, "0")}`;
      if (!(await tx.get("SELECT 1 AS one FROM contract WHERE id = ?", [id]))) return id;
    }
  }
}
