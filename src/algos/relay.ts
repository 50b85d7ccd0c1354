/**
 * Relay policy learning — a two-level goal-conditioned policy imitated from
 * "play" demonstrations, then fine-tuned.
 * Gupta, Kumar, Lynch, Levine & Hausman (2019), "Relay Policy Learning:
 * Solving Long-Horizon Tasks via Imitation and Reinforcement Learning",
 * https://arxiv.org/abs/1910.11956; with seed 003's off-policy fine-tuning
 * (Sholto Douglas, "Does Hierarchical RL work yet?": HAC's hindsight
 * machinery for the low level). Facts: ../shared/reference (ALGORITHMS.md,
 * RESEARCH-2.md §2).
 *
 * The policy (k = the subgoal's size, the first k observation entries: the
 * point's x, y on the point tasks):
 *
 *   every `period` steps:  g = lo + (π_hi([s, goal]) + 1)/2 · (hi − lo)   an absolute subgoal within [subgoalLow, subgoalHigh]
 *   every step:            a = π_lo([s, g − s[:k]])                          the low level reads where the subgoal is from here
 *
 * (the low level's copy of s has its first `lowZeroDims` entries zeroed, as
 * HIRO's: with the subgoal relative, the point's absolute x, y add nothing).
 *
 * Training, on demonstrations recorded by `simbridge collect` (--demos FILE):
 * (a) behaviour cloning of both levels on relay-relabelled tuples
 *     (src/replay/relay-relabel.ts, windows W_l = `windowLow`, W_h = `windowHigh`),
 *     mean squared error (seed 003: MSE beat maximum likelihood):
 *
 *       L_lo = mean ‖π_lo(s_t, s_{t+j}[:k]) − a_t‖²                    1 ≤ j ≤ W_l
 *       L_hi = mean ‖π_hi(s_t, ag_{t+j}) − norm(s_{t+min(W_l, j)}[:k])‖²  1 ≤ j ≤ W_h   (norm: the bounds mapped to [−1, 1])
 *
 *     `bcSteps` Adam steps per level on batches of `bcBatchSize`, when the
 *     learner is built (a resumed run repeats them, then the checkpoint's
 *     networks replace what they learned);
 * (b) with `fineTune: 1`, reinforcement learning of the LOW level only, while
 *     the run collects (the paper: "it was sufficient to fine-tune the
 *     low-level policy"): TD3 (td3.ts's model and target) on the low level's
 *     own segments of `period` steps under one subgoal, with a sparse reward
 *     and hindsight goals as in HAC:
 *
 *       r = 0 and the transition ends  if ‖s_{t+1}[:k] − g‖ < subgoalThreshold,   else r = −1
 *       each transition is stored with g and with `hindsightGoals` goals s_{t'}[:k], t < t' ≤ the segment's end
 *       L_actor = −mean Q1(s, π_lo(s)) / mean|Q1| + bcWeight · mean ‖π_lo(s_d, g_d) − a_d‖²
 *
 *     The behaviour-cloning loss stays in the actor's loss as a regulariser
 *     on a fresh batch of demonstration tuples (s_d, g_d, a_d) per update;
 *     dividing the Q term by its (detached) mean magnitude, as TD3+BC does
 *     (Fujimoto & Gu 2021), makes `bcWeight` independent of the reward's
 *     scale: 0.4 is TD3+BC's α = 2.5. `bcWeight: 0` is plain TD3 + HER.
 *     The run's schedule applies: no updates before --learning-starts,
 *     then --updates-per-step × envs per vector step on --batch-size rows.
 *     `fineTune: 0` is imitation only: no RL update ever runs, the run just
 *     collects its --steps and evaluates (e.g. --steps 1), so imitation-only
 *     and fine-tuned runs compare on the same evaluation episodes.
 *
 * Departures from the paper, and why:
 * - Fine-tuning is off-policy TD3 with hindsight goals, not the paper's
 *   on-policy natural policy gradient: seed 003's variant, chosen there for
 *   sample efficiency and sparse rewards.
 * - One policy for all goals; no per-goal fine-tuning and distillation.
 * - The low level's subgoal enters as g − s[:k]: the same information as
 *   [s, g], in the terms of the low level's task (how far, which way), and
 *   what lets it ignore the point's absolute position (`lowZeroDims`).
 * - Deterministic networks trained by MSE (seed 003), not max-likelihood.
 *
 * Like HIRO, relay feeds its networks raw observations (subgoals are
 * positions compared with states): the registry declares `rawInput`. It acts
 * with its imitated policy from the first step (no uniform warm-up). Act
 * returns `extras.subgoal` and `extras.subgoal_target`, both the absolute
 * subgoal.
 *
 * The file reads top to bottom: the arguments, the agent (acting, the
 * behaviour-cloning step, the fine-tuning update, checkpoints), then its
 * learner (demonstrations, imitation, the low level's replay).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import { StepStatus } from "../env/task.js";
import { Adam } from "../nn/adam.js";
import { Mlp } from "../nn/mlp.js";
import type { CheckpointContents } from "../nn/save-load.js";
import { packArrays, unpackArrays } from "../replay/bytes.js";
import { checkDemonstrations, episodeTensor, readDemonstrations } from "../replay/demonstrations.js";
import { randomIndex } from "../replay/random-index.js";
import { relayHighTuples, relayLowTuples, type RelayEpisode } from "../replay/relay-relabel.js";
import { ReplayBuffer } from "../replay/replay-buffer.js";
import type { CollectedStep } from "../train/collector.js";
import type { InputEncoder } from "../train/input-encoder.js";
import type { Learner } from "../train/learner.js";
import { ACHIEVED_GOAL, OBSERVATION } from "../train/observation-layout.js";
import type { OffPolicySchedule } from "../train/off-policy-learner.js";
import { checkInput, checkOwnLearnerContext, type ActMode, type ActResult, type AgentShape, type OwnLearnerAgent, type LearnerContext } from "./agent.js";
import { explore } from "./exploration.js";
import { createTd3Model, disposeTd3Model, td3CheckpointContents, td3Target, type Td3Config, type Td3Model } from "./td3.js";

// ---------------------------------------------------------------- arguments

export interface RelayArgs {
  /** Hidden layer sizes of both levels' actors and the low level's critics (seed 003: 256 wide). */
  readonly hidden: readonly number[];
  /** Adam learning rate of both actors (imitation and fine-tuning). */
  readonly actorLr: number;
  /** Adam learning rate of the low level's critics. */
  readonly criticLr: number;
  /** Discount γ of the low level's critic. */
  readonly gamma: number;
  /** Polyak rate τ of the low level's target networks. */
  readonly tau: number;
  /** TD3's target policy smoothing noise and its clip. */
  readonly policyNoise: number;
  readonly noiseClip: number;
  /** Actor and targets update every policyDelay-th critic update. */
  readonly policyDelay: number;
  /** Env steps per high-level decision (seed 003: a subgoal every 5 steps worked best). */
  readonly period: number;
  /** W_l: the low level imitates reaching states at most this many steps ahead; also how far ahead the high level's subgoal lies. */
  readonly windowLow: number;
  /** W_h: the high level imitates pursuing goals reached at most this many steps ahead. */
  readonly windowHigh: number;
  /** Lower bounds of the subgoal, one per leading observation entry (its length is k). */
  readonly subgoalLow: readonly number[];
  /** Upper bounds of the subgoal (same length as subgoalLow). */
  readonly subgoalHigh: readonly number[];
  /** Behaviour-cloning gradient steps per level when the learner is built. */
  readonly bcSteps: number;
  /** Tuples per behaviour-cloning batch (also the regulariser's batch during fine-tuning). */
  readonly bcBatchSize: number;
  /** 1: fine-tune the low level with RL during the run; 0: imitation only. */
  readonly fineTune: number;
  /** Weight of the behaviour-cloning regulariser in the low actor's fine-tuning loss (see the header). */
  readonly bcWeight: number;
  /** The low level reached its subgoal when its first k entries are closer than this. */
  readonly subgoalThreshold: number;
  /** Hindsight goals stored per low-level transition (from later in the same segment). */
  readonly hindsightGoals: number;
  /** Std of the low level's Gaussian exploration while fine-tuning, in action units ([−1, 1]). */
  readonly lowNoise: number;
  /** Leading observation entries the low level does not see (as HIRO's: x, y; it reads the subgoal relative to them). */
  readonly lowZeroDims: number;
}

