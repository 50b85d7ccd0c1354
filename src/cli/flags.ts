/**
 * One declaration per CLI flag — name, type, default, help, allowed values,
 * bounds — from which a command's parsing, validation and `--help` text are
 * all generated, so the three cannot drift apart.
 *
 *     const CMD = defineCommand({
 *       name: "demo",
 *       synopsis: ["[flags]"],
 *       flags: { episodes: { type: "int", min: 1, default: 3, help: "episodes per task" } },
 *     });
 *     const { values } = CMD.parse(argv); // values.episodes: number
 *     CMD.usage;                          // the generated help text
 *
 * Flag types and the values they parse to:
 *   int      integer within [min (default 0), max]          number (| undefined without a default)
 *   number   finite number ≥ min, or > above                 number (| undefined without a default)
 *   string   any text                                        string (| undefined without a default or `required`)
 *   enum     one of `values`                                 the union of `values` (| undefined without a default)
 *   boolean  present or not; takes no value                  boolean
 *   list     repeatable (and comma-separated with `split`);  string[], or number[] with `of: "int"`
 *            `values`/`min` check every item
 *   pairs    repeatable NAME=VALUE                           Array<[name, value]>
 *
 * Errors are UsageErrors that name the flag: `--envs: expected an integer ≥ 1,
 * got 'zero'`. Unknown flags, missing values, missing or extra positionals and
 * missing required flags also quote the command's synopsis.
 */
import { parseArgs } from "node:util";
import { clip, quote } from "../core/quote.js";
import { UsageError } from "./args.js";

interface FlagBase {
  /** One line (wrapped in --help) saying what the flag does. */
  readonly help: string;
  /** Heading the flag is listed under in --help (first-seen order); none: "flags". */
  readonly group?: string;
  /** The value's placeholder in --help (`--out DIR`); defaults by type (N, X, VALUE, NAME=VALUE, a|b). */
  readonly meta?: string;
  /** Shown as the default in --help instead of `default`, or when the default depends on other flags. */
  readonly defaultText?: string;
}

export interface IntFlag extends FlagBase {
  readonly type: "int";
  readonly default?: number;
  /** Smallest accepted value (default 0). */
  readonly min?: number;
  readonly max?: number;
}

export interface NumberFlag extends FlagBase {
  readonly type: "number";
  readonly default?: number;
  /** Smallest accepted value (inclusive). */
  readonly min?: number;
  /** Values must be greater than this (exclusive); `above: 0` is "a positive number". */
  readonly above?: number;
}

export interface StringFlag extends FlagBase {
  readonly type: "string";
  readonly default?: string;
  /** Missing: a usage error "--NAME is required". */
  readonly required?: boolean;
}

export interface EnumFlag extends FlagBase {
  readonly type: "enum";
  readonly values: readonly string[];
  readonly default?: string;
  /** Lines listed under the flag in --help and after the error for a value not in `values` (e.g. the algorithms). */
  readonly describe?: () => string;
}

export interface BooleanFlag extends FlagBase {
  readonly type: "boolean";
}

export interface ListFlag extends FlagBase {
  readonly type: "list";
  /** Items are strings (default) or integers ≥ `min` (default 0). */
  readonly of?: "string" | "int";
  readonly min?: number;
  /** Each item must be one of these. */
  readonly values?: readonly string[];
  /** A value may hold several comma-separated items (`--env 1,2`). */
  readonly split?: boolean;
}

export interface PairsFlag extends FlagBase {
  readonly type: "pairs";
}

export type FlagSpec = IntFlag | NumberFlag | StringFlag | EnumFlag | BooleanFlag | ListFlag | PairsFlag;
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed value of one flag, typed from its declaration. */
export type FlagValue<F extends FlagSpec> = F extends IntFlag | NumberFlag
  ? F extends { default: number } ? number : number | undefined
  : F extends StringFlag
    ? F extends { default: string } | { required: true } ? string : string | undefined
    : F extends { type: "enum"; values: readonly (infer V)[] }
      ? F extends { default: string } ? V : V | undefined
      : F extends BooleanFlag
        ? boolean
        : F extends ListFlag
          ? F extends { of: "int" } ? number[] : string[]
          : F extends PairsFlag
            ? Array<[string, string]>
            : never;

export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]: FlagValue<S[K]> };

