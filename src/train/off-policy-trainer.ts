/**
 * The off-policy training loop shared by TD3, DDPG and SAC (the SB3 part of
 * the design): it steps a VectorEnv, stores transitions (HER for
 * goal-conditioned tasks), keeps the input normalisers, calls the algorithm's
 * update, logs metrics, evaluates, and checkpoints so that `--resume`
 * continues where a killed run stopped.
 *
 * Data flow per iteration:
 *   input = encoder(obs)  →  action = agent.act(input)  (uniform random before learningStarts)
 *   batch = env.step(scale(action))  →  replay.add(...)  →  ended envs: log episode, reset
 *   after learningStarts: updatesPerStep × envs updates of `batchSize` sampled transitions
 */
import { StepStatus } from "../env/task.js";
import type { TaskSpec } from "../env/task.js";
import { Rng } from "../core/rng.js";
import { sizeOf } from "../env/spec.js";
import type { VectorEnv } from "../env/vector-env.js";
import { HerReplayBuffer } from "../replay/her-buffer.js";
import { ReplayBuffer } from "../replay/replay-buffer.js";
import type { RewardBatch, RewardModel } from "../reward/reward-model.js";
import type { HerSample } from "../replay/her-buffer.js";
import type { CheckpointContents } from "../nn/save-load.js";
import type { OffPolicyAgent, TransitionBatch } from "../algos/off-policy-agent.js";
import { toEnvActions } from "./action-scale.js";
import { evaluate, type EvalResult } from "./evaluate.js";
import { InputEncoder, type InputEncoderState } from "./input-encoder.js";
import type { MetricRecord } from "./metrics-log.js";
import { Code, SimbridgeError } from "../core/errors.js";

/**
 * A reward model trained while the agent interacts (GAHIL): the loop feeds it
 * the lived transitions and every HER sample, and lets it train when due.
 */
export interface OnlineRewardModel extends RewardModel {
  addReal(batch: RewardBatch, isSuccess: ArrayLike<number | boolean>): unknown;
  addAchievedPositives(batch: RewardBatch): unknown;
  addRelabelledNegatives(sample: HerSample): unknown;
  maybeTrain(): { trained: boolean; loss: number };
  readonly ready: boolean;
  readonly rounds: number;
  readonly lastRoundLoss: number;
  checkpointContents(): CheckpointContents;
  restoreMeta(meta: unknown): void;
}

function isOnline(m: RewardModel | undefined): m is OnlineRewardModel {
  return m !== undefined && m.isLearned && typeof (m as Partial<OnlineRewardModel>).addReal === "function";
}

/** A RemoteVectorEnv lost its server, reconnected and re-created its envs (they need a reset). */
function isEnvsRecreated(e: unknown): boolean {
  return e instanceof SimbridgeError && e.code === Code.ABORTED;
}

export interface TrainerConfig {
  /** Total env steps (summed over envs). */
  readonly steps: number;
  /** Envs stepped together (the VectorEnv's numEnvs); HER keeps one episode lane per env. */
  readonly envs: number;
  readonly seed: number;
  /** Transitions per update. */
  readonly batchSize: number;
  /** Replay capacity in transitions. */
  readonly bufferSize: number;
  /** Env steps of uniform random actions before learning starts. */
  readonly learningStarts: number;
  /** Gradient updates per env step. */
  readonly updatesPerStep: number;
  /** Use HER (goal-conditioned tasks only). */
  readonly her: boolean;
  /** HER relabels per real transition (k). */
  readonly herK: number;
  /** Normalise network inputs with running statistics. */
  readonly normalize: boolean;
  /** Evaluate every this many env steps (0: never during training). */
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  /** Log a progress record every this many env steps. */
  readonly logEvery: number;
}

/** Where the trainer reports; the CLI writes these to files and the terminal. */
export interface TrainerHooks {
  metric(record: MetricRecord): void;
  progress?(state: { step: number; stepsPerSecond: number; recentReturn: number; recentSuccess: number; losses: Record<string, number> }): void;
  /** Called at every evaluation point (every `evalEvery` steps), after the policy evaluation. */
  afterEval?(step: number): Promise<void>;
  /** Called every checkpoint interval and at the end, with the state to save. */
  checkpoint?(step: number): Promise<void>;
  readonly checkpointEvery?: number;
}

/** What a checkpoint of the loop itself holds (the agent saves its own part). */
export interface TrainerState {
  readonly step: number;
  readonly episodes: number;
  readonly rng: Array<number | null>;
  readonly encoder: InputEncoderState;
}

