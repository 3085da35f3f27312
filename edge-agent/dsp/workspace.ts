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

/**
 * The length of a workspace array for a transform size n: `real` n samples,
 * `complex` n interleaved complex values (fft.ts' complexBuffer), `half` the
 * n/2 + 1 bins of a one-sided spectrum.
 */
export type ArrayLength = "real" | "complex" | "half";

const lengthOf = (kind: ArrayLength, size: number): number =>
  kind === "real" ? size : kind === "complex" ? 2 * size : size / 2 + 1;

/** A getter of named Float64Arrays per transform size, laid out as `layout` says. */
export function arraysPerSize<K extends string>(
  layout: Readonly<Record<K, ArrayLength>>,
): (size: number) => Readonly<Record<K, Float64Array>> {
  return perSize((size) => {
    const arrays = {} as Record<K, Float64Array>;
    for (const key in layout) arrays[key] = new Float64Array(lengthOf(layout[key], size));
    return arrays;
  });
}