/**
 * Defaults for PointPush-v0, seed 003's task: subgoals are the point's and
 * the block's state (the first 6 observation entries: point x, y, vx, vy,
 * block x, y), which the measurements below favour; other tasks set
 * subgoalLow/subgoalHigh (e.g. `-1,-1` / `1,1`: the point only). γ, τ and the learning rates are
 * HER's baselines' (sparse goal rewards; see registry.ts's HER_DEFAULTS).
 * Measured on PointPush-v0 (imitation only, 20 scripted demonstrations, 100
 * evaluation episodes, dense reward): with the point-only subgoal the imitated
 * policy scored below an untrained one, which mostly leaves the block alone
 * (return −33.5 vs −29.6, 1000 cloning steps); with the point-and-block
 * subgoal (the first 6 entries: subgoalLow=-1,-1,-0.25,-0.25,-1,-1,
 * subgoalHigh=1,1,0.25,0.25,1,1; seed 003's best relay subgoal) above it (−23.7):
 * a low level told only where the point should be does not learn which way
 * the demonstrator went around the block. Fine-tuning (10,000 steps, seed 0)
 * left the point-only subgoal's success at 0.01 (20 or 200 demonstrations)
 * and raised the point-and-block subgoal's from 0.04 to 0.08 (20) and from
 * 0.19 to 0.58 (200).
 */
