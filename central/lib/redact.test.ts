import { describe, expect, it } from "vitest";
import { REDACTED, redactUrl } from "./redact.ts";

describe("redactUrl", () => {
  it("redacts credential-looking query values, however the name is spelled, and keeps the rest", () => {
    const cases: [string, string][] = [
      ["/api/v1/assets", "/api/v1/assets"],
      ["/?token=abc", `/?token=${REDACTED}`],
      ["/x?site=wf1&token=abc&lang=en", `/x?site=wf1&token=${REDACTED}&lang=en`],
      ["/x?%74oken=abc", `/x?%74oken=${REDACTED}`],
      ["/x?TOKEN=abc", `/x?TOKEN=${REDACTED}`],
      [
        "/x?access_token=a&api_key=b&apikey=c&secret=d&password=e&sig=f",
        `/x?access_token=${REDACTED}&api_key=${REDACTED}&apikey=${REDACTED}&secret=${REDACTED}&password=${REDACTED}&sig=${REDACTED}`,
      ],
      ["/x?token", "/x?token"],
      ["/x?tokenizer_mode=1", "/x?tokenizer_mode=1"],
      ["/x?%E0%A4%A=1&token=z", `/x?%E0%A4%A=1&token=${REDACTED}`],
    ];
    for (const [url, expected] of cases) expect(redactUrl(url), url).toBe(expected);
  });
});
