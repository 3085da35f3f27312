// A Server-Sent Events client as a browser's EventSource behaves: it reads
// `id:`, `event:` and `data:` lines, and when the stream ends or cannot be
// opened (the server died, is restarting) it connects again after a pause
// with `Last-Event-ID`, so the server resumes after the last event seen.
// Every event received is kept, with the time it arrived.
export interface StreamEvent {
  id: string;
  event: string;
  data: string;
  receivedAtMs: number;
}

export interface EventStreamClient {
  readonly events: StreamEvent[];
  /** Streams opened (the first and every reconnect that got a 200). */
  readonly opened: number;
  /** Resolves once the first stream is open. */
  ready: Promise<void>;
  close(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function openEventStream(
  url: string,
  headers: Record<string, string>,
  reconnectMs = 300,
): EventStreamClient {
  const events: StreamEvent[] = [];
  let opened = 0;
  let closed = false;
  let lastId = "";
  let abort = new AbortController();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    markReady = r;
  });

  const readOnce = async (): Promise<void> => {
    abort = new AbortController();
    const res = await fetch(url, {
      headers: { ...headers, accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) },
      signal: abort.signal,
    });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return;
    }
    opened++;
    markReady();
    const decoder = new TextDecoder();
    let buffer = "";
    let id = "";
    let event = "message";
    let data: string[] = [];
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf("\n");
        if (line === "") {
          if (data.length > 0) {
            if (id) lastId = id;
            events.push({ id, event, data: data.join("\n"), receivedAtMs: Date.now() });
          }
          id = "";
          event = "message";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") id = value;
        else if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
    }
  };

  void (async () => {
    while (!closed) {
      try {
        await readOnce();
      } catch {
        // refused, reset or aborted: connect again (unless closed)
      }
      if (!closed) await sleep(reconnectMs);
    }
  })();

  return {
    events,
    get opened() {
      return opened;
    },
    ready,
    close() {
      closed = true;
      abort.abort();
    },
  };
}
