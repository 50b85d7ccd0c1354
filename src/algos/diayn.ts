/**
 * DIAYN — "Diversity is All You Need": skills learned without any reward.
 * Eysenbach, Gupta, Ibarz & Levine (2019), https://arxiv.org/abs/1802.06070;
 * reference code ben-eysenbach/sac (`sac/algos/diayn.py`); seed 004 of the
 * research notes.
 *
 * A skill z ∈ {0 … K−1} is drawn uniformly at the start of every episode
 * (p(z) = 1/K, fixed) and held for the whole episode. The policy π(a | s, z)
 * reads [s, one-hot z]. A discriminator q(z | s) — an MLP classifier on a
 * chosen part of the state, by default the first `discriminatorDims` (2)
 * observation entries, the x–y position the tasks put first, as the paper
 * does for locomotion ("x–y prior") — learns which skill visits which
 * states, and the policy is rewarded for being recognisable:
 *
 *   r(s, z, s') = log q(z | s') − log p(z) = log softmax(q(s'))_z + log K
 *
 * (0 when q is no better than chance, up to log K when it is certain). The
 * policy is SAC (sac.ts's update) with a fixed temperature α = 0.1 (the
 * paper's), so it stays as random as it can while being told apart. q takes
 * one cross-entropy Adam step on the same batch as every SAC update, and the
 * rewards are computed from the current q whenever a batch is sampled (q
 * trains as the agent lives: a stored reward would go stale).
 *
 * No environment reward is read, ever (the learner has none to read: it runs
 * on `--black-box` servers, and a learned reward is refused as meaningless).
 * Goals a task may carry are ignored: the policy and q see the observation.
 *
 * Per-env state is the episode's skill; `act` returns it as `extras.skill`,
 * for the learner and the run's logs. `simbridge skills` draws each skill's
 * trajectories and reports q's accuracy and the states covered
 * (src/train/skills-report.ts).
 *
 * Where this departs from the reference: TD3's twin critics of sac.ts (the
 * reference's SAC v1 has a value network), 256-256 networks (300-300 there)
 * and 10 skills by default (50 there, for 1M-step locomotion runs); both are
 * `--set` options (`--skills K`).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { StepStatus } from "../env/task.js";
import { Adam } from "../nn/adam.js";
import { Mlp } from "../nn/mlp.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { packArrays, unpackArrays } from "../replay/bytes.js";
import { ReplayBuffer } from "../replay/replay-buffer.js";
import type { CollectedStep } from "../train/collector.js";
import type { InputEncoder } from "../train/input-encoder.js";
import type { Learner } from "../train/learner.js";
import type { OffPolicySchedule } from "../train/off-policy-learner.js";
import { checkInput, checkOwnLearnerContext, type ActMode, type ActResult, type AgentShape, type LearnerContext, type OwnLearnerAgent } from "./agent.js";
import { createSacModel, deterministicAction, disposeSacModel, normalNoise, sacCheckpointContents, sacUpdate, squashedGaussian, type SacConfig, type SacModel } from "./sac.js";

// ---------------------------------------------------------------- arguments

export interface DiaynArgs {
  /** K: skills, drawn uniformly per episode. */
  readonly skills: number;
  /** The discriminator reads the first this many observation entries (x, y: 2). */
  readonly discriminatorDims: number;
  /** Hidden layer sizes of the policy and critics. */
  readonly hidden: readonly number[];
  /** Hidden layer sizes of the discriminator. */
  readonly discriminatorHidden: readonly number[];
  readonly actorLr: number;
  readonly criticLr: number;
  readonly discriminatorLr: number;
  /** Adam learning rate of log α (only with autotune). */
  readonly alphaLr: number;
  readonly gamma: number;
  readonly tau: number;
  /** SAC's temperature: fixed (the paper's 0.1) unless autotune. */
  readonly alpha: number;
  readonly autotune: boolean;
}

/** The paper's settings (α 0.1, lr 3e-4, γ 0.99, τ 0.005), 256-256 networks and 10 skills. */
export const DIAYN_ARGS: DiaynArgs = Object.freeze({
  skills: 10,
  discriminatorDims: 2,
  hidden: Object.freeze([256, 256]),
  discriminatorHidden: Object.freeze([256, 256]),
  actorLr: 3e-4,
  criticLr: 3e-4,
  discriminatorLr: 3e-4,
  alphaLr: 3e-4,
  gamma: 0.99,
  tau: 0.005,
  alpha: 0.1,
  autotune: false,
});