export interface Parsed<S extends FlagSpecs> {
  readonly values: FlagValues<S>;
  readonly positionals: string[];
  /** The flags given on the command line (by declared name): tells a default from the same value given. */
  readonly given: ReadonlySet<keyof S & string>;
}

export interface PositionalSpec {
  /** The placeholder used in messages: `missing HOST:PORT`. */
  readonly meta: string;
  readonly min?: number;
  /** Default: no limit. */
  readonly max?: number;
}

export interface CommandSpec<S extends FlagSpecs> {
  /** The command as typed after `simbridge`, e.g. "train" or "bench load". */
  readonly name: string;
  /** Usage lines after `simbridge NAME `, e.g. "--task NAME --out DIR [flags]". */
  readonly synopsis: readonly string[];
  /** Paragraph(s) between the usage lines and the flags. */
  readonly about?: string;
  readonly flags: S;
  /** Positional arguments; without this declaration none are accepted. */
  readonly positionals?: PositionalSpec;
}

export interface Command<S extends FlagSpecs> {
  readonly spec: CommandSpec<S>;
  /** The generated --help text: synopsis, about, then every flag by group with its default and allowed values. */
  readonly usage: string;
  parse(argv: readonly string[]): Parsed<S>;
  /** A UsageError with the command's synopsis appended (for checks the declarations cannot express). */
  usageError(message: string): UsageError;
}

/** Any command with its values untyped: for code that walks every command (tests, docs). */
export interface AnyCommand {
  readonly spec: CommandSpec<FlagSpecs>;
  readonly usage: string;
  parse(argv: readonly string[]): { readonly values: Readonly<Record<string, unknown>>; readonly positionals: string[]; readonly given: ReadonlySet<string> };
}

/** Declares a command's flags; `const` keeps enum values as literal types. */
export function defineCommand<const S extends FlagSpecs>(spec: CommandSpec<S>): Command<S> {
  for (const [name, f] of Object.entries(spec.flags)) checkDeclaration(name, f);
  let usage: string | undefined;
  const command: Command<S> = {
    spec,
    get usage() {
      return (usage ??= renderUsage(spec));
    },
    parse: (argv) => parseFlags(command, argv),
    usageError: (message) => new UsageError(`${message}\n\n${synopsisText(spec)}\nRun 'simbridge ${spec.name} --help' for every flag.`),
  };
  return command;
}

function checkDeclaration(name: string, f: FlagSpec): void {
  const bad = (why: string) => new Error(`flag --${name}: ${why}`);
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw bad("names are lower-case words joined by '-'");
  if (f.type === "enum" && f.default !== undefined && !f.values.includes(f.default)) throw bad(`default '${f.default}' is not one of its values`);
  if (f.type === "int" && f.default !== undefined && !Number.isInteger(f.default)) throw bad(`default ${f.default} is not an integer`);
}

/** The flags every client command shares (read by `connectOptionsFrom` in args.ts). */
export const CONNECTION_FLAGS = {
  token: { type: "string", meta: "T", group: "connection", help: "the server's bearer token", defaultText: "$SIMBRIDGE_TOKEN" },
  "tls-ca": { type: "string", meta: "FILE", group: "connection", help: "connect with TLS, trusting this CA or self-signed certificate (PEM)" },
} as const satisfies FlagSpecs;

// ---------------------------------------------------------------- parsing

