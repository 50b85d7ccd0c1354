/**
 * One client session: turns decoded protocol requests into EnvPool calls and
 * results back into protocol responses. Transport-free (the gRPC handler in
 * `server.ts` feeds it), so every rule of the protocol is testable here and
 * over a real stream alike.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import { Code, SimbridgeError, asSimbridgeError } from "../core/errors.js";
import { clip, quote } from "../core/quote.js";
import { decodeTensor, encodeTensor } from "../protocol/tensor-codec.js";
import { decodeOptions, encodeTaskSpec } from "../protocol/spec-codec.js";
import { PROTOCOL_VERSION } from "../protocol/service-definition.js";
import type { SessionRequest__Output } from "../protocol/generated/simbridge/v1/SessionRequest.js";
import type { SessionResponse } from "../protocol/generated/simbridge/v1/SessionResponse.js";
import type { StepResult } from "../protocol/generated/simbridge/v1/StepResult.js";
import type { WatchFrame } from "../protocol/generated/simbridge/v1/WatchFrame.js";
import { EnvPool, type PoolStep } from "../env/env-pool.js";
import type { TaskRegistry } from "../env/task-registry.js";
import { RealtimeGroup, type RealtimeStep } from "./realtime-group.js";
import { COMPUTE_REWARD_CAPABILITY, RewardFunctions } from "./compute-reward.js";
import { AGENT_ANNOTATIONS_CAPABILITY, decodeAnnotations } from "../protocol/annotations.js";
import type { Tensor } from "../protocol/generated/simbridge/v1/Tensor.js";
import type { WatchHub } from "./watch-hub.js";
import { EnvViews, VIEWER_MODEL_CAPABILITY } from "../viewer/env-views.js";

export interface SessionConfig {
  readonly registry: TaskRegistry;
  /** When set, the handshake (or the `authorization` metadata) must carry this bearer token. */
  readonly token?: string;
  /** Most envs one session may have open. */
  readonly maxEnvs: number;
  /** Envs this server would host in all (announced for fleets; 0 or absent: not declared). */
  readonly capacity?: number;
  /** Largest request accepted, in bytes (checked before decoding). */
  readonly maxMessageBytes: number;
  readonly serverName: string;
  /** Where resets and steps are offered to Watch streams. */
  readonly hub?: WatchHub;
  /**
   * Take `StepRequest.annotations` (checked, relayed to watchers) and announce
   * "agent_annotations" (default true). false: as a server older than the
   * capability — not announced, and annotations are ignored unchecked.
   */
  readonly agentAnnotations?: boolean;
}

/** A frame's annotations for row `row` of a reset/step result; undefined when it has none. */
export type RowAnnotations = (row: number) => Record<string, Tensor> | undefined;

/**
 * A request the transport did not decode (undecodable, or over the size
 * limit); answered with an error, the session goes on. `id` is the request's
 * id read from its raw bytes, "0" when it could not be read.
 */
export interface MalformedRequest {
  readonly id: string;
  readonly malformed: SimbridgeError;
}

export const CAPABILITIES = ["vector_envs", "partial_reset", "per_env_seed", "pipelining", "goal_conditioned", "watch", "realtime", "black_box"];

/** Thrown by `handle` when the session must end (the stream closes with this status). */
export class FatalSessionError extends SimbridgeError {}

export class Session {
  readonly id = randomUUID();
  private readonly pool: EnvPool;
  private handshaken = false;
  private readonly realtime: RealtimeGroup[] = [];
  /** Tasks' reward functions for `compute_reward` (made on first use). */
  private readonly rewardFunctions: RewardFunctions;
  /** The envs' views, for watchers that ask for them (capability "viewer_model"). */
  private readonly views = new EnvViews();

  constructor(
    private readonly config: SessionConfig,
    /** Bearer token from the call's `authorization` metadata, if any. */
    private readonly metadataToken?: string,
  ) {
    this.pool = new EnvPool(this.views.wrap(config.registry), { maxEnvs: config.maxEnvs });
    this.rewardFunctions = new RewardFunctions(config.registry);
  }

  /** Answers one request. Never throws for a bad request; throws FatalSessionError when the session must end. */
  async handle(request: SessionRequest__Output | MalformedRequest): Promise<SessionResponse> {
    if ("malformed" in request) return errorResponse(request.id, request.malformed);
    const id = request.id;
    try {
      return { id, ...(await this.dispatch(request)) };
    } catch (e) {
      if (e instanceof FatalSessionError) throw e;
      // Error.field names the request field as the proto says: "step.actions", "reset.envs[2].seed".
      const err = asSimbridgeError(e);
      const kind = request.payload;
      const field = err.field && kind && !err.field.startsWith(`${kind}.`) ? `${kind}.${err.field}` : err.field;
      return errorResponse(id, new SimbridgeError(err.code, err.message, field));
    }
  }

