/**
 * Relay data relabelling (Gupta, Kumar, Lynch, Levine & Hausman 2019, "Relay
 * Policy Learning", https://arxiv.org/abs/1910.11956): every state a
 * demonstration reached is a goal the demonstration shows how to reach, so
 * one episode of "play" yields many goal-conditioned examples for each level
 * of a two-level policy. With the first k observation entries as the
 * subgoal space (the point's x, y on the point tasks: seed 003 found subgoals
 * in the controllable dimensions best):
 *
 *   low level,  1 ≤ j ≤ W_l:   (s_t, goal = s_{t+j}[:k],  action  = a_t)
 *   high level, 1 ≤ j ≤ W_h:   (s_t, goal = ag_{t+j},     subgoal = s_{t+min(W_l, j)}[:k])
 *
 * where ag is the achieved goal (the task's goal space: the block's position
 * on PointPush-v0) and t + j never passes the episode's final state s_T.
 * The low level learns to reach any state at most W_l steps ahead; the high
 * level learns, for any goal reached at most W_h steps ahead, the state W_l
 * steps ahead on the way there (or the goal's own state when it is nearer).
 *
 * Pure functions over whole episodes; tuples are ordered by episode, then t,
 * then j. Unit-tested by hand in test/unit/relay-relabel.test.ts.
 */

/** One demonstration episode of T steps, as relabelling reads it. */
export interface RelayEpisode {
  /** T: actions taken. */
  readonly length: number;
  /** s_0 … s_T, [(T + 1) × obsDim] (the `observation` tensor). */
  readonly states: Float32Array;
  /** ag_0 … ag_T, [(T + 1) × goalDim] (the `achieved_goal` tensor). */
  readonly achieved: Float32Array;
  /** a_0 … a_{T−1}, [T × actDim]. */
  readonly actions: Float32Array;
}

export interface RelayDims {
  readonly obsDim: number;
  readonly goalDim: number;
  readonly actDim: number;
  /** The subgoal's size: the first k observation entries. */
  readonly k: number;
}

/** The low level's examples: reach `goal` from `state` by taking `action`. */
export interface LowTuples {
  readonly rows: number;
  /** [rows × obsDim] */
  readonly state: Float32Array;
  /** Absolute goal in the first k observation entries, [rows × k]. */
  readonly goal: Float32Array;
  /** [rows × actDim] */
  readonly action: Float32Array;
}

/** The high level's examples: for `goal` (goal space) from `state`, command `subgoal`. */
export interface HighTuples {
  readonly rows: number;
  /** [rows × obsDim] */
  readonly state: Float32Array;
  /** An achieved goal later in the episode, [rows × goalDim]. */
  readonly goal: Float32Array;
  /** Absolute subgoal in the first k observation entries, [rows × k]. */
  readonly subgoal: Float32Array;
}

function checkWindow(name: string, w: number): void {
  if (!Number.isInteger(w) || w < 1) throw new RangeError(`${name} must be an integer ≥ 1, got ${w}`);
}

function checkEpisode(e: RelayEpisode, d: RelayDims, i: number): void {
  const T = e.length;
  if (e.states.length !== (T + 1) * d.obsDim) throw new Error(`episode ${i}: expected (T + 1) × ${d.obsDim} state values, got ${e.states.length}`);
  if (e.achieved.length !== (T + 1) * d.goalDim) throw new Error(`episode ${i}: expected (T + 1) × ${d.goalDim} achieved-goal values, got ${e.achieved.length}`);
  if (e.actions.length !== T * d.actDim) throw new Error(`episode ${i}: expected T × ${d.actDim} action values, got ${e.actions.length}`);
  if (d.k < 1 || d.k > d.obsDim) throw new RangeError(`the subgoal takes 1 to ${d.obsDim} leading observation entries, got k = ${d.k}`);
}

/** Tuples per episode of T steps for window W: Σ_{t<T} min(W, T − t). */
export function relayTupleCount(T: number, window: number): number {
  let n = 0;
  for (let t = 0; t < T; t++) n += Math.min(window, T - t);
  return n;
}

/** The low level's tuples (s_t, s_{t+j}[:k], a_t) for 1 ≤ j ≤ W_l (see the file header). */
export function relayLowTuples(episodes: readonly RelayEpisode[], d: RelayDims, windowLow: number): LowTuples {
  checkWindow("windowLow", windowLow);
  episodes.forEach((e, i) => checkEpisode(e, d, i));
  const rows = episodes.reduce((n, e) => n + relayTupleCount(e.length, windowLow), 0);
  const out = { rows, state: new Float32Array(rows * d.obsDim), goal: new Float32Array(rows * d.k), action: new Float32Array(rows * d.actDim) };
  let r = 0;
  for (const e of episodes) {
    for (let t = 0; t < e.length; t++) {
      for (let j = 1; j <= windowLow && t + j <= e.length; j++, r++) {
        out.state.set(e.states.subarray(t * d.obsDim, (t + 1) * d.obsDim), r * d.obsDim);
        out.goal.set(e.states.subarray((t + j) * d.obsDim, (t + j) * d.obsDim + d.k), r * d.k);
        out.action.set(e.actions.subarray(t * d.actDim, (t + 1) * d.actDim), r * d.actDim);
      }
    }
  }
  return out;
}

/** The high level's tuples (s_t, ag_{t+j}, s_{t+min(W_l, j)}[:k]) for 1 ≤ j ≤ W_h (see the file header). */
export function relayHighTuples(episodes: readonly RelayEpisode[], d: RelayDims, windowLow: number, windowHigh: number): HighTuples {
  checkWindow("windowLow", windowLow);
  checkWindow("windowHigh", windowHigh);
  episodes.forEach((e, i) => checkEpisode(e, d, i));
  const rows = episodes.reduce((n, e) => n + relayTupleCount(e.length, windowHigh), 0);
  const out = { rows, state: new Float32Array(rows * d.obsDim), goal: new Float32Array(rows * d.goalDim), subgoal: new Float32Array(rows * d.k) };
  let r = 0;
  for (const e of episodes) {
    for (let t = 0; t < e.length; t++) {
      for (let j = 1; j <= windowHigh && t + j <= e.length; j++, r++) {
        const via = t + Math.min(windowLow, j);
        out.state.set(e.states.subarray(t * d.obsDim, (t + 1) * d.obsDim), r * d.obsDim);
        out.goal.set(e.achieved.subarray((t + j) * d.goalDim, (t + j + 1) * d.goalDim), r * d.goalDim);
        out.subgoal.set(e.states.subarray(via * d.obsDim, via * d.obsDim + d.k), r * d.k);
      }
    }
  }
  return out;
}
