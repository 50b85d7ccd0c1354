/**
 * FleetVectorEnv: `numEnvs` envs of one task spread over several simbridge
 * servers (or external servers speaking the protocol), behind the same
 * VectorEnv interface as one server's RemoteVectorEnv.
 *
 *     const env = await FleetVectorEnv.connect("ipv4:127.0.0.2:50051,127.0.0.3:50051", "Ant-v5", 32);
 *     const env = await FleetVectorEnv.connect("dns:///simbridge-envs.default.svc.cluster.local:50051", "Ant-v5", 256);
 *
 * - **Placement.** One session per backend; env i lives on one backend for as
 *   long as it can. Envs are split evenly, or in proportion to the capacity
 *   each server declares in its handshake (`simbridge serve --capacity N`)
 *   when every backend declares one; no backend gets more than its session's
 *   `max_envs`. Initially env indices are contiguous blocks in backend order.
 * - **Stepping.** A step request goes to every backend holding some of the
 *   requested envs at once; the answers come back as one batch in the order
 *   asked for, as from one server.
 * - **A backend lost** (it died, was drained, or stopped answering): its envs
 *   are re-created on the surviving backends (the least loaded first) and the
 *   call rejects with ABORTED ("reset them"), as RemoteVectorEnv does after a
 *   reconnect. The other backends' sessions and envs are untouched; the
 *   caller resets every env because the call's results are not delivered.
 *   When every backend is lost the call waits for one to come back
 *   (`allDownTimeoutMs`), then fails with UNAVAILABLE.
 * - **Coming back.** A lost backend is probed with exponential backoff; a
 *   `dns:` target is also looked up again every `resolveEveryMs`, and new
 *   addresses join the fleet. A backend that is (back) up takes envs again as
 *   episodes end: an env being reset moves from a backend above its share to
 *   one below it, so no episode is cut to rebalance.
 *
 * Seeds travel with each reset entry, so a fleet gives the same trajectories
 * as one server with the same seeds. `onEvent` hears about every loss, move
 * and return (the train command logs them).
 */
import { Code, SimbridgeError } from "../core/errors.js";
import { sizeOf } from "../env/spec.js";
import type { Options, TaskSpec } from "../env/task.js";
import { allIndices, type Annotations, type BatchStep, type ResetEntry, type VectorEnv } from "../env/vector-env.js";
import { AGENT_ANNOTATIONS_CAPABILITY } from "../protocol/annotations.js";
import { Connection, type ConnectOptions, type RemoteStep } from "./connection.js";
import { parseFleetTarget, resolveFleetTarget, type FleetTarget } from "./fleet-target.js";

export interface FleetOptions {
  readonly connect?: ConnectOptions;
  /** 0: lockstep; > 0: real-time envs at this control rate. */
  readonly realtimeHz?: number;
  /** First delay before probing a lost backend again (ms), doubled up to `maxDelayMs`. Default 200. */
  readonly initialDelayMs?: number;
  /** Longest delay between probes of a lost backend (ms). Default 10 000. */
  readonly maxDelayMs?: number;
  /** How long a call waits for some backend when all are lost (ms). Default 60 000. */
  readonly allDownTimeoutMs?: number;
  /** dns targets: look the name up again this often (ms) to find new backends; 0: only after a loss. Default 30 000. */
  readonly resolveEveryMs?: number;
  /** Told about losses, moves, returns and joins (for logs; `describeFleetEvent` words them). */
  readonly onEvent?: (event: FleetEvent) => void;
}

export type FleetEvent =
  | { readonly kind: "lost"; readonly address: string; readonly error: string; readonly envs: number }
  | { readonly kind: "moved"; readonly from: string; readonly to: Readonly<Record<string, number>> }
  | { readonly kind: "back"; readonly address: string }
  | { readonly kind: "joined"; readonly address: string }
  | { readonly kind: "rebalanced"; readonly to: Readonly<Record<string, number>> };

