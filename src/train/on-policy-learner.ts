/**
 * The on-policy schedule (PPO): collect `rolloutSteps` steps per env into a
 * rollout buffer, then one learning phase — rewards, GAE, epochs of shuffled
 * minibatches (the agent's `learn`) — and start a fresh rollout.
 *
 * Per collected step it stores the normalised input the policy acted on, the
 * action as sampled (before clipping to the bounds), log π_old and V_old, the
 * reward and the status; at TRUNCATED it stores V(final observation), so GAE
 * bootstraps there, and never at TERMINATED. At the end of a rollout:
 * 1. rewards: the env's, or — with a reward model and no env reward (black
 *    box, GAHIL) — the model's for every stored step, scored once per rollout
 *    with the model as it is then (an online model first gets this rollout's
 *    negatives and the chance to train);
 * 2. relabelling with env-sampled goals (`her: "sampled"`, goal tasks only; see
 *    below);
 * 3. reward scaling (the agent's schedule says whether), GAE with V(last
 *    observation) for envs still running, and the agent's learning phase.
 *
 * Why not ordinary HER: PPO's gradient is an expectation under the policy
 * that collected the data; relabelling with goals the agent happened to reach
 * changes that distribution in an unprincipled way (seed 002; OpenAI's
 * "requests for research"). The restricted mode follows seed 002's way out:
 * goals come only from the set the *environment* sampled in this rollout (the
 * desired goals of its episodes), and log π_old and V_old are recomputed under
 * the new goal before learning, so the importance ratio is taken under the
 * goal actually trained on. Each env's lane gets `herK` relabelled copies,
 * each episode segment with one goal drawn from that set.
 */
import type { Rng } from "../core/rng.js";
import { StepStatus, type TaskSpec } from "../env/task.js";
import type { OnPolicyAgent, RolloutMinibatch } from "../algos/agent.js";
import type { HerSample } from "../replay/her-buffer.js";
import { RewardScaler, type RewardScalerState } from "../replay/reward-scaler.js";
import { RolloutBuffer } from "../replay/rollout-buffer.js";
import type { FieldSizes } from "../replay/replay-buffer.js";
import type { RewardModel } from "../reward/reward-model.js";
import type { OnlineRewardModel } from "../reward/online-reward.js";
import type { CollectedCut, CollectedStep } from "./collector.js";
import type { InputEncoder } from "./input-encoder.js";
import type { Learner } from "./learner.js";

export interface OnPolicyOptions {
  /** "sampled": relabel with goals the env sampled in the rollout (see the file header); "none": no relabelling. */
  readonly her: "none" | "sampled";
  /** Relabelled copies of each env's lane per rollout. */
  readonly herK: number;
}

interface OnPolicyState {
  readonly scaler?: RewardScalerState;
  /** Learning phases so far (for logs). */
  readonly phases: number;
  /** V(the collector's observations) at checkpoint time: the bootstrap when a resumed run cuts the episodes in flight. */
  readonly cutValues: readonly number[];
}

export class OnPolicyLearner implements Learner {
  private readonly rollout: RolloutBuffer;
  private readonly scaler: RewardScaler | undefined;
  private readonly goalDim: number;
  private readonly obsDim: number;
  private readonly actDim: number;
  /** V(s) of the last step's next observations, [envs] (GAE's bootstrap for envs still running). */
  private lastValue: Float32Array;
  /** The same for the relabelled copies, when the last learning phase relabelled. */
  private relabelledLastValue = new Float32Array(0);
  private phases = 0;

  constructor(
    readonly spec: TaskSpec,
    readonly agent: OnPolicyAgent,
    readonly encoder: InputEncoder,
    /** Shuffles minibatches and draws relabelling goals (shared with the collector: a seed gives one run). */
    private readonly rng: Rng,
    private readonly envs: number,
    /** Scores steps without an env reward, and relabelled goals. */
    private readonly rewardModel: RewardModel | undefined,
    private readonly onlineReward: OnlineRewardModel | undefined,
    readonly options: OnPolicyOptions,
  ) {
    const goal = spec.goalConditioned;
    if (options.her !== "none" && !goal) throw new Error(`--her needs a goal-conditioned task; ${spec.name} is not`);
    if (options.her !== "none" && !rewardModel) throw new Error("--her needs a reward model (the task's computeReward, or a learned one) to score relabelled goals");
    if (!(Number.isInteger(options.herK) && options.herK >= 0)) throw new RangeError(`herK must be a non-negative integer, got ${options.herK}`);
    this.obsDim = encoder.obsDim;
    this.goalDim = encoder.goalDim;
    this.actDim = agent.actDim;
    const keepGoals = goal && rewardModel !== undefined;
    const fields: FieldSizes = {
      input: agent.inputDim,
      action: this.actDim,
      logProb: 1,
      // What a reward model judges (and relabelling needs): raw observations and goals.
      ...(keepGoals ? { obs: this.obsDim, achievedGoal: this.goalDim, desiredGoal: this.goalDim, nextObs: this.obsDim, nextAchievedGoal: this.goalDim } : {}),
    };
    this.rollout = new RolloutBuffer({ envs, steps: agent.schedule.rolloutSteps, fields });
    this.scaler = agent.schedule.scaleRewards ? new RewardScaler(envs, agent.schedule.gamma) : undefined;
    this.lastValue = new Float32Array(envs);
  }

