// A small agent-side client of the control sync contract (common/control.ts)
// for tests: it declares points, sends reports, states and events, and keeps
// the revision central last answered — as an edge agent does, without the
// device side.
import type {
  AgentSyncRequest,
  AgentSyncResponse,
  CommandReport,
  ControlEvent,
  ControlPointDecl,
  PointState,
} from "../../common/control.ts";

export interface SyncAnswer {
  status: number;
  body: AgentSyncResponse & { error?: { code: string; message: string } };
  elapsedMs: number;
}

export class TestControlAgent {
  revision = 0;
  declarations: ControlPointDecl[];

  constructor(
    private readonly url: string,
    private readonly token: string,
    declarations: ControlPointDecl[],
  ) {
    this.declarations = declarations;
  }

  async sync(
    parts: {
      waitMs?: number;
      reports?: CommandReport[];
      states?: PointState[];
      events?: ControlEvent[];
      revision?: number;
      signal?: AbortSignal;
    } = {},
  ): Promise<SyncAnswer> {
    const body: AgentSyncRequest = {
      revision: parts.revision ?? this.revision,
      waitMs: parts.waitMs ?? 0,
      declarations: this.declarations,
      reports: parts.reports ?? [],
      states: parts.states ?? [],
      events: parts.events ?? [],
    };
    const started = Date.now();
    const res = await fetch(`${this.url}/api/v1/control/agent/sync`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      ...(parts.signal ? { signal: parts.signal } : {}),
    });
    const json = (await res.json()) as SyncAnswer["body"];
    if (res.status === 200) this.revision = json.revision;
    return { status: res.status, body: json, elapsedMs: Date.now() - started };
  }
}

/** The demo's three points of a facility, as an agent config declares them. */
export const facilityPoints = (asset: string, critical: string[] = []): ControlPointDecl[] => [
  {
    asset,
    point: "heating_setpoint_c",
    unit: "degC",
    min: 12,
    max: 26,
    maxRatePerMinute: 1,
    failSafe: 20,
    critical: critical.includes("heating_setpoint_c"),
  },
  {
    asset,
    point: "hvac_mode",
    unit: "state",
    min: 0,
    max: 3,
    states: { "0": "off", "1": "heat", "2": "cool", "3": "auto" },
    failSafe: 1,
    critical: critical.includes("hvac_mode"),
  },
  {
    asset,
    point: "lighting",
    unit: "state",
    min: 0,
    max: 1,
    failSafe: 1,
    critical: critical.includes("lighting"),
  },
];
