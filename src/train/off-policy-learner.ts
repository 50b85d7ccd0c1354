/**
 * The off-policy schedule (TD3, DDPG, SAC): every collected transition goes to
 * replay — HER for goal-conditioned tasks with `her`, a plain ring buffer
 * otherwise — and after `learningStarts` env steps (uniform random actions
 * until then) the agent takes `updatesPerStep × envs` updates per vector step
 * on batches of `batchSize` sampled transitions.
 *
 * Fractional rates are exact over time: each vector step after learning
 * starts adds `updatesPerStep × envs` to a carry and the whole updates in it
 * run (0.25 with one env: one update every 4th env step; 1.5 with 2 envs: 3
 * per vector step). The carry is part of the learner's checkpoint state, so a
 * resumed run keeps the same rhythm. An integer rate runs the same number of
 * updates every step, as before the carry existed.
 *
 * Inputs are normalised when sampled, with the encoder's current statistics.
 * With an online reward model (GAHIL) every HER sample also feeds it
 * negatives and gives it the chance to train; the env's reward is never
 * stored (HER scores every sample with the model).
 */
import type { Rng } from "../core/rng.js";
import type { TaskSpec } from "../env/task.js";
import { StepStatus } from "../env/task.js";
import { HerReplayBuffer } from "../replay/her-buffer.js";
import { ReplayBuffer } from "../replay/replay-buffer.js";
import type { RewardModel } from "../reward/reward-model.js";
import type { OnlineRewardModel } from "../reward/online-reward.js";
import type { OffPolicyAgent, TransitionBatch } from "../algos/agent.js";
import type { CollectedStep } from "./collector.js";
import type { InputEncoder } from "./input-encoder.js";
import type { Learner } from "./learner.js";

export interface OffPolicySchedule {
  /** Transitions per update. */
  readonly batchSize: number;
  /** Replay capacity in transitions. */
  readonly bufferSize: number;
  /** Env steps of uniform random actions before learning starts. */
  readonly learningStarts: number;
  /** Gradient updates per env step (> 0; fractions accumulate, see the file header). */
  readonly updatesPerStep: number;
  /** Use HER (goal-conditioned tasks only). */
  readonly her: boolean;
  /** HER relabels per real transition (k). */
  readonly herK: number;
}

/** Replay as the learner uses it: add lived steps, sample named batches. */
interface Replay {
  readonly size: number;
  add(env: number, step: CollectedStep): void;
  endEpisode(env: number): void;
  sample(rows: number): TransitionBatch;
  serialize(): Uint8Array;
  restore(bytes: Uint8Array): void;
}

/** What a checkpoint of the learner holds besides storage. */
interface OffPolicyState {
  /** Updates earned but not run yet, in [0, 1). */
  readonly updateCarry: number;
}

export class OffPolicyLearner implements Learner {
  private readonly replay: Replay;
  /** Updates earned but not run yet (the fractional part of `updatesPerStep × envs` summed over steps). */
  private updateCarry = 0;

  constructor(
    readonly spec: TaskSpec,
    readonly agent: OffPolicyAgent,
    readonly encoder: InputEncoder,
    readonly schedule: OffPolicySchedule,
    /** Shared with the collector: a seed gives one run. */
    private readonly rng: Rng,
    private readonly envs: number,
    /** Scores HER goals; required with `her`. */
    rewardModel: RewardModel | undefined,
    /** Set when the reward is learned online: fed from every sample. */
    private readonly onlineReward: OnlineRewardModel | undefined,
  ) {
    if (schedule.her && !spec.goalConditioned) throw new Error(`--her needs a goal-conditioned task; ${spec.name} is not`);
    if (schedule.her && !rewardModel) throw new Error("--her needs a reward model (the task's computeReward, or a learned one)");
    if (onlineReward && !schedule.her) throw new Error("a learned reward needs --her with off-policy learners: it scores hindsight goals");
    if (!(Number.isFinite(schedule.updatesPerStep) && schedule.updatesPerStep > 0)) {
      throw new Error(`updatesPerStep must be a positive number, got ${schedule.updatesPerStep}`);
    }
    this.replay = schedule.her ? this.herReplay(rewardModel!) : this.plainReplay();
  }

  randomActions(envStep: number): boolean {
    return envStep < this.schedule.learningStarts;
  }

  observe(step: CollectedStep): void {
    for (let i = 0; i < step.envs; i++) {
      this.replay.add(i, step);
      if (step.status[i] !== StepStatus.RUNNING) this.replay.endEpisode(i);
    }
  }

  cut(): void {
    // The cut episodes' stored steps stay in replay, like truncated ones.
    for (let i = 0; i < this.envs; i++) this.replay.endEpisode(i);
  }

  train(envStep: number): Record<string, number> | undefined {
    if (envStep < this.schedule.learningStarts || this.replay.size < this.schedule.batchSize) return undefined;
    let losses: Record<string, number> | undefined;
    const updates = this.dueUpdates();
    for (let u = 0; u < updates; u++) losses = this.agent.update(this.replay.sample(this.schedule.batchSize));
    return losses;
  }

  /** Adds this vector step's `updatesPerStep × envs` to the carry and takes the whole updates out of it. */
  private dueUpdates(): number {
    let carry = this.updateCarry + this.envs * this.schedule.updatesPerStep;
    // Rounding noise (ten steps of 0.1 sum to 0.9999999999999999) must not cost an update.
    const nearest = Math.round(carry);
    if (Math.abs(carry - nearest) < 1e-9) carry = nearest;
    const updates = Math.floor(carry);
    this.updateCarry = carry - updates;
    return updates;
  }

