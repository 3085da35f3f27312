// E-mail over SMTP (nodemailer, one pooled transport per notifier). The
// server's reply decides: 2xx delivered; a 4xx reply, a timeout or a broken
// connection is transient (another attempt later); a 5xx reply is final
// (e.g. 550 no such mailbox), so the delivery fails at once.
import nodemailer, { type Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import { failure, type IoResult, retryable, success } from "../../../common/result.ts";
import type { SmtpConfig } from "./config.ts";
import type { EmailContent } from "./message.ts";
import { DELIVERY_HEADER } from "./signature.ts";

/** Connections a notifier keeps open to the SMTP server at most. */
const MAX_SMTP_CONNECTIONS = 4;

export class SmtpSender {
  private readonly transport: Transporter<SMTPPool.SentMessageInfo, SMTPPool.Options>;

  constructor(private readonly config: SmtpConfig) {
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: MAX_SMTP_CONNECTIONS,
      host: config.host,
      port: config.port,
      secure: config.secure,
      ...(config.user ? { auth: { user: config.user, pass: config.password ?? "" } } : {}),
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
    });
  }

  async send(to: string, delivery: string, content: EmailContent): Promise<IoResult<string>> {
    try {
      const info = await this.transport.sendMail({
        from: this.config.from,
        to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        headers: { [DELIVERY_HEADER]: delivery },
      });
      return success(String(info.response ?? ""));
    } catch (error) {
      const e = error as Error & { responseCode?: number; response?: string; code?: string };
      const reply = e.response ? e.response.replace(/\s+/g, " ").trim() : e.message;
      const message = `SMTP ${e.responseCode ?? e.code ?? "error"}: ${reply}`;
      if (typeof e.responseCode === "number" && e.responseCode >= 500)
        return failure("DELIVERY_REJECTED", message);
      return retryable("DELIVERY_UNREACHABLE", message, 0);
    }
  }

  close(): void {
    this.transport.close();
  }
}
