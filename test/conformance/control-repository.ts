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
  open: () => Promise<{ repo: ControlRepository; close(): Promise<void> }>,
): void {
  describe(`ControlRepository conformance: ${name}`, () => {
    const withRepo = (f: (repo: ControlRepository) => Promise<void>) => async () => {
      const { repo, close } = await open();
      try {
        await f(repo);
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
  });
}