// ---------------------------------------------------------------- the arithmetic

/**
 * r = log softmax(logits)_z + log K for each row: `logits` [rows × K], `skills` [rows].
 * Written out (max-shifted log-sum-exp) so that it is checked by hand in the tests.
 */
export function skillReward(logits: ArrayLike<number>, skills: ArrayLike<number>, k: number): Float32Array {
  const rows = skills.length;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, logits[r * k + j]!);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[r * k + j]! - max);
    out[r] = logits[r * k + skills[r]!]! - max - Math.log(sum) + Math.log(k);
  }
  return out;
}

/** The policy's input rows [s, one-hot z]: `obs` [rows × obsDim], `skills` [rows]. */
export function withSkill(obs: ArrayLike<number>, obsDim: number, skills: ArrayLike<number>, k: number): Float32Array {
  const rows = skills.length;
  const out = new Float32Array(rows * (obsDim + k));
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < obsDim; d++) out[r * (obsDim + k) + d] = obs[r * obsDim + d]!;
    out[r * (obsDim + k) + obsDim + skills[r]!] = 1;
  }
  return out;
}

// ---------------------------------------------------------------- the agent

export interface DiaynState {
  /** The episode's skill. */
  skill: number;
}

/** A DIAYN batch: raw observations, the skill, env actions, next observations, terminations. */
export interface DiaynBatch {
  readonly obs: Float32Array;
  readonly skill: Float32Array;
  readonly action: Float32Array;
  readonly nextObs: Float32Array;
  readonly terminated: Float32Array;
}

export class Diayn implements OwnLearnerAgent<DiaynState> {
  readonly name = "diayn";
  readonly kind = "skills";
  readonly inputDim: number;
  readonly actDim: number;
  /** The observation's size: the input less the desired goal a goal task appends (ignored). */
  readonly obsDim: number;
  readonly k: number;
  readonly sac: SacModel;
  readonly discriminator: Mlp;
  private readonly discriminatorOptimizer: Adam;
  private readonly config: SacConfig;
  /** Draws skills and exploration noise. */
  private readonly rng: Rng;

  constructor(
    shape: AgentShape,
    readonly args: DiaynArgs = DIAYN_ARGS,
  ) {
    if (!(Number.isInteger(args.skills) && args.skills >= 2)) throw new RangeError(`diayn: skills must be an integer ≥ 2, got ${args.skills}`);
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.obsDim = shape.inputDim - (shape.goalDim ?? 0);
    if (!(Number.isInteger(args.discriminatorDims) && args.discriminatorDims >= 1 && args.discriminatorDims <= this.obsDim)) {
      throw new RangeError(`diayn: discriminatorDims must be an integer in [1, ${this.obsDim}] (the observation's size), got ${args.discriminatorDims}`);
    }
    this.k = args.skills;
    this.rng = new Rng(shape.seed + 1);
    this.sac = createSacModel({
      obsDim: this.obsDim + this.k,
      actDim: shape.actDim,
      hidden: args.hidden,
      actorLr: args.actorLr,
      criticLr: args.criticLr,
      alphaLr: args.alphaLr,
      initialAlpha: args.alpha,
      seed: shape.seed,
    });
    this.discriminator = new Mlp({ sizes: [args.discriminatorDims, ...args.discriminatorHidden, this.k], seed: shape.seed + 2 });
    this.discriminatorOptimizer = new Adam(this.discriminator.trainableVariables, { learningRate: args.discriminatorLr });
    this.config = { gamma: args.gamma, tau: args.tau, autotune: args.autotune, targetEntropy: -shape.actDim };
  }

  /** A fresh episode's state: a skill drawn uniformly. */
  initialState(): DiaynState {
    return { skill: Math.min(this.k - 1, Math.floor(this.rng.uniform() * this.k)) };
  }

