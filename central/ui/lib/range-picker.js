// The time range of a trend page: preset spans ending now and a custom range
// typed in the reader's local time (datetime-local), sent to central in UTC.
// One picker for the asset page and the trends page.
import { h } from "./dom.js";
import { t } from "./i18n.js";

/** A datetime-local value (the reader's local time) for an epoch ms. */
export const localInput = (ms) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

/**
 * @param {{ ranges: [string, number][], state: { key: string, fromMs: number, toMs: number },
 *   ids: { buttons: string, from: string, to: string, apply?: string }, onChange: () => void }} o
 *   `state` is kept across visits by the caller and changed here; `onChange` redraws.
 */
export function rangePicker({ ranges, state, ids, onChange }) {
  const buttons = h("span", { class: "toolbar", id: ids.buttons });
  const fromIn = h("input", { type: "datetime-local", id: ids.from });
  const toIn = h("input", { type: "datetime-local", id: ids.to });
  const customBox = h(
    "span",
    { class: "toolbar", hidden: state.key !== "custom" },
    t("from"),
    fromIn,
    t("to"),
    toIn,
    h(
      "button",
      {
        type: "button",
        ...(ids.apply ? { id: ids.apply } : {}),
        onclick: () => {
          // datetime-local is the reader's local time; the API gets UTC.
          const from = Date.parse(fromIn.value);
          const to = Date.parse(toIn.value);
          if (Number.isFinite(from) && Number.isFinite(to) && from < to) {
            Object.assign(state, { key: "custom", fromMs: from, toMs: to });
            onChange();
          }
        },
      },
      t("apply"),
    ),
  );
  const drawButtons = () =>
    buttons.replaceChildren(
      ...ranges.map(([key]) =>
        h(
          "button",
          {
            type: "button",
            class: state.key === key ? "on" : null,
            dataset: { range: key },
            onclick: () => {
              Object.assign(state, { key, fromMs: 0, toMs: 0 });
              customBox.hidden = true;
              onChange();
            },
          },
          t(key),
        ),
      ),
      h(
        "button",
        {
          type: "button",
          class: state.key === "custom" ? "on" : null,
          dataset: { range: "custom" },
          onclick: () => {
            customBox.hidden = false;
          },
        },
        t("custom"),
      ),
    );
  return {
    buttons,
    customBox,
    /** Redraws the buttons and fills the inputs; the window to draw, epoch ms. */
    window() {
      drawButtons();
      const span = ranges.find(([k]) => k === state.key)?.[1];
      const toMs = span ? Date.now() : state.toMs;
      const fromMs = span ? toMs - span : state.fromMs;
      fromIn.value = localInput(fromMs);
      toIn.value = localInput(toMs);
      return { fromMs, toMs };
    },
  };
}
