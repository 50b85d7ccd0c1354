/**
 * The training loop every algorithm shares: collector → storage → schedule.
 *
 *   step = collector.collect()          one vector step of every env (random actions while the learner warms up)
 *   learner.observe(step)               storage: replay + HER, or the rollout
 *   losses = learner.train(envStep)     the schedule: updates when due
 *   then logs, evaluation, checkpoints
 *
 * The parts are built by `train-run.ts`; the algorithm is one file in
 * src/algos/. This file owns the loop's own state (the shared Rng, input
 * normalisers, counters) and what a checkpoint of the loop holds.
 */
import { Code, SimbridgeError } from "../core/errors.js";
import { Rng, rngStateFromJson, rngStateToJson } from "../core/rng.js";
import type { TaskSpec } from "../env/task.js";
import type { Annotations, VectorEnv } from "../env/vector-env.js";
import type { ActResult, Agent } from "../algos/agent.js";
import { feedLived, type OnlineRewardModel } from "../reward/online-reward.js";
import { Collector, type CollectorState } from "./collector.js";
import { evaluate, type EvalResult, type Policy } from "./evaluate.js";
import type { InputEncoder, InputEncoderState } from "./input-encoder.js";
import type { Learner } from "./learner.js";
import type { MetricRecord } from "./metrics-log.js";
import { stepAnnotations } from "./step-annotations.js";

export interface LoopConfig {
  /** Total env steps (summed over envs). */
  readonly steps: number;
  /** Envs stepped together (the VectorEnv's numEnvs). */
  readonly envs: number;
  /** Evaluate every this many env steps (0: never during training). */
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  /** Log a progress record every this many env steps. */
  readonly logEvery: number;
  /**
   * Stop once this many evaluations in a row (`stopAfterEvals`, default 2)
   * reach this success rate (0 or absent: run every step). Needs evalEvery > 0.
   */
  readonly stopAtSuccess?: number;
  readonly stopAfterEvals?: number;
}

/** Where a run's wall time went, in seconds: waiting for envs, acting, learning, evaluating. */
export interface TimeSplit {
  /** Env steps and resets of training, the bridge included. */
  readonly env: number;
  /** The agent choosing actions (and the collector's bookkeeping). */
  readonly act: number;
  /** Storage, updates and (GAHIL) the reward model. */
  readonly learn: number;
  /** Periodic evaluations and reward-quality probes. */
  readonly eval: number;
}

/** Where the loop reports; the CLI writes these to files and the terminal. */
export interface TrainerHooks {
  metric(record: MetricRecord): void;
  progress?(state: { step: number; stepsPerSecond: number; recentReturn: number; recentSuccess: number; losses: Record<string, number> }): void;
  /** Called at every evaluation point (every `evalEvery` steps), after the policy evaluation. */
  afterEval?(step: number): Promise<void>;
  /** Called every checkpoint interval and at the end, with the state to save. */
  checkpoint?(step: number): Promise<void>;
  readonly checkpointEvery?: number;
}

/** What a checkpoint of the loop holds (the agent and reward model save their own parts). */
export interface TrainerState {
  readonly step: number;
  readonly episodes: number;
  readonly rng: Array<number | null>;
  readonly encoder: InputEncoderState;
  /** The learner's own state (e.g. PPO's rollout position and reward scaler). */
  readonly learner?: unknown;
}

export class Trainer {
  private counters: CollectorState = { steps: 0, episodes: 0 };
  /** The learner state of the checkpoint restored, until a collector runs. */
  private restoredLearnerState: unknown;
  private collector: Collector | undefined;
  private readonly recentReturns: number[] = [];
  private readonly recentSuccesses: number[] = [];
  private split = { env: 0, act: 0, learn: 0, eval: 0 };

  constructor(
    readonly spec: TaskSpec,
    readonly agent: Agent,
    readonly encoder: InputEncoder,
    /** Storage and schedule; undefined for an acting-only trainer (evaluation). */
    readonly learner: Learner | undefined,
    readonly config: LoopConfig,
    /** Draws episode seeds, random actions and replay samples: one stream, so a seed gives one run. */
    readonly rng: Rng,
    /** Set when the reward is learned online (GAHIL): the loop never reads env rewards then. */
    readonly onlineReward: OnlineRewardModel | undefined,
  ) {
    if (encoder.inputDim !== agent.inputDim) throw new Error(`agent input ${agent.inputDim} ≠ encoder input ${encoder.inputDim}`);
  }

