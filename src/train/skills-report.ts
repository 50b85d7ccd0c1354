/**
 * What a skills run (`--algo diayn`) learned, measured by running it:
 * `simbridge skills --run DIR --out skills.svg` and `simbridge eval` of such
 * a run.
 *
 * Each skill z is run for `episodes` episodes with its deterministic policy
 * π(s, z) (evaluation seeds, the same for every skill); then a uniformly
 * random policy for as many episodes, as the baseline measured in the same
 * run. From the visited states:
 * - discriminator accuracy: the share of the skills' visited states (after
 *   each step) whose most likely skill under q(z | s) is the skill that
 *   visited them (chance: 1/K);
 * - coverage: distinct cells of a `cell`-sized grid over the first two
 *   observation entries (x, y) visited, by the skills together and by the
 *   random policy.
 * The picture draws every skill's x–y trajectories in its own colour, next
 * to the random policy's in grey.
 */
import { writeFileSync } from "node:fs";
import type { Diayn } from "../algos/diayn.js";
import { Rng } from "../core/rng.js";
import { StepStatus } from "../env/task.js";
import type { VectorEnv } from "../env/vector-env.js";
import { toEnvActions } from "./action-scale.js";
import type { InputEncoder } from "./input-encoder.js";
import { openRun } from "./train-run.js";

export interface SkillsReport {
  task: string;
  skills: number;
  episodes_per_skill: number;
  discriminator_accuracy: number;
  coverage_cells: number;
  random_coverage_cells: number;
  cell: number;
}

export interface SkillsReportOptions {
  /** Episodes per skill (and, times K, of the random baseline). */
  readonly episodes: number;
  /** Grid cell size for coverage, in the task's x–y units. */
  readonly cell: number;
  /** Write the trajectories picture here. */
  readonly svg?: string;
  readonly server?: string;
}

/** One episode's visited (x, y) positions, the reset's first. */
type Trajectory = Array<[number, number]>;

/** One episode's observations, the reset's first. */
type Episode = Float32Array[];

const xy = (e: Episode): Trajectory => e.map((o) => [o[0]!, o[1]!]);

export async function skillsReport(dir: string, options: SkillsReportOptions): Promise<SkillsReport> {
  if (!(Number.isInteger(options.episodes) && options.episodes >= 1)) throw new RangeError(`episodes: expected an integer ≥ 1, got ${options.episodes}`);
  if (!(options.cell > 0)) throw new RangeError(`cell: expected a positive size, got ${options.cell}`);
  const run = await openRun(dir, Math.min(10, options.episodes), options.server ? { server: options.server } : {});
  try {
    if (run.agent.name !== "diayn") throw new Error(`${dir} is a ${run.agent.name} run: skills are what --algo diayn learns`);
    const agent = run.agent as Diayn;
    const encoder = run.trainer.encoder;
    const skills: Trajectory[][] = [];
    let hits = 0;
    let judged = 0;
    for (let z = 0; z < agent.k; z++) {
      const episodes = await rollouts(run.env, encoder, options.episodes, (input, rows) =>
        agent.act(input, rows, "deterministic", Array.from({ length: rows }, () => ({ skill: z }))).actions,
      );
      skills.push(episodes.map(xy));
      // q judges every state reached after a step.
      const states = episodes.flatMap((e) => e.slice(1));
      const obs = new Float32Array(states.length * agent.obsDim);
      states.forEach((o, i) => obs.set(o, i * agent.obsDim));
      const logits = states.length ? agent.discriminate(obs, states.length) : new Float32Array(0);
      for (let i = 0; i < states.length; i++) {
        let best = 0;
        for (let j = 1; j < agent.k; j++) if (logits[i * agent.k + j]! > logits[i * agent.k + best]!) best = j;
        if (best === z) hits++;
        judged++;
      }
    }
    const rng = new Rng(12345);
    const random = (await rollouts(run.env, encoder, options.episodes * agent.k, (_, rows) => Float32Array.from({ length: rows * agent.actDim }, () => rng.uniformRange(-1, 1)))).map(xy);
    const report: SkillsReport = {
      task: run.args.task,
      skills: agent.k,
      episodes_per_skill: options.episodes,
      discriminator_accuracy: judged ? hits / judged : Number.NaN,
      coverage_cells: cellsVisited(skills.flat(), options.cell),
      random_coverage_cells: cellsVisited(random, options.cell),
      cell: options.cell,
    };
    if (options.svg) writeFileSync(options.svg, skillsSvg(skills, random, `${run.args.task}: ${agent.k} skills (${dir})`));
    return report;
  } finally {
    await run.close();
  }
}

