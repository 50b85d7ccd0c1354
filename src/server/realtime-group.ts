/**
 * RealtimeGroup: envs that advance on the wall clock at a control rate, as a
 * real robot does (protocol: `MakeEnvsRequest.realtime_hz`).
 *
 * Every tick, each RUNNING env of the group steps with its pending action if
 * one arrived since the last tick, else with the action it holds (the last one
 * applied; zeros after a reset). A step request waits for the next tick and is
 * answered with that tick's result; `lateTicks` says how many ticks went by on
 * a held action before it — a late action is applied, and reported, never lost.
 * An env whose episode ended on a held tick stops; a request for it is answered
 * at once with the ended state (its action is not applied).
 *
 * Ticks are scheduled at t0 + k/hz (no drift); a tick that comes late is
 * measured as jitter, and a tick missed entirely is skipped, not bunched.
 *
 * A step's agent annotations wait with its action (one pending per env, each
 * row cut from the request: bounded) and reach watchers with the frame of the
 * tick that applies it; a tick on a held action has none.
 */
import { SimbridgeError } from "../core/errors.js";
import type { EnvPool, PoolStep } from "../env/env-pool.js";
import { sizeOf } from "../env/spec.js";
import { StepStatus, type TaskSpec } from "../env/task.js";
import type { RealtimeStats } from "../env/realtime-stats.js";
import type { CheckedAnnotations } from "../protocol/annotations.js";
import type { Tensor } from "../protocol/generated/simbridge/v1/Tensor.js";

interface EnvClock {
  /** The action applied at each tick until a fresh one arrives. */
  readonly held: Float32Array;
  /** A fresh action for the next tick, with the request waiting for it (and its row of the request's annotations). */
  pending: { action: Float32Array; waiter: Waiter; annotations: Record<string, Tensor> | undefined } | undefined;
  /** Ticks on a held action since the last result sent to the client. */
  heldSinceResult: number;
  /** The client has been told the episode ended. */
  endReported: boolean;
  /** The last state, for requests that arrive after the episode ended. */
  last: Snapshot;
  ticks: number;
  heldTicks: number;
  lateSteps: number;
}

interface Snapshot {
  observations: Float32Array[];
  reward: number;
  status: number;
  isSuccess: number;
  info: Float64Array;
}

interface Waiter {
  readonly envIds: readonly number[];
  readonly rows: Map<number, { snapshot: Snapshot; late: number }>;
  resolve(result: RealtimeStep): void;
  reject(e: unknown): void;
}

export interface RealtimeStep extends PoolStep {
  readonly lateTicks: Uint32Array;
}

const JITTER_WINDOW = 1000;

export class RealtimeGroup {
  private readonly clocks = new Map<number, EnvClock>();
  private readonly periodMs: number;
  private readonly actDim: number;
  private readonly started = performance.now();
  private tickIndex = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly jitterUs = new Float64Array(JITTER_WINDOW);
  private jitterCount = 0;

  constructor(
    private readonly pool: EnvPool,
    envIds: readonly number[],
    readonly spec: TaskSpec,
    readonly hz: number,
    /** Called after every tick with the envs it stepped and each row's annotations (for watchers). */
    private readonly onTick: (step: PoolStep, annotations: (row: number) => Record<string, Tensor> | undefined) => void = () => undefined,
  ) {
    if (!(hz > 0 && hz <= 10_000)) throw SimbridgeError.invalidArgument(`realtime_hz: must be in (0, 10000], got ${hz}`, "realtime_hz");
    this.periodMs = 1000 / hz;
    this.actDim = sizeOf(spec.action.shape);
    for (const id of envIds) {
      this.clocks.set(id, {
        held: new Float32Array(this.actDim),
        pending: undefined,
        heldSinceResult: 0,
        endReported: false,
        last: { observations: spec.observations.map((o) => new Float32Array(sizeOf(o.shape))), reward: 0, status: 0, isSuccess: 0, info: new Float64Array(spec.infoKeys.length) },
        ticks: 0,
        heldTicks: 0,
        lateSteps: 0,
      });
    }
    this.schedule();
  }

