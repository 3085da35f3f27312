// Security headers on every response (@fastify/helmet: the OWASP Secure
// Headers Project set — nosniff, frame-ancestors none, referrer policy,
// HSTS once served over TLS). The pages are self-contained and carry their
// script and style inline, and serve browser libraries from this origin, so
// the content security policy allows 'self' and inline but nothing remote.
import helmet from "@fastify/helmet";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

const security: FastifyPluginAsync = async (app) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "blob:"],
        fontSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", "blob:"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The API is called from scripts on other origins only through Grafana's backend; no need to relax CORP.
    crossOriginEmbedderPolicy: false,
  });
};

export default fp(security, { name: "vetra-security" });