  /** Where this process's training time went so far (a resumed run counts from its resume). */
  get timeSplit(): TimeSplit {
    return { ...this.split };
  }

  get currentStep(): number {
    return this.collector?.steps ?? this.counters.steps;
  }

  state(): TrainerState {
    const c = this.collector?.state() ?? this.counters;
    const current = this.collector?.observations;
    return {
      step: c.steps,
      episodes: c.episodes,
      rng: rngStateToJson(this.rng.state()),
      encoder: this.encoder.state(),
      learner: this.learner && current ? this.learner.state(current) : this.restoredLearnerState,
    };
  }

  /** Storage contents for a checkpoint (`full`: the replay too). */
  serializeStorage(full: boolean): Uint8Array | undefined {
    return this.learner?.serializeStorage(full);
  }

  restore(state: TrainerState, storage?: Uint8Array): void {
    this.counters = { steps: state.step, episodes: state.episodes };
    this.rng.setState(rngStateFromJson(state.rng));
    this.encoder.load(state.encoder);
    this.restoredLearnerState = state.learner;
    this.learner?.restore(state.learner, storage);
  }

  /**
   * The policy on raw observations: deterministic for evaluation, or exploring.
   * An agent with per-env memory gets one state per env slot, fresh at every episode start.
   */
  policy(mode: "deterministic" | "explore" = "deterministic"): Policy {
    const agent = this.agent;
    const input = (obs: readonly Float32Array[], rows: number) => this.encoder.encodeAll(obs, rows);
    let last: Annotations | undefined;
    const acted = (result: ActResult, rows: number) => {
      last = stepAnnotations(result.extras, rows);
      return result.actions;
    };
    const lastAnnotations = () => last;
    if (!agent.initialState) return Object.assign((obs: readonly Float32Array[], rows: number) => acted(agent.act(input(obs, rows), rows, mode), rows), { lastAnnotations });
    const states = new Map<number, unknown>();
    const stateOf = (env: number) => {
      if (!states.has(env)) states.set(env, agent.initialState!());
      return states.get(env);
    };
    const policy: Policy = (obs, rows, envs) => {
      const slots = envs ?? Array.from({ length: rows }, (_, i) => i);
      return acted(agent.act(input(obs, rows), rows, mode, slots.map(stateOf)), rows);
    };
    policy.startEpisode = (env) => {
      if (states.has(env)) agent.endEpisode?.(states.get(env));
      states.delete(env);
    };
    policy.lastAnnotations = lastAnnotations;
    return policy;
  }