  /** Frees every env of the session. */
  close(): void {
    for (const g of this.realtime) g.stop();
    this.pool.closeAll();
    this.rewardFunctions.close();
  }

  /** Envs open in this session (the server's Status counts). */
  get envCount(): number {
    return this.pool.size;
  }

  private groupOf(envId: number): RealtimeGroup | undefined {
    return this.realtime.find((g) => g.has(envId));
  }

  /**
   * Offers each row of a reset/step result to the watchers, with its row of
   * the step's annotations. Nothing is kept: a frame is built only when some
   * watcher takes it, and its annotations are cut from the request then.
   */
  private publish(step: PoolStep, annotations?: RowAnnotations): void {
    const hub = this.config.hub;
    if (!hub || hub.watcherCount === 0) return;
    const spec = step.spec;
    step.envIds.forEach((envId, row) => {
      if (!hub.wants(this.id, envId)) return;
      hub.publish(this.id, envId, (nowMs) => {
        const p = this.pool.progress(envId);
        const rowAnnotations = annotations?.(row);
        return {
          session_id: this.id,
          env_id: envId,
          task: spec.name,
          episode: p.episode,
          episode_step: p.episodeStep,
          sim_time: Number((p.episodeStep * spec.controlDt).toPrecision(12)),
          wall_time_us: Math.round((performance.timeOrigin + nowMs) * 1000),
          status: step.status[row] as WatchFrame["status"],
          observations: step.observations.map((o, k) => {
            const size = o.length / step.envIds.length;
            return encodeTensor(o.slice(row * size, (row + 1) * size), spec.observations[k]!.shape);
          }),
          ...(step.reward ? { reward: step.reward[row]! } : {}),
          is_success: step.isSuccess[row] === 1,
          ...(rowAnnotations ? { annotations: rowAnnotations } : {}),
          view: () => this.views.frameView(envId),
        };
      });
    });
  }

  private async dispatch(request: SessionRequest__Output): Promise<Omit<SessionResponse, "id">> {
    const kind = request.payload;
    if (!kind) throw SimbridgeError.invalidArgument("request has no payload (expected one of handshake, list_tasks, make_envs, reset, step, close_envs)", "payload");
    if (kind === "handshake") return { handshake: this.handshake(request.handshake!) };
    if (!this.handshaken) throw SimbridgeError.failedPrecondition(`${kind} before handshake: the first request of a session must be a handshake`, "payload");
    switch (kind) {
      case "list_tasks":
        return { list_tasks: { tasks: this.config.registry.specs().map(encodeTaskSpec) } };
      case "make_envs": {
        const m = request.make_envs!;
        const hz = m.realtime_hz ?? 0;
        if (!(hz >= 0 && hz <= 10_000)) throw SimbridgeError.invalidArgument(`realtime_hz: must be 0 (lockstep) or in (0, 10000], got ${hz}`, "realtime_hz");
        const key = hz > 0 ? `realtime-${this.realtime.length}` : "";
        let made: Awaited<ReturnType<EnvPool["make"]>>;
        try {
          made = await this.pool.make(m.task, m.count, decodeOptions(m.options, "make_envs.options"), key);
        } catch (e) {
          this.views.discard();
          throw e;
        }
        const { envIds, spec } = made;
        this.views.adopt(envIds);
        if (hz > 0) this.realtime.push(new RealtimeGroup(this.pool, envIds, spec, hz, (step, annotations) => this.publish(step, annotations)));
        return { make_envs: { env_ids: envIds, spec: encodeTaskSpec(spec) } };
      }
      case "reset": {
        const envs = request.reset!.envs;
        const out = this.pool.reset(
          envs.map((e, i) => ({
            envId: e.env_id,
            ...(e.seed !== undefined && e.seed !== null ? { seed: exactSeed(e.seed) } : {}),
            options: decodeOptions(e.options, `reset.envs[${i}].options`),
          })),
        );
        this.groupOf(out.envIds[0]!)?.afterReset(out);
        this.publish(out);
        return { reset: encodeStep(out) };
      }
      case "step": {
        const s = request.step!;
        const actions = decodeTensor(s.actions, "step.actions");
        // Checked before any env is touched; an older server would not know the field at all.
        const annotations = this.config.agentAnnotations === false ? undefined : decodeAnnotations(s.annotations, s.env_ids.length);
        const group = s.env_ids.length ? this.groupOf(s.env_ids[0]!) : undefined;
        if (group) {
          if (!(actions.data instanceof Float32Array)) throw SimbridgeError.invalidArgument(`actions: expected dtype float32 but got ${actions.dtype}`, "actions");
          return { step: encodeStep(await group.submit(s.env_ids, actions.data, actions.shape, annotations)) };
        }
        const out = this.pool.step(s.env_ids, actions.data, actions.shape, actions.dtype);
        this.publish(out, annotations && ((row) => annotations.rowTensors(row)));
        return { step: encodeStep(out) };
      }
      case "close_envs": {
        const closed = this.pool.close(request.close_envs!.env_ids);
        this.views.forget(closed);
        for (const g of this.realtime) g.remove(closed);
        return { close_envs: { env_ids: closed } };
      }
      case "compute_reward": {
        const reward = await this.rewardFunctions.compute(request.compute_reward!);
        return { compute_reward: { reward: encodeTensor(reward, [reward.length]) } };
      }
      case "realtime_stats": {
        const wanted = request.realtime_stats!.env_ids;
        for (const id of wanted) {
          this.pool.progress(id); // NOT_FOUND for unknown ids
          if (!this.groupOf(id)) throw SimbridgeError.failedPrecondition(`env ${id} is not a real-time env (make it with realtime_hz > 0)`, "env_ids");
        }
        const envs = this.realtime.flatMap((g) => g.stats()).filter((e) => wanted.length === 0 || wanted.includes(e.envId));
        return {
          realtime_stats: {
            envs: envs.map((e) => ({
              env_id: e.envId,
              hz: e.hz,
              ticks: e.ticks,
              held_ticks: e.heldTicks,
              late_steps: e.lateSteps,
              jitter_us_p50: e.jitterUsP50,
              jitter_us_p99: e.jitterUsP99,
            })),
          },
        };
      }
    }
  }

