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
 * Credit (`credit`, src/replay/credit.ts): one-step transitions by default;
 * n-step, floating n-step or n-step GAE windows over whole stored episodes
 * otherwise (CreditSampler). Replay (`replay`): one layer — every batch is
 * sampled (and credited) from storage afresh — or the two-layer replay of
 * seed 000 (TwoLayerReplay: a fast memory of ready transitions, refreshed
 * every `recalcDelay + 1` batches on average).
 *
 * Batch requests (`agent.nextBatch`, a BatchRequest, src/algos/agent.ts):
 * before every update the learner asks the agent what batch it wants — rows
 * (instead of `batchSize`), only the `recent` newest transitions, no
 * hindsight goals — and samples exactly that: the plain ring gathers among
 * its newest rows, HER and credit windows draw their steps from the episode
 * buffer's recent window (`EpisodeBuffer.pickRecent`, the rule is there) and
 * skip relabelling, the two-layer replay credits such batches fresh from its
 * full memory (src/replay/two-layer-replay.ts says why). Requests are checked
 * (errors name the agent and the field). An update runs when storage can
 * answer its request: `rows` transitions stored (for a `recent` request,
 * min(rows, recent) in the window); until then no update is owed, and when
 * one due update's request cannot be answered the step's remaining updates
 * are not run either (the agent's next update stays the one it asked for).
 * An agent without `nextBatch` gets `batchSize` rows from all of storage, the
 * same draws as before requests existed.
 *
 * Extras (`agent.storedExtras`, e.g. BNPO's behaviour policy): each row's
 * values are taken from what `act` returned for the step (`CollectedStep.extras`)
 * and stored with the transition on every storage path — the ring's fields
 * and the checkpoints' arrays are named `extra:NAME`, never a built-in name —
 * and every batch carries them as `extras`, row-aligned, those of the
 * transition's first step (for a hindsight goal: computed under the goal
 * lived). An agent that declares an extra `act` did not return, or returned at
 * another size, is refused with the extra's name. Warm-up steps
 * (`CollectedStep.randomActions`) are the exception: `act` is not called for
 * uniform random actions, and the learner stores NaN for every declared extra
 * of those rows — nothing describes the uniform behaviour in the agent's
 * terms. The agent decides per row what stands in for NaN (BNPO: its target
 * actor, as without stored extras). With no stored extras nothing changes:
 * same fields, same random draws.
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
import { randomIndex } from "../replay/random-index.js";
import { ReplayBuffer } from "../replay/replay-buffer.js";
import { EpisodeBuffer, extraField } from "../replay/episode-buffer.js";
import { CreditSampler, type CreditSample } from "../replay/credit-sampler.js";
import { checkCreditOptions, type CreditMode } from "../replay/credit.js";
import { TwoLayerReplay, type FastSample } from "../replay/two-layer-replay.js";
import type { RewardModel } from "../reward/reward-model.js";
import type { OnlineRewardModel } from "../reward/online-reward.js";
import type { BatchRequest, OffPolicyAgent, TransitionBatch } from "../algos/agent.js";
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
  /** Credit assignment: one-step, n-step, floating n-step or n-step GAE (src/replay/credit.ts). */
  readonly credit: CreditMode;
  /** Window n (nstep, gae) or its maximum N (floating); 1 with one-step credit. */
  readonly creditN: number;
  /** GAE λ. */
  readonly creditLambda: number;
  /** One layer (sample and credit every batch) or seed 000's two-layer replay. */
  readonly replay: "one-layer" | "two-layer";
  /** Two-layer replay: a batch recalculates with probability 1/(rd+1); "never": credit once per episode. */
  readonly recalcDelay: number | "never";
  /** Two-layer replay: whole episodes credited again per recalculation. */
  readonly recalcEpisodes: number;
}

/** One-step credit and a one-layer replay (the default); two-layer settings as seed 002 (rd 3). */
export const ONE_STEP_CREDIT: Pick<OffPolicySchedule, "credit" | "creditN" | "creditLambda" | "replay" | "recalcDelay" | "recalcEpisodes"> = Object.freeze({
  credit: "one",
  creditN: 1,
  creditLambda: 0.95,
  replay: "one-layer",
  recalcDelay: 3,
  recalcEpisodes: 4,
});

