// Waveform blocks over OPC UA, as condition-monitoring units publish them.
// A new block is announced by a block counter, an acquisition timestamp
// (DateTime) or just a change of the array itself (`trigger`); on it the
// block is read in one Read with what belongs to it (sample rate, speed,
// acquisition time) so the parts come from the same block. A block is
// stamped with the device's time — the acquisition time node, else the
// array's DataValue sourceTimestamp (IEC 62541-4 §7.7.3: when the value was
// produced at its source) — not with when it arrived.
//
// Where a device keeps its recent blocks in a ring buffer, the reader
// remembers the key (counter or acquisition time) of the newest block it
// delivered (cursors.ts) and, when the live block is further ahead than
// the next one, reads the slots in between oldest first: the blocks
// published while the agent was disconnected or stopped are not lost.

import { AttributeIds, type ClientSession, type DataValue, type NodeId } from "node-opcua-client";
import { quietRsaPkcs1Check } from "../../common/opcua-warnings.ts";
import { type OpcuaWaveform, triggerOf, type WaveformTrigger } from "../config-sources.ts";
import type { Cursors } from "./cursors.ts";
import type { SourceSink, WaveformBlock } from "./source.ts";

// Node 20 prints a PKCS#1 v1.5 warning at load that never concerns Vetra (common/opcua-warnings.ts).
quietRsaPkcs1Check();

/** A device clock further ahead of the agent's than this is not believed, ms. */
export const MAX_DEVICE_CLOCK_AHEAD_MS = 5 * 60_000;

/** A session with the configured node ids resolved for it (null: the node could not be resolved, already reported). */
export interface Connection {
  readonly session: ClientSession;
  node(text: string): NodeId | null;
}

export interface ReaderContext {
  readonly sourceId: string;
  readonly asset: string;
  readonly sink: SourceSink;
  readonly cursors: Cursors;
  /** Logs a line once per source lifetime. */
  readonly logOnce: (line: string) => void;
  /** The shaft speed another point delivered, rpm, if fresh (speedFrom). */
  readonly speedFrom?: () => number | null;
  readonly running: () => boolean;
}

export const toNumber = (v: unknown): number | null => {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number"))
    return v[0]! * 2 ** 32 + v[1]!; // Int64 as [high, low]
  return null;
};

const toMs = (v: unknown): number | null =>
  v instanceof Date && Number.isFinite(v.getTime()) && v.getTime() > 0 ? v.getTime() : null;

function toSamples(v: unknown): Float32Array | Float64Array | null {
  if (v instanceof Float32Array || v instanceof Float64Array) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return Float64Array.from(v as number[]);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Float64Array.from(v as unknown as ArrayLike<number>);
  return null;
}

/** The nodes of one block: the live one, or one slot of the buffer. */
interface BlockNodes {
  readonly waveform: string;
  /** Counter (trigger sequence) or acquisition time (trigger timestamp); absent for trigger value. */
  readonly key?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly speed?: string | undefined;
  readonly speedEnd?: string | undefined;
}

interface Read {
  readonly samples: Float32Array | Float64Array;
  readonly sampleRateHz: number;
  readonly speedRpm: number | null;
  readonly speedRpmEnd: number | null;
  readonly key: number | null;
  readonly ts: number;
}

export interface WaveformReader {
  readonly point: string;
  readonly trigger: WaveformTrigger;
  /** The node whose changes announce a block. */
  readonly triggerNode: string;
  /** Every node this point reads (checked for existence at connect). */
  readonly nodes: readonly string[];
  /** A change of the trigger node (its DataValue); reads are serialised per point. */
  onChange(conn: Connection, dv: DataValue): void;
  /** Resolves when the reads started so far are done. */
  idle(): Promise<void>;
}