  has(envId: number): boolean {
    return this.clocks.has(envId);
  }

  /** After the pool reset these envs: hold zeros, forget lateness, remember the new state. */
  afterReset(step: PoolStep): void {
    step.envIds.forEach((id, row) => {
      const c = this.clocks.get(id);
      if (!c) return;
      c.held.fill(0);
      c.heldSinceResult = 0;
      c.endReported = false;
      if (c.pending) this.fail(c.pending.waiter, SimbridgeError.failedPrecondition(`env ${id} was reset while its step waited for a tick`));
      c.pending = undefined;
      snapshotRow(step, row, c.last);
    });
  }

  /** Queues actions (and the step's checked annotations) for the next tick; resolves with that tick's result. */
  submit(envIds: readonly number[], actions: Float32Array, shape: readonly number[], annotations?: CheckedAnnotations): Promise<RealtimeStep> {
    this.pool.checkStep(envIds, actions, shape, false);
    const clocks = envIds.map((id) => this.clocks.get(id)!);
    clocks.forEach((c, i) => {
      if (c.pending) throw SimbridgeError.failedPrecondition(`env ${envIds[i]} already has an action waiting for the next tick`, "env_ids");
      if (c.last.status !== StepStatus.RUNNING && c.endReported) {
        throw SimbridgeError.failedPrecondition(`env ${envIds[i]}'s episode ended; reset it before stepping again`, "env_ids");
      }
    });
    return new Promise<RealtimeStep>((resolve, reject) => {
      const waiter: Waiter = { envIds, rows: new Map(), resolve, reject };
      clocks.forEach((c, i) => {
        if (c.last.status !== StepStatus.RUNNING) {
          // Ended on a held tick: answer with the ended state, the action is not applied.
          waiter.rows.set(envIds[i]!, { snapshot: cloneSnapshot(c.last), late: c.heldSinceResult });
          if (c.heldSinceResult > 0) c.lateSteps++; // a result with late_ticks > 0, as the proto counts them
          c.heldSinceResult = 0;
          c.endReported = true;
        } else {
          c.pending = { action: actions.slice(i * this.actDim, (i + 1) * this.actDim), waiter, annotations: annotations?.rowTensors(i) };
        }
      });
      this.settle(waiter);
    });
  }

  stats(): RealtimeStats[] {
    const window = this.jitterUs.slice(0, Math.min(this.jitterCount, JITTER_WINDOW)).sort();
    const pct = (p: number) => (window.length ? window[Math.min(window.length - 1, Math.floor(p * window.length))]! : 0);
    return [...this.clocks].map(([envId, c]) => ({
      envId,
      hz: this.hz,
      ticks: c.ticks,
      heldTicks: c.heldTicks,
      lateSteps: c.lateSteps,
      jitterUsP50: pct(0.5),
      jitterUsP99: pct(0.99),
    }));
  }

  /** Forgets closed envs; their waiting requests fail. */
  remove(envIds: readonly number[]): void {
    for (const id of envIds) {
      const c = this.clocks.get(id);
      if (c?.pending) this.fail(c.pending.waiter, SimbridgeError.failedPrecondition(`env ${id} was closed while its step waited for a tick`));
      this.clocks.delete(id);
    }
    if (this.clocks.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [id, c] of this.clocks) {
      if (c.pending) this.fail(c.pending.waiter, SimbridgeError.failedPrecondition(`env ${id} stopped while its step waited for a tick`));
      c.pending = undefined;
    }
  }

  private schedule(): void {
    const now = performance.now();
    // Skip ticks already missed entirely instead of running them back to back.
    const due = Math.max(this.tickIndex + 1, Math.floor((now - this.started) / this.periodMs));
    this.tickIndex = due;
    const at = this.started + due * this.periodMs;
    this.timer = setTimeout(() => this.tick(at), Math.max(0, at - now));
  }