/** One log line per event. */
export function describeFleetEvent(e: FleetEvent): string {
  const spread = (to: Readonly<Record<string, number>>) =>
    Object.entries(to)
      .map(([a, n]) => `${n} to ${a}`)
      .join(", ");
  switch (e.kind) {
    case "lost":
      return `fleet: lost ${e.address} (${e.error}) with ${e.envs} envs`;
    case "moved":
      return `fleet: re-created the envs of ${e.from}: ${spread(e.to)}; episodes in flight are cut`;
    case "back":
      return `fleet: ${e.address} is back; it takes envs as episodes end`;
    case "joined":
      return `fleet: ${e.address} joined; it takes envs as episodes end`;
    case "rebalanced":
      return `fleet: moved envs at their episode ends: ${spread(e.to)}`;
  }
}

/** One server of the fleet and its session. */
interface Backend {
  readonly address: string;
  /** The open session while the backend is up. */
  conn: Connection | undefined;
  /** Declared capacity (0: none) and the session's env limit, from the handshake. */
  capacity: number;
  maxEnvs: number;
  /** Next probe delay while lost. */
  delay: number;
  timer: NodeJS.Timeout | undefined;
}

/** Where global env i lives: its backend and the env id on that backend's session. */
interface Slot {
  backend: Backend;
  envId: number;
}

const PROBE_TIMEOUT_MS = 2000;

export class FleetVectorEnv implements VectorEnv {
  private readonly all: number[];
  private closed = false;
  private failoverCount = 0;
  private migrationCount = 0;
  private resolveTimer: NodeJS.Timeout | undefined;
  /** Settled each time a lost backend comes back or joins (calls waiting for any backend listen). */
  private wakeUp: () => void = () => undefined;

  private constructor(
    private readonly target: FleetTarget,
    private readonly backends: Backend[],
    private readonly slots: Slot[],
    readonly spec: TaskSpec,
    private readonly task: string,
    private readonly options: Options,
    private readonly fleet: FleetOptions,
  ) {
    this.all = allIndices(slots.length);
    for (const b of backends) if (!b.conn) this.scheduleProbe(b);
    const every = fleet.resolveEveryMs ?? 30_000;
    if (target.kind === "dns" && every > 0) {
      this.resolveTimer = setInterval(() => void this.resolve(), every);
      this.resolveTimer.unref();
    }
  }

  /** Resolves `target`, opens one session per reachable backend and makes `numEnvs` envs of `task` spread over them. */
  static async connect(target: string | FleetTarget, task: string, numEnvs: number, options: Options = {}, fleet: FleetOptions = {}): Promise<FleetVectorEnv> {
    if (!(Number.isInteger(numEnvs) && numEnvs >= 1)) throw SimbridgeError.invalidArgument(`numEnvs: expected an integer ≥ 1, got ${numEnvs}`, "numEnvs");
    const parsed = typeof target === "string" ? parseFleetTarget(target) : target;
    const addresses = await resolveFleetTarget(parsed);
    const backends: Backend[] = addresses.map((address) => ({ address, conn: undefined, capacity: 0, maxEnvs: 0, delay: fleet.initialDelayMs ?? 200, timer: undefined }));
    const opened = await Promise.allSettled(backends.map((b) => Connection.open(b.address, fleet.connect)));
    const errors: string[] = [];
    opened.forEach((r, i) => {
      const b = backends[i]!;
      if (r.status === "fulfilled") attach(b, r.value);
      else {
        errors.push(`${b.address}: ${messageOf(r.reason)}`);
        fleet.onEvent?.({ kind: "lost", address: b.address, error: messageOf(r.reason), envs: 0 });
      }
    });
    const up = backends.filter((b) => b.conn);
    try {
      if (up.length === 0) throw new SimbridgeError(Code.UNAVAILABLE, `no backend of the fleet could be reached: ${errors.join("; ")}`);
      const counts = spread(numEnvs, up);
      const made = await Promise.all(up.map((b, i) => (counts[i]! > 0 ? b.conn!.makeEnvs(task, counts[i]!, options, fleet.realtimeHz ?? 0) : undefined)));
      const slots: Slot[] = [];
      let spec: TaskSpec | undefined;
      made.forEach((m, i) => {
        if (!m) return;
        checkSameSpec(spec, m.spec, up[i]!.address);
        spec ??= m.spec;
        for (const envId of m.envIds) slots.push({ backend: up[i]!, envId });
      });
      return new FleetVectorEnv(parsed, backends, slots, spec!, task, options, fleet);
    } catch (e) {
      for (const b of backends) b.conn?.close();
      throw e;
    }
  }

