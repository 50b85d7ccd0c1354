/**
 * The `simbridge` command.
 */
import { SimbridgeError, codeName } from "../core/errors.js";
import { UsageError } from "./args.js";

const USAGE = `simbridge — a robotics/simulation bridge over gRPC

usage: simbridge <command> [flags]

commands:
  serve     serve the built-in tasks over gRPC (loopback by default)
  tasks     list the tasks (built-in, or of --server HOST:PORT)
  demo      start the embedded MuJoCo server and drive random episodes of every task through it
  train     train an agent (TD3 / DDPG / SAC with HER, PPO; GAHIL rewards) through the protocol; writes a run folder
  eval      evaluate a run folder's policy over N episodes
  collect   record demonstrations (scripted, random or a trained run's policy) into a file, for --algo relay --demos
  skills    a --algo diayn run's skills: trajectories (SVG), discriminator accuracy, coverage vs a random policy
  meta      meta-learning on a task family (MAESN, MAML, from scratch): success after 0, 1, … adaptation steps on held-out tasks
  plot      learning curves of several run folders in one SVG (comparisons, ablations)
  watch     live view of a running server's envs (frames/s, episodes, observations; --jsonl for piping)
  view      a web viewer of a running server's envs in 3-D, with a training run's live curves (--run DIR)
  status    a running server's live counts: sessions, envs, unsent responses, watchers (--json)
  bench     measure: bench physics | bridge | update | load | fleet | scaling | meta (JSON on stdout)

Run 'simbridge <command> --help' for a command's flags.`;

const commands: Record<string, () => Promise<{ run: (argv: string[]) => Promise<void>; usage: string }>> = {
  serve: async () => {
    const m = await import("./serve.js");
    return { run: m.serveCommand, usage: m.SERVE_USAGE };
  },
  tasks: async () => {
    const m = await import("./tasks.js");
    return { run: m.tasksCommand, usage: m.TASKS_USAGE };
  },
  demo: async () => {
    const m = await import("./demo.js");
    return { run: m.demoCommand, usage: m.DEMO_USAGE };
  },
  train: async () => {
    const m = await import("./train.js");
    return { run: m.trainCommand, usage: m.TRAIN_USAGE };
  },
  eval: async () => {
    const m = await import("./train.js");
    return { run: m.evalCommand, usage: m.EVAL_USAGE };
  },
  collect: async () => {
    const m = await import("./collect.js");
    return { run: m.collectCommand, usage: m.COLLECT_USAGE };
  },
  skills: async () => {
    const m = await import("./skills.js");
    return { run: m.skillsCommand, usage: m.SKILLS_USAGE };
  },
  meta: async () => {
    const m = await import("./meta.js");
    return { run: m.metaCommand, usage: m.META_USAGE };
  },
  watch: async () => {
    const m = await import("./watch.js");
    return { run: m.watchCommand, usage: m.WATCH_USAGE };
  },
  view: async () => {
    const m = await import("./view.js");
    return { run: m.viewCommand, usage: m.VIEW_USAGE };
  },
  status: async () => {
    const m = await import("./status.js");
    return { run: m.statusCommand, usage: m.STATUS_USAGE };
  },
  plot: async () => {
    const m = await import("./plot.js");
    return { run: m.plotCommand, usage: m.PLOT_USAGE };
  },
  bench: async () => {
    const m = await import("./bench.js");
    return { run: m.benchCommand, usage: m.BENCH_USAGE };
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`simbridge: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.usage);
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`simbridge ${name}: ${e.message}`);
      return 2;
    }
    if (e instanceof SimbridgeError) {
      console.error(`simbridge ${name}: ${codeName(e.code)}: ${e.message}`);
      return 1;
    }
    // Anything else: the message, and the stack only when asked for (SIMBRIDGE_DEBUG=1).
    console.error(`simbridge ${name}: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env["SIMBRIDGE_DEBUG"] && e instanceof Error) console.error(e.stack);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
