/**
 * Collector: the one place that steps a `VectorEnv` for training.
 *
 * Each `collect()` is one vector step of every env (one request for a remote
 * env): the agent acts on the normalised input of the current observations
 * (or, before learning starts, a uniform random action), the env steps, ended
 * envs are reset with fresh seeds, and the result comes back as a
 * `CollectedStep` for storage. The collector also
 * - keeps the agent's per-env state (started fresh at every episode, handed
 *   to `agent.endEpisode` when an episode ends or is cut);
 * - keeps episode bookkeeping (return, length, success) and reports each
 *   finished episode through `onEpisode`;
 * - updates the input normalisers with every observation it sees;
 * - survives a lost server: when a remote env reconnected and re-created its
 *   envs (ABORTED), the episodes in flight are cut, every env is reset, and
 *   `collect()` returns a `CollectedCut` instead of a step;
 * - enforces the black-box rule: with `withholdReward` (a learned reward) no
 *   env reward leaves it, not even in episode records;
 * - hands a hierarchical agent's `extras.subgoal_target` to the env as the
 *   step's annotation `subgoal_target`, so that watchers of a server draw the
 *   subgoal each env pursues (left out when it would not pass the server's
 *   checks, e.g. a non-finite value: it is for watchers, never worth a step).
 */