  private handshake(h: NonNullable<SessionRequest__Output["handshake"]>) {
    if (this.config.token !== undefined) {
      const given = h.token || this.metadataToken || "";
      if (!sameSecret(given, this.config.token)) {
        throw new FatalSessionError(Code.UNAUTHENTICATED, given ? "wrong bearer token" : "this server requires a bearer token (handshake.token or `authorization: Bearer …` metadata)");
      }
    }
    const theirs = parseSemver(h.protocol_version);
    if (!theirs) throw SimbridgeError.invalidArgument(`handshake.protocol_version: ${quote(h.protocol_version)} is not a semver like 1.0.0`, "handshake.protocol_version");
    const ours = parseSemver(PROTOCOL_VERSION)!;
    if (theirs[0] !== ours[0]) {
      throw SimbridgeError.failedPrecondition(
        `protocol major version mismatch: client speaks ${clip(h.protocol_version)}, this server speaks ${PROTOCOL_VERSION}; use a ${ours[0]}.x client`,
        "handshake.protocol_version",
      );
    }
    this.handshaken = true;
    return {
      protocol_version: PROTOCOL_VERSION,
      server_name: this.config.serverName,
      // compute_reward only when some task offers its reward function (never from a black-box catalogue).
      capabilities: [
        ...CAPABILITIES,
        VIEWER_MODEL_CAPABILITY,
        ...(this.config.agentAnnotations === false ? [] : [AGENT_ANNOTATIONS_CAPABILITY]),
        ...(this.rewardFunctions.offered ? [COMPUTE_REWARD_CAPABILITY] : []),
      ],
      max_envs: this.config.maxEnvs,
      capacity: this.config.capacity ?? 0,
      max_message_bytes: this.config.maxMessageBytes,
      session_id: this.id,
    };
  }
}

/** `id` is echoed exactly: the decimal string the request was decoded with. */
export function errorResponse(id: string, e: SimbridgeError): SessionResponse {
  return { id, error: { code: e.code, message: e.message, field: e.field } };
}

function encodeStep(s: PoolStep | RealtimeStep): StepResult {
  const n = s.envIds.length;
  return {
    ...("lateTicks" in s ? { late_ticks: Array.from(s.lateTicks) } : {}),
    env_ids: s.envIds as number[],
    observations: s.observations.map((o, k) => encodeTensor(o, [n, ...s.spec.observations[k]!.shape])),
    ...(s.reward ? { reward: encodeTensor(s.reward, [n]) } : {}),
    status: Array.from(s.status) as StepResult["status"],
    is_success: Array.from(s.isSuccess, (v) => v === 1),
    info: encodeTensor(s.info, [n, s.spec.infoKeys.length]),
  };
}

/**
 * A seed as the pool takes it: a number when it is exact (below 2^53), else
 * the exact value as a bigint, which the pool refuses naming it.
 */
function exactSeed(wire: string | number): number | bigint {
  const n = Number(wire);
  return Number.isSafeInteger(n) ? n : BigInt(wire);
}

function parseSemver(v: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v ?? "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