function parseFlags<S extends FlagSpecs>(command: Command<S>, argv: readonly string[]): Parsed<S> {
  const { spec } = command;
  const flags = spec.flags;
  const decl = (name: string): FlagSpec | undefined => (Object.hasOwn(flags, name) ? flags[name] : undefined);
  // Tokenise with every declared flag's arity, then check each token ourselves: node's
  // strict mode would name unknown flags in its own words and read `--steps --her` as ambiguous.
  const options = Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.type === "boolean" ? ("boolean" as const) : ("string" as const) }]));
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const raw = new Map<string, string[]>();
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== "option") continue;
    const f = decl(t.name);
    if (!f || !t.rawName.startsWith("--")) throw command.usageError(`unknown flag ${clip(t.rawName, 60)}${suggestion(t.rawName, Object.keys(flags))}`);
    if (f.type === "boolean") {
      if (t.value !== undefined) throw command.usageError(`--${t.name} takes no value, got ${quote(t.value)}`);
      raw.set(t.name, ["true"]);
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith("--"))) {
      throw command.usageError(`--${t.name}: missing its value (${metaOf(f)})`);
    }
    const list = f.type === "list" || f.type === "pairs" ? (raw.get(t.name) ?? []) : [];
    raw.set(t.name, [...list, t.value]);
  }

  const p = spec.positionals;
  const min = p?.min ?? 0;
  const max = p ? (p.max ?? Infinity) : 0;
  if (positionals.length < min) throw command.usageError(`missing ${p!.meta}`);
  if (positionals.length > max) {
    throw command.usageError(
      max === 0 ? `unexpected argument ${quote(positionals[0]!)} (every value follows its --flag)` : `expected ${max === 1 ? "one" : `at most ${max}`} ${p!.meta}, got ${clip(positionals.join(" "))}`,
    );
  }

  const values: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(flags)) {
    const given = raw.get(name);
    if (f.type === "string" && f.required && given === undefined) throw command.usageError(`--${name} is required`);
    values[name] = flagValue(name, f, given);
  }
  return { values: values as FlagValues<S>, positionals, given: new Set([...raw.keys()]) as ReadonlySet<keyof S & string> };
}

function flagValue(name: string, f: FlagSpec, given: string[] | undefined): unknown {
  const last = given?.[given.length - 1];
  switch (f.type) {
    case "boolean":
      return given !== undefined;
    case "int":
      return last === undefined ? f.default : intValue(name, last, f.min ?? 0, f.max);
    case "number":
      return last === undefined ? f.default : numberValue(name, last, f);
    case "string":
      return last ?? f.default;
    case "enum":
      if (last === undefined) return f.default;
      if (!f.values.includes(last)) throw new UsageError(`--${name}: expected ${orList(f.values)}, got ${quote(last)}${f.describe ? `; available:\n${f.describe()}` : ""}`);
      return last;
    case "list": {
      const items = (given ?? []).flatMap((v) => (f.split ? v.split(",").map((s) => s.trim()) : [v]));
      if (f.of === "int") return items.map((v) => intValue(name, v, f.min ?? 0, undefined));
      for (const v of items) if (f.values && !f.values.includes(v)) throw new UsageError(`--${name}: expected ${orList(f.values)}, got ${quote(v)}`);
      return items;
    }
    case "pairs":
      return (given ?? []).map((item) => {
        const eq = item.indexOf("=");
        if (eq <= 0) throw new UsageError(`--${name}: expected NAME=VALUE, got ${quote(item)}`);
        return [item.slice(0, eq), item.slice(eq + 1)];
      });
  }
}

function intValue(name: string, text: string, min: number, max: number | undefined): number {
  const n = text.trim() === "" ? NaN : Number(text);
  if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) throw new UsageError(`--${name}: expected ${intRange(min, max)}, got ${quote(text)}`);
  return n;
}

function numberValue(name: string, text: string, f: NumberFlag): number {
  const n = text.trim() === "" ? NaN : Number(text);
  if (!Number.isFinite(n) || (f.min !== undefined && n < f.min) || (f.above !== undefined && n <= f.above)) {
    throw new UsageError(`--${name}: expected ${numberRange(f)}, got ${quote(text)}`);
  }
  return n;
}

function intRange(min: number, max: number | undefined): string {
  return max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
}

function numberRange(f: NumberFlag): string {
  if (f.above === 0 && f.min === undefined) return "a positive number";
  const bounds = [...(f.min !== undefined ? [`≥ ${f.min}`] : []), ...(f.above !== undefined ? [`> ${f.above}`] : [])];
  return bounds.length ? `a number ${bounds.join(" and ")}` : "a number";
}

