// A command's lifecycle: requested → delivered → applied → confirmed, or one
// of the final states failed | refused | expired | relinquished. Steps only
// move forward, a final state is never left, and a step heard again (an
// agent re-sending a report whose answer was lost) changes nothing — so
// reports may arrive late, twice or out of order without undoing anything.
import { type CommandState, FINAL_COMMAND_STATES } from "../../common/control.ts";

const RANK: Record<CommandState, number> = {
  requested: 0,
  delivered: 1,
  applied: 2,
  confirmed: 3,
  failed: 4,
  refused: 4,
  expired: 4,
  relinquished: 4,
};

export const isFinal = (state: CommandState): boolean => FINAL_COMMAND_STATES.includes(state);

/** Whether a command in `current` may move to `next`. */
export const mayMove = (current: CommandState, next: CommandState): boolean =>
  !isFinal(current) && RANK[next] > RANK[current];
