// The k-th smallest value of a typed array by selection (C. A. R. Hoare,
// "Algorithm 65: Find", CACM 4 (1961) 321), without sorting: one helper for
// the edge's DSP (spectral backgrounds, medians) and central's savings
// statistics (quartiles).

/**
 * The value that sorting a[lo…hi−1] would put at index k (lo ≤ k < hi: the
 * (k − lo)-th smallest of the range), found by Hoare's selection with a
 * median-of-three pivot; reorders that range of `a`. O(n) on average.
 */
export function selectKth(a: Float64Array, k: number, lo = 0, hi = a.length): number {
  if (!(k >= lo && k < hi)) throw new RangeError(`k = ${k} outside ${lo}…${hi - 1}`);
  let l = lo;
  let r = hi - 1;
  while (r > l) {
    const mid = l + ((r - l) >> 1);
    // Median of three as the pivot: sorted data (a spectrum's slow slopes) stays O(n).
    if (a[mid]! < a[l]!) swap(a, mid, l);
    if (a[r]! < a[l]!) swap(a, r, l);
    if (a[r]! < a[mid]!) swap(a, r, mid);
    const pivot = a[mid]!;
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return a[k]!;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