  randomActions(): boolean {
    return false;
  }

  observe(step: CollectedStep): void {
    const { logProb, value } = step.extras;
    if (!logProb || !value) throw new Error(`${this.agent.name}'s act() must return the extras logProb and value`);
    if (!step.reward && !this.rewardModel) {
      throw new Error(`${this.spec.name} gives the learner no reward (a black box, or a learned reward withheld it): use --reward gahil`);
    }
    const n = step.envs;
    // Bootstrap at truncation: V of the final observation (never at termination).
    const truncated: number[] = [];
    for (let i = 0; i < n; i++) if (step.status[i] === StepStatus.TRUNCATED) truncated.push(i);
    const bootstrap = new Float32Array(n);
    if (truncated.length) {
      const v = this.agent.value(this.encodeRows(step.nextObs, truncated), truncated.length);
      truncated.forEach((i, r) => (bootstrap[i] = v[r]!));
    }
    const fields: Record<string, Float32Array> = { input: step.input, action: step.extras["unclippedAction"] ?? step.actions, logProb };
    if ("obs" in this.rollout.fields) {
      const l = this.encoder.layout;
      Object.assign(fields, {
        obs: l.observation(step.obs),
        achievedGoal: l.achievedGoal(step.obs),
        desiredGoal: l.desiredGoal(step.obs),
        nextObs: l.observation(step.nextObs),
        nextAchievedGoal: l.achievedGoal(step.nextObs),
      });
    }
    const reward = step.reward ? Float32Array.from(step.reward) : new Float32Array(n).fill(NaN);
    this.rollout.add(fields, value, reward, step.status, bootstrap);
    if (this.rollout.full) this.lastValue = this.agent.value(this.encodeRows(step.nextObs), n);
  }

  cut(cut: CollectedCut): void {
    const v = this.agent.value(this.encodeRows(cut.obs), this.envs);
    for (let i = 0; i < this.envs; i++) this.rollout.cut(i, v[i]!);
  }

  train(envStep: number, totalSteps: number): Record<string, number> | undefined {
    if (!this.rollout.full) return undefined;
    const { gamma, gaeLambda, minibatches } = this.agent.schedule;
    this.scoreRewards(this.rollout);
    const batch = this.options.her === "sampled" && this.options.herK > 0 ? this.withSampledGoals() : this.rollout;
    if (this.scaler) {
      // Scaling runs over the real lanes in time order (its statistics follow the lived returns);
      // relabelled copies use the same scale at each step.
      this.scaleRewards(batch);
    }
    batch.computeAdvantages(batch === this.rollout ? this.lastValue : this.relabelledLastValue, gamma, gaeLambda);
    const rows = batch.steps * batch.envs;
    const size = Math.max(1, Math.ceil(rows / minibatches));
    const progress = Math.max(0, envStep - this.envs * this.agent.schedule.rolloutSteps) / totalSteps;
    const losses = this.agent.learn(() => minibatchesOf(batch, size, this.rng), progress);
    this.phases++;
    this.rollout.clear();
    return losses;
  }

  stats(): Record<string, number> {
    return { rollout_position: this.rollout.position, learning_phases: this.phases };
  }

  state(currentObs: readonly Float32Array[]): OnPolicyState {
    const cutValues = Array.from(this.agent.value(this.encodeRows(currentObs), this.envs));
    return { ...(this.scaler ? { scaler: this.scaler.state() } : {}), cutValues, phases: this.phases };
  }

  /** The rollout is part of the run's position: it is saved with every checkpoint. */
  serializeStorage(): Uint8Array {
    return this.rollout.serialize();
  }

