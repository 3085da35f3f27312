// Service companies and their contracts. A contract gives one company a set
// of assets for a period [from, to) with a response time: alarms of those
// assets raised in the period are routed to that company, and an `alarm`
// nobody acknowledged within the response time escalates. Where no contract
// covers a time, the asset's owner in the fleet config maintains it.
//
// Contracts live in the metadata SQLite; the fleet cache of MetaStore holds
// them per asset (`Asset.contracts`), so visibility checks stay in memory.
import type Database from "better-sqlite3";
import { CodedError } from "../../common/errors.ts";
import { type ContractConfig, type ContractTerms, configTimeMs } from "../config.ts";
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

interface CompanyRow {
  id: string;
  name: string;
  email: string | null;
  lang: CompanyLang;
  timezone: string;
  source: "config" | "api";
}

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

const CONTRACT_SELECT = `SELECT c.id, c.company, c.from_ms, c.to_ms, c.response_time_ms, c.source,
  (SELECT group_concat(asset, char(10)) FROM contract_asset WHERE contract = c.id) AS assets,
  (SELECT terms FROM contract_terms WHERE contract = c.id) AS terms FROM contract c`;

export class Contracts {
  private readonly db: Database.Database;

  constructor(
    private readonly meta: MetaStore,
    private readonly clock: () => number = Date.now,
  ) {
    this.db = meta.sqlite;
  }

  listCompanies(): Company[] {
    return this.db
      .prepare("SELECT id, name, email, lang, timezone, source FROM company ORDER BY id")
      .all() as CompanyRow[];
  }

  getCompany(id: string): Company | null {
    return (
      (this.db.prepare("SELECT id, name, email, lang, timezone, source FROM company WHERE id = ?").get(id) as
        | CompanyRow
        | undefined) ?? null
    );
  }

  /** Connects a company; ContractConflict when the id is taken. */
  addCompany(input: Omit<Company, "source">): Company {
    const info = this.db
      .prepare(
        `INSERT INTO company (id, name, email, lang, timezone, source, created_at) VALUES (?, ?, ?, ?, ?, 'api', ?)
         ON CONFLICT (id) DO NOTHING`,
      )
      .run(input.id, input.name, input.email, input.lang, input.timezone, this.clock());
    if (info.changes === 0) throw new ContractConflict(`company "${input.id}" exists`);
    return this.getCompany(input.id)!;
  }

  updateCompany(id: string, change: Partial<Omit<Company, "id" | "source">>): Company | null {
    const current = this.getCompany(id);
    if (!current) return null;
    const next = { ...current, ...change };
    this.db
      .prepare("UPDATE company SET name = ?, email = ?, lang = ?, timezone = ? WHERE id = ?")
      .run(next.name, next.email, next.lang, next.timezone, id);
    return this.getCompany(id);
  }

  listContracts(company?: string): Contract[] {
    const rows = (
      company === undefined
        ? this.db.prepare(`${CONTRACT_SELECT} ORDER BY c.from_ms, c.id`).all()
        : this.db.prepare(`${CONTRACT_SELECT} WHERE c.company = ? ORDER BY c.from_ms, c.id`).all(company)
    ) as ContractRow[];
    return rows.map(contractOf);
  }

  getContract(id: string): Contract | null {
    const row = this.db.prepare(`${CONTRACT_SELECT} WHERE c.id = ?`).get(id) as ContractRow | undefined;
    return row ? contractOf(row) : null;
  }

  /**
   * Adds a contract (source 'api') or, with `source: 'config'`, adds or
   * replaces one from the config. ContractConflict when the company or an
   * asset is unknown, the period is empty, or an asset is already under
   * another contract for part of the period.
   */
  putContract(input: NewContract, source: "config" | "api" = "api"): Contract {
    return this.save(input, source, source === "config");
  }

  private save(input: NewContract, source: "config" | "api", replace: boolean): Contract {
    const id = input.id ?? this.nextContractId();
    this.db.transaction(() => {
      if (!replace && this.getContract(id)) throw new ContractConflict(`contract "${id}" exists`);
      this.check({ ...input, id });
      this.db.prepare("DELETE FROM contract_asset WHERE contract = ?").run(id);
      this.db
        .prepare(
          `INSERT INTO contract (id, company, from_ms, to_ms, response_time_ms, source, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET company = excluded.company, from_ms = excluded.from_ms,
             to_ms = excluded.to_ms, response_time_ms = excluded.response_time_ms, source = excluded.source`,
        )
        .run(id, input.company, input.fromMs, input.toMs, input.responseTimeMs, source, this.clock());
      const link = this.db.prepare("INSERT INTO contract_asset (contract, asset) VALUES (?, ?)");
      for (const asset of new Set(input.assets)) link.run(id, asset);
      this.db.prepare("DELETE FROM contract_terms WHERE contract = ?").run(id);
      if (input.terms)
        this.db
          .prepare("INSERT INTO contract_terms (contract, terms) VALUES (?, ?)")
          .run(id, JSON.stringify(input.terms));
      this.meta.bumpFleetGeneration();
    })();
    return this.getContract(id)!;
  }

  /** Changes a contract's end, response time or assets (checked like a new one). */
  updateContract(
    id: string,
    change: Partial<Pick<Contract, "toMs" | "responseTimeMs" | "assets" | "fromMs" | "terms">>,
  ): Contract | null {
    const current = this.getContract(id);
    if (!current) return null;
    return this.save({ ...current, ...change, id }, current.source, true);
  }

  /** Makes the config's contracts present (idempotent; contracts added through the API stay). */
  importConfig(contracts: readonly ContractConfig[]): void {
    this.db.transaction(() => {
      for (const c of contracts)
        this.putContract(
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
        );
    })();
  }

  /**
   * Per asset, the parts of [fromMs, toMs) in which `company` maintains it:
   * by contract, or as the fleet owner where no contract covers the time.
   */
  coverage(company: string, fromMs: number, toMs: number): Map<string, [number, number][]> {
    const out = new Map<string, [number, number][]>();
    for (const asset of this.meta.listAssets()) {
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

  private check(c: NewContract & { id: string }): void {
    if (!this.getCompany(c.company))
      throw new ContractConflict(`company: unknown company "${c.company}"`, "VALIDATION_FAILED");
    if (c.toMs !== null && c.toMs <= c.fromMs)
      throw new ContractConflict("to: must be after from", "VALIDATION_FAILED");
    if (c.assets.length === 0) throw new ContractConflict("assets: at least one asset", "VALIDATION_FAILED");
    for (const id of c.assets) {
      const asset = this.meta.getAsset(id);
      if (!asset) throw new ContractConflict(`assets: unknown asset "${id}"`, "VALIDATION_FAILED");
      const clash = asset.contracts.find(
        (other) => other.contract !== c.id && overlaps(c.fromMs, c.toMs, other.fromMs, other.toMs),
      );
      if (clash)
        throw new ContractConflict(
          `assets: "${id}" is under contract "${clash.contract}" (${clash.company}) for part of the period`,
        );
    }
  }

  private nextContractId(): string {
    const n = (this.db.prepare("SELECT COUNT(*) FROM contract").pluck().get() as number) + 1;
    for (let i = n; ; i++) {
      const id = `C-${String(i).padStart(4, "0")}`;
      if (!this.db.prepare("SELECT 1 FROM contract WHERE id = ?").get(id)) return id;
    }
  }
}
