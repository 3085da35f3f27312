// What a batch keeps per series (its line-protocol prefix, its verdict at
// ingest), found by walking a point's measurement, then each tag key and
// value, through maps: no key string is built per point, and a batch holds
// few series and many points. Tags listed in another order reach another
// node; each node is filled from its own points, so that costs a second
// entry, never a wrong one.

/** A series' place in the trie: `value` is what the batch keeps for it, once set. */
export interface SeriesSlot<T> {
  value?: T;
}

interface Node<T> extends SeriesSlot<T> {
  readonly next: Map<string, Node<T>>;
}

export class SeriesTrie<T> {
  private readonly root = new Map<string, Node<T>>();

  /** The slot of this measurement and tags (empty on first sight; the caller fills it). */
  slot(measurement: string, tags: Readonly<Record<string, string>>): SeriesSlot<T> {
    let node: Node<T> | undefined = this.root.get(measurement);
    if (!node) {
      node = { next: new Map() };
      this.root.set(measurement, node);
    }
    for (const k in tags) {
      let byValue: Node<T> | undefined = node.next.get(k);
      if (!byValue) {
        byValue = { next: new Map() };
        node.next.set(k, byValue);
      }
      const v = tags[k]!;
      let child: Node<T> | undefined = byValue.next.get(v);
      if (!child) {
        child = { next: new Map() };
        byValue.next.set(v, child);
      }
      node = child;
    }
    return node;
  }
}