  /** Actions of π(· | s, z) for each row's skill (`extras.skill`); a row without a state gets a fresh skill. */
  act(input: Float32Array, rows: number, mode: ActMode, states?: DiaynState[]): ActResult {
    checkInput(input, rows, this.inputDim);
    const skills = new Float32Array(rows);
    const obs = new Float32Array(rows * this.obsDim);
    for (let r = 0; r < rows; r++) {
      skills[r] = (states?.[r] ?? this.initialState()).skill;
      obs.set(input.subarray(r * this.inputDim, r * this.inputDim + this.obsDim), r * this.obsDim);
    }
    const policyIn = withSkill(obs, this.obsDim, skills, this.k);
    const actions = tf.tidy(() => {
      const out = this.sac.actor.apply(tf.tensor2d(policyIn, [rows, this.obsDim + this.k]));
      const a = mode === "explore" ? squashedGaussian(out, normalNoise(this.rng, rows, this.actDim)).action : deterministicAction(out);
      return a.dataSync() as Float32Array;
    });
    return { actions, extras: { skill: skills } };
  }

  /** q's logits for `rows` observations (raw, obsDim each), [rows × K]. */
  discriminate(obs: Float32Array, rows: number): Float32Array {
    const x = this.discriminatorInput(obs, rows);
    return tf.tidy(() => this.discriminator.apply(tf.tensor2d(x, [rows, this.args.discriminatorDims])).dataSync() as Float32Array);
  }

  private discriminatorInput(obs: Float32Array, rows: number): Float32Array {
    const d = this.args.discriminatorDims;
    const x = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) x.set(obs.subarray(r * this.obsDim, r * this.obsDim + d), r * d);
    return x;
  }

  /**
   * One update: rewards from the current q on s', one SAC step on them, one
   * cross-entropy step of q on (s', z). Returns the losses, q's accuracy on
   * the batch and the mean intrinsic reward.
   */
  update(b: DiaynBatch, rows: number): Record<string, number> {
    const logits = this.discriminate(b.nextObs, rows);
    const reward = skillReward(logits, b.skill, this.k);
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let j = 1; j < this.k; j++) if (logits[r * this.k + j]! > logits[r * this.k + best]!) best = j;
      if (best === b.skill[r]) correct++;
    }
    const inDim = this.obsDim + this.k;
    const discount = Float32Array.from(b.terminated, (t) => (t ? 0 : this.args.gamma));
    const t = {
      obs: tf.tensor2d(withSkill(b.obs, this.obsDim, b.skill, this.k), [rows, inDim]),
      action: tf.tensor2d(b.action, [rows, this.actDim]),
      reward: tf.tensor1d(reward),
      nextObs: tf.tensor2d(withSkill(b.nextObs, this.obsDim, b.skill, this.k), [rows, inDim]),
      discount: tf.tensor1d(discount),
    };
    let discriminatorLoss = NaN;
    try {
      const r = sacUpdate(this.sac, t, this.config);
      const x = this.discriminatorInput(b.nextObs, rows);
      tf.tidy(() => {
        const input = tf.tensor2d(x, [rows, this.args.discriminatorDims]);
        const labels = tf.oneHot(tf.tensor1d(Int32Array.from(b.skill), "int32"), this.k);
        const loss = this.discriminatorOptimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, this.discriminator.apply(input, { inputGrad: false })) as tf.Scalar);
        discriminatorLoss = loss.dataSync()[0]!;
      });
      let mean = 0;
      for (const v of reward) mean += v / rows;
      return {
        critic_loss: r.criticLoss,
        actor_loss: r.actorLoss,
        alpha: r.alpha,
        entropy: r.entropy,
        discriminator_loss: discriminatorLoss,
        discriminator_accuracy: correct / rows,
        intrinsic_reward: mean,
      };
    } finally {
      tf.dispose(Object.values(t));
    }
  }

  makeLearner(context: LearnerContext): Learner {
    return new DiaynLearner(this, context);
  }

  checkpointContents(): CheckpointContents {
    const c = sacCheckpointContents(this.sac);
    return {
      networks: { ...c.networks, discriminator: this.discriminator },
      optimizers: { ...c.optimizers, discriminator: this.discriminatorOptimizer },
      meta: { updates: this.sac.updates, rng: rngStateToJson(this.rng.state()), updateRng: rngStateToJson(this.sac.rng.state()) },
    };
  }

  restoreMeta(meta: unknown): void {
    const m = meta as { updates?: unknown; rng?: unknown; updateRng?: unknown } | null;
    if (m === null || typeof m !== "object" || !Number.isInteger(m.updates) || !Array.isArray(m.rng) || !Array.isArray(m.updateRng)) {
      throw new Error(`diayn: checkpoint meta must be {updates, rng, updateRng}, got ${JSON.stringify(meta)}`);
    }
    this.sac.updates = m.updates as number;
    this.rng.setState(rngStateFromJson(m.rng as Array<number | null>));
    this.sac.rng.setState(rngStateFromJson(m.updateRng as Array<number | null>));
  }

  dispose(): void {
    disposeSacModel(this.sac);
    this.discriminator.dispose();
    this.discriminatorOptimizer.dispose();
  }
}

