// One JSON request to a test central with a role's token: the status and the
// parsed answer, for tests that drive central's API over a real socket.
export async function callJson(
  central: { url: string; auth(token: string): { authorization: string } },
  token: string,
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${central.url}${path}`, {
    method,
    headers: {
      ...central.auth(token),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}
