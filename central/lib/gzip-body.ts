// A gzip'd request body from an edge agent (ingest, spectra, the control
// sync), decompressed before parsing.
import { createGunzip } from "node:zlib";
import type { preParsingAsyncHookHandler } from "fastify";
import { ApiError } from "../http.ts";

/**
 * preParsing hook of the agents' routes: a gzip'd body is decompressed before
 * parsing, so fastify's bodyLimit caps the *decompressed* size, which is
 * what protects against a zip bomb.
 */
export const gunzipBody: preParsingAsyncHookHandler = async (request, _reply, payload) => {
  const encoding = (request.headers["content-encoding"] ?? "identity").toLowerCase().trim();
  if (encoding === "identity") return payload;
  if (encoding !== "gzip") {
    throw new ApiError("UNSUPPORTED_ENCODING", `Content-Encoding ${encoding} is not supported (use gzip)`);
  }
  const gunzip = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number };
  gunzip.receivedEncodedLength = 0;
  payload.on("data", (chunk: Buffer) => {
    gunzip.receivedEncodedLength += chunk.length;
  });
  gunzip.on("error", (error: Error & { statusCode?: number; vetraCode?: string }) => {
    error.statusCode = 400;
    error.vetraCode = "BAD_REQUEST";
    error.message = `The body is not valid gzip: ${error.message}`;
  });
  payload.on("error", (error) => gunzip.destroy(error));
  return payload.pipe(gunzip);
};
