// A third-party condition-monitoring unit's OPC UA dialect, served beside
// the turbine's own nodes: a namespace of its own (registered after other
// namespaces, so its index is not 1 and changes when the server restarts
// with other namespaces before it), numeric node ids for scalars and string
// node ids for arrays, no block counter but an acquisition DateTime that
// announces each block (acquired `acquisitionDelayMs` before it is
// published, as a unit that computes before it publishes), waveforms as raw
// Int16 ADC counts, shaft speed in Hz, and a ring buffer of the last N
// blocks with their acquisition times. The buffer lives in the simulator,
// not the server, so it survives an OPC UA restart as a unit's storage would.

import {
  DataType,
  type OPCUAServer,
  StatusCodes,
  type UAVariable,
  Variant,
  VariantArrayType,
} from "node-opcua";
import type { TurbinePointId } from "../../common/names.ts";
import { quietRsaPkcs1Check } from "../../common/opcua-warnings.ts";

// Node 20 prints a PKCS#1 v1.5 warning at load that never concerns Vetra (common/opcua-warnings.ts).
quietRsaPkcs1Check();

export interface CmsOptions {
  /** Namespace URI of the unit (default `urn:vetra:simulator:cms`). */
  readonly namespaceUri?: string;
  /** Namespaces registered before the unit's (its index is 2 + this; default 1). */
  readonly namespacesBefore?: number;
  /** Blocks kept in the ring buffer (default 8). */
  readonly bufferSlots?: number;
  /** A block is acquired this long before it is published, ms (default 7000). */
  readonly acquisitionDelayMs?: number;
  /** ADC scale, V per count (default ±10 V over 16 bits: 20/65536). */
  readonly voltsPerCount?: number;
  /** Accelerometer sensitivity, mV/g (default 100). */
  readonly sensitivityMvPerG?: number;
}

export const CMS_DEFAULTS = {
  namespaceUri: "urn:vetra:simulator:cms",
  namespacesBefore: 1,
  bufferSlots: 8,
  acquisitionDelayMs: 7000,
  voltsPerCount: 20 / 65536,
  sensitivityMvPerG: 100,
} as const;

export interface CmsPointNodes {
  /** Int16 array of ADC counts (string id). */
  readonly waveform: string;
  /** DateTime of acquisition: announces a block (numeric id). */
  readonly acquisitionTime: string;
  /** Double, Hz (numeric id). */
  readonly sampleRateHz: string;
  /** Double, shaft speed in Hz at the block (numeric id). */
  readonly shaftSpeedHz: string;
  readonly slots: readonly { readonly waveform: string; readonly acquisitionTime: string }[];
}

export interface CmsNodeIds {
  readonly namespaceUri: string;
  readonly points: Record<TurbinePointId, CmsPointNodes>;
}

const POINTS: readonly TurbinePointId[] = ["main_bearing", "gearbox_hss", "generator_de"];

/** Node ids of the unit as an integrator writes them: `nsu=<uri>;i=…` / `nsu=<uri>;s=…`. */
export function cmsNodeIds(assetId: string, o: CmsOptions = {}): CmsNodeIds {
  const uri = o.namespaceUri ?? CMS_DEFAULTS.namespaceUri;
  const slots = o.bufferSlots ?? CMS_DEFAULTS.bufferSlots;
  const nsu = (id: string) => `nsu=${uri};${id}`;
  const points = Object.fromEntries(
    POINTS.map((p, k) => [
      p,
      {
        waveform: nsu(`s=${assetId}/${p}/Waveform`),
        acquisitionTime: nsu(`i=${1000 + 10 * k + 1}`),
        sampleRateHz: nsu(`i=${1000 + 10 * k + 2}`),
        shaftSpeedHz: nsu(`i=${1000 + 10 * k + 3}`),
        slots: Array.from({ length: slots }, (_, j) => ({
          waveform: nsu(`s=${assetId}/${p}/Buffer/${j}/Waveform`),
          acquisitionTime: nsu(`s=${assetId}/${p}/Buffer/${j}/AcquisitionTime`),
        })),
      },
    ]),
  ) as unknown as Record<TurbinePointId, CmsPointNodes>;
  return { namespaceUri: uri, points };
}

interface Stored {
  readonly acquiredAt: Date;
  readonly counts: Int16Array;
  readonly shaftHz: number;
}

export interface CmsBlock {
  readonly point: TurbinePointId;
  readonly g: Float32Array;
  readonly shaftHz: number;
}

export interface CmsUnit {
  readonly nodeIds: CmsNodeIds;
  /** Builds the unit's namespace and nodes in a (new) server and writes the current state into them. */
  attach(server: OPCUAServer, namespacesBefore?: number): void;
  detach(): void;
  /** A new block of every point, published `now`; it was acquired acquisitionDelayMs earlier. */
  publish(blocks: readonly CmsBlock[], now: Date): void;
  /** Acquisition times of the blocks published so far, oldest first (ms). */
  acquisitions(): number[];
  /** The g value one count stands for. */
  readonly gPerCount: number;
  /** The unit's namespace index in the server it is attached to (changes with namespacesBefore). */
  namespaceIndex(): number;
}

