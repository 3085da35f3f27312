// Real receivers on loopback for the notifier's tests and benchmark: an
// HTTP webhook receiver with scripted answers per path, and an SMTP server
// (smtp-server) that parses what it accepts and can refuse recipients.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body's bytes as received (what the signature covers). */
  raw: Buffer;
}

/** A scripted answer; `hang`: never answer (the sender's timeout must end it). */
export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  hang?: boolean;
  delayMs?: number;
}

export interface WebhookReceiver {
  url(path: string): string;
  readonly received: ReceivedWebhook[];
  /** Answers for the next requests to `path`, in order; afterwards 200. */
  script(path: string, replies: ScriptedReply[]): void;
  at(path: string): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { keepBodies?: boolean } = {}): Promise<WebhookReceiver> {
  const keep = options.keepBodies ?? true;
  const received: ReceivedWebhook[] = [];
  const scripts = new Map<string, ScriptedReply[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      received.push({ path, headers: req.headers, raw: keep ? Buffer.concat(chunks) : Buffer.alloc(0) });
      const reply = scripts.get(path)?.shift() ?? { status: 200, body: "ok" };
      if (reply.hang) return;
      const answer = () => {
        res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
        res.end(reply.body ?? "");
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    script: (path, replies) => scripts.set(path, [...replies]),
    at: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SmtpInbox {
  port: number;
  readonly received: (ParsedMail & { envelopeTo: string[] })[];
  close(): Promise<void>;
}

/** An SMTP server on 127.0.0.1; `refuse(address)` gives the reply code for a recipient it refuses. */
export async function startSmtpInbox(
  refuse: (address: string) => number | null = () => null,
): Promise<SmtpInbox> {
  const received: SmtpInbox["received"] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = refuse(address.address);
      if (code === null) return callback();
      callback(Object.assign(new Error(`mailbox ${address.address} refused`), { responseCode: code }));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
