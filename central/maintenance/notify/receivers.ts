// Where webhooks may go. A webhook URL is chosen by a service company, so
// without a rule it reaches whatever central can reach: its own port,
// InfluxDB on loopback, the cloud's metadata service at 169.254.169.254,
// the office network (server-side request forgery, OWASP SSRF prevention
// cheat sheet). Receivers must therefore have public unicast addresses:
// loopback, private (RFC 1918, fc00::/7), link-local (169.254/16,
// fe80::/10), unspecified, multicast, broadcast, carrier-grade NAT and the
// other special-purpose ranges (IANA registries, as classified by
// ipaddr.js) are refused — unless an admin lists the receiver in
// `notifications.webhookAllowList` (CIDRs, addresses or host names), which
// is how an on-premises receiver is admitted.
//
// The check is made on the addresses a name resolves to at send time, in
// the socket's own DNS lookup, so the connection goes to exactly the
// address that was checked: a name that resolves to a public address when
// checked and to 127.0.0.1 when connecting (DNS rebinding) gets nowhere.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface ReceiverPolicy {
  /** Host names (lower case) an admin trusts whatever they resolve to. */
  readonly hosts: ReadonlySet<string>;
  /** Networks an admin trusts. */
  readonly ranges: readonly [Address, number][];
}

/** Code of the error the guarded lookup fails with; the sender reports it as RECEIVER_NOT_ALLOWED. */
export const NOT_ALLOWED = "ERECEIVER_NOT_ALLOWED";

const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Why an allow-list entry cannot be read, or null (a CIDR, an address or a host name). */
export function allowEntryProblem(entry: string): string | null {
  if (entry.includes("/")) return ipaddr.isValidCIDR(entry) ? null : "not a valid CIDR (e.g. 10.20.0.0/16)";
  if (isIP(entry) !== 0) return null;
  return HOST_NAME.test(entry) ? null : "not an address, a CIDR or a lower-case host name";
}

export function receiverPolicy(allowList: readonly string[] = []): ReceiverPolicy {
  const hosts = new Set<string>();
  const ranges: [Address, number][] = [];
  for (const entry of allowList) {
    if (entry.includes("/")) ranges.push(ipaddr.parseCIDR(entry));
    else if (isIP(entry) !== 0) {
      const address = ipaddr.process(entry);
      ranges.push([address, address.kind() === "ipv4" ? 32 : 128]);
    } else hosts.add(entry.toLowerCase());
  }
  return { hosts, ranges };
}

const bare = (hostname: string): string => hostname.replace(/^\[|\]$/g, "").toLowerCase();

/** True when the policy lets a webhook connect to this address (IPv4-mapped IPv6 is judged as IPv4). */
export function addressAllowed(policy: ReceiverPolicy, text: string): boolean {
  let address: Address;
  try {
    address = ipaddr.process(bare(text));
  } catch {
    return false;
  }
  for (const [network, bits] of policy.ranges)
    if (address.kind() === network.kind() && address.match(network, bits)) return true;
  // IPv4-compatible IPv6 (::a.b.c.d, deprecated by RFC 4291) is "unicast" to ipaddr.js; it never is a receiver.
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0))
    return false;
  return address.range() === "unicast";
}

/**
 * What can be said of a webhook URL before resolving its name: null when it
 * may be tried, else why it is refused (credentials, a refused address
 * literal, `localhost`).
 */
export function receiverUrlProblem(policy: ReceiverPolicy, url: URL): string | null {
  if (url.username !== "" || url.password !== "")
    return "credentials in the URL are not accepted (requests are signed with the rule's secret)";
  const host = bare(url.hostname);
  if (policy.hosts.has(host)) return null;
  if (isIP(host) !== 0)
    return addressAllowed(policy, host) ? null : `${host} is not a public address (${NOT_PUBLIC_HINT})`;
  if (host === "localhost" || host.endsWith(".localhost")) return `${host} is loopback (${NOT_PUBLIC_HINT})`;
  return null;
}

const NOT_PUBLIC_HINT = "an admin may allow it in notifications.webhookAllowList";

/** The refusal the guarded lookup reports: names the host, never what it resolved to. */
const notAllowed = (hostname: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${hostname} does not resolve to a public address (${NOT_PUBLIC_HINT})`), {
    code: NOT_ALLOWED,
  });

/**
 * A `lookup` for http(s).request and agents: resolves as dns.lookup does,
 * refuses the connection when any address the name resolves to is not
 * allowed (a name that is partly internal is not a public receiver), and
 * hands the socket exactly the addresses it checked.
 */
export function guardedLookup(policy: ReceiverPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const name = bare(hostname);
    dnsLookup(name, { ...(options as LookupOptions), all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const trusted = policy.hosts.has(name);
      if (addresses.length === 0 || (!trusted && !addresses.every((a) => addressAllowed(policy, a.address))))
        return callback(notAllowed(name), "", 0);
      if ((options as LookupOptions).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** Resolves a webhook URL's name now (for an early answer when a rule is saved); null when allowed or unknown yet. */
export async function resolvedReceiverProblem(
  policy: ReceiverPolicy,
  url: URL,
  timeoutMs = 2000,
): Promise<string | null> {
  const syntactic = receiverUrlProblem(policy, url);
  if (syntactic) return syntactic;
  const host = bare(url.hostname);
  if (isIP(host) !== 0 || policy.hosts.has(host)) return null;
  const lookup = guardedLookup(policy);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs); // not resolvable now: checked again at send time
    lookup(host, { all: true }, (error) => {
      clearTimeout(timer);
      resolve((error as NodeJS.ErrnoException | null)?.code === NOT_ALLOWED ? error!.message : null);
    });
  });
}

/** A URL as shown back (API answers, logs): user and password, if any, replaced by `***`. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.username === "" && url.password === "") return text;
    url.username = "***";
    url.password = "";
    return url.toString();
  } catch {
    return text.replace(/\/\/[^/@\s]*@/, "//***@");
  }
}