interface Replay {
  readonly size: number;
  sample(rows: number): TransitionBatch;
  serialize(): Uint8Array;
  restore(bytes: Uint8Array): void;
}

export class OffPolicyTrainer {
  readonly encoder: InputEncoder;
  private readonly rng: Rng;
  private readonly replay: Replay;
  private step = 0;
  private episodes = 0;
  /** Set when the reward is learned online (GAHIL): the loop never reads env rewards then. */
  readonly onlineReward: OnlineRewardModel | undefined;
  private readonly recentReturns: number[] = [];
  private readonly recentSuccesses: number[] = [];

  constructor(
    readonly spec: TaskSpec,
    readonly agent: OffPolicyAgent,
    readonly config: TrainerConfig,
    /** Scores HER goals; required with `her`. */
    rewardModel?: RewardModel,
  ) {
    if (config.her && !spec.goalConditioned) throw new Error(`--her needs a goal-conditioned task; ${spec.name} is not`);
    if (config.her && !rewardModel) throw new Error("--her needs a reward model (the task's computeReward, or a learned one)");
    this.encoder = new InputEncoder(spec, config.normalize);
    if (this.encoder.inputDim !== agent.inputDim) throw new Error(`agent input ${agent.inputDim} ≠ encoder input ${this.encoder.inputDim}`);
    this.rng = new Rng(config.seed + 7);
    this.onlineReward = isOnline(rewardModel) ? rewardModel : undefined;
    if (this.onlineReward && !config.her) throw new Error("a learned reward needs --her: it scores hindsight goals");
    this.replay = config.her ? this.herReplay(rewardModel!) : this.plainReplay();
  }

  get currentStep(): number {
    return this.step;
  }

  state(): TrainerState {
    return { step: this.step, episodes: this.episodes, rng: this.rng.state().map((v) => (Number.isNaN(v) ? null : v)), encoder: this.encoder.state() };
  }

  restore(state: TrainerState, replay?: Uint8Array): void {
    this.step = state.step;
    this.episodes = state.episodes;
    this.rng.setState(state.rng.map((v) => v ?? NaN));
    this.encoder.load(state.encoder);
    if (replay) this.replay.restore(replay);
  }

  serializeReplay(): Uint8Array {
    return this.replay.serialize();
  }

  /** The policy on raw observations: deterministic for evaluation, or exploring. */
  policy(mode: "deterministic" | "explore" = "deterministic"): (observations: readonly Float32Array[], rows: number) => Float32Array {
    return (obs, rows) => this.agent.act(this.encoder.encode(obs[0]!, this.spec.goalConditioned ? obs[2] : undefined, rows), rows, mode);
  }

