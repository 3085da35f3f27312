// One conformance suite for every DocumentRepository (SQLite, PostgreSQL):
// the register is an append-only hash chain — numbers from 1, each entry
// linked to the one before, the head row on the newest — that stays linear
// when two connections and two other processes append at the same time; a
// status moves once, with its signature, even when two signers race; the
// database itself refuses to rewrite or delete entries, files and
// signatures; and someone who removes that guard is still caught by the
// chain: an altered entry, a replaced file, a removed entry and removed
// newest entries each show.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GENESIS_HASH, type RegisterEntry } from "../../central/documents/register.ts";
import { checkRegister, type DocumentRepository } from "../../central/documents/repository.ts";
import { sampleDocument } from "./fixtures.ts";

export interface RepositoryUnderTest {
  repo: DocumentRepository;
  /** A second repository on a connection of its own to the same database. */
  second: DocumentRepository;
  /** What `append-process.ts` is given to reach the same database: `["sqlite", FILE]` or `["postgres", URL]`. */
  processTarget: [kind: "sqlite" | "postgres", target: string];
  /** SQL as someone with access to the database runs it (`?` placeholders). */
  raw(sql: string, args?: (string | number | Buffer)[]): Promise<void>;
  /** A new repository on the same connection (its schema statements run again, as at a restart). */
  reopen(): Promise<DocumentRepository>;
  /** Removes the database's append-only triggers, as such a person could. */
  dropGuards(): Promise<void>;
  close(): Promise<void>;
}

const REPO = resolve(import.meta.dirname, "../..");

/** Starts an appender process; resolves `go` once it is ready, `done` when it has exited 0. */
function appender(target: RepositoryUnderTest["processTarget"], count: number, tag: string) {
  const child = spawn(
    process.execPath,
    [
      join(REPO, "bin/run-ts.js"),
      join(REPO, "test/documents/append-process.ts"),
      ...target,
      String(count),
      tag,
    ],
    { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stderr.on("data", (c: Buffer) => {
    err += c;
  });
  const ready = new Promise<void>((resolveReady, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      out += c;
      if (out.includes("ready")) resolveReady();
    });
    child.once("exit", (code) => reject(new Error(`appender ${tag} exited ${code} before ready: ${err}`)));
  });
  const done = new Promise<void>((resolveDone, reject) =>
    child.once("exit", (code) =>
      code === 0 ? resolveDone() : reject(new Error(`appender ${tag} exited ${code}: ${err}`)),
    ),
  );
  return { ready, go: () => child.stdin.end("go\n"), done };
}

const bytesOf = (tag: string) => Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe, ...Buffer.from(tag)]);