import { Code, SimbridgeError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";
import { sizeOf } from "../env/spec.js";
import { StepStatus } from "../env/task.js";
import type { VectorEnv } from "../env/vector-env.js";
import type { Agent } from "../algos/agent.js";
import { toEnvActions } from "./action-scale.js";
import type { InputEncoder } from "./input-encoder.js";
import { stepAnnotations } from "./step-annotations.js";

/** One vector step of every env. Arrays are batch-major, row i = env i. */
export interface CollectedStep {
  readonly kind: "step";
  readonly envs: number;
  /** Raw observations before the step, one array per `spec.observations` entry, [envs × size]. */
  readonly obs: readonly Float32Array[];
  /** The normalised network input the agent acted on, [envs × inputDim]. */
  readonly input: Float32Array;
  /** Actions in [−1, 1] (policy space; the env received them rescaled), [envs × actDim]. */
  readonly actions: Float32Array;
  /** The agent's named extras for these actions (none for random actions). */
  readonly extras: Readonly<Record<string, Float32Array>>;
  /** True when the actions were uniform random (the warm-up), not the agent's. */
  readonly randomActions: boolean;
  /** Raw observations after the step; for an ended env, its final observation (before the reset). */
  readonly nextObs: readonly Float32Array[];
  /** Env rewards [envs]; undefined when the env withholds them or the learner's reward is learned. */
  readonly reward: Float64Array | undefined;
  /** StepStatus per env. */
  readonly status: Uint8Array;
  /** 1 where the env reported success. */
  readonly isSuccess: Uint8Array;
}

/** The server was lost and came back with fresh envs: every episode in flight was cut. */
export interface CollectedCut {
  readonly kind: "cut";
  /** The last observations of the cut episodes (what a bootstrap would start from), [envs × size] each. */
  readonly obs: readonly Float32Array[];
  /** The error that said so. */
  readonly message: string;
}

export interface EpisodeRecord {
  /** Env steps (all envs) at the end of the step that ended the episode. */
  readonly step: number;
  /** Episodes finished so far, this one included. */
  readonly episode: number;
  /** Sum of env rewards; null when no reward left the collector. */
  readonly return: number | null;
  readonly length: number;
  readonly success: boolean;
  /**
   * Hierarchical agents: the subgoals pursued, in order — each distinct
   * `extras.subgoal_target` (an absolute target for the first observation
   * entries, e.g. x, y) the agent acted under, rounded to 1e-3.
   */
  readonly subgoals?: number[][];
}

export interface CollectorOptions {
  /** Draws episode seeds and random actions (shared with storage so a seed gives one run). */
  readonly rng: Rng;
  /** The black-box rule: no env reward leaves the collector (the learner's reward is learned). */
  readonly withholdReward: boolean;
  readonly onEpisode?: (record: EpisodeRecord) => void;
}

export interface CollectorState {
  readonly steps: number;
  readonly episodes: number;
}

/** A RemoteVectorEnv lost its server, reconnected and re-created its envs (they need a reset). */
function isEnvsRecreated(e: unknown): boolean {
  return e instanceof SimbridgeError && e.code === Code.ABORTED;
}

export class Collector<State = unknown> {
  readonly envs: number;
  private readonly sizes: number[];
  private readonly actDim: number;
  /** The observations the next action is chosen on. */
  private readonly current: Float32Array[];
  private readonly states: State[] | undefined;
  private readonly episodeReturn: Float64Array;
  private readonly episodeLength: Int32Array;
  /** Per env, the subgoal targets of the episode so far (agents returning extras.subgoal_target). */
  private readonly subgoals: number[][][];
  private stepsDone = 0;
  private episodesDone = 0;
  private started = false;
  private envMs = 0;

  constructor(
    readonly env: VectorEnv,
    readonly agent: Agent<State>,
    readonly encoder: InputEncoder,
    private readonly options: CollectorOptions,
  ) {
    this.envs = env.numEnvs;
    const spec = env.spec;
    this.sizes = spec.observations.map((o) => sizeOf(o.shape));
    this.actDim = sizeOf(spec.action.shape);
    this.current = this.sizes.map((size) => new Float32Array(this.envs * size));
    this.states = agent.initialState ? Array.from({ length: this.envs }, () => agent.initialState!()) : undefined;
    this.episodeReturn = new Float64Array(this.envs);
    this.episodeLength = new Int32Array(this.envs);
    this.subgoals = Array.from({ length: this.envs }, () => []);
  }

  /** Env steps collected so far, summed over envs. */
  get steps(): number {
    return this.stepsDone;
  }

  get episodes(): number {
    return this.episodesDone;
  }

  /** The current raw observations (read-only view): what the next action is chosen on. */
  get observations(): readonly Float32Array[] {
    return this.current;
  }

  state(): CollectorState {
    return { steps: this.stepsDone, episodes: this.episodesDone };
  }

  restore(state: CollectorState): void {
    this.stepsDone = state.steps;
    this.episodesDone = state.episodes;
  }

  /** The network input for the current observations, [envs × inputDim]. */
  currentInput(): Float32Array {
    return this.encoder.encodeAll(this.current, this.envs);
  }

  /** One vector step: the agent's exploring actions, or uniform random ones when `random`. */
  async collect(random = false): Promise<CollectedStep | CollectedCut> {
    if (!this.started) await this.resetAll();
    const n = this.envs;
    const obs = this.current.map((o) => o.slice());
    const input = this.currentInput();
    const acted = random ? { actions: Float32Array.from({ length: n * this.actDim }, () => this.options.rng.uniformRange(-1, 1)) } : this.agent.act(input, n, "explore", this.states);
    const annotations = "extras" in acted ? stepAnnotations(acted.extras, n) : undefined;
    let s: Awaited<ReturnType<VectorEnv["step"]>>;
    try {
      s = await this.timed(() => this.env.step(toEnvActions(this.env.spec.action, acted.actions), undefined, annotations));
    } catch (e) {
      if (!isEnvsRecreated(e)) throw e;
      // The server is back with fresh envs: the episodes in flight are cut and new ones begin.
      for (let i = 0; i < n; i++) this.startEpisode(i);
      await this.resetAll();
      return { kind: "cut", obs, message: (e as Error).message };
    }
    const reward = this.options.withholdReward ? undefined : s.reward;
    const nextObs = s.observations.map((o) => o.slice());
    this.recordSubgoals(acted.extras?.["subgoal_target"]);
    const ended: number[] = [];
    for (let i = 0; i < n; i++) {
      this.episodeReturn[i] += reward ? reward[i]! : 0;
      this.episodeLength[i]++;
      if (s.status[i] !== StepStatus.RUNNING) ended.push(i);
    }
    this.current.forEach((o, k) => o.set(s.observations[k]!));
    this.encoder.observeAll(s.observations);
    for (const i of ended) {
      this.episodesDone++;
      this.options.onEpisode?.({
        step: this.stepsDone + n,
        episode: this.episodesDone,
        return: reward ? this.episodeReturn[i]! : null,
        length: this.episodeLength[i]!,
        success: s.isSuccess[i] === 1,
        ...(this.subgoals[i]!.length > 0 ? { subgoals: this.subgoals[i]! } : {}),
      });
      this.startEpisode(i);
    }
    if (ended.length) {
      const r = await this.timed(() => this.env.reset(ended.map((index) => ({ index, seed: this.options.rng.nextU32() }))));
      r.indices.forEach((i, row) => this.current.forEach((o, k) => o.set(r.observations[k]!.subarray(row * this.sizes[k]!, (row + 1) * this.sizes[k]!), i * this.sizes[k]!)));
    }
    this.stepsDone += n;
    return { kind: "step", envs: n, obs, input, actions: acted.actions, extras: acted.extras ?? {}, randomActions: random, nextObs, reward, status: s.status, isSuccess: s.isSuccess };
  }

  /** Seconds spent waiting for the env (steps and resets, the bridge included) since this collector began. */
  get envSeconds(): number {
    return this.envMs / 1000;
  }

  private async timed<T>(call: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      this.envMs += performance.now() - t0;
    }
  }

  /** Resets every env (at the start, and when a lost server came back with fresh envs). */
  private async resetAll(): Promise<void> {
    for (;;) {
      try {
        const r = await this.timed(() => this.env.reset(Array.from({ length: this.envs }, (_, index) => ({ index, seed: this.options.rng.nextU32() }))));
        r.observations.forEach((o, k) => this.current[k]!.set(o));
        this.encoder.observeAll(this.current);
        this.started = true;
        return;
      } catch (e) {
        if (!isEnvsRecreated(e)) throw e;
      }
    }
  }

  /** Ends env i's episode bookkeeping (and the agent's state for it) and starts a fresh one. */
  private startEpisode(i: number): void {
    if (this.states) {
      this.agent.endEpisode?.(this.states[i]!);
      this.states[i] = this.agent.initialState!();
    }
    this.episodeReturn[i] = 0;
    this.episodeLength[i] = 0;
    this.subgoals[i] = [];
  }

  /** Appends each env's subgoal target when it differs from the last one recorded (a new decision). */
  private recordSubgoals(targets: Float32Array | undefined): void {
    if (!targets || targets.length % this.envs !== 0) return;
    const k = targets.length / this.envs;
    for (let i = 0; i < this.envs; i++) {
      const t = Array.from(targets.subarray(i * k, (i + 1) * k), (v) => Math.round(v * 1000) / 1000);
      const list = this.subgoals[i]!;
      const last = list[list.length - 1];
      if (!last || last.some((v, d) => v !== t[d])) list.push(t);
    }
  }
}