export function createCmsUnit(assetId: string, sampleRateHz: number, o: CmsOptions = {}): CmsUnit {
  const nodeIds = cmsNodeIds(assetId, o);
  const slots = o.bufferSlots ?? CMS_DEFAULTS.bufferSlots;
  const delayMs = o.acquisitionDelayMs ?? CMS_DEFAULTS.acquisitionDelayMs;
  const gPerCount =
    ((o.voltsPerCount ?? CMS_DEFAULTS.voltsPerCount) * 1000) /
    (o.sensitivityMvPerG ?? CMS_DEFAULTS.sensitivityMvPerG);
  let namespacesBefore = o.namespacesBefore ?? CMS_DEFAULTS.namespacesBefore;
  const buffers = new Map<TurbinePointId, (Stored | null)[]>(POINTS.map((p) => [p, Array(slots).fill(null)]));
  const latest = new Map<TurbinePointId, Stored>();
  let published = 0;
  const acquired: number[] = [];
  let vars = new Map<string, UAVariable>();
  let index = -1;

  const set = (id: string, v: Variant, at: Date) => vars.get(id)?.setValueFromSource(v, StatusCodes.Good, at);
  const counts = (x: Int16Array) =>
    new Variant({ dataType: DataType.Int16, arrayType: VariantArrayType.Array, value: x });
  const time = (d: Date) => new Variant({ dataType: DataType.DateTime, value: d });

  /** Writes a point's live block, acquisition time last (it is the trigger). */
  function writeLive(p: TurbinePointId, s: Stored): void {
    const ids = nodeIds.points[p];
    set(ids.waveform, counts(s.counts), s.acquiredAt);
    set(ids.shaftSpeedHz, new Variant({ dataType: DataType.Double, value: s.shaftHz }), s.acquiredAt);
    set(ids.acquisitionTime, time(s.acquiredAt), s.acquiredAt);
  }
  function writeSlot(p: TurbinePointId, j: number, s: Stored): void {
    const slot = nodeIds.points[p].slots[j]!;
    set(slot.waveform, counts(s.counts), s.acquiredAt);
    set(slot.acquisitionTime, time(s.acquiredAt), s.acquiredAt);
  }

  return {
    nodeIds,
    gPerCount,
    attach(server, before) {
      if (before !== undefined) namespacesBefore = before;
      const addressSpace = server.engine.addressSpace;
      if (!addressSpace) throw new Error("OPC UA address space missing");
      for (let i = 0; i < namespacesBefore; i++)
        addressSpace.registerNamespace(`urn:vetra:simulator:vendor-extension:${i}`);
      const ns = addressSpace.registerNamespace(nodeIds.namespaceUri);
      index = ns.index;
      vars = new Map();
      const strip = (id: string) => id.replace(/^nsu=[^;]*;/, "");
      const unit = ns.addObject({
        organizedBy: addressSpace.rootFolder.objects,
        browseName: `CMS_${assetId}`,
      });
      for (const p of POINTS) {
        const ids = nodeIds.points[p];
        const folder = ns.addObject({ componentOf: unit, browseName: p, nodeId: `s=${assetId}/${p}` });
        const add = (id: string, name: string, dataType: string, extra: Record<string, unknown> = {}) =>
          vars.set(
            id,
            ns.addVariable({
              componentOf: folder,
              browseName: name,
              nodeId: strip(id),
              dataType,
              minimumSamplingInterval: 100,
              ...extra,
            }),
          );
        add(ids.waveform, "Waveform", "Int16", { valueRank: 1 });
        add(ids.acquisitionTime, "AcquisitionTime", "DateTime");
        add(ids.sampleRateHz, "SampleRateHz", "Double");
        add(ids.shaftSpeedHz, "ShaftSpeedHz", "Double");
        ids.slots.forEach((slot, j) => {
          add(slot.waveform, `Buffer${j}.Waveform`, "Int16", { valueRank: 1 });
          add(slot.acquisitionTime, `Buffer${j}.AcquisitionTime`, "DateTime");
        });
        set(ids.sampleRateHz, new Variant({ dataType: DataType.Double, value: sampleRateHz }), new Date());
        const buffer = buffers.get(p)!;
        buffer.forEach((s, j) => {
          if (s) writeSlot(p, j, s);
        });
        const l = latest.get(p);
        if (l) writeLive(p, l);
      }
    },
    detach() {
      vars = new Map();
    },
    publish(blocks, now) {
      const acquiredAt = new Date(now.getTime() - delayMs);
      const j = published % slots;
      published++;
      acquired.push(acquiredAt.getTime());
      for (const b of blocks) {
        const c = new Int16Array(b.g.length);
        for (let i = 0; i < c.length; i++)
          c[i] = Math.max(-32768, Math.min(32767, Math.round((b.g[i] ?? 0) / gPerCount)));
        const s: Stored = { acquiredAt, counts: c, shaftHz: b.shaftHz };
        buffers.get(b.point)![j] = s;
        latest.set(b.point, s);
        // The buffer slot first, the live block after: a client woken by the live acquisition time finds the slot filled.
        writeSlot(b.point, j, s);
        writeLive(b.point, s);
      }
    },
    acquisitions: () => [...acquired],
    namespaceIndex: () => index,
  };
}