export const RELAY_ARGS: RelayArgs = Object.freeze({
  hidden: [256, 256],
  actorLr: 1e-3,
  criticLr: 1e-3,
  gamma: 0.98,
  tau: 0.05,
  policyNoise: 0.2,
  noiseClip: 0.5,
  policyDelay: 2,
  period: 5,
  windowLow: 5,
  windowHigh: 25,
  subgoalLow: [-1, -1, -0.25, -0.25, -1, -1],
  subgoalHigh: [1, 1, 0.25, 0.25, 1, 1],
  bcSteps: 2000,
  bcBatchSize: 256,
  fineTune: 1,
  bcWeight: 0.4,
  subgoalThreshold: 0.05,
  hindsightGoals: 4,
  lowNoise: 0.1,
  lowZeroDims: 2,
});

// ---------------------------------------------------------------- the agent

/** Per env: the subgoal being pursued. */
export interface RelayState {
  /** The absolute subgoal (first k observation entries). */
  subgoal: Float32Array;
  /** Low-level steps left before the high level decides again (0: decide now). */
  stepsLeft: number;
}

/** Low-level transitions for the fine-tuning update: inputs [s, g − s[:k]], actions in [−1, 1]. */
export interface LowBatch {
  readonly rows: number;
  readonly obs: Float32Array;
  readonly action: Float32Array;
  readonly reward: Float32Array;
  readonly nextObs: Float32Array;
  readonly terminated: Float32Array;
}

/** Examples to imitate: inputs and the outputs wanted, row-major. */
export interface ImitationBatch {
  readonly rows: number;
  readonly input: Float32Array;
  readonly target: Float32Array;
}

export class Relay implements OwnLearnerAgent<RelayState> {
  readonly name = "relay";
  readonly kind = "hierarchical";
  readonly inputDim: number;
  readonly actDim: number;
  /** Observation entries of the input (the rest is the desired goal). */
  readonly obsDim: number;
  readonly goalDim: number;
  /** Subgoal size k. */
  readonly k: number;
  readonly lowInputDim: number;
  /** The low level: a TD3 model (its actor imitates, then fine-tunes). */
  readonly low: Td3Model;
  /** The high level's actor [s, goal] → subgoal in [−1, 1]^k (imitation only). */
  readonly high: Mlp;
  readonly highOptimizer: Adam;
  readonly config: Td3Config;
  private readonly rng: Rng;

  constructor(shape: AgentShape, readonly args: RelayArgs = RELAY_ARGS) {
    this.inputDim = shape.inputDim;
    this.actDim = shape.actDim;
    this.goalDim = shape.goalDim ?? 0;
    this.obsDim = shape.inputDim - this.goalDim;
    this.k = args.subgoalLow.length;
    if (this.goalDim < 1) throw new RangeError("relay needs a goal-conditioned task (observation, achieved_goal, desired_goal): the high level reads the desired goal");
    if (this.k < 1 || this.k > this.obsDim || args.subgoalHigh.length !== this.k || args.subgoalLow.some((l, d) => !(l < args.subgoalHigh[d]!))) {
      throw new RangeError(
        `relay: subgoalLow and subgoalHigh need 1 to ${this.obsDim} bounds each (one per leading observation entry), low < high, got [${args.subgoalLow.join(", ")}] and [${args.subgoalHigh.join(", ")}]`,
      );
    }
    for (const name of ["period", "windowLow", "windowHigh", "bcBatchSize"] as const) {
      if (!Number.isInteger(args[name]) || args[name] < 1) throw new RangeError(`relay: ${name} must be an integer ≥ 1, got ${args[name]}`);
    }
    if (!Number.isInteger(args.lowZeroDims) || args.lowZeroDims < 0 || args.lowZeroDims > shape.inputDim - (shape.goalDim ?? 0)) {
      throw new RangeError(`relay: lowZeroDims must be an integer in [0, ${shape.inputDim - (shape.goalDim ?? 0)}], got ${args.lowZeroDims}`);
    }
    for (const name of ["bcSteps", "hindsightGoals"] as const) {
      if (!Number.isInteger(args[name]) || args[name] < 0) throw new RangeError(`relay: ${name} must be an integer ≥ 0, got ${args[name]}`);
    }
    if (args.fineTune !== 0 && args.fineTune !== 1) throw new RangeError(`relay: fineTune is 1 (RL fine-tuning of the low level) or 0 (imitation only), got ${args.fineTune}`);
    if (!(args.bcWeight >= 0)) throw new RangeError(`relay: bcWeight must be ≥ 0, got ${args.bcWeight}`);
    if (!(args.subgoalThreshold > 0)) throw new RangeError(`relay: subgoalThreshold must be > 0, got ${args.subgoalThreshold}`);
    this.lowInputDim = this.obsDim + this.k;
    const seeds = new Rng(shape.seed);
    this.low = createTd3Model({ obsDim: this.lowInputDim, actDim: this.actDim, hidden: args.hidden, actorLr: args.actorLr, criticLr: args.criticLr, seed: seeds.nextSeed() });
    this.high = new Mlp({ sizes: [this.inputDim, ...args.hidden, this.k], outputActivation: "tanh", seed: seeds.nextSeed() });
    this.highOptimizer = new Adam(this.high.trainableVariables, { learningRate: args.actorLr });
    this.rng = new Rng(seeds.nextSeed());
    this.config = { gamma: args.gamma, tau: args.tau, policyNoise: args.policyNoise, noiseClip: args.noiseClip, policyDelay: args.policyDelay };
  }