/** `episodes` episodes on the env's envs (seeds 2e9 + i), recording each episode's observations. */
async function rollouts(env: VectorEnv, encoder: InputEncoder, episodes: number, policy: (input: Float32Array, rows: number) => Float32Array): Promise<Episode[]> {
  const out: Episode[] = [];
  const n = env.numEnvs;
  // Row i's observation tensor (the task's "observation": without goals).
  const observationOf = (obs: readonly Float32Array[], rows: number, row: number): Float32Array => {
    const o = encoder.layout.observation(obs);
    const size = o.length / rows;
    return o.slice(row * size, (row + 1) * size);
  };
  for (let first = 0; first < episodes; first += n) {
    const rows = Math.min(n, episodes - first);
    const indices = Array.from({ length: rows }, (_, i) => i);
    let batch = await env.reset(indices.map((index) => ({ index, seed: 2_000_000_000 + first + index })));
    const current = batch.observations.map((o) => o.slice());
    const trajectories: Episode[] = indices.map((i) => [observationOf(current, rows, i)]);
    const live = new Set(indices);
    while (live.size > 0) {
      const active = [...live];
      const obs = current.map((o) => {
        const size = o.length / rows;
        const part = new Float32Array(active.length * size);
        active.forEach((i, r) => part.set(o.subarray(i * size, (i + 1) * size), r * size));
        return part;
      });
      const actions = toEnvActions(env.spec.action, policy(encoder.encodeAll(obs, active.length), active.length));
      batch = await env.step(actions, active);
      active.forEach((i, r) => {
        current.forEach((o, k) => {
          const size = o.length / rows;
          o.set(batch.observations[k]!.subarray(r * size, (r + 1) * size), i * size);
        });
        trajectories[i]!.push(observationOf(current, rows, i));
        if (batch.status[r] !== StepStatus.RUNNING) live.delete(i);
      });
    }
    out.push(...trajectories);
  }
  return out;
}

/** Distinct `cell`-sized grid cells the trajectories visit. */
export function cellsVisited(trajectories: readonly Trajectory[], cell: number): number {
  const cells = new Set<string>();
  for (const t of trajectories) for (const [x, y] of t) cells.add(`${Math.floor(x / cell)},${Math.floor(y / cell)}`);
  return cells.size;
}

/** Two panels, the same scale: the skills' trajectories (one hue per skill) and the random policy's. */
export function skillsSvg(skills: readonly (readonly Trajectory[])[], random: readonly Trajectory[], title: string): string {
  const all = [...skills.flat(), ...random].flat();
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of all) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  const span = Math.max(x1 - x0, y1 - y0, 1e-6) * 1.1;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const size = 360;
  const pad = 30;
  const map = (x: number, y: number, dx: number) => [dx + pad + ((x - cx) / span + 0.5) * size, pad + 20 + (0.5 - (y - cy) / span) * size];
  const line = (t: Trajectory, dx: number, colour: string) =>
    `<polyline fill="none" stroke="${colour}" stroke-width="1.2" stroke-opacity="0.8" points="${t.map(([x, y]) => map(x, y, dx).map((v) => v.toFixed(1)).join(",")).join(" ")}"/>`;
  const panel = (dx: number, label: string) =>
    `<rect x="${dx + pad}" y="${pad + 20}" width="${size}" height="${size}" fill="none" stroke="#999"/><text x="${dx + pad}" y="${pad + 12}">${label}</text>`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * (size + 2 * pad)}" height="${size + 2 * pad + 40}" font-family="sans-serif" font-size="12">`,
    `<text x="${pad}" y="16" font-size="14">${escapeXml(title)}</text>`,
    panel(0, `skills (one colour each), x–y; span ${span.toFixed(2)}`),
    panel(size + 2 * pad, "uniformly random policy, same scale"),
  ];
  skills.forEach((ts, z) => {
    const colour = `hsl(${Math.round((360 * z) / skills.length)}, 75%, 45%)`;
    for (const t of ts) parts.push(line(t, 0, colour));
  });
  for (const t of random) parts.push(line(t, size + 2 * pad, "#888"));
  parts.push("</svg>");
  return parts.join("\n");
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}