/** "a", "a or b", "a, b or c". */
export function orList(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? "") : `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}

/** " (did you mean --batch-size?)" for a near miss (edit distance ≤ 2, or the same words in another order). */
function suggestion(rawName: string, names: readonly string[]): string {
  const typed = rawName.replace(/^-+/, "");
  const norm = (s: string) => s.replace(/[-_]/g, "").toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const n of names) {
    const d = norm(n) === norm(typed) ? 0 : editDistance(typed, n);
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  return best ? ` (did you mean --${best}?)` : "";
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

// ---------------------------------------------------------------- help text

const WIDTH = 100;
const MAX_FLAG_COLUMN = 30;

function metaOf(f: FlagSpec): string {
  if (f.meta) return f.meta;
  switch (f.type) {
    case "int":
      return "N";
    case "number":
      return "X";
    case "enum":
    case "list": {
      const joined = f.values?.join("|") ?? "";
      if (joined && joined.length <= 24) return joined;
      return f.type === "list" && f.of === "int" ? "N" : "NAME";
    }
    case "pairs":
      return "NAME=VALUE";
    default:
      return "VALUE";
  }
}

/** The bracketed facts after a flag's help: type and bounds, allowed values, repeatable, default. */
function facts(f: FlagSpec): string[] {
  const out: string[] = [];
  const meta = metaOf(f);
  switch (f.type) {
    case "int":
      out.push(intRange(f.min ?? 0, f.max).replace(/^an /, ""));
      break;
    case "number":
      out.push(numberRange(f).replace(/^an? /, ""));
      break;
    case "enum":
      if (meta !== f.values.join("|") && !f.describe) out.push(f.values.join(", "));
      break;
    case "list":
      if (f.values && meta !== f.values.join("|")) out.push(`each one of ${f.values.join(", ")}`);
      if (f.of === "int") out.push(`integers ≥ ${f.min ?? 0}`);
      out.push(f.split ? "repeatable, or comma-separated" : "repeatable");
      break;
    case "pairs":
      out.push("repeatable");
      break;
    case "string":
      if (f.required) out.push("required");
      break;
  }
  const shown = defaultOf(f);
  if (shown !== undefined) out.push(`default: ${shown}`);
  return out;
}

/** The default as --help shows it, or undefined when the flag has none worth showing. */
export function defaultOf(f: FlagSpec): string | undefined {
  if (f.defaultText !== undefined) return f.defaultText;
  if (f.type === "boolean" || f.type === "list" || f.type === "pairs") return undefined;
  if (f.default === undefined || f.default === "") return undefined;
  return String(f.default);
}

function synopsisText(spec: CommandSpec<FlagSpecs>): string {
  const lead = `simbridge ${spec.name} `;
  return spec.synopsis.map((line, i) => `${i === 0 ? "usage: " : "       "}${lead}${line}`).join("\n");
}

function wrap(text: string, indent: number, first: number): string[] {
  const lines: string[] = [];
  let line = "";
  let room = WIDTH - first;
  for (const word of text.split(/[ \t\n]+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => l.replace(/\u00a0/g, " "));
}

function renderUsage(spec: CommandSpec<FlagSpecs>): string {
  const entries = Object.entries(spec.flags);
  const heads = new Map(entries.map(([name, f]) => [name, `  --${name}${f.type === "boolean" ? "" : ` ${metaOf(f)}`}`]));
  const column = Math.min(MAX_FLAG_COLUMN, Math.max(...[...heads.values()].map((h) => h.length)) + 2);
  const groups = new Map<string, string[]>();
  for (const [name, f] of entries) {
    const head = heads.get(name)!;
    const fact = facts(f);
    // The facts wrap as one word (no-break spaces, made plain after wrapping).
    const text = `${f.help}${fact.length ? ` [${fact.join("; ")}]`.replace(/(?<=.) /g, "\u00a0") : ""}`;
    const lines: string[] = [];
    if (head.length + 1 > column) {
      lines.push(head);
      lines.push(...wrap(text, column, column).map((l) => " ".repeat(column) + l));
    } else {
      const [firstLine = "", ...rest] = wrap(text, column, column);
      lines.push(head.padEnd(column) + firstLine, ...rest.map((l) => " ".repeat(column) + l));
    }
    if (f.type === "enum" && f.describe) lines.push(...f.describe().split("\n").map((l) => " ".repeat(column - 2) + l));
    const group = f.group ?? "flags";
    groups.set(group, [...(groups.get(group) ?? []), ...lines]);
  }
  const parts = [synopsisText(spec)];
  if (spec.about) parts.push(spec.about.split("\n\n").map((p) => wrap(p, 0, 0).join("\n")).join("\n\n"));
  for (const [group, lines] of groups) parts.push(`${group}:\n${lines.join("\n")}`);
  return parts.join("\n\n");
}