  private tick(scheduledAt: number): void {
    this.timer = undefined;
    this.jitterUs[this.jitterCount++ % JITTER_WINDOW] = Math.abs(performance.now() - scheduledAt) * 1000;
    const ids: number[] = [];
    const clocks: EnvClock[] = [];
    for (const [id, c] of this.clocks) {
      if (c.last.status === StepStatus.RUNNING) {
        ids.push(id);
        clocks.push(c);
      }
    }
    if (ids.length > 0) {
      const actions = new Float32Array(ids.length * this.actDim);
      clocks.forEach((c, i) => {
        if (c.pending) c.held.set(c.pending.action);
        else {
          c.heldTicks++;
          c.heldSinceResult++;
        }
        actions.set(c.held, i * this.actDim);
      });
      const step = this.pool.step(ids, actions, [ids.length, ...this.spec.action.shape]);
      const touched = new Set<Waiter>();
      const applied = clocks.map((c) => c.pending?.annotations);
      clocks.forEach((c, row) => {
        c.ticks++;
        snapshotRow(step, row, c.last);
        if (c.pending) {
          const w = c.pending.waiter;
          // heldSinceResult counted the held ticks before this one: that is how late the action was.
          w.rows.set(ids[row]!, { snapshot: cloneSnapshot(c.last), late: c.heldSinceResult });
          if (c.heldSinceResult > 0) c.lateSteps++;
          c.heldSinceResult = 0;
          if (c.last.status !== StepStatus.RUNNING) c.endReported = true;
          c.pending = undefined;
          touched.add(w);
        }
      });
      this.onTick(step, (row) => applied[row]);
      for (const w of touched) this.settle(w);
    }
    if (this.clocks.size > 0) this.schedule();
  }

  /** Resolves a waiter once every env of its request has a row. */
  private settle(w: Waiter): void {
    if (w.rows.size < w.envIds.length) return;
    const n = w.envIds.length;
    const spec = this.spec;
    const observations = spec.observations.map((o) => new Float32Array(n * sizeOf(o.shape)));
    const reward = spec.hasReward ? new Float64Array(n) : undefined;
    const status = new Uint8Array(n);
    const isSuccess = new Uint8Array(n);
    const info = new Float64Array(n * spec.infoKeys.length);
    const lateTicks = new Uint32Array(n);
    w.envIds.forEach((id, i) => {
      const { snapshot, late } = w.rows.get(id)!;
      snapshot.observations.forEach((o, k) => observations[k]!.set(o, i * o.length));
      if (reward) reward[i] = snapshot.reward;
      status[i] = snapshot.status;
      isSuccess[i] = snapshot.isSuccess;
      info.set(snapshot.info, i * spec.infoKeys.length);
      lateTicks[i] = late;
    });
    w.resolve({ spec, envIds: [...w.envIds], observations, reward, status, isSuccess, info, lateTicks });
  }

  private fail(w: Waiter, e: SimbridgeError): void {
    for (const c of this.clocks.values()) if (c.pending?.waiter === w) c.pending = undefined;
    w.reject(e);
  }
}

function snapshotRow(step: PoolStep, row: number, into: Snapshot): void {
  into.observations.forEach((o, k) => o.set(step.observations[k]!.subarray(row * o.length, (row + 1) * o.length)));
  into.reward = step.reward ? step.reward[row]! : 0;
  into.status = step.status[row]!;
  into.isSuccess = step.isSuccess[row]!;
  const nInfo = into.info.length;
  into.info.set(step.info.subarray(row * nInfo, (row + 1) * nInfo));
}

function cloneSnapshot(s: Snapshot): Snapshot {
  return { observations: s.observations.map((o) => o.slice()), reward: s.reward, status: s.status, isSuccess: s.isSuccess, info: s.info.slice() };
}