  /** Trains until `config.steps` env steps; `evalEnv` (optional) is used for periodic evaluation. */
  async train(env: VectorEnv, hooks: TrainerHooks, evalEnv?: VectorEnv): Promise<void> {
    const n = env.numEnvs;
    if (n !== this.config.envs) throw new Error(`the trainer was configured for ${this.config.envs} envs but the VectorEnv has ${n}`);
    const spec = this.spec;
    const sizes = spec.observations.map((o) => sizeOf(o.shape));
    const actDim = sizeOf(spec.action.shape);
    const episodeReturn = new Float64Array(n);
    const episodeLength = new Int32Array(n);
    const all = Array.from({ length: n }, (_, i) => i);
    const current = spec.observations.map((_, k) => new Float32Array(n * sizes[k]!));
    /** Resets every env (at the start, and when a lost server came back with fresh envs). */
    const resetAll = async () => {
      for (;;) {
        try {
          const r = await env.reset(all.map((i) => ({ index: i, seed: this.episodeSeed() })));
          r.observations.forEach((o, k) => current[k]!.set(o));
          this.encoder.observe(current[0]!, current[1], current[2]);
          return;
        } catch (e) {
          if (!isEnvsRecreated(e)) throw e;
        }
      }
    };
    await resetAll();
    let losses: Record<string, number> = {};
    const started = performance.now();
    const startStep = this.step;
    let nextLog = this.step + this.config.logEvery;
    let nextEval = this.config.evalEvery > 0 ? this.step + this.config.evalEvery : Infinity;
    const checkpointEvery = hooks.checkpointEvery ?? 0;
    let nextCheckpoint = checkpointEvery > 0 ? this.step + checkpointEvery : Infinity;

    while (this.step < this.config.steps) {
      const random = this.step < this.config.learningStarts;
      const actions = random
        ? Float32Array.from({ length: n * actDim }, () => this.rng.uniformRange(-1, 1))
        : this.agent.act(this.encoder.encode(current[0]!, spec.goalConditioned ? current[2] : undefined, n), n, "explore");
      let s: Awaited<ReturnType<VectorEnv["step"]>>;
      try {
        s = await env.step(toEnvActions(spec.action, actions));
      } catch (e) {
        if (!isEnvsRecreated(e)) throw e;
        // The server was lost and is back with fresh envs: the episodes in flight are cut
        // (their stored steps stay in replay, like truncated ones), and new ones begin.
        for (let i = 0; i < n; i++) {
          this.endEpisode(i);
          episodeReturn[i] = 0;
          episodeLength[i] = 0;
        }
        hooks.metric({ kind: "reconnect", step: this.step, replay_size: this.replay.size, message: (e as Error).message });
        await resetAll();
        continue;
      }
      if (this.onlineReward) {
        // The lived transitions: successes and goals actually reached are positives, failures negatives.
        const lived: RewardBatch = {
          obs: current[0]!,
          achievedGoal: current[1]!,
          desiredGoal: current[2]!,
          action: actions,
          nextObs: s.observations[0]!,
          nextAchievedGoal: s.observations[1]!,
        };
        this.onlineReward.addReal(lived, s.isSuccess);
        this.onlineReward.addAchievedPositives(lived);
      }
      const ended: number[] = [];
      for (let i = 0; i < n; i++) {
        const terminated = s.status[i] === StepStatus.TERMINATED;
        const row = <T extends Float32Array>(a: T, size: number) => a.subarray(i * size, (i + 1) * size) as T;
        // With a learned reward the environment's reward is never read, not even for logs.
        const reward = this.onlineReward || !s.reward ? NaN : s.reward[i]!;
        this.store(i, current.map((o, k) => row(o, sizes[k]!)), row(actions, actDim), s.observations.map((o, k) => row(o, sizes[k]!)), reward, s.isSuccess[i] === 1, terminated, s.status[i] === StepStatus.TRUNCATED);
        episodeReturn[i] += Number.isNaN(reward) ? 0 : reward;
        episodeLength[i]++;
        current.forEach((o, k) => o.set(row(s.observations[k]!, sizes[k]!), i * sizes[k]!));
        if (s.status[i] !== StepStatus.RUNNING) {
          this.endEpisode(i);
          this.episodes++;
          this.pushRecent(this.onlineReward || !s.reward ? NaN : episodeReturn[i]!, s.isSuccess[i]!);
          hooks.metric({
            kind: "episode",
            step: this.step + n,
            episode: this.episodes,
            return: this.onlineReward || !s.reward ? null : episodeReturn[i]!,
            length: episodeLength[i]!,
            success: s.isSuccess[i] === 1,
          });
          episodeReturn[i] = 0;
          episodeLength[i] = 0;
          ended.push(i);
        }
      }
      this.encoder.observe(s.observations[0]!, s.observations[1], s.observations[2]);
      if (ended.length) {
        const r = await env.reset(ended.map((index) => ({ index, seed: this.episodeSeed() })));
        r.indices.forEach((i, row) => current.forEach((o, k) => o.set(r.observations[k]!.subarray(row * sizes[k]!, (row + 1) * sizes[k]!), i * sizes[k]!)));
      }
      this.step += n;

      if (this.step >= this.config.learningStarts && this.replay.size >= this.config.batchSize) {
        const updates = Math.max(1, Math.round(n * this.config.updatesPerStep));
        for (let u = 0; u < updates; u++) losses = this.agent.update(this.replay.sample(this.config.batchSize));
      }

      const sps = (this.step - startStep) / ((performance.now() - started) / 1000);
      if (this.step >= nextLog) {
        nextLog += this.config.logEvery;
        hooks.metric({
          kind: "train",
          step: this.step,
          steps_per_s: Math.round(sps),
          replay_size: this.replay.size,
          recent_return: this.recentReturn(),
          recent_success: this.recentSuccess(),
          ...losses,
          ...(this.onlineReward
            ? { reward_model_ready: this.onlineReward.ready, reward_model_rounds: this.onlineReward.rounds, reward_model_loss: this.onlineReward.lastRoundLoss }
            : {}),
        });
      }
      hooks.progress?.({ step: this.step, stepsPerSecond: sps, recentReturn: this.recentReturn(), recentSuccess: this.recentSuccess(), losses });
      if (this.step >= nextEval) {
        nextEval += this.config.evalEvery;
        if (evalEnv) {
          const e = await this.evaluate(evalEnv, this.config.evalEpisodes);
          hooks.metric({ kind: "eval", step: this.step, episodes: e.episodes, success_rate: e.success_rate, return_mean: e.return_mean, return_std: e.return_std });
        }
        await hooks.afterEval?.(this.step);
      }
      if (this.step >= nextCheckpoint && hooks.checkpoint) {
        nextCheckpoint += checkpointEvery;
        await hooks.checkpoint(this.step);
      }
    }
    await hooks.checkpoint?.(this.step);
  }

