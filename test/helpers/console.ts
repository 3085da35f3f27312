// Reading the console's spectrum view in a page: a cursor element's
// frequency and pixel, and the uPlot chart it sits on (the page keeps its
// spectrum charts in `window.vetraCharts`), so a test can check the pixel
// against uPlot's own x scale and the trace under the cursor.
import type { Page } from "playwright-core";

export interface CursorReading {
  /** The cursor's frequency (its `data-hz`). */
  hz: number;
  /** Its left edge from the plotting area's left edge, CSS px. */
  left: number;
  /** Width of the plotting area, CSS px. */
  width: number;
  /** The chart's x scale. */
  min: number;
  max: number;
  /** Bin spacing and values of the chart's trace. */
  dfHz: number;
  values: number[];
  visible: boolean;
  /** The snapshot's speed as the page shows it, rpm (null without one). */
  rpm: number | null;
}

interface ChartLike {
  scales: { x: { min: number; max: number } };
  over: HTMLElement;
  data: ArrayLike<number>[];
}

export const readCursor = (
  page: Page,
  selector: string,
  chart: "velocity" | "envelope",
): Promise<CursorReading> =>
  page.$eval(
    selector,
    (el, which) => {
      const u = (window as unknown as { vetraCharts: Record<string, ChartLike> }).vetraCharts[which]!;
      const over = u.over.getBoundingClientRect();
      const xs = u.data[0]!;
      const speed = document.querySelector<HTMLElement>("#snapshotSpeed");
      return {
        hz: Number((el as HTMLElement).dataset.hz),
        left: el.getBoundingClientRect().left - over.left,
        width: over.width,
        min: u.scales.x.min,
        max: u.scales.x.max,
        dfHz: xs[1]! - xs[0]!,
        values: Array.from(u.data[1]!),
        visible: getComputedStyle(el).visibility !== "hidden" && !(el as HTMLElement).hidden,
        rpm: speed ? Number(speed.dataset.rpm) : null,
      };
    },
    chart,
  );

/** Where uPlot's linear x scale puts `hz` in the plotting area, CSS px. */
export const pixelOf = (r: CursorReading, hz = r.hz): number => ((hz - r.min) / (r.max - r.min)) * r.width;
