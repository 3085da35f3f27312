// Marker labels on a chart that never overlap: each label takes the highest
// row where it clears the labels already placed (left to right), flips to the
// left of its line at the plot's right edge, and is hidden (its line and the
// line's tooltip stay) when no row is free — a dense comb of harmonics then
// shows a readable few instead of a smudge.

const GAP_PX = 4;
const ROW_PX = 14;

/**
 * Lays out the `.label` of each visible element of `lines` (absolutely
 * placed children of the plot whose `dataset.px` is their x in the plot).
 * @param {HTMLElement[]} lines @param {number} plotWidth @param {number} plotHeight
 */
export function layoutLabels(lines, plotWidth, plotHeight) {
  const shown = lines
    .filter((el) => !el.hidden && el.style.visibility !== "hidden")
    .map((el) => ({
      el,
      label: /** @type {HTMLElement} */ (el.querySelector(".label")),
      x: Number(el.dataset.px),
    }))
    .filter((it) => it.label && Number.isFinite(it.x))
    .sort((a, b) => a.x - b.x);
  for (const it of shown) it.label.hidden = false;
  // Every size is read before any position is written: one layout pass, not one per label.
  const widths = shown.map((it) => it.label.offsetWidth);
  // A row is as tall as a label is (font and zoom decide), at least ROW_PX; rows fill up to 60 % of the plot.
  const rowPx = Math.max(ROW_PX, ...shown.map((it) => it.label.offsetHeight + 1));
  const maxRows = Math.max(1, Math.floor((plotHeight * 0.6) / rowPx));
  /** Right edge of the last label in each row. */
  const rowEnds = [];
  shown.forEach((it, i) => {
    const width = widths[i];
    const flip = it.x + 2 + width > plotWidth;
    const left = flip ? it.x - 2 - width : it.x + 2;
    let row = rowEnds.findIndex((end) => end + GAP_PX <= left);
    if (row < 0 && rowEnds.length < maxRows) {
      row = rowEnds.length;
      rowEnds.push(Number.NEGATIVE_INFINITY);
    }
    if (row < 0) {
      it.label.hidden = true;
      return;
    }
    rowEnds[row] = left + width;
    it.label.style.top = `${2 + row * rowPx}px`;
    it.label.style.left = flip ? "auto" : "2px";
    it.label.style.right = flip ? "2px" : "auto";
  });
}
