// The nodes an OPC UA source configures, looked up once per session: each
// node id parsed, `nsu=` mapped through the server's namespace array, and
// the server asked whether the node exists (opcua.ts uses what it finds).
import { AttributeIds, type ClientSession, NodeId } from "node-opcua-client";
import { BufferSlotNodeKeys, type OpcuaSourceConfig, WaveformNodeKeys } from "../config-sources.ts";
import type { Connection } from "./opcua-blocks.ts";
import { isNodeIdError, type ParsedNodeId, parseNodeId, resolveNamespace } from "./opcua-nodeid.ts";
import type { SourceSink } from "./source.ts";

/** Server_NamespaceArray (IEC 62541-5 §6.3.13; ns=0;i=2255 in the standard nodeset). */
const NAMESPACE_ARRAY = new NodeId(NodeId.NodeIdType.NUMERIC, 2255, 0);
/** Nodes per Read when looking configured nodes up (servers limit MaxNodesPerRead; 500 is below every default seen). */
const LOOKUP_CHUNK = 500;

const KIND_TYPES = {
  i: NodeId.NodeIdType.NUMERIC,
  s: NodeId.NodeIdType.STRING,
  g: NodeId.NodeIdType.GUID,
  b: NodeId.NodeIdType.BYTESTRING,
} as const;

/** node-opcua's NodeId of a parsed node id at a namespace index (built from parts: its own parser is lenient). */
function nodeIdOf(p: ParsedNodeId, index: number): NodeId {
  const value =
    p.kind === "i"
      ? Number(p.identifier)
      : p.kind === "b"
        ? Buffer.from(p.identifier, "base64")
        : p.identifier;
  return new NodeId(KIND_TYPES[p.kind], value, index);
}

/** Every node id a source configures, each with the first key that names it. */
export function configuredNodes(config: OpcuaSourceConfig): Map<string, string> {
  const out = new Map<string, string>();
  const add = (text: unknown, key: string) => {
    if (typeof text === "string" && !out.has(text)) out.set(text, key);
    else if (typeof text !== "string" && text !== undefined) out.set(String(text), key);
  };
  for (const [i, s] of (config.scalars ?? []).entries()) add(s.nodeId, `scalars[${i}].nodeId`);
  (config.waveforms ?? []).forEach((w, i) => {
    for (const k of WaveformNodeKeys) add(w[k], `waveforms[${i}].${k}`);
    (w.buffer?.slots ?? []).forEach((slot, j) => {
      for (const k of BufferSlotNodeKeys) add(slot[k], `waveforms[${i}].buffer.slots[${j}].${k}`);
    });
  });
  return out;
}

export interface Lookup {
  readonly conn: Connection;
  /** Nodes that cannot be used, with why (already counted as source errors). */
  readonly problems: readonly { node: string; key: string; message: string }[];
  readonly resolved: number;
}

/**
 * Resolves every configured node for this session: parses it (a config
 * that skipped validation must not take the process down either), maps
 * `nsu=` through the server's namespace array, and asks the server whether
 * each node exists (its NodeClass; cheap, unlike reading a waveform).
 */
export async function lookUpNodes(
  config: OpcuaSourceConfig,
  ses: ClientSession,
  sink: SourceSink | null,
): Promise<Lookup> {
  const wanted = configuredNodes(config);
  const parsed = new Map<string, ParsedNodeId>();
  const problems: { node: string; key: string; message: string }[] = [];
  const problem = (node: string, key: string, message: string) => {
    problems.push({ node, key, message });
    sink?.error("SOURCE_NODE_UNKNOWN", `${config.id} ${key} ${node}: ${message}`);
  };
  for (const [text, key] of wanted) {
    const p = parseNodeId(text);
    if (isNodeIdError(p)) problem(text, key, p.error);
    else parsed.set(text, p);
  }
  let namespaces: string[] | null = null;
  if ([...parsed.values()].some((p) => "uri" in p.namespace)) {
    const dv = await ses.read({ nodeId: NAMESPACE_ARRAY, attributeId: AttributeIds.Value });
    const v = dv.value.value;
    if (dv.statusCode.isGood() && Array.isArray(v)) namespaces = v.map(String);
  }
  const resolved = new Map<string, NodeId>();
  for (const [text, p] of parsed) {
    const r = resolveNamespace(p, namespaces);
    if ("error" in r) problem(text, wanted.get(text)!, r.error);
    else resolved.set(text, nodeIdOf(p, r.index));
  }
  const entries = [...resolved.entries()];
  for (let i = 0; i < entries.length; i += LOOKUP_CHUNK) {
    const chunk = entries.slice(i, i + LOOKUP_CHUNK);
    const classes = await ses.read(
      chunk.map(([, nodeId]) => ({ nodeId, attributeId: AttributeIds.NodeClass })),
    );
    classes.forEach((dv, j) => {
      if (dv.statusCode.isGood()) return;
      const [text] = chunk[j]!;
      resolved.delete(text);
      problem(text, wanted.get(text)!, `the server has no such node (${dv.statusCode.name})`);
    });
  }
  return {
    conn: { session: ses, node: (text) => resolved.get(text) ?? null },
    problems,
    resolved: resolved.size,
  };
}
