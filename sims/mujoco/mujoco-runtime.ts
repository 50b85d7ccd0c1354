/**
 * The MuJoCo WebAssembly runtime shared by every MuJoCo task in the process.
 *
 * - `loadMujoco()` loads the WASM module once per process (a memoised promise;
 *   a failed load is not memoised, so a later call retries).
 * - `compileModel()` writes model XML into the module's virtual file system and
 *   compiles it once per distinct XML text; every task then gets its own cheap
 *   copy of that prototype (`new MjModel(prototype)`, a memcpy), so making and
 *   closing envs never re-parses XML.
 * - `MjSim` owns one MjModel + MjData pair and hands out cached typed-array views
 *   over WASM memory.
 *
 * About the views: mujoco-js returns a *fresh* typed array over WASM memory on
 * every MjData/MjModel array property access (`d.qpos !== d.qpos`), which would
 * allocate on every step. `MjSim` reads them once and keeps them. Writes through
 * a view reach the simulation. When the WASM memory grows (another env being
 * made, a bigger model compiled) the old ArrayBuffer is detached and every view
 * over it reads as length 0; `MjSim.refresh()` detects that with one
 * `byteLength` check and re-reads the views. Call it before using views after
 * anything that may have allocated in WASM (tasks call it at the top of
 * `reset`/`step`; `mj_step` itself does not allocate).
 */
import loadMujocoModule from "mujoco-js";
import type { MainModule, MjData, MjModel } from "mujoco-js";
import { Code, SimbridgeError } from "../../src/core/errors.js";

export type Mujoco = MainModule;

let runtime: Promise<Mujoco> | undefined;