  stats(): Record<string, number> {
    return { replay_size: this.replay.size };
  }

  state(): OffPolicyState {
    return { updateCarry: this.updateCarry };
  }

  serializeStorage(full: boolean): Uint8Array | undefined {
    return full ? this.replay.serialize() : undefined;
  }

  restore(state: unknown, storage: Uint8Array | undefined): void {
    // Checkpoints written before the carry existed hold {}: no updates owed.
    const carry = (state as Partial<OffPolicyState> | undefined)?.updateCarry;
    this.updateCarry = typeof carry === "number" && Number.isFinite(carry) && carry >= 0 ? carry : 0;
    if (storage) this.replay.restore(storage);
  }

  // ---- replay: HER for goal-conditioned tasks, a plain ring buffer otherwise ----

  private herReplay(rewardModel: RewardModel): Replay {
    const obsDim = this.encoder.obsDim;
    const goalDim = this.encoder.goalDim;
    const actDim = this.agent.actDim;
    const layout = this.encoder.layout;
    const her = new HerReplayBuffer({
      sizes: { obs: obsDim, goal: goalDim, action: actDim },
      capacity: this.schedule.bufferSize,
      numEnvs: this.envs,
      rewardModel,
      rewardSource: "model",
      nSampledGoal: this.schedule.herK,
    });
    let out: ReturnType<HerReplayBuffer["allocateSample"]> | undefined;
    const input = { obs: new Float32Array(0), nextObs: new Float32Array(0) };
    return {
      get size() {
        return her.size;
      },
      // HER scores every sampled transition with the reward model (rewardSource "model"),
      // so the env's reward is not even stored.
      add: (i, s) =>
        her.add(
          {
            obs: row(layout.observation(s.obs), obsDim, i),
            achievedGoal: row(layout.achievedGoal(s.obs), goalDim, i),
            desiredGoal: row(layout.desiredGoal(s.obs), goalDim, i),
            action: row(s.actions, actDim, i),
            nextObs: row(layout.observation(s.nextObs), obsDim, i),
            nextAchievedGoal: row(layout.achievedGoal(s.nextObs), goalDim, i),
            reward: NaN,
            isSuccess: s.isSuccess[i] === 1,
            terminated: s.status[i] === StepStatus.TERMINATED,
            truncated: s.status[i] === StepStatus.TRUNCATED,
          },
          i,
        ),
      endEpisode: (i) => her.endEpisode(i),
      sample: (rows) => {
        if (!out || out.reward.length !== rows) {
          out = her.allocateSample(rows);
          input.obs = new Float32Array(rows * (obsDim + goalDim));
          input.nextObs = new Float32Array(rows * (obsDim + goalDim));
        }
        const s = her.sample(rows, this.rng, out);
        if (this.onlineReward) {
          this.onlineReward.addRelabelledNegatives(s);
          this.onlineReward.maybeTrain();
        }
        return {
          rows,
          obs: this.encoder.encode(s.obs, s.desiredGoal, rows, input.obs),
          action: s.action,
          reward: s.reward,
          nextObs: this.encoder.encode(s.nextObs, s.desiredGoal, rows, input.nextObs),
          terminated: s.terminated,
        };
      },
      serialize: () => her.serialize(),
      restore: (bytes) => her.restore(bytes),
    };
  }

  private plainReplay(): Replay {
    const obsDim = this.encoder.obsDim;
    const goalDim = this.encoder.goalDim;
    const actDim = this.agent.actDim;
    const layout = this.encoder.layout;
    const goal = layout.goalConditioned;
    const fields = { obs: obsDim, goal: Math.max(goalDim, 1), action: actDim, reward: 1, nextObs: obsDim, terminated: 1 };
    const buffer = new ReplayBuffer(fields, this.schedule.bufferSize);
    const zero = new Float32Array(1);
    let out: ReturnType<typeof buffer.allocateBatch> | undefined;
    const input = { obs: new Float32Array(0), nextObs: new Float32Array(0) };
    return {
      get size() {
        return buffer.size;
      },
      add: (i, s) => {
        if (!s.reward) throw new Error(`${this.spec.name} gives the learner no reward: train it with --her and a reward model (--reward known or gahil)`);
        buffer.add({
          obs: row(layout.observation(s.obs), obsDim, i),
          goal: goal ? row(layout.desiredGoal(s.obs), goalDim, i) : zero,
          action: row(s.actions, actDim, i),
          reward: s.reward[i]!,
          nextObs: row(layout.observation(s.nextObs), obsDim, i),
          terminated: s.status[i] === StepStatus.TERMINATED ? 1 : 0,
        });
      },
      endEpisode: () => undefined,
      sample: (rows) => {
        if (!out || out.reward.length !== rows) {
          out = buffer.allocateBatch(rows);
          input.obs = new Float32Array(rows * (obsDim + goalDim));
          input.nextObs = new Float32Array(rows * (obsDim + goalDim));
        }
        const s = buffer.sample(rows, this.rng, out);
        return {
          rows,
          obs: this.encoder.encode(s.obs, goal ? s.goal : undefined, rows, input.obs),
          action: s.action,
          reward: s.reward,
          nextObs: this.encoder.encode(s.nextObs, goal ? s.goal : undefined, rows, input.nextObs),
          terminated: s.terminated,
        };
      },
      serialize: () => buffer.serialize(),
      restore: (bytes) => buffer.restore(bytes),
    };
  }
}

/** Row `i` of a batch-major array of rows of `size` (a view). */
function row(a: Float32Array, size: number, i: number): Float32Array {
  return a.subarray(i * size, (i + 1) * size);
}
