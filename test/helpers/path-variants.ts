// Spellings of a request that an attacker tries to slip past a check made on
// the URL string: encoded and odd paths, other methods and method-override
// headers. Each variant either reaches the same route (and must get the same
// decision) or no route at all (the router's 404, no handler runs).

export interface RequestShape {
  method: string;
  /** Path and query as sent, e.g. `/api/v1/tokens?x=1`. */
  url: string;
  headers?: Record<string, string>;
}

export interface Variant {
  name: string;
  /** True when the variant must reach the same route as the plain request (fastify decodes it). */
  reachesRoute: boolean;
  /** The variant of a request, or null when it does not apply (e.g. HEAD of a POST route). */
  apply(request: RequestShape): RequestShape | null;
}

const split = (url: string): [string, string] => {
  const q = url.indexOf("?");
  return q < 0 ? [url, ""] : [url.slice(0, q), url.slice(q)];
};
const onPath = (request: RequestShape, f: (path: string) => string): RequestShape => {
  const [path, query] = split(request.url);
  return { ...request, url: `${f(path)}${query}` };
};
const hex = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
/** The first letter of the path, percent-encoded (`/api/…` → `/%61pi/…`), or encoded twice (`/%2561pi/…`). */
const encodeFirst = (path: string, twice = false) => {
  const i = path.search(/[A-Za-z]/);
  if (i < 0) return path;
  const once = hex(path[i]!);
  return `${path.slice(0, i)}${twice ? `%25${once.slice(1)}` : once}${path.slice(i + 1)}`;
};
const OVERRIDE_HEADERS = ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"];

export const PATH_VARIANTS: Variant[] = [
  { name: "%61pi (one letter encoded)", reachesRoute: true, apply: (r) => onPath(r, (p) => encodeFirst(p)) },
  {
    name: "every letter encoded",
    reachesRoute: true,
    apply: (r) => onPath(r, (p) => p.replace(/[A-Za-z]/g, hex)),
  },
  {
    name: "%2561pi (double encoding)",
    reachesRoute: false,
    apply: (r) => onPath(r, (p) => encodeFirst(p, true)),
  },
  { name: "upper case", reachesRoute: false, apply: (r) => onPath(r, (p) => p.toUpperCase()) },
  { name: "// (double slash)", reachesRoute: false, apply: (r) => onPath(r, (p) => `/${p}`) },
  { name: "/./ (dot segment)", reachesRoute: false, apply: (r) => onPath(r, (p) => `/.${p}`) },
  { name: "/x/../ (dot-dot segment)", reachesRoute: false, apply: (r) => onPath(r, (p) => `/x/..${p}`) },
  {
    name: "trailing slash",
    reachesRoute: false,
    apply: (r) => onPath(r, (p) => `${p}/`),
  },
  { name: ";params", reachesRoute: false, apply: (r) => onPath(r, (p) => `${p};jsessionid=1`) },
  {
    name: "%2F for a slash",
    reachesRoute: false,
    apply: (r) => onPath(r, (p) => p.replace(/^(\/[^/]+)\//, "$1%2F")),
  },
  {
    name: "HEAD",
    reachesRoute: true,
    apply: (r) => (r.method === "GET" ? { ...r, method: "HEAD" } : null),
  },
  { name: "OPTIONS", reachesRoute: false, apply: (r) => ({ ...r, method: "OPTIONS" }) },
  {
    name: "method-override headers",
    reachesRoute: true,
    apply: (r) => {
      const other = r.method === "GET" ? "DELETE" : "GET";
      return {
        ...r,
        headers: { ...r.headers, ...Object.fromEntries(OVERRIDE_HEADERS.map((h) => [h, other])) },
      };
    },
  },
];

/** The router's own 404 (no route matched): the not-found handler's message. */
export const isRouterNotFound = (status: number, body: string): boolean =>
  status === 404 && body.includes('"No route ');