  restore(state: unknown, storage: Uint8Array | undefined): void {
    const s = state as OnPolicyState | undefined;
    // A checkpoint without the learner's state cannot cut its rollout properly: start a fresh one.
    if (!s) return;
    if (this.scaler && s.scaler) this.scaler.load(s.scaler);
    this.phases = s.phases;
    if (storage) {
      this.rollout.restore(storage);
      // A resumed run resets every env: the episodes in flight at the checkpoint are cut there.
      s.cutValues.forEach((v, i) => this.rollout.cut(i, v));
    }
  }

  // ---- rollout end ----

  /** Fills rewards the env did not give (black box) from the reward model, judging each step's goal. */
  private scoreRewards(buffer: RolloutBuffer): void {
    const missing = buffer.rewards.some((r) => Number.isNaN(r));
    if (!missing) return;
    const model = this.rewardModel!;
    if (this.onlineReward) {
      // This rollout's transitions under other rows' goals are negatives (GAHIL's "mismatched" mode).
      this.onlineReward.addRelabelledNegatives(this.herSample(buffer));
      this.onlineReward.maybeTrain();
    }
    model.rewards(this.rewardBatch(buffer), buffer.rewards);
  }

  private rewardBatch(buffer: RolloutBuffer) {
    return {
      obs: buffer.field("obs"),
      achievedGoal: buffer.field("achievedGoal"),
      desiredGoal: buffer.field("desiredGoal"),
      action: buffer.field("action"),
      nextObs: buffer.field("nextObs"),
      nextAchievedGoal: buffer.field("nextAchievedGoal"),
    };
  }

  private herSample(buffer: RolloutBuffer): HerSample {
    const rows = buffer.steps * buffer.envs;
    const terminated = Float32Array.from(buffer.status, (s) => (s === StepStatus.TERMINATED ? 1 : 0));
    return { ...this.rewardBatch(buffer), reward: buffer.rewards, terminated, relabelled: new Float32Array(rows) };
  }

  /** Reward scaling in time order, real lanes updating the statistics. */
  private scaleRewards(batch: RolloutBuffer): void {
    const n = this.envs;
    const lanes = batch.envs;
    const clip = this.scaler!.clip;
    for (let t = 0; t < batch.steps; t++) {
      const base = t * lanes;
      const real = batch.rewards.subarray(base, base + n);
      const std = this.scaler!.scale(real, batch.status.subarray(base, base + n));
      // The relabelled copies get the same divisor as the real steps they copy.
      for (let lane = base + n; lane < base + lanes; lane++) batch.rewards[lane] = Math.max(-clip, Math.min(clip, batch.rewards[lane]! / std));
    }
  }