  initialState(): RelayState {
    return { subgoal: new Float32Array(this.k), stepsLeft: 0 };
  }

  /**
   * The low level's input [s, g − s[:k]] for state `s` (obsDim entries, the
   * first `lowZeroDims` zeroed) and absolute subgoal `g`, written at `out[offset…]`.
   */
  lowInput(s: ArrayLike<number>, g: ArrayLike<number>, out: Float32Array, offset = 0): void {
    for (let d = 0; d < this.obsDim; d++) out[offset + d] = d < this.args.lowZeroDims ? 0 : s[d]!;
    for (let d = 0; d < this.k; d++) out[offset + this.obsDim + d] = g[d]! - s[d]!;
  }

  /** A subgoal (absolute) as the high level's output in [−1, 1] (clipped to the bounds). */
  subgoalToAction(g: ArrayLike<number>, out: Float32Array, offset = 0): void {
    const { subgoalLow: lo, subgoalHigh: hi } = this.args;
    for (let d = 0; d < this.k; d++) out[offset + d] = Math.max(-1, Math.min(1, (2 * (g[d]! - lo[d]!)) / (hi[d]! - lo[d]!) - 1));
  }

  /** The high level's output in [−1, 1] as an absolute subgoal within the bounds. */
  actionToSubgoal(a: ArrayLike<number>, out: Float32Array, offset = 0): void {
    const { subgoalLow: lo, subgoalHigh: hi } = this.args;
    for (let d = 0; d < this.k; d++) out[d] = lo[d]! + ((a[offset + d]! + 1) / 2) * (hi[d]! - lo[d]!);
  }

  /**
   * The low level's actions; where an env's `period` steps are up, the high
   * level first picks its next subgoal from [s, desired goal] (always its
   * deterministic choice: only the low level learns by RL). `extras.subgoal`
   * and `extras.subgoal_target` are the absolute subgoal each row acted under.
   */
  act(input: Float32Array, rows: number, mode: ActMode, states?: RelayState[]): ActResult {
    checkInput(input, rows, this.inputDim);
    const st = states ?? Array.from({ length: rows }, () => this.initialState());
    const deciding = st.flatMap((s, r) => (s.stepsLeft === 0 ? [r] : []));
    if (deciding.length > 0) {
      const highIn = new Float32Array(deciding.length * this.inputDim);
      deciding.forEach((r, i) => highIn.set(input.subarray(r * this.inputDim, (r + 1) * this.inputDim), i * this.inputDim));
      const raw = tf.tidy(() => this.high.apply(tf.tensor2d(highIn, [deciding.length, this.inputDim])).dataSync() as Float32Array);
      deciding.forEach((r, i) => {
        this.actionToSubgoal(raw, st[r]!.subgoal, i * this.k);
        st[r]!.stepsLeft = this.args.period;
      });
    }
    const lowIn = new Float32Array(rows * this.lowInputDim);
    const subgoals = new Float32Array(rows * this.k);
    for (let r = 0; r < rows; r++) {
      const state = st[r]!;
      this.lowInput(input.subarray(r * this.inputDim, r * this.inputDim + this.obsDim), state.subgoal, lowIn, r * this.lowInputDim);
      subgoals.set(state.subgoal, r * this.k);
      state.stepsLeft--;
    }
    const out = tf.tidy(() => this.low.actor.apply(tf.tensor2d(lowIn, [rows, this.lowInputDim])).dataSync() as Float32Array);
    const actions = mode === "explore" && this.args.fineTune === 1 ? explore(out, this.actDim, this.args.lowNoise, 0, this.rng) : out;
    return { actions, extras: { subgoal: subgoals, subgoal_target: subgoals.slice() } };
  }