export function createWaveformReader(w: OpcuaWaveform, ctx: ReaderContext): WaveformReader {
  const trigger = triggerOf(w);
  const label = `${ctx.sourceId} ${w.point}`;
  const live: BlockNodes = {
    waveform: w.waveformNodeId,
    key: trigger === "sequence" ? w.sequenceNodeId : trigger === "timestamp" ? w.timestampNodeId : undefined,
    timestamp: w.timestampNodeId,
    speed: w.speedNodeId,
    speedEnd: w.speedEndNodeId,
  };
  const slotNodes = (w.buffer?.slots ?? []).map(
    (s): BlockNodes => ({
      waveform: s.waveformNodeId,
      key: trigger === "sequence" ? s.sequenceNodeId : s.timestampNodeId,
      timestamp: s.timestampNodeId,
      // Without a speed of its own, a buffered block takes the point's speed as it is now.
      speed: s.speedNodeId ?? w.speedNodeId,
    }),
  );
  const nodes = [
    ...new Set(
      [
        w.waveformNodeId,
        w.sampleRateNodeId,
        w.sequenceNodeId,
        w.timestampNodeId,
        w.speedNodeId,
        w.speedEndNodeId,
        ...slotNodes.flatMap((s) => [s.waveform, s.key, s.timestamp, s.speed]),
      ].filter((n): n is string => n !== undefined),
    ),
  ];
  const triggerNode = live.key ?? w.waveformNodeId;
  const speedFactor = w.speedScale * (w.speedUnit === "Hz" ? 60 : 1);

  const scaleSamples = (s: Float32Array | Float64Array): Float32Array | Float64Array => {
    const c = w.counts;
    if (!c) return s;
    const gPerCount = (c.voltsPerCount * 1000) / c.sensitivityMvPerG;
    const out = new Float64Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = ((s[i] as number) - c.offsetCounts) * gPerCount;
    return out;
  };

  const deviceTime = (candidate: number | null, arrival: number): number => {
    if (w.clock === "agent" || candidate === null) return arrival;
    if (candidate > arrival + MAX_DEVICE_CLOCK_AHEAD_MS) {
      ctx.logOnce(
        `source ${ctx.sourceId}: ${w.point}: the device's clock is ${Math.round((candidate - arrival) / 1000)} s ahead of the agent's; blocks are stamped on arrival until it is set (NTP)`,
      );
      return arrival;
    }
    return candidate;
  };

  /** Reads one block; null when it failed (reported). `notified`: the array as the trigger delivered it. */
  async function readBlock(conn: Connection, b: BlockNodes, notified?: DataValue): Promise<Read | null> {
    const texts: string[] = [];
    const at = (text: string | undefined): number => (text === undefined ? -1 : texts.push(text) - 1);
    const iWave = notified ? -1 : at(b.waveform);
    const iKey = at(b.key);
    const iRate = at(w.sampleRateNodeId);
    const iTs = b.timestamp === b.key ? iKey : at(b.timestamp);
    const iSpeed = at(b.speed);
    const iSpeedEnd = at(b.speedEnd);
    const ids: NodeId[] = [];
    for (const t of texts) {
      const id = conn.node(t);
      if (!id) return null; // unresolvable: reported at connect
      ids.push(id);
    }
    let values: DataValue[] = [];
    if (ids.length > 0) {
      try {
        values = await conn.session.read(ids.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })));
      } catch (e) {
        ctx.sink.error("SOURCE_DISCONNECTED", `${label}: read failed: ${(e as Error).message}`);
        return null;
      }
    }
    const arrival = Date.now();
    const bad = values.findIndex((v) => v.statusCode.isNotGood());
    if (bad >= 0) {
      ctx.sink.error("SOURCE_EXCEPTION", `${label} ${texts[bad]}: ${values[bad]!.statusCode.toString()}`);
      return null;
    }
    const wave = notified ?? values[iWave]!;
    const samples = toSamples(wave.value.value);
    const sampleRateHz = iRate >= 0 ? toNumber(values[iRate]!.value.value) : (w.sampleRateHz ?? null);
    const speedOf = (i: number): number | null => {
      if (i < 0) return null;
      const v = toNumber(values[i]!.value.value);
      return v === null ? null : v * speedFactor;
    };
    let speedRpm = speedOf(iSpeed);
    if (speedRpm === null && ctx.speedFrom) speedRpm = ctx.speedFrom();
    const keyValue = iKey >= 0 ? values[iKey]!.value.value : undefined;
    const key =
      trigger === "sequence"
        ? toNumber(keyValue)
        : trigger === "timestamp"
          ? toMs(keyValue)
          : (wave.sourceTimestamp?.getTime() ?? null);
    if (samples === null || sampleRateHz === null || !(sampleRateHz > 0) || samples.length < 4) {
      ctx.sink.error(
        "SOURCE_BAD_FRAME",
        `${label}: block is incomplete or of the wrong type (${b.waveform})`,
      );
      return null;
    }
    if (trigger !== "value" && key === null) {
      ctx.sink.error(
        "SOURCE_BAD_FRAME",
        `${label}: ${b.key} is not a ${trigger === "sequence" ? "number" : "DateTime"}`,
      );
      return null;
    }
    const stamped = iTs >= 0 ? toMs(values[iTs]!.value.value) : (wave.sourceTimestamp?.getTime() ?? null);
    return {
      samples: scaleSamples(samples),
      sampleRateHz,
      speedRpm,
      speedRpmEnd: speedOf(iSpeedEnd),
      key,
      ts: deviceTime(stamped, arrival),
    };
  }

  const deliver = (r: Read): void => {
    const block: WaveformBlock = {
      sourceId: ctx.sourceId,
      asset: ctx.asset,
      point: w.point,
      component: w.component,
      samples: r.samples,
      sampleRateHz: r.sampleRateHz,
      unit: w.unit,
      speedRpm: r.speedRpm,
      ...(w.speedEndNodeId ? { speedRpmEnd: r.speedRpmEnd } : {}),
      sequence: r.key ?? r.ts,
      ts: r.ts,
    };
    ctx.sink.waveform(block);
    if (r.key !== null) ctx.cursors.set(w.point, trigger, r.key);
  };

  /** The slots published after `last` and before `upTo`, oldest first. */
  async function catchUp(conn: Connection, last: number, upTo: number): Promise<void> {
    const keyIds: NodeId[] = [];
    for (const s of slotNodes) {
      const id = s.key ? conn.node(s.key) : null;
      if (!id) return;
      keyIds.push(id);
    }
    let keys: DataValue[];
    try {
      keys = await conn.session.read(keyIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })));
    } catch (e) {
      ctx.sink.error(
        "SOURCE_DISCONNECTED",
        `${label}: reading the block buffer failed: ${(e as Error).message}`,
      );
      return;
    }
    const missed = slotNodes
      .map((s, i) => {
        const dv = keys[i]!;
        const k = dv.statusCode.isGood()
          ? trigger === "sequence"
            ? toNumber(dv.value.value)
            : toMs(dv.value.value)
          : null;
        return { s, k };
      })
      .filter((x): x is { s: BlockNodes; k: number } => x.k !== null && x.k > last && x.k < upTo)
      .sort((a, b) => a.k - b.k);
    for (const { s, k } of missed) {
      if (!ctx.running()) return;
      const r = await readBlock(conn, s);
      // The slot may have been overwritten between the two reads: deliver only what is still in order.
      if (r && r.key === k) deliver(r);
    }
  }

  async function handle(conn: Connection, dv: DataValue): Promise<void> {
    const r = await readBlock(conn, live, trigger === "value" ? dv : undefined);
    if (!r) return;
    const last = ctx.cursors.get(w.point, trigger);
    if (r.key !== null && last !== null && r.key === last) return; // already delivered (e.g. after a reconnect)
    const contiguous = trigger === "sequence" && last !== null && r.key === last + 1;
    if (slotNodes.length > 0 && last !== null && r.key !== null && r.key > last && !contiguous)
      await catchUp(conn, last, r.key);
    deliver(r);
  }

  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  return {
    point: w.point,
    trigger,
    triggerNode,
    nodes,
    onChange(conn, dv) {
      if (!dv.statusCode.isGood()) return;
      // One read at a time per point; changes that arrive meanwhile collapse into one re-read
      // (a value trigger carries its array: a few of those wait their turn).
      if (queued >= (trigger === "value" ? 4 : 2)) return;
      queued++;
      chain = chain
        .then(() => (ctx.running() ? handle(conn, dv) : undefined))
        .catch((e) => ctx.sink.error("INTERNAL", `${label}: ${(e as Error).stack ?? e}`))
        .finally(() => {
          queued--;
        });
    },
    idle: () => chain,
  };
}
