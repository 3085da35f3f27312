// Workspaces kept per size: a block's big arrays are allocated once for each
// block length (or transform size) and reused, so a steady stream of blocks
// allocates nothing large. What a function returns from one is valid until
// its next call with the same size.

/** A getter of the workspace for a size, made by `make` the first time that size is asked for. */
export function perSize<T>(make: (size: number) => T): (size: number) => T {
  const cache = new Map<number, T>();
  return (size) => {
    let ws = cache.get(size);
    if (ws === undefined) {
      ws = make(size);
      cache.set(size, ws);
    }
    return ws;
  };
}
