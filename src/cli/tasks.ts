/**
 * `simbridge tasks`: the task catalogue, built-in or of a running server.
 */
import { builtinRegistry } from "../../sims/catalog.js";
import { Connection } from "../client/connection.js";
import type { TaskSpec } from "../env/task.js";
import { shapeString } from "../env/spec.js";
import { CLIENT_FLAGS, connectOptionsFrom, parse } from "./args.js";

export const TASKS_USAGE = `usage: simbridge tasks [--server HOST:PORT] [--token T] [--tls-ca FILE] [--json]`;

export async function tasksCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { server: { type: "string" }, json: { type: "boolean" }, ...CLIENT_FLAGS }, TASKS_USAGE);
  let specs: TaskSpec[];
  if (values.server) {
    const c = await Connection.open(values.server, connectOptionsFrom(values));
    try {
      specs = await c.listTasks();
    } finally {
      c.close();
    }
  } else {
    specs = builtinRegistry().specs();
  }
  if (values.json) {
    console.log(JSON.stringify(specs.map(specSummary), null, 2));
    return;
  }
  for (const s of specs) {
    const obs = s.observations.map((o) => `${o.name}${shapeString(o.shape)}`).join(" ");
    console.log(`${s.name.padEnd(16)} obs ${obs.padEnd(50)} action${shapeString(s.action.shape)}  ${s.maxEpisodeSteps} steps${s.blackBox ? "  black box" : ""}`);
    console.log(`${"".padEnd(16)} ${s.description}`);
  }
}

function specSummary(s: TaskSpec) {
  return {
    name: s.name,
    description: s.description,
    observations: s.observations.map((o) => ({ name: o.name, dtype: o.dtype, shape: o.shape })),
    action: { dtype: s.action.dtype, shape: s.action.shape, minimum: s.action.minimum ? Array.from(s.action.minimum) : null, maximum: s.action.maximum ? Array.from(s.action.maximum) : null },
    has_reward: s.hasReward,
    goal_conditioned: s.goalConditioned,
    black_box: s.blackBox,
    max_episode_steps: s.maxEpisodeSteps,
    control_dt: s.controlDt,
    info_keys: s.infoKeys,
    make_options: s.makeOptions,
    reset_options: s.resetOptions,
  };
}
