// Bearer tokens on every /api/ route (the public grid routes excepted):
// the token's principal is attached to the request for the handlers.
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { apiError } from "../../common/errors.ts";
import type { MetaStore } from "../meta/meta.ts";

const PUBLIC_API_PREFIX = "/api/v1/grid/";

export const needsToken = (url: string): boolean =>
  url.startsWith("/api/") && !url.startsWith(PUBLIC_API_PREFIX);

const auth: FastifyPluginAsync<{ meta: MetaStore }> = async (app, { meta }) => {
  app.decorateRequest("principal", null);
  app.addHook("onRequest", async (request, reply) => {
    if (!needsToken(request.url)) return;
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const principal = match ? meta.authenticate(match[1]!) : null;
    if (!principal) {
      reply.header("WWW-Authenticate", 'Bearer realm="vetra"');
      return reply.code(401).send(apiError("UNAUTHENTICATED", match ? "The token is not valid" : undefined));
    }
    request.principal = principal;
  });
};

export default fp(auth, { name: "vetra-auth" });