  /** Evaluation episodes use seeds far from the training ones: the same episodes every time. */
  async evaluate(env: VectorEnv, episodes: number): Promise<EvalResult> {
    for (;;) {
      try {
        return await evaluate(env, this.policy(), episodes, 1_000_000_000);
      } catch (e) {
        if (!isEnvsRecreated(e)) throw e; // the server came back: evaluate again from the start
      }
    }
  }

  private episodeSeed(): number {
    return this.rng.nextU32();
  }

  private pushRecent(ret: number, success: number): void {
    this.recentReturns.push(ret);
    this.recentSuccesses.push(success);
    if (this.recentReturns.length > 20) this.recentReturns.shift();
    if (this.recentSuccesses.length > 20) this.recentSuccesses.shift();
  }

  private recentReturn(): number {
    return this.recentReturns.length ? this.recentReturns.reduce((a, b) => a + b, 0) / this.recentReturns.length : NaN;
  }

  private recentSuccess(): number {
    if (!this.spec.goalConditioned || !this.recentSuccesses.length) return NaN;
    return this.recentSuccesses.reduce((a, b) => a + b, 0) / this.recentSuccesses.length;
  }

  // ---- replay: HER for goal-conditioned tasks, a plain ring buffer otherwise ----

  private store!: (env: number, obs: Float32Array[], action: Float32Array, next: Float32Array[], reward: number, success: boolean, terminated: boolean, truncated: boolean) => void;
  private endEpisode!: (env: number) => void;

  private herReplay(rewardModel: RewardModel): Replay {
    const obsDim = this.encoder.obsDim;
    const goalDim = this.encoder.goalDim;
    const actDim = this.agent.actDim;
    const her = new HerReplayBuffer({
      sizes: { obs: obsDim, goal: goalDim, action: actDim },
      capacity: this.config.bufferSize,
      numEnvs: this.config.envs,
      rewardModel,
      rewardSource: "model",
      nSampledGoal: this.config.herK,
    });
    // HER scores every sampled transition with the reward model (rewardSource "model"),
    // so the env's reward is not even stored.
    this.store = (env, obs, action, next, _reward, isSuccess, terminated, truncated) =>
      her.add({ obs: obs[0]!, achievedGoal: obs[1]!, desiredGoal: obs[2]!, action, nextObs: next[0]!, nextAchievedGoal: next[1]!, reward: NaN, isSuccess, terminated, truncated }, env);
    this.endEpisode = (env) => her.endEpisode(env);
    let out: ReturnType<HerReplayBuffer["allocateSample"]> | undefined;
    const input = { obs: new Float32Array(0), nextObs: new Float32Array(0) };
    return {
      get size() {
        return her.size;
      },
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
    const goal = this.spec.goalConditioned;
    const fields = { obs: obsDim, goal: Math.max(goalDim, 1), action: this.agent.actDim, reward: 1, nextObs: obsDim, terminated: 1 };
    const buffer = new ReplayBuffer(fields, this.config.bufferSize);
    const zero = new Float32Array(1);
    this.store = (_env, obs, action, next, reward, _s, terminated) => {
      if (Number.isNaN(reward)) throw new Error(`${this.spec.name} reports no reward: train it with --her (and a reward model)`);
      buffer.add({ obs: obs[0]!, goal: goal ? obs[2]! : zero, action, reward, nextObs: next[0]!, terminated: terminated ? 1 : 0 });
    };
    this.endEpisode = () => undefined;
    let out: ReturnType<typeof buffer.allocateBatch> | undefined;
    const input = { obs: new Float32Array(0), nextObs: new Float32Array(0) };
    return {
      get size() {
        return buffer.size;
      },
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
