/**
 * A run folder (`runs/NAME/`): everything one training run leaves behind.
 *
 *   args.json         the arguments, so `--resume` and `eval` rebuild the same run
 *   versions.json     simbridge, node, TF.js backend, protocol
 *   metrics.jsonl     one JSON record per episode / log interval / evaluation
 *   checkpoint/       networks + optimiser state + loop state; storage.bin: the replay when asked
 *                     (--save-replay), an on-policy learner's rollout always; reward.bin: the
 *                     training data of a reward learned online (GAHIL's pools), always
 *   eval.json         the final evaluation
 *   curves.svg        learning curves (success / return vs env steps)
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCheckpoint, saveCheckpoint, type CheckpointContents } from "../nn/save-load.js";
import type { Agent } from "../algos/agent.js";
import type { Trainer, TrainerState } from "./trainer.js";
import { MetricsLog, readMetrics } from "./metrics-log.js";
import { renderLinePlot, type Series } from "./svg-plot.js";

/**
 * One checkpoint holds the agent and, when the reward is learned online, the
 * reward model (its entries prefixed "reward_"); `meta` carries both metas and
 * the loop's state.
 */
function withRewardModel(agent: CheckpointContents, trainer: Trainer, saving: boolean): CheckpointContents {
  const reward = trainer.onlineReward?.checkpointContents();
  const prefix = <T>(r: Record<string, T> | undefined) => Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [`reward_${k}`, v]));
  return {
    networks: { ...agent.networks, ...prefix(reward?.networks) },
    optimizers: { ...agent.optimizers, ...prefix(reward?.optimizers) },
    meta: saving ? { agent: agent.meta ?? null, trainer: trainer.state(), ...(reward ? { reward: reward.meta ?? null } : {}) } : undefined,
  };
}

/** The file of a learned reward's training data (GAHIL's pools) in a checkpoint folder. */
const REWARD_STORAGE = "reward.bin";

export class RunFolder {
  readonly metrics: MetricsLog;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.metrics = new MetricsLog(join(dir, "metrics.jsonl"));
  }

  static exists(dir: string): boolean {
    return existsSync(join(dir, "args.json"));
  }

  writeJson(name: string, value: unknown): void {
    writeFileSync(join(this.dir, name), JSON.stringify(value, null, 2) + "\n");
  }

  readJson<T>(name: string): T {
    const path = join(this.dir, name);
    if (!existsSync(path)) throw new Error(`${path} does not exist: is ${this.dir} a simbridge run folder?`);
    return JSON.parse(readFileSync(path, "utf8")) as T;
  }

  get hasCheckpoint(): boolean {
    return existsSync(join(this.dir, "checkpoint", "manifest.json")) || existsSync(join(this.dir, "checkpoint.old", "manifest.json"));
  }

  /**
   * Saves agent + loop state (+ a learned reward's model and pools). Written to
   * checkpoint.tmp/ and swapped in by renames, so a kill at any moment leaves a
   * whole checkpoint behind.
   */
  async saveCheckpoint(agent: Agent, trainer: Trainer, withReplay: boolean): Promise<void> {
    const tmp = join(this.dir, "checkpoint.tmp");
    const final = join(this.dir, "checkpoint");
    const old = join(this.dir, "checkpoint.old");
    rmSync(tmp, { recursive: true, force: true });
    await saveCheckpoint(tmp, withRewardModel(agent.checkpointContents(), trainer, true));
    const storage = trainer.serializeStorage(withReplay);
    if (storage) writeFileSync(join(tmp, "storage.bin"), storage);
    // A learned reward's pools are small next to a replay and the reward is worthless without them: always saved.
    if (trainer.onlineReward) writeFileSync(join(tmp, REWARD_STORAGE), trainer.onlineReward.serializeStorage());
    rmSync(old, { recursive: true, force: true });
    if (existsSync(final)) renameSync(final, old);
    renameSync(tmp, final);
    rmSync(old, { recursive: true, force: true });
  }

  /** Restores agent and loop (and the storage and a learned reward's pools, when saved and `withStorage`) from the latest whole checkpoint; returns its step. */
  async loadCheckpoint(agent: Agent, trainer: Trainer, withStorage = true): Promise<number> {
    const dir = existsSync(join(this.dir, "checkpoint", "manifest.json")) ? join(this.dir, "checkpoint") : join(this.dir, "checkpoint.old");
    const manifest = await loadCheckpoint(dir, withRewardModel(agent.checkpointContents(), trainer, false));
    const meta = manifest.meta as { agent: unknown; trainer: TrainerState; reward?: unknown };
    agent.restoreMeta(meta.agent);
    if (trainer.onlineReward && meta.reward !== undefined) trainer.onlineReward.restoreMeta(meta.reward);
    // Checkpoints written before the pools were saved have none: the reward model then refills them.
    const rewardStorage = join(dir, REWARD_STORAGE);
    if (trainer.onlineReward && withStorage && existsSync(rewardStorage)) trainer.onlineReward.restoreStorage(new Uint8Array(readFileSync(rewardStorage)));
    // replay.bin: the name of the storage file before on-policy learners existed.
    const storagePath = [join(dir, "storage.bin"), join(dir, "replay.bin")].find((p) => existsSync(p));
    trainer.restore(meta.trainer, withStorage && storagePath ? new Uint8Array(readFileSync(storagePath)) : undefined);
    return meta.trainer.step;
  }

  /** The learning curves from metrics.jsonl as an SVG. */
  writeCurves(title: string): string {
    const records = readMetrics(this.metrics.path);
    const train = records.filter((r) => r["kind"] === "train");
    const evals = records.filter((r) => r["kind"] === "eval");
    const pts = (rs: typeof records, key: string) => rs.map((r) => [r["step"] as number, r[key] as number] as const).filter(([, v]) => typeof v === "number" && Number.isFinite(v));
    const plots: string[] = [];
    const success: Series[] = [
      { label: "training episodes (last 20)", points: pts(train, "recent_success") },
      { label: "evaluation (deterministic)", points: pts(evals, "success_rate") },
    ].filter((s) => s.points.length > 0);
    if (success.length) plots.push(renderLinePlot({ title: `${title}: success rate`, xLabel: "env steps", yLabel: "success rate", series: success, yRange: [0, 1] }));
    const returns: Series[] = [
      { label: "training episodes (last 20)", points: pts(train, "recent_return") },
      { label: "evaluation (deterministic)", points: pts(evals, "return_mean") },
    ].filter((s) => s.points.length > 0);
    if (returns.length) plots.push(renderLinePlot({ title: `${title}: return`, xLabel: "env steps", yLabel: "episode return", series: returns }));
    const quality = records.filter((r) => r["kind"] === "reward_quality");
    const qualitySeries: Series[] = [
      { label: "AUROC vs true success", points: pts(quality, "auroc") },
      { label: "Spearman vs −distance to goal", points: pts(quality, "spearman") },
    ].filter((s) => s.points.length > 0);
    if (qualitySeries.length) {
      plots.push(renderLinePlot({ title: `${title}: learned reward quality (held-out episodes)`, xLabel: "env steps", yLabel: "score", series: qualitySeries, yRange: [-1, 1] }));
    }
    // Two charts stacked in one file.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="${420 * plots.length}">\n${plots
      .map((p, i) => `<g transform="translate(0 ${420 * i})">${p}</g>`)
      .join("\n")}\n</svg>\n`;
    const path = join(this.dir, "curves.svg");
    writeFileSync(path, svg);
    return path;
  }
}
