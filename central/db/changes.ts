// Change notifications inside one process: listeners per channel, called
// after the change committed. A listener that throws is a bug of its own
// and must not stop the others (nor the commit's caller).
import type { ChangeChannel, ChangeListener } from "./types.ts";

export class LocalChanges {
  private readonly listeners = new Map<ChangeChannel, Set<ChangeListener>>();

  on(channel: ChangeChannel, listener: ChangeListener): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    return () => void set.delete(listener);
  }

  emit(channel: ChangeChannel, payload: string | null): void {
    for (const listener of this.listeners.get(channel) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        process.emitWarning(`a listener of metadata changes (${channel}) failed: ${String(error)}`);
      }
    }
  }

  channels(): ChangeChannel[] {
    return [...this.listeners.keys()];
  }
}