  /**
   * Trains until `config.steps` env steps, or until `config.stopAtSuccess` is
   * met by enough evaluations in a row (then `stoppedEarly`); `evalEnv`
   * (optional) is used for periodic evaluation.
   */
  async train(env: VectorEnv, hooks: TrainerHooks, evalEnv?: VectorEnv): Promise<{ stoppedEarly: boolean }> {
    const learner = this.learner;
    if (!learner) throw new Error("this trainer was built for evaluation only");
    if (env.numEnvs !== this.config.envs) throw new Error(`the trainer was configured for ${this.config.envs} envs but the VectorEnv has ${env.numEnvs}`);
    const collector = new Collector(env, this.agent, this.encoder, {
      rng: this.rng,
      withholdReward: this.onlineReward !== undefined,
      onEpisode: (e) => {
        this.pushRecent(e.return ?? NaN, e.success ? 1 : 0);
        hooks.metric({ kind: "episode", ...e });
      },
    });
    collector.restore(this.counters);
    this.collector = collector;
    let losses: Record<string, number> = {};
    const started = performance.now();
    const startStep = collector.steps;
    let nextLog = startStep + this.config.logEvery;
    let nextEval = this.config.evalEvery > 0 ? startStep + this.config.evalEvery : Infinity;
    const checkpointEvery = hooks.checkpointEvery ?? 0;
    let nextCheckpoint = checkpointEvery > 0 ? startStep + checkpointEvery : Infinity;
    const stopAt = this.config.stopAtSuccess ?? 0;
    const stopAfter = this.config.stopAfterEvals ?? 2;
    let streak = 0;
    let stoppedEarly = false;
    const seconds = (t0: number) => (performance.now() - t0) / 1000;

    while (collector.steps < this.config.steps) {
      const t0 = performance.now();
      const env0 = collector.envSeconds;
      const step = await collector.collect(learner.randomActions(collector.steps));
      const envSeconds = collector.envSeconds - env0;
      this.split.env += envSeconds;
      this.split.act += seconds(t0) - envSeconds;
      if (step.kind === "cut") {
        learner.cut(step);
        hooks.metric({ kind: "reconnect", step: collector.steps, ...learner.stats(), message: step.message });
        continue;
      }
      const t1 = performance.now();
      // GAHIL learns from what the agent lived: successes and reached goals are positives.
      if (this.onlineReward) feedLived(this.onlineReward, this.encoder.layout, step.obs, step.actions, step.nextObs, step.isSuccess);
      learner.observe(step);
      losses = learner.train(collector.steps, this.config.steps) ?? losses;
      this.split.learn += seconds(t1);

      const sps = (collector.steps - startStep) / ((performance.now() - started) / 1000);
      if (collector.steps >= nextLog) {
        nextLog += this.config.logEvery;
        hooks.metric({
          kind: "train",
          step: collector.steps,
          steps_per_s: Math.round(sps),
          ...roundedSplit(this.split),
          ...learner.stats(),
          recent_return: this.recentReturn(),
          recent_success: this.recentSuccess(),
          ...losses,
          ...(this.onlineReward
            ? { reward_model_ready: this.onlineReward.ready, reward_model_rounds: this.onlineReward.rounds, reward_model_loss: this.onlineReward.lastRoundLoss }
            : {}),
        });
      }
      hooks.progress?.({ step: collector.steps, stepsPerSecond: sps, recentReturn: this.recentReturn(), recentSuccess: this.recentSuccess(), losses });
      if (collector.steps >= nextEval) {
        nextEval += this.config.evalEvery;
        const t2 = performance.now();
        if (evalEnv) {
          const e = await this.evaluate(evalEnv, this.config.evalEpisodes);
          hooks.metric({ kind: "eval", step: collector.steps, episodes: e.episodes, success_rate: e.success_rate, return_mean: e.return_mean, return_std: e.return_std });
          streak = e.success_rate >= stopAt ? streak + 1 : 0;
        }
        await hooks.afterEval?.(collector.steps);
        this.split.eval += seconds(t2);
        if (stopAt > 0 && streak >= stopAfter) {
          hooks.metric({ kind: "stop", step: collector.steps, reason: `${stopAfter} evaluations in a row at success ≥ ${stopAt}` });
          stoppedEarly = true;
          break;
        }
      }
      if (collector.steps >= nextCheckpoint && hooks.checkpoint) {
        nextCheckpoint += checkpointEvery;
        await hooks.checkpoint(collector.steps);
      }
    }
    await hooks.checkpoint?.(collector.steps);
    return { stoppedEarly };
  }

  /** Evaluation episodes use seeds far from the training ones: the same episodes every time. */
  async evaluate(env: VectorEnv, episodes: number): Promise<EvalResult> {
    for (;;) {
      try {
        return await evaluate(env, this.policy(), episodes, 1_000_000_000);
      } catch (e) {
        // ABORTED: the server came back with fresh envs; evaluate again from the start.
        if (!(e instanceof SimbridgeError && e.code === Code.ABORTED)) throw e;
      }
    }
  }

  /** Seconds spent in evaluation outside the loop (the final evaluation, probes), for the time split. */
  addEvalSeconds(s: number): void {
    this.split.eval += s;
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
}

/** The time split as metrics fields (seconds, one decimal). */
function roundedSplit(s: TimeSplit): Record<string, number> {
  const r = (x: number) => Math.round(x * 10) / 10;
  return { env_s: r(s.env), act_s: r(s.act), learn_s: r(s.learn), eval_s: r(s.eval) };
}
