// What every ControlRepository (central/control/repository.ts) must do, run
// against each implementation by its own test file with a factory that gives
// a fresh, empty repository.
import { describe, expect, it } from "vitest";
import type { ControlRepository } from "../../central/control/repository.ts";
import type { ControlPointDecl, DemandLimit, Schedule } from "../../common/control.ts";

const decl = (asset: string, point: string): ControlPointDecl => ({
  asset,
  point,
  unit: "degC",
  min: 10,
  max: 26,
  failSafe: 20,
  critical: false,
});

export function controlRepositoryConformance(
  name: string,
  open: () => Promise<{
    repo: ControlRepository;
    /** Another handle on the same database: what a second central replica holds. */
    replica(): Promise<ControlRepository>;
    close(): Promise<void>;
  }>,
): void {
  describe(`ControlRepository conformance: ${name}`, () => {
    const withRepo =
      (f: (repo: ControlRepository, replica: () => Promise<ControlRepository>) => Promise<void>) =>
      async () => {
        const { repo, replica, close } = await open();
        try {
          await f(repo, replica);
        } finally {
          await close();
        }
      };

    it(
      "moves a revision per site, from 0",
      withRepo(async (repo) => {
        expect(await repo.revision("a")).toBe(0);
        expect(await repo.bumpRevision("a")).toBe(1);
        expect(await repo.bumpRevision("a")).toBe(2);
        expect(await repo.revision("a")).toBe(2);
        expect(await repo.revision("b")).toBe(0);
      }),
    );

    it(
      "replaces a site's declarations whole, leaving other sites' alone",
      withRepo(async (repo) => {
        await repo.putDeclarations("s1", [decl("A", "x"), decl("A", "y")], 1);
        await repo.putDeclarations("s2", [decl("B", "x")], 1);
        await repo.putDeclarations("s1", [decl("A", "y")], 2);
        expect((await repo.declarations("A")).map((d) => d.point)).toEqual(["y"]);
        expect(await repo.declarations("B")).toEqual([decl("B", "x")]);
      }),
    );

    it(
      "keeps a command's steps in order, its current state, and lists active ones and those due to expire",
      withRepo(async (repo) => {
        const base = { site: "s1", asset: "A", point: "x", reason: "r", requestedBy: "me" };
        const c1 = await repo.createCommand({ ...base, id: "c1", value: 20, requestedAt: 100, until: 500 });
        expect(c1).toMatchObject({ state: "requested", stateAt: 100, until: 500, actual: null });
        expect(c1.history).toEqual([{ state: "requested", at: 100 }]);
        await repo.createCommand({ ...base, id: "c2", value: 21, requestedAt: 200, override: true });
        await repo.addTransition("c1", { state: "delivered", at: 110 });
        const confirmed = await repo.addTransition("c1", { state: "confirmed", at: 120, actual: 19.9 });
        expect(confirmed).toMatchObject({ state: "confirmed", actual: 19.9 });
        expect(confirmed?.history.map((h) => h.state)).toEqual(["requested", "delivered", "confirmed"]);
        expect((await repo.listCommands({ asset: "A" })).map((c) => c.id)).toEqual(["c2", "c1"]);
        expect((await repo.dueToExpire(499)).map((c) => c.id)).toEqual([]);
        expect((await repo.dueToExpire(500)).map((c) => c.id)).toEqual(["c1"]);
        await repo.addTransition("c1", { state: "expired", at: 500, reason: "until passed" });
        expect((await repo.listCommands({ site: "s1", active: true })).map((c) => c.id)).toEqual(["c2"]);
        expect(await repo.getCommand("c1")).toMatchObject({
          state: "expired",
          stateReason: "until passed",
          actual: 19.9,
        });
        expect((await repo.getCommand("c2"))?.override).toBe(true);
        expect(await repo.getCommand("nope")).toBeNull();
        expect(await repo.addTransition("nope", { state: "failed", at: 1 })).toBeNull();
      }),
    );

    it(
      "moves a command only as its lifecycle allows, decided at the row: a step back or out of a final state is refused",
      withRepo(async (repo) => {
        const base = { site: "s1", asset: "A", point: "x", reason: "r", requestedBy: "me" };
        await repo.createCommand({ ...base, id: "c1", value: 20, requestedAt: 100 });
        expect(await repo.addTransition("c1", { state: "applied", at: 110 })).toMatchObject({
          state: "applied",
        });
        // A late `delivered` (a report heard again) changes nothing.
        expect(await repo.addTransition("c1", { state: "delivered", at: 111 })).toBeNull();
        expect(
          await repo.addTransition("c1", { state: "failed", at: 120, reason: "exception 3" }),
        ).toMatchObject({
          state: "failed",
        });
        for (const state of ["confirmed", "expired", "relinquished", "failed"] as const)
          expect(await repo.addTransition("c1", { state, at: 130 }), state).toBeNull();
        expect((await repo.getCommand("c1"))?.history.map((h) => h.state)).toEqual([
          "requested",
          "applied",
          "failed",
        ]);
      }),
    );

    it(
      "two replicas expiring the same commands at once record one `expired` each",
      withRepo(async (repo, replica) => {
        const other = await replica();
        const base = { site: "s1", asset: "A", point: "x", reason: "r", requestedBy: "me" };
        const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
        for (const id of ids)
          await repo.createCommand({ ...base, id, value: 20, requestedAt: 100, until: 200 });
        // Both sweeps read the same due list, then both expire every command of it, interleaved.
        const [dueHere, dueThere] = await Promise.all([repo.dueToExpire(300), other.dueToExpire(300)]);
        expect(dueHere.map((c) => c.id).sort()).toEqual([...ids].sort());
        expect(dueThere.map((c) => c.id).sort()).toEqual([...ids].sort());
        const step = { state: "expired" as const, at: 200, reason: "until passed" };
        const moved = await Promise.all(
          ids.flatMap((id) => [repo.addTransition(id, step), other.addTransition(id, step)]),
        );
        expect(moved.filter((m) => m !== null)).toHaveLength(ids.length);
        for (const id of ids) {
          const c = await other.getCommand(id);
          expect(c?.state, id).toBe("expired");
          expect(
            c?.history.filter((h) => h.state === "expired"),
            id,
          ).toHaveLength(1);
        }
        expect(await repo.dueToExpire(300)).toEqual([]);
      }),
    );

    it(
      "stores schedules and limits per asset and hands a site its own",
      withRepo(async (repo) => {
        const schedule: Schedule = {
          timeZone: "Europe/Moscow",
          points: [
            { point: "x", entries: [{ days: [1], from: "07:00", to: "18:00", value: 21 }], otherwise: 16 },
          ],
          exceptions: [{ from: "2026-01-01", to: "2026-01-08", name: "Новый год" }],
        };
        const limit: DemandLimit = {
          limitKw: 100,
          intervalMinutes: 15,
          restoreBelowFraction: 0.1,
          sheds: [],
        };
        await repo.putSchedule("s1", "A", schedule, "me", 5);
        await repo.putLimit("s1", "A", limit, "me", 6);
        await repo.putSchedule("s2", "B", { ...schedule, points: [] }, "you", 7);
        expect(await repo.getSchedule("A")).toEqual({ schedule, updatedAt: 5, updatedBy: "me" });
        expect(await repo.schedulesOfSite("s1")).toEqual({ A: schedule });
        expect(await repo.limitsOfSite("s1")).toEqual({ A: limit });
        expect(await repo.limitsOfSite("s2")).toEqual({});
        expect(await repo.getLimit("B")).toBeNull();
      }),
    );

    it(
      "keeps each point's newest state and each event once",
      withRepo(async (repo) => {
        const state = (at: number, value: number) => ({
          asset: "A",
          point: "x",
          effective: { value, holder: "schedule", priority: "schedule" as const },
          actual: value,
          at,
        });
        await repo.putStates([state(10, 20)]);
        await repo.putStates([state(5, 18)]); // older: ignored
        expect(await repo.states("A")).toEqual([state(10, 20)]);
        const events = [
          { asset: "A", point: "x", kind: "shed" as const, at: 1, value: 0 },
          { asset: "A", point: "x", kind: "restore" as const, at: 2 },
        ];
        expect(await repo.addEvents("s1", events)).toBe(2);
        expect(await repo.addEvents("s1", events)).toBe(0);
        expect((await repo.events("A", 10)).map((e) => e.kind)).toEqual(["restore", "shed"]);
        expect(await repo.events("A", 1)).toHaveLength(1);
      }),
    );

    it(
      "finds each point's newest write failure and restore however many events came after them",
      withRepo(async (repo) => {
        const ev = (point: string, kind: "write_failed" | "write_restored" | "transition", at: number) => ({
          asset: "A",
          point,
          kind,
          at,
        });
        await repo.addEvents("s1", [
          ev("x", "write_failed", 100),
          ev("x", "write_restored", 200),
          ev("x", "write_failed", 300), // x fails again, later than its restore
          ev("y", "write_failed", 150),
          ev("y", "write_restored", 250),
          ev("z", "write_failed", 120), // z never restored
          { ...ev("x", "write_failed", 999), asset: "B" }, // another asset
        ]);
        // A busy schedule afterwards: many more events than any window of the newest would hold.
        await repo.addEvents(
          "s1",
          Array.from({ length: 1500 }, (_, i) => ev(i % 2 === 0 ? "w" : "x", "transition", 1000 + i)),
        );
        expect(await repo.lastWriteOutcomes("A")).toEqual([
          { point: "x", failedAt: 300, restoredAt: 200 },
          { point: "y", failedAt: 150, restoredAt: 250 },
          { point: "z", failedAt: 120, restoredAt: null },
        ]);
        expect(await repo.lastWriteOutcomes("B")).toEqual([{ point: "x", failedAt: 999, restoredAt: null }]);
        expect(await repo.lastWriteOutcomes("nobody")).toEqual([]);
      }),
    );
  });
}