  /** One behaviour-cloning step of a level: Adam on mean ‖π(input) − target‖²; returns the loss before the step. */
  imitationStep(level: "low" | "high", batch: ImitationBatch): number {
    const net = level === "low" ? this.low.actor : this.high;
    const optimizer = level === "low" ? this.low.actorOptimizer : this.highOptimizer;
    const inDim = level === "low" ? this.lowInputDim : this.inputDim;
    const outDim = level === "low" ? this.actDim : this.k;
    return tf.tidy(() => {
      const x = tf.tensor2d(batch.input, [batch.rows, inDim]);
      const y = tf.tensor2d(batch.target, [batch.rows, outDim]);
      const loss = optimizer.minimize(() => tf.mean(tf.square(tf.sub(net.apply(x, { inputGrad: false }), y))) as tf.Scalar);
      return loss.dataSync()[0]!;
    });
  }

  /** After imitation: the low level's target actor starts from the imitated actor (its critics' targets are still their copies). */
  imitationDone(): void {
    this.low.actorTarget.copyFrom(this.low.actor);
  }

  /**
   * One fine-tuning update of the low level (see the header): TD3's critic
   * step on `batch`; every policyDelay-th update the actor step on
   * −Q/mean|Q| plus the behaviour-cloning regulariser on `demo`, then the
   * Polyak update of the targets. Returns the losses.
   */
  fineTuneStep(batch: LowBatch, demo: ImitationBatch): Record<string, number> {
    const model = this.low;
    const b = batch.rows;
    const t = {
      obs: tf.tensor2d(batch.obs, [b, this.lowInputDim]),
      action: tf.tensor2d(batch.action, [b, this.actDim]),
      reward: tf.tensor1d(batch.reward),
      nextObs: tf.tensor2d(batch.nextObs, [b, this.lowInputDim]),
      done: tf.tensor1d(batch.terminated),
    };
    try {
      model.updates += 1;
      const criticLoss = tf.tidy(() => {
        const y = td3Target(model, t, this.config, model.noise([b, this.actDim]));
        const input = tf.concat([t.obs, t.action], 1);
        const loss = model.criticOptimizer.minimize(() => {
          const e1 = tf.sub(model.critic1.apply(input, { inputGrad: false }), y);
          const e2 = tf.sub(model.critic2.apply(input, { inputGrad: false }), y);
          return tf.add(tf.mean(tf.square(e1)), tf.mean(tf.square(e2))) as tf.Scalar;
        });
        return loss.dataSync()[0]!;
      });
      if (model.updates % this.config.policyDelay !== 0) return { low_critic_loss: criticLoss };
      const qScale = tf.tidy(() => tf.mean(tf.abs(model.critic1.apply(tf.concat([t.obs, model.actor.apply(t.obs)], 1)))).dataSync()[0]!);
      const [actorLoss, bcLoss] = tf.tidy(() => {
        const demoIn = tf.tensor2d(demo.input, [demo.rows, this.lowInputDim]);
        const demoAction = tf.tensor2d(demo.target, [demo.rows, this.actDim]);
        let bc = NaN;
        const loss = model.actorOptimizer.minimize(() => {
          const q = model.critic1.apply(tf.concat([t.obs, model.actor.apply(t.obs, { inputGrad: false })], 1), { frozen: true });
          const rl = tf.div(tf.neg(tf.mean(q)), Math.max(qScale, 1e-6));
          const imitation = tf.mean(tf.square(tf.sub(model.actor.apply(demoIn, { inputGrad: false }), demoAction)));
          bc = imitation.dataSync()[0]!;
          return tf.add(rl, tf.mul(imitation, this.args.bcWeight)) as tf.Scalar;
        });
        return [loss.dataSync()[0]!, bc];
      });
      model.actorTarget.polyakFrom(model.actor, this.config.tau);
      model.critic1Target.polyakFrom(model.critic1, this.config.tau);
      model.critic2Target.polyakFrom(model.critic2, this.config.tau);
      return { low_critic_loss: criticLoss, low_actor_loss: actorLoss, low_bc_loss: bcLoss };
    } finally {
      tf.dispose(Object.values(t));
    }
  }

  makeLearner(context: LearnerContext): Learner {
    return new RelayLearner(this, context);
  }