  get numEnvs(): number {
    return this.slots.length;
  }

  /** Times a lost backend's envs were re-created elsewhere. */
  get failovers(): number {
    return this.failoverCount;
  }

  /** Envs moved to a returning or new backend at their episode ends. */
  get migrations(): number {
    return this.migrationCount;
  }

  /** What every backend up announced in its handshake (features the whole fleet offers). */
  get capabilities(): readonly string[] {
    const up = this.backends.filter((b) => b.conn);
    return up.length === 0 ? [] : up[0]!.conn!.server.capabilities.filter((c) => up.every((b) => b.conn!.server.capabilities.includes(c)));
  }

  /** Every backend known, whether it is up, and how many envs it holds. */
  placement(): Array<{ address: string; up: boolean; envs: number }> {
    return this.backends.map((b) => ({ address: b.address, up: b.conn !== undefined, envs: this.slots.filter((s) => s.backend === b).length }));
  }

  async reset(entries?: readonly ResetEntry[]): Promise<BatchStep> {
    this.checkOpen();
    const list: readonly ResetEntry[] = entries ?? this.all.map((index) => ({ index }));
    list.forEach((e, i) => this.slotOf(e.index, `entries[${i}].index`));
    await this.repair();
    // Episode boundaries: the moment to move envs to a backend below its share.
    await this.guard(() => this.rebalance(list.map((e) => e.index)));
    const groups = this.group(list.map((e) => e.index));
    return this.run(list.map((e) => e.index), groups, (conn, rows, ids) =>
      conn.reset(rows.map((r, j) => ({ envId: ids[j]!, ...(list[r]!.seed !== undefined ? { seed: list[r]!.seed } : {}), ...(list[r]!.options ? { options: list[r]!.options } : {}) }))),
    );
  }

