// Security headers on every response (@fastify/helmet: the OWASP Secure
// Headers Project set — nosniff, frame-ancestors none, referrer policy,
// HSTS once served over TLS). The content security policy allows scripts
// and styles from this origin only, never inline ('unsafe-inline' is absent
// from every directive): the pages are HTML documents whose scripts are
// static ES modules and whose styles are stylesheets (central/ui/), so an
// injected <script> or style attribute does not run. Browser libraries are
// served from this origin; nothing remote but a configured map tile server
// (added by the /map route).
import helmet from "@fastify/helmet";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

/** The policy's directives (helmet's camel-case names). */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  styleSrcAttr: ["'none'"],
  imgSrc: ["'self'", "data:", "blob:"],
  fontSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  workerSrc: ["'self'", "blob:"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The Content-Security-Policy header value, with sources added to some directives (e.g. a tile server's images). */
export function contentSecurityPolicy(extra: Readonly<Record<string, readonly string[]>> = {}): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(([name, sources]) => {
      const directive = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      return `${directive} ${[...sources, ...(extra[name] ?? [])].join(" ")}`;
    })
    .join("; ");
}

const security: FastifyPluginAsync = async (app) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(Object.entries(CSP_DIRECTIVES).map(([k, v]) => [k, [...v]])),
    },
    // The API is called from scripts on other origins only through Grafana's backend; no need to relax CORP.
    crossOriginEmbedderPolicy: false,
  });
};

export default fp(security, { name: "vetra-security" });