  checkpointContents(): CheckpointContents {
    const low = td3CheckpointContents(this.low);
    const prefixed = <T>(r: Record<string, T>) => Object.fromEntries(Object.entries(r).map(([name, v]) => [`low_${name}`, v]));
    return {
      networks: { ...prefixed(low.networks), high_actor: this.high },
      optimizers: { ...prefixed(low.optimizers ?? {}), high_actor: this.highOptimizer },
      meta: { low: low.meta, rng: rngStateToJson(this.rng.state()) },
    };
  }

  restoreMeta(meta: unknown): void {
    const m = meta as { low: { updates: number; noiseRng: Array<number | null> }; rng: Array<number | null> };
    this.low.updates = m.low.updates;
    this.low.noiseRng.setState(rngStateFromJson(m.low.noiseRng));
    this.rng.setState(rngStateFromJson(m.rng));
  }

  dispose(): void {
    disposeTd3Model(this.low);
    this.high.dispose();
    this.highOptimizer.dispose();
  }
}

// ---------------------------------------------------------------- the learner

/** The low level's stored transition (sizes per row). */
type LowFields = { obs: number; action: number; reward: number; nextObs: number; terminated: number };

/** One low-level segment (the steps under one subgoal) being lived by one env. */
interface OpenSegment {
  length: number;
  readonly subgoal: Float32Array;
  /** s_0 … s_length, [(period + 1) × obsDim]. */
  readonly states: Float32Array;
  /** [period × actDim] */
  readonly actions: Float32Array;
}

/** What imitation left behind, for the log records. */
export interface ImitationReport {
  readonly episodes: number;
  readonly lowTuples: number;
  readonly highTuples: number;
  /** Mean loss of the first and of the last tenth of the steps, per level (NaN without steps). */
  readonly low: readonly [number, number];
  readonly high: readonly [number, number];
}

/**
 * Relay's storage and schedule. Built: reads the demonstrations
 * (`context.demos`), relabels them (relay-relabel.ts) and imitates them for
 * `bcSteps` steps per level. Then, with `fineTune: 1`, every collected step
 * joins its env's segment (the `period` steps under one subgoal); a closed
 * segment becomes low-level transitions with the sparse reaching reward, each
 * once for the subgoal lived and `hindsightGoals` times for a state reached
 * later in the segment; after `learningStarts` env steps, `updatesPerStep ×
 * envs` fine-tuning updates per vector step. Segments in flight are not
 * checkpointed (a resumed run starts its episodes anew, as the collector does).
 */
export class RelayLearner implements Learner {
  /** The low level's replay of its own (hindsight-relabelled) transitions. */
  readonly replay: ReplayBuffer<LowFields>;
  /** The demonstrations' low-level tuples as network inputs [s, g − s[:k]] and actions. */
  readonly demoLow: { readonly rows: number; readonly input: Float32Array; readonly action: Float32Array };
  /** The high level's tuples as inputs [s, ag] and subgoals in [−1, 1]. */
  readonly demoHigh: { readonly rows: number; readonly input: Float32Array; readonly target: Float32Array };
  readonly imitation: ImitationReport;
  private readonly segments: OpenSegment[];
  private readonly schedule: OffPolicySchedule;
  private readonly encoder: InputEncoder;
  private readonly rng: Rng;
  private carry = 0;
  private segmentsClosed = 0;
  private segmentsReached = 0;

