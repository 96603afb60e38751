/**
 * A pure judgement of a state holding the index rows, remembered for the state it last judged.
 * Within a run the file scan hands out the very same array while no file changed, and the index
 * reads hand out the very same arrays while nothing committed (cached-memory-files.ts,
 * index-read-cache.ts), so a repair that plans right after detect judged gets detect's answer
 * instead of comparing 100,000 rows again. `sameInputs` decides whether two states are the same
 * input; arrays are compared by identity, which is enough because inputs are never mutated.
 *
 * Kept by the rows array, which the index reads let go of once the database changed: an answer
 * remembered for an earlier version of the rows goes with them, instead of holding 100,000 stale
 * rows (and what they point to) for the rest of the run.
 *
 * `judgeAfter`, when given, may answer for a state that is not the same input as the one last
 * judged, from that one and its answer (the ledger's judgement after entries were only appended):
 * it must give exactly what `judge` would, or `undefined` for `judge` to be asked.
 */
export function rememberedByRows<State extends { readonly rows: readonly unknown[] }, Result>(
  judge: (state: State) => Result,
  sameInputs: (a: State, b: State) => boolean,
  judgeAfter?: (earlier: { readonly state: State; readonly result: Result }, state: State) => Result | undefined,
): (state: State) => Result {
  const remembered = new WeakMap<readonly unknown[], { readonly state: State; readonly result: Result }>();
  return (state) => {
    const last = remembered.get(state.rows);
    if (last !== undefined && sameInputs(last.state, state)) return last.result;
    const result = (last !== undefined ? judgeAfter?.(last, state) : undefined) ?? judge(state);
    remembered.set(state.rows, { state, result });
    return result;
  };
}