export function describeDocumentRepositoryConformance(
  name: string,
  make: () => Promise<RepositoryUnderTest>,
): void {
  describe(`DocumentRepository conformance: ${name}`, () => {
    let current: RepositoryUnderTest | null = null;
    const open = async () => {
      current = await make();
      return current;
    };
    afterEach(async () => {
      await current?.close();
      current = null;
    });

    it("appends a linear chain from 1, each entry linked to the one before, the head on the newest", async () => {
      const { repo } = await open();
      expect(await repo.head()).toEqual({ seq: 0, entryHash: GENESIS_HASH });
      const entries: RegisterEntry[] = [];
      for (const tag of ["a", "b", "c"])
        entries.push(await repo.append(sampleDocument(tag), bytesOf(tag), 1_700_000_000_000));
      expect(entries.map((e) => [e.seq, e.id, e.status])).toEqual([
        [1, "DOC-000001", "issued"],
        [2, "DOC-000002", "issued"],
        [3, "DOC-000003", "issued"],
      ]);
      expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
      expect(entries[1]!.prevHash).toBe(entries[0]!.entryHash);
      expect(entries[2]!.prevHash).toBe(entries[1]!.entryHash);
      expect(await repo.head()).toEqual({ seq: 3, entryHash: entries[2]!.entryHash });
      // What is stored is what was appended, bytes exactly (a zero byte and invalid UTF-8 included).
      expect(await repo.get("DOC-000002")).toEqual(entries[1]);
      expect((await repo.file("DOC-000002"))!.equals(bytesOf("b"))).toBe(true);
      expect(await repo.get("DOC-000009")).toBeNull();
      expect(await repo.file("DOC-000009")).toBeNull();
      expect(await repo.chain(1, 10)).toEqual(entries.slice(1));
      expect(await checkRegister(repo)).toMatchObject({ ok: true, entries: 3, problems: [] });
    });

    it("lists by party, type, types, period, status and subject, newest first, with the total", async () => {
      const { repo } = await open();
      await repo.append(sampleDocument("a"), bytesOf("1"), 1);
      await repo.append(
        sampleDocument("b", { type: "invoice", subject: "invoice:sc-b:2026-11" }),
        bytesOf("2"),
        2,
      );
      await repo.append(sampleDocument("a", { period: "2026-12", subject: "x" }), bytesOf("3"), 3);
      await repo.setStatus("DOC-000001", "issued", "rejected", "wrong", 4);
      const ids = async (f: Partial<Parameters<DocumentRepository["list"]>[0]>) => {
        const r = await repo.list({ limit: 10, offset: 0, ...f });
        return [r.total, r.documents.map((d) => d.seq)];
      };
      expect(await ids({})).toEqual([3, [3, 2, 1]]);
      expect(await ids({ org: "sc-a" })).toEqual([2, [3, 1]]);
      expect(await ids({ org: "region" })).toEqual([3, [3, 2, 1]]);
      expect(await ids({ org: "sc-nobody" })).toEqual([0, []]);
      expect(await ids({ type: "invoice" })).toEqual([1, [2]]);
      expect(await ids({ types: ["invoice", "act_of_services"] })).toEqual([3, [3, 2, 1]]);
      expect(await ids({ types: [] })).toEqual([0, []]);
      expect(await ids({ period: "2026-12" })).toEqual([1, [3]]);
      expect(await ids({ status: "rejected" })).toEqual([1, [1]]);
      expect(await ids({ subject: "invoice:sc-b:2026-11" })).toEqual([1, [2]]);
      expect(await ids({ org: "sc-a", period: "2026-11" })).toEqual([1, [1]]);
      expect(await ids({ limit: 1, offset: 1 })).toEqual([3, [2]]);
      // Values that look like SQL are values.
      expect(await ids({ org: "' OR '1'='1" })).toEqual([0, []]);
    });

    it("keeps one linear chain when two connections and two other processes append at the same time", async () => {
      const target = await open();
      const { repo, second } = target;
      const PER = 25;
      const others = [appender(target.processTarget, PER, "p1"), appender(target.processTarget, PER, "p2")];
      await Promise.all(others.map((o) => o.ready));
      for (const o of others) o.go();
      const here = async (r: DocumentRepository, tag: string) => {
        for (let i = 0; i < PER; i++)
          await r.append(sampleDocument(`${tag}-${i}`), bytesOf(`${tag}${i}`), Date.now());
      };
      await Promise.all([here(repo, "c1"), here(second, "c2"), ...others.map((o) => o.done)]);
      const chain = await repo.chain(0, 1000);
      expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 4 * PER }, (_, i) => i + 1));
      // Every appender's documents are in it, interleaved or not.
      for (const tag of ["c1", "c2", "p1", "p2"])
        expect(chain.filter((e) => e.fileName.startsWith(`act-${tag}-`))).toHaveLength(PER);
      const report = await checkRegister(second);
      expect(report.problems).toEqual([]);
      expect(report.entries).toBe(4 * PER);
      expect(await repo.head()).toEqual({ seq: 4 * PER, entryHash: chain.at(-1)!.entryHash });
    }, 180_000);

    it("moves a status once, storing the signature with the move; a racing second signer finds it moved", async () => {
      const { repo, second } = await open();
      await repo.append(sampleDocument("a"), bytesOf("a"), 1);
      const sig = (org: string, kind: "sign" | "countersign", p7s: Buffer) => ({
        document: "DOC-000001",
        org,
        kind,
        signer: `CN=${org}`,
        signedAt: "2026-12-01T10:00:00.000Z",
        p7s,
        certificateSha256: "ab".repeat(32),
        signedPdf: kind === "sign" ? null : Buffer.from("%PDF signed twice"),
      });
      const racing = await Promise.all([
        repo.addSignature(sig("sc-a", "sign", Buffer.from([1, 0, 2])), "issued", "signed", 2),
        second.addSignature(sig("sc-a", "sign", Buffer.from([3, 0, 4])), "issued", "signed", 2),
      ]);
      expect(racing.filter((r) => r !== null)).toHaveLength(1);
      expect(racing.find((r) => r !== null)!.n).toBe(1);
      expect((await repo.get("DOC-000001"))!.status).toBe("signed");
      const counter = await second.addSignature(
        sig("region", "countersign", Buffer.from([5])),
        "signed",
        "accepted",
        3,
      );
      expect(counter?.n).toBe(2);
      const stored = await repo.signatures("DOC-000001");
      expect(stored.map((s) => [s.n, s.org, s.kind, s.signedAt])).toEqual([
        [1, "sc-a", "sign", "2026-12-01T10:00:00.000Z"],
        [2, "region", "countersign", "2026-12-01T10:00:00.000Z"],
      ]);
      expect(stored[0]!.p7s.equals(racing.find((r) => r !== null)!.p7s)).toBe(true);
      expect(stored[0]!.signedPdf).toBeNull();
      expect(stored[1]!.signedPdf!.toString()).toBe("%PDF signed twice");
      // Nothing moves from a status it is not in.
      expect(await repo.setStatus("DOC-000001", "signed", "rejected", "late", 4)).toBe(false);
      expect(
        await repo.addSignature(sig("region", "countersign", Buffer.from([6])), "signed", "accepted", 4),
      ).toBeNull();
      await repo.append(sampleDocument("b"), bytesOf("b"), 5);
      expect(await second.setStatus("DOC-000002", "issued", "rejected", "wrong figures", 6)).toBe(true);
      expect(await repo.get("DOC-000002")).toMatchObject({
        status: "rejected",
        statusReason: "wrong figures",
      });
      // A status change is not part of the chain.
      expect((await checkRegister(repo)).ok).toBe(true);
    });

    it("has the database refuse to rewrite or delete entries, files and signatures", async () => {
      const r = await open();
      await r.repo.append(sampleDocument("a"), bytesOf("a"), 1);
      await r.repo.addSignature(
        {
          document: "DOC-000001",
          org: "sc-a",
          kind: "sign",
          signer: "CN=a",
          signedAt: "2026-12-01T10:00:00.000Z",
          p7s: Buffer.from([1]),
          certificateSha256: "00",
          signedPdf: null,
        },
        "issued",
        "signed",
        2,
      );
      for (const statement of [
        "UPDATE document SET period = '2026-10' WHERE seq = 1",
        "UPDATE document SET entry_hash = 'x' WHERE seq = 1",
        "DELETE FROM document WHERE seq = 1",
        "UPDATE document_file SET bytes = ? WHERE id = 'DOC-000001'",
        "DELETE FROM document_file",
        "DELETE FROM document_party",
        "UPDATE document_signature SET org = 'region'",
        "DELETE FROM document_signature",
      ])
        await expect(
          r.raw(statement, statement.includes("?") ? [Buffer.from("%PDF-forged")] : []),
          statement,
        ).rejects.toThrow(/append-only/);
      // The status columns do change.
      await r.raw("UPDATE document SET status = 'accepted' WHERE seq = 1");
      expect((await checkRegister(r.repo)).ok).toBe(true);
    });

    it("continues the chain of a register made before the head row, and reopens without changing it", async () => {
      const r = await open();
      const a = await r.repo.append(sampleDocument("a"), bytesOf("a"), 1);
      const b = await r.repo.append(sampleDocument("b"), bytesOf("b"), 2);
      expect(await (await r.reopen()).head()).toEqual({ seq: 2, entryHash: b.entryHash });
      await r.raw("DROP TABLE document_head");
      const again = await r.reopen();
      expect(await again.head()).toEqual({ seq: 2, entryHash: b.entryHash });
      const c = await again.append(sampleDocument("c"), bytesOf("c"), 3);
      expect([c.seq, c.prevHash]).toEqual([3, b.entryHash]);
      expect(a.prevHash).toBe(GENESIS_HASH);
      expect(await checkRegister(again)).toMatchObject({ ok: true, entries: 3 });
    });

    it("shows an altered entry, a replaced file, a removed entry and removed newest entries once the guard is gone", async () => {
      const r = await open();
      for (const tag of ["a", "b", "c", "d", "e"]) await r.repo.append(sampleDocument(tag), bytesOf(tag), 1);
      await r.dropGuards();
      const problems = async () =>
        (await checkRegister(r.repo)).problems.map((p) => `${p.seq} ${p.problem}`).join("\n");

      await r.raw("UPDATE document SET period = '2026-10' WHERE seq = 2");
      expect(await problems()).toMatch(/^2 its fields do not hash to its entry hash \(altered\)$/);
      await r.raw("UPDATE document SET period = '2026-11' WHERE seq = 2");
      expect(await problems()).toBe("");

      await r.raw("UPDATE document_file SET bytes = ? WHERE id = 'DOC-000001'", [Buffer.from("%PDF-forged")]);
      expect(await problems()).toMatch(/^1 its file does not match its SHA-256 \(altered\)$/);
      await r.raw("UPDATE document_file SET bytes = ? WHERE id = 'DOC-000001'", [bytesOf("a")]);

      await r.raw("DELETE FROM document WHERE seq = 3");
      expect(await problems()).toMatch(
        /entries 3–3 are missing\n4 does not link to the previous entry's hash/,
      );

      // The newest entries removed: what is left is a valid chain, but it ends before the head.
      await r.raw("DELETE FROM document WHERE seq >= 3");
      expect(await problems()).toMatch(
        /the head names entry 5 but the chain ends at 2: entries were removed from the end/,
      );
    });
  });
}