  constructor(
    readonly agent: Relay,
    context: LearnerContext,
  ) {
    const { schedule, encoder } = context;
    checkOwnLearnerContext("relay", context, { her: "relabels its own goals (relay relabelling of the demonstrations, hindsight subgoals when fine-tuning)", rawInputs: "subgoals are positions compared with states" });
    if (context.onlineReward) throw new Error("relay learns without env rewards (imitation, then a reaching reward computed from states): a learned reward (--reward gahil) has nothing to do");
    if (!context.demos) throw new Error("relay imitates demonstrations: give --demos FILE (record one with: simbridge collect --task TASK --policy scripted --episodes 20 --out FILE)");
    this.schedule = schedule;
    this.encoder = encoder;
    this.rng = context.rng;
    const a = agent;

    const demos = readDemonstrations(context.demos);
    checkDemonstrations(demos, context.spec, `the demonstrations in ${context.demos}`);
    const episodes: RelayEpisode[] = demos.episodes.map((e) => ({ length: e.length, states: episodeTensor(demos, e, OBSERVATION), achieved: episodeTensor(demos, e, ACHIEVED_GOAL), actions: e.actions }));
    const dims = { obsDim: a.obsDim, goalDim: a.goalDim, actDim: a.actDim, k: a.k };
    const low = relayLowTuples(episodes, dims, a.args.windowLow);
    const high = relayHighTuples(episodes, dims, a.args.windowLow, a.args.windowHigh);
    if (low.rows === 0) throw new Error(`the demonstrations in ${context.demos} hold no steps to imitate`);
    const lowInput = new Float32Array(low.rows * a.lowInputDim);
    for (let r = 0; r < low.rows; r++) a.lowInput(low.state.subarray(r * a.obsDim, (r + 1) * a.obsDim), low.goal.subarray(r * a.k, (r + 1) * a.k), lowInput, r * a.lowInputDim);
    this.demoLow = { rows: low.rows, input: lowInput, action: low.action };
    const highInput = new Float32Array(high.rows * a.inputDim);
    const highTarget = new Float32Array(high.rows * a.k);
    for (let r = 0; r < high.rows; r++) {
      highInput.set(high.state.subarray(r * a.obsDim, (r + 1) * a.obsDim), r * a.inputDim);
      highInput.set(high.goal.subarray(r * a.goalDim, (r + 1) * a.goalDim), r * a.inputDim + a.obsDim);
      a.subgoalToAction(high.subgoal.subarray(r * a.k, (r + 1) * a.k), highTarget, r * a.k);
    }
    this.demoHigh = { rows: high.rows, input: highInput, target: highTarget };
    this.imitation = { episodes: demos.episodes.length, lowTuples: low.rows, highTuples: high.rows, ...this.imitate() };

    const p = a.args.period;
    const capacity = Math.min(schedule.bufferSize, 1_000_000);
    this.replay = new ReplayBuffer({ obs: a.lowInputDim, action: a.actDim, reward: 1, nextObs: a.lowInputDim, terminated: 1 }, a.args.fineTune === 1 ? capacity : 1);
    this.segments = Array.from({ length: context.envs }, () => ({ length: 0, subgoal: new Float32Array(a.k), states: new Float32Array((p + 1) * a.obsDim), actions: new Float32Array(p * a.actDim) }));
  }

  /** `bcSteps` behaviour-cloning steps of each level; the mean losses of the first and last tenth. */
  private imitate(): { low: [number, number]; high: [number, number] } {
    const a = this.agent;
    const steps = a.args.bcSteps;
    const tenth = Math.max(1, Math.floor(steps / 10));
    const sums = { low: [0, 0], high: [0, 0] };
    for (let i = 0; i < steps; i++) {
      const low = a.imitationStep("low", this.demoBatch("low"));
      const high = a.imitationStep("high", this.demoBatch("high"));
      const part = i < tenth ? 0 : i >= steps - tenth ? 1 : -1;
      if (part >= 0) {
        sums.low[part]! += low;
        sums.high[part]! += high;
      }
    }
    a.imitationDone();
    const mean = (s: number[]): [number, number] => (steps === 0 ? [NaN, NaN] : [s[0]! / tenth, s[1]! / tenth]);
    return { low: mean(sums.low), high: mean(sums.high) };
  }

  /** A batch of `bcBatchSize` demonstration tuples of a level, drawn uniformly with replacement. */
  demoBatch(level: "low" | "high"): { rows: number; input: Float32Array; target: Float32Array } {
    const a = this.agent;
    const rows = a.args.bcBatchSize;
    const src = level === "low" ? { n: this.demoLow.rows, input: this.demoLow.input, target: this.demoLow.action } : { n: this.demoHigh.rows, ...this.demoHigh };
    const inDim = level === "low" ? a.lowInputDim : a.inputDim;
    const outDim = level === "low" ? a.actDim : a.k;
    const input = new Float32Array(rows * inDim);
    const target = new Float32Array(rows * outDim);
    for (let i = 0; i < rows; i++) {
      const r = randomIndex(this.rng, src.n);
      input.set(src.input.subarray(r * inDim, (r + 1) * inDim), i * inDim);
      target.set(src.target.subarray(r * outDim, (r + 1) * outDim), i * outDim);
    }
    return { rows, input, target };
  }

  /** Relay acts with its imitated policy from the first step: no uniform warm-up. */
  randomActions(): boolean {
    return false;
  }

  observe(step: CollectedStep): void {
    const a = this.agent;
    if (a.args.fineTune === 0) return;
    const { obsDim, actDim, k } = a;
    const obs = this.encoder.layout.observation(step.obs);
    const next = this.encoder.layout.observation(step.nextObs);
    const subgoals = step.extras["subgoal"];
    if (!subgoals || subgoals.length !== step.envs * k) throw new Error(`relay: expected the acting subgoal (extras.subgoal, ${k} per env) with every collected step`);
    for (let i = 0; i < step.envs; i++) {
      const seg = this.segments[i]!;
      if (seg.length === 0) {
        seg.subgoal.set(subgoals.subarray(i * k, (i + 1) * k));
        seg.states.set(obs.subarray(i * obsDim, (i + 1) * obsDim), 0);
      }
      seg.actions.set(step.actions.subarray(i * actDim, (i + 1) * actDim), seg.length * actDim);
      seg.states.set(next.subarray(i * obsDim, (i + 1) * obsDim), (seg.length + 1) * obsDim);
      seg.length++;
      const ended = step.status[i] !== StepStatus.RUNNING;
      if (seg.length === a.args.period || ended) this.closeSegment(seg, step.status[i] === StepStatus.TERMINATED);
    }
  }

