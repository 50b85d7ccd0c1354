/**
 * `simbridge skills --run DIR --out skills.svg`: what a skills run (--algo
 * diayn) learned — each skill's x–y trajectories in one picture, the skill
 * discriminator's accuracy on the states the skills visit, and the grid cells
 * they cover against a uniformly random policy (src/train/skills-report.ts).
 */
import { skillsReport } from "../train/skills-report.js";
import { defineCommand } from "./flags.js";

export const SKILLS = defineCommand({
  name: "skills",
  synopsis: ["--run DIR [--out skills.svg] [--episodes N] [--cell C] [--server TARGET] [--json]"],
  about:
    "Runs every skill of a DIAYN run (trained with the algorithm diayn; deterministic policy, evaluation seeds) and a uniformly random policy; " +
    "prints the discriminator's accuracy and the x–y grid cells covered by both, and draws the trajectories.",
  flags: {
    run: { type: "string", meta: "DIR", required: true, help: "the skills run folder" },
    out: { type: "string", meta: "FILE", help: "write the trajectories picture (SVG) here" },
    episodes: { type: "int", min: 1, default: 5, help: "episodes per skill (the random policy runs K times as many)" },
    cell: { type: "number", above: 0, meta: "C", default: 0.5, help: "grid cell size for coverage, in the task's x–y units" },
    server: { type: "string", meta: "TARGET", defaultText: "the run's server, or the embedded one", help: "run the skills on this server" },
    json: { type: "boolean", help: "one line of JSON (default: indented)" },
  },
});

export const SKILLS_USAGE = SKILLS.usage;

export async function skillsCommand(argv: string[]): Promise<void> {
  const { values } = SKILLS.parse(argv);
  const report = await skillsReport(values.run, {
    episodes: values.episodes,
    cell: values.cell,
    ...(values.out ? { svg: values.out } : {}),
    ...(values.server ? { server: values.server } : {}),
  });
  console.log(values.json ? JSON.stringify(report) : JSON.stringify(report, null, 2));
}