  /**
   * The rollout plus `herK` relabelled copies of every env's lane: each episode
   * segment of a copy gets one goal drawn from the desired goals the env
   * sampled in this rollout; inputs, log π_old, V_old, rewards and bootstraps
   * are recomputed under it.
   */
  private withSampledGoals(): RolloutBuffer {
    const src = this.rollout;
    const n = this.envs;
    const T = src.steps;
    const k = this.options.herK;
    const lanes = n * (1 + k);
    const g = this.goalDim;
    const desired = src.field("desiredGoal");
    // The env-sampled goals: the desired goal at every episode start in the rollout.
    const pool: Float32Array[] = [];
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < n; e++) {
        const row = t * n + e;
        if (t === 0 || src.status[row - n] !== StepStatus.RUNNING) pool.push(desired.slice(row * g, (row + 1) * g));
      }
    }
    // Per relabelled lane and step: the source env and the new goal.
    const names = Object.keys(src.fields);
    const out = new RolloutBuffer({ envs: lanes, steps: T, fields: Object.fromEntries(names.map((f) => [f, src.field(f).length / (T * n)])) });
    const goalOf: Float32Array[][] = Array.from({ length: n * k }, () => new Array<Float32Array>(T));
    for (let c = 0; c < n * k; c++) {
      const e = c % n;
      let goal = pool[Math.floor(this.rng.uniform() * pool.length)]!;
      for (let t = 0; t < T; t++) {
        if (t > 0 && src.status[(t - 1) * n + e] !== StepStatus.RUNNING) goal = pool[Math.floor(this.rng.uniform() * pool.length)]!;
        goalOf[c]![t] = goal;
      }
    }
    for (let t = 0; t < T; t++) {
      const fields: Record<string, Float32Array> = {};
      for (const f of names) {
        const size = src.field(f).length / (T * n);
        const data = new Float32Array(lanes * size);
        const real = src.field(f).subarray(t * n * size, (t + 1) * n * size);
        data.set(real);
        for (let c = 0; c < n * k; c++) data.set(real.subarray((c % n) * size, (c % n + 1) * size), (n + c) * size);
        fields[f] = data;
      }
      for (let c = 0; c < n * k; c++) fields["desiredGoal"]!.set(goalOf[c]![t]!, (n + c) * g);
      // Inputs, log-probs and values under the new goals.
      const copies = n * k;
      const input = this.encoder.encode(fields["obs"]!.subarray(n * this.obsDim), fields["desiredGoal"]!.subarray(n * g), copies);
      fields["input"]!.set(input, n * this.agent.inputDim);
      fields["logProb"]!.set(this.agent.logProb(input, fields["action"]!.subarray(n * this.actDim), copies), n);
      const value = new Float32Array(lanes);
      value.set(src.values.subarray(t * n, (t + 1) * n));
      value.set(this.agent.value(input, copies), n);
      const status = new Uint8Array(lanes);
      for (let lane = 0; lane < lanes; lane++) status[lane] = src.status[t * n + (lane % n)]!;
      const reward = new Float32Array(lanes);
      reward.set(src.rewards.subarray(t * n, (t + 1) * n));
      const scored = new Float32Array(copies);
      this.rewardModel!.rewards(
        {
          obs: fields["obs"]!.subarray(n * this.obsDim),
          achievedGoal: fields["achievedGoal"]!.subarray(n * g),
          desiredGoal: fields["desiredGoal"]!.subarray(n * g),
          action: fields["action"]!.subarray(n * this.actDim),
          nextObs: fields["nextObs"]!.subarray(n * this.obsDim),
          nextAchievedGoal: fields["nextAchievedGoal"]!.subarray(n * g),
        },
        scored,
      );
      reward.set(scored, n);
      const bootstrap = new Float32Array(lanes);
      bootstrap.set(src.bootstrapValues.subarray(t * n, (t + 1) * n));
      const truncatedCopies: number[] = [];
      for (let c = 0; c < copies; c++) if (status[n + c] === StepStatus.TRUNCATED) truncatedCopies.push(c);
      if (truncatedCopies.length) {
        const rows = truncatedCopies.map((c) => n + c);
        const nextInput = this.encodeGoalRows(fields["nextObs"]!, fields["desiredGoal"]!, rows);
        const v = this.agent.value(nextInput, rows.length);
        rows.forEach((lane, r) => (bootstrap[lane] = v[r]!));
      }
      out.add(fields, value, reward, status, bootstrap);
      if (t === T - 1) {
        const last = new Float32Array(lanes);
        last.set(this.lastValue);
        last.set(this.agent.value(this.encoder.encode(fields["nextObs"]!.subarray(n * this.obsDim), fields["desiredGoal"]!.subarray(n * g), copies), copies), n);
        this.relabelledLastValue = last;
      }
    }
    return out;
  }

  // ---- inputs ----

  /** Network inputs for some rows (all when `rows` is omitted) of raw observations. */
  private encodeRows(obs: readonly Float32Array[], rows?: readonly number[]): Float32Array {
    const l = this.encoder.layout;
    const o = l.observation(obs);
    if (!rows) return this.encoder.encode(o, l.goal(obs), o.length / this.obsDim);
    return this.encodeGoalRows(o, l.goal(obs), rows);
  }

  private encodeGoalRows(obs: Float32Array, goals: Float32Array | undefined, rows: readonly number[]): Float32Array {
    const o = new Float32Array(rows.length * this.obsDim);
    const g = goals ? new Float32Array(rows.length * this.goalDim) : undefined;
    rows.forEach((r, j) => {
      o.set(obs.subarray(r * this.obsDim, (r + 1) * this.obsDim), j * this.obsDim);
      g?.set(goals!.subarray(r * this.goalDim, (r + 1) * this.goalDim), j * this.goalDim);
    });
    return this.encoder.encode(o, g, rows.length);
  }
}

/** One epoch of shuffled minibatches of `size` rows, in the shape agents take. */
function* minibatchesOf(buffer: RolloutBuffer, size: number, rng: Rng): Generator<RolloutMinibatch> {
  for (const mb of buffer.minibatches(size, rng)) {
    yield { rows: mb.rows.length, input: mb["input"]!, action: mb["action"]!, logProb: mb["logProb"]!, values: mb.values, advantages: mb.advantages, returns: mb.returns };
  }
}