  async step(actions: Float32Array, indices: readonly number[] = this.all, annotations?: Annotations): Promise<BatchStep> {
    this.checkOpen();
    indices.forEach((index, i) => this.slotOf(index, `indices[${i}]`));
    const per = sizeOf(this.spec.action.shape);
    if (actions.length !== indices.length * per) {
      throw SimbridgeError.invalidArgument(`actions: expected ${indices.length} × ${per} values (one action per env index), got ${actions.length}`, "actions");
    }
    await this.repair();
    const groups = this.group(indices);
    return this.run(indices, groups, (conn, rows, ids) => {
      const part = new Float32Array(rows.length * per);
      rows.forEach((r, j) => part.set(actions.subarray(r * per, (r + 1) * per), j * per));
      const takes = annotations && conn.server.capabilities.includes(AGENT_ANNOTATIONS_CAPABILITY);
      return conn.step(ids, part, [rows.length, ...this.spec.action.shape], takes ? pickRows(annotations, rows, indices.length) : undefined);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.resolveTimer) clearInterval(this.resolveTimer);
    await Promise.allSettled(
      this.backends.map(async (b) => {
        if (b.timer) clearTimeout(b.timer);
        const conn = b.conn;
        if (!conn) return;
        try {
          const ids = this.slots.filter((s) => s.backend === b).map((s) => s.envId);
          if (conn.isOpen && ids.length) await conn.closeEnvs(ids);
        } finally {
          conn.close();
        }
      }),
    );
    this.wakeUp();
  }

  // ------------------------------------------------------------ requests

  /** The requested rows grouped by backend: row positions and env ids. */
  private group(indices: readonly number[]): Map<Backend, { rows: number[]; ids: number[] }> {
    const groups = new Map<Backend, { rows: number[]; ids: number[] }>();
    indices.forEach((index, row) => {
      const slot = this.slots[index]!;
      let g = groups.get(slot.backend);
      if (!g) groups.set(slot.backend, (g = { rows: [], ids: [] }));
      g.rows.push(row);
      g.ids.push(slot.envId);
    });
    return groups;
  }

  /**
   * Sends one request per backend at once and merges the answers in row
   * order. A lost backend: fail over, then ABORTED. A refusal by some
   * backends while others stepped: ABORTED too (the envs no longer agree).
   */
  private async run(indices: readonly number[], groups: Map<Backend, { rows: number[]; ids: number[] }>, send: (conn: Connection, rows: number[], ids: number[]) => Promise<RemoteStep>): Promise<BatchStep> {
    const entries = [...groups.entries()];
    const settled = await Promise.allSettled(entries.map(([b, g]) => send(b.conn!, g.rows, g.ids)));
    const lost: Array<{ backend: Backend; error: unknown }> = [];
    const refused: Array<{ backend: Backend; error: unknown }> = [];
    settled.forEach((r, i) => {
      if (r.status === "fulfilled") return;
      const backend = entries[i]![0];
      (isConnectionLoss(r.reason, backend.conn) ? lost : refused).push({ backend, error: r.reason });
    });
    if (lost.length > 0) {
      await this.failOver(lost);
      const what = lost.map((l) => `${l.backend.address} (${messageOf(l.error)})`).join(", ");
      throw new SimbridgeError(Code.ABORTED, `the fleet lost ${what}; its envs were re-created on the other backends: reset them`);
    }
    if (refused.length > 0) {
      // Refused everywhere: nothing moved, the error is the caller's to see as it is.
      if (refused.length === entries.length) throw refused[0]!.error;
      throw new SimbridgeError(Code.ABORTED, `${refused[0]!.backend.address} refused the request (${messageOf(refused[0]!.error)}) while the other backends carried it out: reset the envs`);
    }
    return merge(this.spec, indices, entries.map(([, g], i) => ({ rows: g.rows, step: (settled[i] as PromiseFulfilledResult<RemoteStep>).value })));
  }

  /** Runs a placement change; a backend lost during it fails over and the caller sees ABORTED. */
  private async guard(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      const backend = (e as { backend?: Backend }).backend;
      if (!backend) throw e;
      await this.failOver([{ backend, error: (e as { cause?: unknown }).cause }]);
      throw new SimbridgeError(Code.ABORTED, `the fleet lost ${backend.address} (${messageOf((e as { cause?: unknown }).cause)}); its envs were re-created on the other backends: reset them`);
    }
  }

  // ------------------------------------------------------------ placement

  /** Envs left on a lost backend by a failover that could not finish (e.g. no room): placed now, then ABORTED. */
  private async repair(): Promise<void> {
    if (this.slots.every((s) => s.backend.conn)) return;
    await this.failOver([]);
    throw new SimbridgeError(Code.ABORTED, "envs of a lost backend were re-created on the other backends: reset them");
  }

  /** Marks backends lost and re-creates their envs on the backends still up. */
  private async failOver(lost: ReadonlyArray<{ backend: Backend; error: unknown }>): Promise<void> {
    for (const { backend, error } of lost) {
      if (!backend.conn) continue;
      const envs = this.slots.filter((s) => s.backend === backend).length;
      this.markLost(backend);
      this.fleet.onEvent?.({ kind: "lost", address: backend.address, error: messageOf(error), envs });
    }
    this.failoverCount++;
    for (;;) {
      const orphans = this.all.filter((i) => !this.slots[i]!.backend.conn);
      if (orphans.length === 0) return;
      const from = new Set(orphans.map((i) => this.slots[i]!.backend.address));
      const to = await this.placeOn(orphans);
      if (to) {
        for (const address of from) this.fleet.onEvent?.({ kind: "moved", from: address, to });
        return;
      }
    }
  }

