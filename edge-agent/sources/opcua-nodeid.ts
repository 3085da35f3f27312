// OPC UA node ids as text, strictly (IEC 62541-6 §5.3.1.10 NodeId and
// §5.3.1.11 ExpandedNodeId string forms):
//
//   [ns=<namespace index>;]<type>=<identifier>
//   nsu=<namespace URI>;<type>=<identifier>
//
// with <type> `i` (UInt32, decimal), `s` (String), `g` (Guid,
// XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX) or `b` (ByteString, base64).
// node-opcua's own parser is lenient (unanchored patterns: `xns=1;i=5abc`
// passes, a typo such as `ns=3,s=x` fails only once a session uses it), so
// config load checks with this one and the source builds node-opcua's NodeId
// from the parsed parts. No node-opcua import here: config load must not
// pull in the OPC UA stack on a gateway that only speaks Modbus.
//
// A namespace index is only an index into the server's namespace array,
// which differs between devices and may change when a server restarts
// (Part 3 §8.2.2, Part 5 §6.3.13 Server.NamespaceArray); `nsu=` names the
// namespace by its URI and the source resolves it at every connect.

export type NodeIdKind = "i" | "s" | "g" | "b";

export interface ParsedNodeId {
  /** A namespace index (ns=, or 0 when absent) or a namespace URI (nsu=). */
  readonly namespace: { readonly index: number } | { readonly uri: string };
  readonly kind: NodeIdKind;
  /** The identifier as written (a decimal for `i`, the Guid in lower case for `g`). */
  readonly identifier: string;
}

/** Longest string identifier a server must accept (Part 3 §8.2.4: 4096 characters). */
const MAX_STRING_ID = 4096;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Control characters make no sense in a configured identifier and hide typos (a pasted newline).
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

const EXPECTED =
  "expected [ns=<index>;|nsu=<namespace URI>;] then i=<number>, s=<text>, g=<guid> or b=<base64>";

/** Parses a node id; `{ error }` says why it is not one. */
export function parseNodeId(text: unknown): ParsedNodeId | { error: string } {
  if (typeof text !== "string") return { error: "a node id is a string" };
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
  const fail = (why: string) => ({ error: `${shown} is not a node id: ${why}` });
  if (text !== text.trim()) return fail("leading or trailing white space");
  if (CONTROL.test(text)) return fail("it contains a control character");
  let rest = text;
  let namespace: ParsedNodeId["namespace"] = { index: 0 };
  if (rest.startsWith("svr="))
    return fail("server indexes (svr=) are not supported; name the node on this server");
  if (rest.startsWith("nsu=")) {
    const semi = rest.indexOf(";");
    if (semi < 0) return fail(`${EXPECTED}`);
    const uri = rest.slice(4, semi);
    if (uri.length === 0) return fail("the namespace URI after nsu= is empty");
    namespace = { uri: decodeUri(uri) };
    rest = rest.slice(semi + 1);
  } else if (rest.startsWith("ns=")) {
    const m = /^ns=(\d{1,5});/.exec(rest);
    if (!m) return fail(`the namespace index must be a number followed by ';' (${EXPECTED})`);
    const index = Number(m[1]);
    if (index > 65535) return fail("the namespace index must be 0..65535");
    namespace = { index };
    rest = rest.slice(m[0].length);
  }
  const kind = rest.slice(0, 2);
  const id = rest.slice(2);
  switch (kind) {
    case "i=": {
      if (!/^\d{1,10}$/.test(id) || Number(id) > 0xffffffff)
        return fail("a numeric identifier (i=) is an integer 0..4294967295");
      return { namespace, kind: "i", identifier: String(Number(id)) };
    }
    case "s=":
      if (id.length === 0) return fail("the string identifier (s=) is empty");
      if (id.length > MAX_STRING_ID)
        return fail(`a string identifier has at most ${MAX_STRING_ID} characters`);
      return { namespace, kind: "s", identifier: id };
    case "g=":
      if (!GUID.test(id)) return fail("a Guid (g=) is written XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX in hex");
      return { namespace, kind: "g", identifier: id.toLowerCase() };
    case "b=":
      if (id.length === 0 || !BASE64.test(id)) return fail("a ByteString (b=) is written in base64");
      return { namespace, kind: "b", identifier: id };
    default:
      return fail(EXPECTED);
  }
}

/** `nsu=` URIs escape `;` and `%` as %3B / %25 (Part 6 §5.3.1.11). */
function decodeUri(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}

export const isNodeIdError = (r: ParsedNodeId | { error: string }): r is { error: string } => "error" in r;

/** The node id with its namespace index, for a server whose namespace array is `namespaces`. */
export function resolveNamespace(
  id: ParsedNodeId,
  namespaces: readonly string[] | null,
): { index: number } | { error: string } {
  if ("index" in id.namespace) return { index: id.namespace.index };
  const uri = id.namespace.uri;
  if (!namespaces) return { error: `namespace ${uri}: the server's namespace array was not read` };
  const index = namespaces.indexOf(uri);
  if (index < 0)
    return {
      error: `the server has no namespace ${uri} (it has: ${namespaces.map((u, i) => `${i} ${u}`).join(", ")})`,
    };
  return { index };
}