  /** Whether state row `t` of the segment reached `g` (first k entries within the threshold). */
  private reached(seg: OpenSegment, t: number, g: ArrayLike<number>): boolean {
    const a = this.agent;
    let sum = 0;
    for (let d = 0; d < a.k; d++) sum += (seg.states[t * a.obsDim + d]! - g[d]!) ** 2;
    return Math.sqrt(sum) < a.args.subgoalThreshold;
  }

  /** Stores the segment's transitions for the subgoal lived and for hindsight goals, then empties it. */
  private closeSegment(seg: OpenSegment, envTerminated: boolean): void {
    const a = this.agent;
    const { obsDim, actDim, k } = a;
    const L = seg.length;
    const obs = new Float32Array(a.lowInputDim);
    const nextObs = new Float32Array(a.lowInputDim);
    const hindsight = new Float32Array(k);
    let reachedAny = false;
    const store = (t: number, g: Float32Array) => {
      const s = seg.states.subarray(t * obsDim, (t + 1) * obsDim);
      const s2 = seg.states.subarray((t + 1) * obsDim, (t + 2) * obsDim);
      const reached = this.reached(seg, t + 1, g);
      a.lowInput(s, g, obs);
      a.lowInput(s2, g, nextObs);
      this.replay.add({ obs, action: seg.actions.subarray(t * actDim, (t + 1) * actDim), reward: reached ? 0 : -1, nextObs, terminated: reached || (envTerminated && t === L - 1) ? 1 : 0 });
      return reached;
    };
    for (let t = 0; t < L; t++) {
      reachedAny = store(t, seg.subgoal) || reachedAny;
      for (let h = 0; h < a.args.hindsightGoals; h++) {
        // HER's "future" strategy within the segment: a state reached after this step.
        const later = t + 1 + randomIndex(this.rng, L - t);
        hindsight.set(seg.states.subarray(later * obsDim, later * obsDim + k));
        store(t, hindsight);
      }
    }
    this.segmentsClosed++;
    if (reachedAny) this.segmentsReached++;
    seg.length = 0;
  }

  cut(): void {
    // The cut episodes' segments are dropped: their next state is unknown.
    for (const seg of this.segments) seg.length = 0;
  }

  train(envStep: number): Record<string, number> | undefined {
    if (this.agent.args.fineTune === 0 || envStep < this.schedule.learningStarts) return undefined;
    const rows = this.schedule.batchSize;
    let losses: Record<string, number> | undefined;
    this.carry += this.schedule.updatesPerStep * this.segments.length;
    for (; this.carry >= 1 && this.replay.size >= rows; this.carry--) {
      const b = this.replay.sample(rows, this.rng);
      losses = { ...losses, ...this.agent.fineTuneStep({ rows, ...b }, this.demoBatch("low")) };
    }
    this.carry %= 1;
    return losses;
  }

  stats(): Record<string, number> {
    const i = this.imitation;
    return {
      demo_episodes: i.episodes,
      bc_low_loss: i.low[1],
      bc_high_loss: i.high[1],
      ...(this.agent.args.fineTune === 1 ? { low_replay_size: this.replay.size } : {}),
      // The share of the low level's segments so far (since the run started) that reached their subgoal at some step.
      ...(this.segmentsClosed > 0 ? { subgoal_reached: this.segmentsReached / this.segmentsClosed } : {}),
    };
  }

  state(): unknown {
    return { carry: this.carry, segmentsClosed: this.segmentsClosed, segmentsReached: this.segmentsReached };
  }

  serializeStorage(full: boolean): Uint8Array | undefined {
    if (!full || this.agent.args.fineTune === 0) return undefined;
    return packArrays({ format: "simbridge.RelayStorage" }, { low: this.replay.serialize() });
  }

  restore(state: unknown, storage: Uint8Array | undefined): void {
    const s = state as { carry?: number; segmentsClosed?: number; segmentsReached?: number } | undefined;
    this.carry = s?.carry ?? 0;
    this.segmentsClosed = s?.segmentsClosed ?? 0;
    this.segmentsReached = s?.segmentsReached ?? 0;
    if (!storage) return;
    const { arrays } = unpackArrays(storage);
    this.replay.restore(arrays["low"] as Uint8Array);
  }
}