  /**
   * Makes fresh envs for global indices `orphans` on the backends up, the
   * least loaded (relative to its share) first. Returns where they went, or
   * undefined when a backend was lost on the way (the caller tries again).
   */
  private async placeOn(orphans: readonly number[]): Promise<Record<string, number> | undefined> {
    const up = await this.backendsUp();
    const load = new Map(up.map((b) => [b, this.slots.filter((s) => s.backend === b).length]));
    const weights = shareWeights(up);
    const plan = new Map<Backend, number[]>();
    for (const index of orphans) {
      let best: Backend | undefined;
      let bestScore = Infinity;
      up.forEach((b, i) => {
        const n = load.get(b)!;
        if (n >= b.maxEnvs) return;
        const score = (n + 1) / weights[i]!;
        if (score < bestScore) [best, bestScore] = [b, score];
      });
      if (!best) throw new SimbridgeError(Code.RESOURCE_EXHAUSTED, `the backends up (${up.map((b) => b.address).join(", ")}) take at most ${up.reduce((s, b) => s + b.maxEnvs, 0)} envs in all; the fleet needs ${this.slots.length}`);
      load.set(best, load.get(best)! + 1);
      if (!plan.has(best)) plan.set(best, []);
      plan.get(best)!.push(index);
    }
    const to: Record<string, number> = {};
    let complete = true;
    await Promise.all(
      [...plan.entries()].map(async ([b, indices]) => {
        try {
          const { envIds, spec } = await b.conn!.makeEnvs(this.task, indices.length, this.options, this.fleet.realtimeHz ?? 0);
          checkSameSpec(this.spec, spec, b.address);
          indices.forEach((index, j) => (this.slots[index] = { backend: b, envId: envIds[j]! }));
          to[b.address] = indices.length;
        } catch (e) {
          if (!isConnectionLoss(e, b.conn)) throw e;
          this.fleet.onEvent?.({ kind: "lost", address: b.address, error: messageOf(e), envs: this.slots.filter((s) => s.backend === b).length });
          this.markLost(b);
          complete = false;
        }
      }),
    );
    return complete ? to : undefined;
  }

