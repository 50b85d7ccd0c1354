/**
 * `simbridge tasks`: the task catalogue, built-in or of a running server.
 */
import { builtinRegistry } from "../../sims/catalog.js";
import { Connection } from "../client/connection.js";
import type { TaskSpec } from "../env/task.js";
import { shapeString } from "../env/spec.js";
import { connectOptionsFrom } from "./args.js";
import { CONNECTION_FLAGS, defineCommand } from "./flags.js";

export const TASKS = defineCommand({
  name: "tasks",
  synopsis: ["[--server HOST:PORT] [--token T] [--tls-ca FILE] [--json]"],
  about: "The task catalogue with specs: the built-in tasks, or those of a running server.",
  flags: {
    json: { type: "boolean", help: "the specs as JSON (default: two lines per task)" },
    server: { type: "string", meta: "HOST:PORT", group: "connection", defaultText: "the built-in tasks", help: "list this simbridge server's tasks" },
    ...CONNECTION_FLAGS,
  },
});

export const TASKS_USAGE = TASKS.usage;

export async function tasksCommand(argv: string[]): Promise<void> {
  const { values } = TASKS.parse(argv);
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