/** Rows of the two-layer replay's fast memory read to measure reward staleness. */
const STALENESS_ROWS = 1024;

/** Extra name → its values for every env of one step, [envs × size] (the agent's storedExtras). */
type StepExtras = Readonly<Record<string, Float32Array>>;

/** Replay as the learner uses it: add lived steps, sample named batches. */
interface Replay {
  readonly size: number;
  /** Stores env `env`'s transition of `step`; `extras` is given exactly when the agent declares storedExtras. */
  add(env: number, step: CollectedStep, extras: StepExtras | undefined): void;
  endEpisode(env: number): void;
  /** A batch of exactly `request` (checked). */
  sample(request: BatchRequest): TransitionBatch;
  /** Transitions `request` draws from now: all that can be sampled, or those in its recent window. */
  available(request: BatchRequest): number;
  serialize(): Uint8Array;
  restore(bytes: Uint8Array): void;
  /** What the replay adds to the learner's metrics. */
  stats?(): Record<string, number>;
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
  /** The agent's storedExtras (name → values per row); undefined when it declares none. */
  private readonly extraSizes: Readonly<Record<string, number>> | undefined;
  /** The batch of an agent without nextBatch. */
  private readonly runRequest: BatchRequest;

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
    const extras = agent.storedExtras;
    if (extras && Object.keys(extras).length > 0) {
      for (const [name, size] of Object.entries(extras)) {
        if (!Number.isSafeInteger(size) || size < 1) throw new Error(`${agent.name} declares the stored extra "${name}" with ${size} values per row; expected a positive integer`);
      }
      this.extraSizes = Object.freeze({ ...extras });
    }
    this.runRequest = Object.freeze({ rows: schedule.batchSize });
    const oneStep = schedule.credit === "one" && schedule.replay === "one-layer";
    this.replay = !oneStep ? this.creditReplay(rewardModel) : schedule.her ? this.herReplay(rewardModel!) : this.plainReplay();
  }

  randomActions(envStep: number): boolean {
    return envStep < this.schedule.learningStarts;
  }

  observe(step: CollectedStep): void {
    const extras = this.stepExtras(step);
    for (let i = 0; i < step.envs; i++) {
      this.replay.add(i, step, extras);
      if (step.status[i] !== StepStatus.RUNNING) this.replay.endEpisode(i);
    }
  }

  cut(): void {
    // The cut episodes' stored steps stay in replay, like truncated ones.
    for (let i = 0; i < this.envs; i++) this.replay.endEpisode(i);
  }

  train(envStep: number): Record<string, number> | undefined {
    if (envStep < this.schedule.learningStarts) return undefined;
    let request = this.nextRequest();
    if (!this.canAnswer(request)) return undefined;
    let losses: Record<string, number> | undefined;
    const updates = this.dueUpdates();
    for (let u = 0; u < updates; u++) {
      if (u > 0) {
        request = this.nextRequest();
        if (!this.canAnswer(request)) break; // the rest of this step's updates are not owed (file header)
      }
      losses = this.agent.update(this.replay.sample(request));
    }
    return losses;
  }

  /** The agent's request for its next update (checked), or the run's batch when it makes none. */
  private nextRequest(): BatchRequest {
    if (!this.agent.nextBatch) return this.runRequest;
    const r = this.agent.nextBatch() as Partial<BatchRequest> | null | undefined;
    const who = `${this.agent.name}.nextBatch()`;
    if (r === null || typeof r !== "object") throw new Error(`${who} must return a batch request {rows, recent?, relabel?}, got ${JSON.stringify(r)}`);
    if (!(Number.isSafeInteger(r.rows) && r.rows! >= 1)) throw new Error(`${who}: rows must be a positive integer, got ${JSON.stringify(r.rows)}`);
    if (r.recent !== undefined && !(Number.isSafeInteger(r.recent) && r.recent >= 1)) {
      throw new Error(`${who}: recent must be a positive integer (or left out), got ${JSON.stringify(r.recent)}`);
    }
    if (r.relabel !== undefined && typeof r.relabel !== "boolean") throw new Error(`${who}: relabel must be true or false (or left out), got ${JSON.stringify(r.relabel)}`);
    return r as BatchRequest;
  }

  /** Storage holds enough for `request`: `rows` transitions, or min(rows, recent) in its recent window. */
  private canAnswer(request: BatchRequest): boolean {
    const need = request.recent === undefined ? request.rows : Math.min(request.rows, request.recent);
    return this.replay.available(request) >= need;
  }

  /**
   * The agent's storedExtras of `step`, [envs × size] each: as `act` returned
   * them, or NaN for a warm-up step. Undefined when the agent declares none.
   */
  private stepExtras(step: CollectedStep): StepExtras | undefined {
    const sizes = this.extraSizes;
    if (!sizes) return undefined;
    const n = step.envs;
    if (step.randomActions) {
      return Object.fromEntries(Object.entries(sizes).map(([name, size]) => [name, new Float32Array(n * size).fill(NaN)]));
    }
    for (const [name, size] of Object.entries(sizes)) {
      const got = step.extras[name];
      if (!got) {
        const returned = Object.keys(step.extras);
        throw new Error(`${this.agent.name} declares the stored extra "${name}" but act returned none (it returned ${returned.length ? returned.join(", ") : "no extras"})`);
      }
      if (got.length !== n * size) {
        throw new Error(`${this.agent.name}'s stored extra "${name}": expected ${size} values per row (${n * size} for ${n} envs) but act returned ${got.length}`);
      }
    }
    return step.extras;
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
    return { replay_size: this.replay.size, ...this.replay.stats?.() };
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

  // ---- replay: HER for goal-conditioned tasks, a plain ring buffer otherwise; credit windows over episodes ----

  /**
   * Whole episodes (EpisodeBuffer) sampled as credit windows (CreditSampler),
   * through the two-layer replay when asked. With HER (or a learned reward)
   * every window is scored by the reward model, as in herReplay; without, the
   * env's rewards are stored and used.
   */
  private creditReplay(rewardModel: RewardModel | undefined): Replay {
    const { obsDim, goalDim } = this.encoder;
    const actDim = this.agent.actDim;
    const layout = this.encoder.layout;
    const goal = layout.goalConditioned;
    const schedule = this.schedule;
    const credit = { mode: schedule.credit, n: schedule.creditN, gamma: this.agent.gamma, lambda: schedule.creditLambda };
    checkCreditOptions(credit);
    if (credit.mode === "gae" && !this.agent.targetValue) throw new Error(`--credit gae needs the agent's target critic; ${this.agent.name} has none (targetValue)`);
    const goalSize = Math.max(goalDim, 1); // tasks without goals store a zero
    const extraSizes = this.extraSizes;
    const episodes = new EpisodeBuffer({
      sizes: { obs: obsDim, goal: goalSize, action: actDim },
      capacity: schedule.bufferSize,
      numEnvs: this.envs,
      ...(extraSizes ? { extras: extraSizes } : {}),
    });
    const value = (obs: Float32Array, g: Float32Array, rows: number) => this.agent.targetValue!(this.encoder.encode(obs, goal ? g : undefined, rows), rows);
    const sampler = new CreditSampler({
      episodes,
      credit,
      rewardModel,
      rewardSource: schedule.her ? "model" : "stored",
      relabelProbability: schedule.her ? schedule.herK / (schedule.herK + 1) : 0,
      ...(credit.mode === "gae" ? { values: value } : {}),
      sampleInProgress: true,
    });
    const twoLayer =
      schedule.replay === "two-layer"
        ? new TwoLayerReplay({
            sampler,
            fastCapacity: Math.min(schedule.bufferSize, 100_000),
            recalcDelay: schedule.recalcDelay === "never" ? Infinity : schedule.recalcDelay,
            recalcEpisodes: schedule.recalcEpisodes,
          })
        : undefined;
    const zero = new Float32Array(1);
    return {
      get size() {
        return twoLayer ? twoLayer.size : sampler.size;
      },
      add: (i, s, extras) => {
        if (!schedule.her && !s.reward) throw new Error(`${this.spec.name} gives the learner no reward: train it with --her and a reward model (--reward known or gahil)`);
        episodes.add(
          {
            obs: row(layout.observation(s.obs), obsDim, i),
            achievedGoal: goal ? row(layout.achievedGoal(s.obs), goalDim, i) : zero,
            desiredGoal: goal ? row(layout.desiredGoal(s.obs), goalDim, i) : zero,
            action: row(s.actions, actDim, i),
            nextObs: row(layout.observation(s.nextObs), obsDim, i),
            nextAchievedGoal: goal ? row(layout.achievedGoal(s.nextObs), goalDim, i) : zero,
            // With HER the model scores every window: the env's reward is not even stored.
            reward: schedule.her || !s.reward ? NaN : s.reward[i]!,
            isSuccess: s.isSuccess[i] === 1,
            terminated: s.status[i] === StepStatus.TERMINATED,
            truncated: s.status[i] === StepStatus.TRUNCATED,
            ...(extras ? { extras: extrasRow(extras, extraSizes!, i) } : {}),
          },
          i,
        );
      },
      endEpisode: (i) => {
        episodes.endEpisode(i);
        twoLayer?.episodeEnded(i, this.rng);
      },
      available: (request) => {
        if (twoLayer) return twoLayer.available(request);
        return request.recent === undefined ? sampler.size : sampler.countRecent(request.recent);
      },
      sample: (request) => {
        const rows = request.rows;
        const s: CreditSample | FastSample = twoLayer ? twoLayer.sample(rows, this.rng, request) : sampler.sample(rows, this.rng, request);
        if (this.onlineReward) {
          this.onlineReward.addRelabelledNegatives(s);
          this.onlineReward.maybeTrain();
        }
        const g = goal ? s.desiredGoal : undefined;
        return {
          rows,
          obs: this.encoder.encode(s.obs, g, rows),
          action: s.action,
          reward: s.credit,
          nextObs: this.encoder.encode(s.bootstrapObs, g, rows),
          terminated: s.endsTerminated,
          discount: s.discount,
          ...(s.extras ? { extras: s.extras } : {}),
        };
      },
      serialize: () => (twoLayer ? twoLayer.serialize() : episodes.serialize()),
      restore: (bytes) => (twoLayer ? twoLayer.restore(bytes) : episodes.restore(bytes)),
      stats: () => {
        if (!twoLayer) return {};
        const out: Record<string, number> = { fast_size: twoLayer.size, recalculations: twoLayer.recalculations, recalc_seconds: twoLayer.recalcSeconds };
        if (rewardModel?.isLearned) {
          const { meanAbsChange, currentStd } = twoLayer.staleness(rewardModel, STALENESS_ROWS);
          out["reward_staleness"] = meanAbsChange;
          out["reward_std"] = currentStd;
        }
        return out;
      },
    };
  }

  private herReplay(rewardModel: RewardModel): Replay {
    const obsDim = this.encoder.obsDim;
    const goalDim = this.encoder.goalDim;
    const actDim = this.agent.actDim;
    const layout = this.encoder.layout;
    const extraSizes = this.extraSizes;
    const her = new HerReplayBuffer({
      sizes: { obs: obsDim, goal: goalDim, action: actDim },
      capacity: this.schedule.bufferSize,
      numEnvs: this.envs,
      ...(extraSizes ? { extras: extraSizes } : {}),
      rewardModel,
      rewardSource: "model",
      nSampledGoal: this.schedule.herK,
    });
    // Output arrays per batch size (an agent's requests may alternate between a few).
    const arrays = new BatchArrays((rows) => ({
      out: her.allocateSample(rows),
      obs: new Float32Array(rows * (obsDim + goalDim)),
      nextObs: new Float32Array(rows * (obsDim + goalDim)),
    }));
    return {
      get size() {
        return her.size;
      },
      available: (request) => (request.recent === undefined ? her.size : her.countRecent(request.recent)),
      // HER scores every sampled transition with the reward model (rewardSource "model"),
      // so the env's reward is not even stored.
      add: (i, s, extras) =>
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
            ...(extras ? { extras: extrasRow(extras, extraSizes!, i) } : {}),
          },
          i,
        ),
      endEpisode: (i) => her.endEpisode(i),
      sample: (request) => {
        const rows = request.rows;
        const input = arrays.get(rows);
        const s = her.sample(rows, this.rng, input.out, request);
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
          ...(s.extras ? { extras: s.extras } : {}),
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
    // Extras are fields named extraField(NAME): never one of the fields above.
    const extraSizes = this.extraSizes ?? {};
    const extraFields = Object.keys(extraSizes).map((name) => [name, extraField(name)] as const);
    const fields: Record<string, number> = {
      obs: obsDim, goal: Math.max(goalDim, 1), action: actDim, reward: 1, nextObs: obsDim, terminated: 1,
      ...Object.fromEntries(extraFields.map(([name, field]) => [field, extraSizes[name]!])),
    };
    const buffer = new ReplayBuffer(fields, this.schedule.bufferSize);
    const zero = new Float32Array(1);
    // Output arrays per batch size (an agent's requests may alternate between a few).
    const arrays = new BatchArrays((rows) => ({
      out: buffer.allocateBatch(rows),
      obs: new Float32Array(rows * (obsDim + goalDim)),
      nextObs: new Float32Array(rows * (obsDim + goalDim)),
      indices: new Float64Array(rows),
    }));
    return {
      get size() {
        return buffer.size;
      },
      available: (request) => (request.recent === undefined ? buffer.size : Math.min(request.recent, buffer.size)),
      add: (i, s, extras) => {
        if (!s.reward) throw new Error(`${this.spec.name} gives the learner no reward: train it with --her and a reward model (--reward known or gahil)`);
        const transition: Record<string, ArrayLike<number> | number> = {
          obs: row(layout.observation(s.obs), obsDim, i),
          goal: goal ? row(layout.desiredGoal(s.obs), goalDim, i) : zero,
          action: row(s.actions, actDim, i),
          reward: s.reward[i]!,
          nextObs: row(layout.observation(s.nextObs), obsDim, i),
          terminated: s.status[i] === StepStatus.TERMINATED ? 1 : 0,
        };
        if (extras) for (const [name, field] of extraFields) transition[field] = row(extras[name]!, extraSizes[name]!, i);
        buffer.add(transition);
      },
      endEpisode: () => undefined,
      sample: (request) => {
        const rows = request.rows;
        const input = arrays.get(rows);
        let s: typeof input.out;
        if (request.recent === undefined) s = buffer.sample(rows, this.rng, input.out);
        else {
          // The newest `recent` rows of the ring (all envs interleaved as they were added); gather's index 0 is the oldest.
          const window = Math.min(request.recent, buffer.size);
          for (let i = 0; i < rows; i++) input.indices[i] = buffer.size - window + randomIndex(this.rng, window);
          s = buffer.gather(input.indices, input.out);
        }
        return {
          rows,
          obs: this.encoder.encode(s.obs, goal ? s.goal : undefined, rows, input.obs),
          action: s.action,
          reward: s.reward,
          nextObs: this.encoder.encode(s.nextObs, goal ? s.goal : undefined, rows, input.nextObs),
          terminated: s.terminated,
          ...(extraFields.length ? { extras: Object.fromEntries(extraFields.map(([name, field]) => [name, s[field]!])) } : {}),
        };
      },
      serialize: () => buffer.serialize(),
      restore: (bytes) => buffer.restore(bytes),
    };
  }
}

/** Arrays made for one batch size, kept for the next batch of that size (a few sizes at most: the cache starts over past 8). */
class BatchArrays<T> {
  private readonly bySize = new Map<number, T>();
  constructor(private readonly make: (rows: number) => T) {}

  get(rows: number): T {
    let got = this.bySize.get(rows);
    if (!got) {
      if (this.bySize.size >= 8) this.bySize.clear();
      got = this.make(rows);
      this.bySize.set(rows, got);
    }
    return got;
  }
}

/** Row `i` of every extra of a step (views). */
function extrasRow(extras: StepExtras, sizes: Readonly<Record<string, number>>, i: number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const name of Object.keys(sizes)) out[name] = row(extras[name]!, sizes[name]!, i);
  return out;
}

/** Row `i` of a batch-major array of rows of `size` (a view). */
function row(a: Float32Array, size: number, i: number): Float32Array {
  return a.subarray(i * size, (i + 1) * size);
}