  /** The backends up now; when none is, waits for one (up to allDownTimeoutMs). */
  private async backendsUp(): Promise<Backend[]> {
    const deadline = Date.now() + (this.fleet.allDownTimeoutMs ?? 60_000);
    for (;;) {
      const up = this.backends.filter((b) => b.conn);
      if (up.length > 0) return up;
      if (this.closed) throw SimbridgeError.failedPrecondition("these envs are closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new SimbridgeError(Code.UNAVAILABLE, `every backend of the fleet is lost (${this.backends.map((b) => b.address).join(", ")}) and none came back in ${this.fleet.allDownTimeoutMs ?? 60_000} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /**
   * Envs about to be reset move from backends above their share to backends
   * below it (a backend back, or new), one make request per receiving
   * backend. A loss while moving surfaces as `{ backend, cause }` for guard().
   */
  private async rebalance(resetting: readonly number[]): Promise<void> {
    const up = this.backends.filter((b) => b.conn);
    if (up.length < 2) return;
    const shares = spread(this.slots.length, up);
    const load = new Map(up.map((b) => [b, this.slots.filter((s) => s.backend === b).length]));
    const below = up.filter((b, i) => load.get(b)! < shares[i]!);
    if (below.length === 0) return;
    const shareOf = new Map(up.map((b, i) => [b, shares[i]!]));
    const plan = new Map<Backend, number[]>();
    for (const index of resetting) {
      const from = this.slots[index]!.backend;
      if (!(load.get(from)! > shareOf.get(from)!)) continue;
      const to = below.find((b) => load.get(b)! < shareOf.get(b)!);
      if (!to) break;
      load.set(from, load.get(from)! - 1);
      load.set(to, load.get(to)! + 1);
      if (!plan.has(to)) plan.set(to, []);
      plan.get(to)!.push(index);
    }
    if (plan.size === 0) return;
    const moved: Record<string, number> = {};
    for (const [to, indices] of plan) {
      let made: { envIds: number[]; spec: TaskSpec };
      try {
        made = await to.conn!.makeEnvs(this.task, indices.length, this.options, this.fleet.realtimeHz ?? 0);
      } catch (e) {
        if (isConnectionLoss(e, to.conn)) throw Object.assign(new Error("lost while rebalancing"), { backend: to, cause: e });
        throw e;
      }
      checkSameSpec(this.spec, made.spec, to.address);
      // Free the old envs; a backend lost meanwhile has freed them already.
      const byOld = new Map<Backend, number[]>();
      for (const index of indices) {
        const old = this.slots[index]!;
        if (!byOld.has(old.backend)) byOld.set(old.backend, []);
        byOld.get(old.backend)!.push(old.envId);
      }
      indices.forEach((index, j) => (this.slots[index] = { backend: to, envId: made.envIds[j]! }));
      await Promise.allSettled([...byOld.entries()].map(([b, ids]) => b.conn?.closeEnvs(ids)));
      moved[to.address] = indices.length;
      this.migrationCount += indices.length;
    }
    this.fleet.onEvent?.({ kind: "rebalanced", to: moved });
  }

  // ------------------------------------------------------------ losing and probing

  private markLost(b: Backend): void {
    b.conn?.close();
    b.conn = undefined;
    b.delay = this.fleet.initialDelayMs ?? 200;
    this.scheduleProbe(b);
  }

  private scheduleProbe(b: Backend): void {
    if (this.closed || b.timer) return;
    b.timer = setTimeout(() => {
      b.timer = undefined;
      void this.probe(b);
    }, b.delay);
    b.timer.unref();
  }

  /** Tries a lost backend once; schedules the next try with a doubled delay when it fails. */
  private async probe(b: Backend): Promise<void> {
    if (this.closed || b.conn) return;
    if (this.target.kind === "dns") await this.resolve();
    if (!this.backends.includes(b)) return;
    try {
      const conn = await Connection.open(b.address, { ...this.fleet.connect, timeoutMs: Math.min(this.fleet.connect?.timeoutMs ?? 60_000, PROBE_TIMEOUT_MS) });
      if (this.closed) {
        conn.close();
        return;
      }
      attach(b, conn);
      b.delay = this.fleet.initialDelayMs ?? 200;
      this.fleet.onEvent?.({ kind: "back", address: b.address });
      this.wakeUp();
    } catch {
      b.delay = Math.min(b.delay * 2, this.fleet.maxDelayMs ?? 10_000);
      this.scheduleProbe(b);
    }
  }

  /** dns targets: new addresses join (probed at once); lost backends the name no longer lists are dropped. */
  private async resolve(): Promise<void> {
    if (this.closed) return;
    let addresses: string[];
    try {
      addresses = await resolveFleetTarget(this.target);
    } catch {
      return; // keep what we know; the next probe or period looks again
    }
    for (const address of addresses) {
      if (this.backends.some((b) => b.address === address)) continue;
      const b: Backend = { address, conn: undefined, capacity: 0, maxEnvs: 0, delay: 0, timer: undefined };
      this.backends.push(b);
      void this.probe(b).then(() => {
        if (b.conn) this.fleet.onEvent?.({ kind: "joined", address });
      });
    }
    for (let i = this.backends.length - 1; i >= 0; i--) {
      const b = this.backends[i]!;
      if (!b.conn && !addresses.includes(b.address) && !this.slots.some((s) => s.backend === b)) {
        if (b.timer) clearTimeout(b.timer);
        this.backends.splice(i, 1);
      }
    }
  }

  private checkOpen(): void {
    if (this.closed) throw SimbridgeError.failedPrecondition("these envs are closed");
  }

  private slotOf(index: number, field: string): Slot {
    const slot = Number.isInteger(index) ? this.slots[index] : undefined;
    if (slot === undefined) throw SimbridgeError.notFound(`${field}: env index ${index} is out of range [0, ${this.slots.length})`, field);
    return slot;
  }
}

// ---------------------------------------------------------------- helpers

function attach(b: Backend, conn: Connection): void {
  b.conn = conn;
  b.capacity = conn.server.capacity;
  b.maxEnvs = conn.server.maxEnvs > 0 ? conn.server.maxEnvs : Infinity;
}

/** Each backend's weight: its declared capacity when every one declares one, else 1. */
function shareWeights(backends: readonly Backend[]): number[] {
  const declared = backends.every((b) => b.capacity > 0);
  return backends.map((b) => (declared ? b.capacity : 1));
}

/**
 * `n` envs over `backends` in proportion to their weights (largest
 * remainders, ties to the earlier backend), none above its session limit.
 */
export function spread(n: number, backends: ReadonlyArray<{ capacity: number; maxEnvs: number }>): number[] {
  const declared = backends.every((b) => b.capacity > 0);
  const weights = backends.map((b) => (declared ? b.capacity : 1));
  const limits = backends.map((b) => b.maxEnvs);
  const total = limits.reduce((s, m) => s + m, 0);
  if (n > total) throw new SimbridgeError(Code.RESOURCE_EXHAUSTED, `${n} envs do not fit the fleet: its ${backends.length} sessions take at most ${total}`);
  const counts = new Array<number>(backends.length).fill(0);
  let left = n;
  // Water-filling: hand out by weight among the backends not yet at their limit.
  while (left > 0) {
    const open = counts.map((_, i) => i).filter((i) => counts[i]! < limits[i]!);
    const w = open.reduce((s, i) => s + weights[i]!, 0);
    const exact = open.map((i) => (left * weights[i]!) / w);
    const floors = exact.map((x, j) => Math.min(Math.floor(x), limits[open[j]!]! - counts[open[j]!]!));
    let given = 0;
    floors.forEach((f, j) => {
      counts[open[j]!]! += f;
      given += f;
    });
    const order = open.map((i, j) => ({ i, rem: exact[j]! - Math.floor(exact[j]!) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
    for (const { i } of order) {
      if (given === left) break;
      if (counts[i]! < limits[i]!) {
        counts[i]!++;
        given++;
      }
    }
    left -= given;
  }
  return counts;
}

function checkSameSpec(expected: TaskSpec | undefined, got: TaskSpec, address: string): void {
  if (expected && JSON.stringify(expected) !== JSON.stringify(got)) {
    throw SimbridgeError.failedPrecondition(`${address} serves ${got.name} with another spec than the rest of the fleet (another version or other options?)`);
  }
}

/** The transport-level failures that mean "this backend is gone". */
function isConnectionLoss(e: unknown, conn: Connection | undefined): boolean {
  if (!(e instanceof SimbridgeError)) return false;
  return !conn?.isOpen || e.code === Code.UNAVAILABLE || e.code === Code.DEADLINE_EXCEEDED;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Rows `rows` of each annotation (arrays of `total` rows). */
function pickRows(annotations: Annotations, rows: readonly number[], total: number): Annotations {
  const out: Record<string, Float32Array> = {};
  for (const [name, values] of Object.entries(annotations)) {
    const size = values.length / total;
    const part = new Float32Array(rows.length * size);
    rows.forEach((r, j) => part.set(values.subarray(r * size, (r + 1) * size), j * size));
    out[name] = part;
  }
  return out;
}

/** One batch in row order from the backends' answers (each with the rows it answered). */
function merge(spec: TaskSpec, indices: readonly number[], parts: ReadonlyArray<{ rows: readonly number[]; step: RemoteStep }>): BatchStep {
  const n = indices.length;
  const sizes = spec.observations.map((o) => sizeOf(o.shape));
  const infoSize = spec.infoKeys.length;
  const observations = sizes.map((s) => new Float32Array(n * s));
  const withReward = parts.every((p) => p.step.reward !== undefined);
  const reward = withReward ? new Float64Array(n) : undefined;
  const status = new Uint8Array(n);
  const isSuccess = new Uint8Array(n);
  const info = new Float64Array(n * infoSize);
  const late = parts.some((p) => p.step.lateTicks) ? new Uint32Array(n) : undefined;
  for (const { rows, step } of parts) {
    rows.forEach((row, j) => {
      sizes.forEach((s, k) => observations[k]!.set(step.observations[k]!.subarray(j * s, (j + 1) * s), row * s));
      if (reward) reward[row] = step.reward![j]!;
      status[row] = step.status[j]!;
      isSuccess[row] = step.isSuccess[j]!;
      info.set(step.info.subarray(j * infoSize, (j + 1) * infoSize), row * infoSize);
      if (late && step.lateTicks) late[row] = step.lateTicks[j]!;
    });
  }
  return { indices: [...indices], observations, reward, status, isSuccess, info, ...(late ? { lateTicks: late } : {}) };
}