/** The process-wide MuJoCo WASM module (loaded on first call). */
export function loadMujoco(): Promise<Mujoco> {
  if (runtime === undefined) {
    runtime = loadMujocoModule().then(
      (mj) => mj,
      (e: unknown) => {
        runtime = undefined;
        throw new SimbridgeError(Code.INTERNAL, `MuJoCo WASM module failed to load: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }
  return runtime;
}

/** MuJoCo's version string, e.g. "3.3.8". */
export async function mujocoVersion(): Promise<string> {
  return (await loadMujoco()).mj_versionString();
}

const MODEL_DIR = "/simbridge-models";
const prototypes = new Map<string, MjModel>();

/**
 * Compiles `xml` (once per distinct text; the result is kept for the life of the
 * process) and returns a new MjModel copied from it. The caller owns the copy
 * and must `delete()` it. `name` only names the file in the virtual FS and
 * appears in error messages.
 */
export function compileModel(mj: Mujoco, name: string, xml: string): MjModel {
  let proto = prototypes.get(xml);
  if (proto === undefined) {
    const fs = mj.FS;
    if (!fs.analyzePath(MODEL_DIR, false).exists) fs.mkdir(MODEL_DIR);
    const path = `${MODEL_DIR}/${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.xml`;
    fs.writeFile(path, xml);
    let model: MjModel | null = null;
    try {
      model = mj.MjModel.loadFromXML(path) as MjModel | null;
    } catch (e) {
      throw new SimbridgeError(Code.INTERNAL, `MuJoCo could not compile model ${name}: ${describeWasmError(mj, e)}`);
    } finally {
      fs.unlink(path);
    }
    if (!model) throw new SimbridgeError(Code.INTERNAL, `MuJoCo could not compile model ${name} (see MuJoCo's message on stderr)`);
    proto = model;
    prototypes.set(xml, proto);
  }
  return new mj.MjModel(proto);
}

function describeWasmError(mj: Mujoco, e: unknown): string {
  const getMessage = (mj as unknown as { getExceptionMessage?: (e: unknown) => string[] }).getExceptionMessage;
  if (getMessage && e && typeof e === "object" && "excPtr" in e) {
    try {
      return getMessage(e).filter(Boolean).join(": ");
    } catch {
      /* fall through */
    }
  }
  return e instanceof Error ? e.message : String(e);
}

/** Number of bytes of the WASM linear memory right now (grows, never shrinks). */
export function wasmHeapBytes(mj: Mujoco): number {
  // mujoco-js does not export HEAP8/wasmMemory; every view it hands out is over
  // the memory's buffer, so a tiny kept-alive probe model tells its size.
  const probe = compileProbe(mj);
  return (probe.body_mass as Float64Array).buffer.byteLength;
}

let probeModel: MjModel | undefined;
function compileProbe(mj: Mujoco): MjModel {
  if (probeModel === undefined) {
    probeModel = compileModel(mj, "probe", `<mujoco model="probe"><worldbody><body><geom size="0.1"/></body></worldbody></mujoco>`);
  }
  return probeModel;
}

/**
 * Safety net for sims that are dropped without `close()`: when the MjSim is
 * garbage-collected, its MjData and MjModel are freed. `close()` is still the
 * contract (GC may come late or never); this only bounds the damage.
 */
const finalizer = new FinalizationRegistry<{ model: MjModel; data: MjData }>(({ model, data }) => {
  if (!data.isDeleted()) data.delete();
  if (!model.isDeleted()) model.delete();
});

type ObjName = "body" | "joint" | "actuator" | "geom" | "site";

/**
 * One simulation: an MjModel copy, its MjData and cached views. Not thread-safe
 * (nothing in JS is); unusable after `close()`.
 */
export class MjSim {
  readonly model: MjModel;
  readonly data: MjData;
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly nbody: number;
  /** Physics timestep (s) of the model. */
  readonly timestep: number;

  // Cached views (see the file comment). Refreshed by `refresh()`.
  qpos!: Float64Array;
  qvel!: Float64Array;
  ctrl!: Float64Array;
  /** Body positions, nbody x 3. */
  xpos!: Float64Array;
  /** Com-based external forces on bodies (contacts), nbody x 6; filled by `rnePostConstraint()`. */
  cfrcExt!: Float64Array;
  /** Model's reference configuration (the default qpos), nq. */
  qpos0!: Float64Array;

  private closed = false;
  private readonly extraViews = new Map<string, Float64Array>();
  private readonly stepFn: (m: MjModel, d: MjData) => void;

  constructor(
    readonly mj: Mujoco,
    /** Name of the model (the task name). */
    readonly name: string,
    /** The MJCF text the model was compiled from (e.g. for a native baseline). */
    readonly xml: string,
  ) {
    this.model = compileModel(mj, name, xml);
    try {
      this.data = new mj.MjData(this.model);
    } catch (e) {
      this.model.delete();
      throw e;
    }
    const m = this.model;
    this.nq = m.nq;
    this.nv = m.nv;
    this.nu = m.nu;
    this.nbody = m.nbody;
    const opt = m.opt;
    this.timestep = opt.timestep;
    opt.delete();
    this.stepFn = mj.mj_step;
    this.bind();
    finalizer.register(this, { model: this.model, data: this.data }, this);
  }

  private bind(): void {
    const d = this.data;
    const m = this.model;
    this.qpos = d.qpos as Float64Array;
    this.qvel = d.qvel as Float64Array;
    this.ctrl = d.ctrl as Float64Array;
    this.xpos = d.xpos as Float64Array;
    this.cfrcExt = d.cfrc_ext as Float64Array;
    this.qpos0 = m.qpos0 as Float64Array;
    this.extraViews.clear();
  }

  /**
   * A cached view of any other MjData array of doubles, e.g. `view("sensordata")`
   * or `view("site_xpos")`: read once, then served from a cache (no allocation);
   * re-read after WASM memory growth like the named views. Call `refresh()`
   * first, as for those.
   */
  view(field: string): Float64Array {
    let v = this.extraViews.get(field);
    if (v === undefined || v.byteLength === 0) {
      const value = (this.data as unknown as Record<string, unknown>)[field];
      if (!(value instanceof Float64Array)) throw new SimbridgeError(Code.INTERNAL, `MjData has no array of doubles named "${field}"`);
      v = value;
      this.extraViews.set(field, v);
    }
    return v;
  }

  /** Re-reads the views if WASM memory grew since they were taken (allocation-free otherwise). */
  refresh(): void {
    if (this.xpos.byteLength === 0) this.bind();
  }

  /** `n` physics steps (`mj_step`). Does not allocate. */
  step(n: number): void {
    const step = this.stepFn;
    const m = this.model;
    const d = this.data;
    for (let i = 0; i < n; i++) step(m, d);
  }

  /** `mj_resetData`: qpos = qpos0, qvel = 0, time = 0, warm start cleared. */
  resetData(): void {
    this.mj.mj_resetData(this.model, this.data);
  }

  /** `mj_forward`: recompute everything derived from the state (positions, forces, ...). */
  forward(): void {
    this.mj.mj_forward(this.model, this.data);
  }

  /** `mj_kinematics`: recompute body positions/orientations from qpos only. */
  kinematics(): void {
    this.mj.mj_kinematics(this.model, this.data);
  }

  /** `mj_rnePostConstraint`: fills `cfrcExt` (not computed by mj_step unless a sensor needs it). */
  rnePostConstraint(): void {
    this.mj.mj_rnePostConstraint(this.model, this.data);
  }

  /** Id of a named model element; throws when it does not exist. */
  id(kind: ObjName, name: string): number {
    const t = this.mj.mjtObj;
    const obj = { body: t.mjOBJ_BODY, joint: t.mjOBJ_JOINT, actuator: t.mjOBJ_ACTUATOR, geom: t.mjOBJ_GEOM, site: t.mjOBJ_SITE }[kind];
    const id = this.mj.mj_name2id(this.model, obj.value, name);
    if (id < 0) throw new SimbridgeError(Code.INTERNAL, `model has no ${kind} named "${name}"`);
    return id;
  }

  /** Simulated time (s). */
  get time(): number {
    return this.data.time;
  }

  /** Size of the WASM linear memory in bytes. */
  heapBytes(): number {
    this.refresh();
    return this.xpos.buffer.byteLength;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Frees the MjData and the MjModel copy. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    finalizer.unregister(this);
    this.data.delete();
    this.model.delete();
  }
}