// ---------------------------------------------------------------- the learner

type DiaynFields = { obs: number; skill: number; action: number; nextObs: number; terminated: number };

/**
 * DIAYN's storage and schedule: one replay of (s, z, a, s', terminated) —
 * no reward is stored, it is computed at every sample — and, from
 * --learning-starts on, `updatesPerStep × envs` updates per vector step on
 * --batch-size rows. The policy acts from the first step (a uniform random
 * action would carry no skill).
 */
export class DiaynLearner implements Learner {
  readonly replay: ReplayBuffer<DiaynFields>;
  private readonly schedule: OffPolicySchedule;
  private readonly encoder: InputEncoder;
  private readonly rng: Rng;
  private readonly envs: number;
  private carry = 0;
  private lastLosses: Record<string, number> = {};

  constructor(
    readonly agent: Diayn,
    context: LearnerContext,
  ) {
    const { schedule, encoder } = context;
    checkOwnLearnerContext("diayn", context, { her: "learns skills without goals or rewards", rawInputs: "its discriminator reads raw positions" });
    if (context.onlineReward) throw new Error("diayn reads no reward at all (its reward is its own skill discriminator's): a learned reward (--reward gahil) has nothing to do");
    this.agent = agent;
    this.schedule = schedule;
    this.encoder = encoder;
    this.rng = context.rng;
    this.envs = context.envs;
    const a = agent;
    this.replay = new ReplayBuffer({ obs: a.obsDim, skill: 1, action: a.actDim, nextObs: a.obsDim, terminated: 1 }, Math.min(schedule.bufferSize, 1_000_000));
  }

  randomActions(): boolean {
    return false;
  }

  observe(step: CollectedStep): void {
    const a = this.agent;
    const obs = this.encoder.layout.observation(step.obs);
    const next = this.encoder.layout.observation(step.nextObs);
    const skills = step.extras["skill"];
    if (!skills || skills.length !== step.envs) throw new Error("diayn: expected the acting skill (extras.skill, one per env) with every collected step");
    for (let i = 0; i < step.envs; i++) {
      this.replay.add({
        obs: obs.subarray(i * a.obsDim, (i + 1) * a.obsDim),
        skill: skills[i]!,
        action: step.actions.subarray(i * a.actDim, (i + 1) * a.actDim),
        nextObs: next.subarray(i * a.obsDim, (i + 1) * a.obsDim),
        terminated: step.status[i] === StepStatus.TERMINATED ? 1 : 0,
      });
    }
    this.carry += this.schedule.updatesPerStep * step.envs;
  }

  cut(): void {
    // Nothing in flight: every stored transition is whole.
  }

  train(envStep: number): Record<string, number> | undefined {
    if (envStep < this.schedule.learningStarts) {
      this.carry = 0;
      return undefined;
    }
    const rows = this.schedule.batchSize;
    let ran = false;
    for (; this.carry >= 1 && this.replay.size >= rows; this.carry--) {
      this.lastLosses = this.agent.update(this.replay.sample(rows, this.rng), rows);
      ran = true;
    }
    return ran ? { ...this.lastLosses } : undefined;
  }

  stats(): Record<string, number> {
    return { replay_size: this.replay.size, skills: this.agent.k };
  }

  state(): unknown {
    return { carry: this.carry, envs: this.envs };
  }

  serializeStorage(full: boolean): Uint8Array | undefined {
    if (!full) return undefined;
    return packArrays({ format: "simbridge.DiaynStorage" }, { replay: this.replay.serialize() });
  }

  restore(state: unknown, storage: Uint8Array | undefined): void {
    this.carry = ((state ?? {}) as { carry?: number }).carry ?? 0;
    if (!storage) return;
    const { arrays } = unpackArrays(storage);
    this.replay.restore(arrays["replay"] as Uint8Array);
  }
}
