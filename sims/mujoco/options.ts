/**
 * Checking make/reset options of the MuJoCo tasks against their `OptionSpec`s.
 *
 * Every option a task accepts is documented by an OptionSpec; anything else is an
 * error: an unknown name, a value of the wrong type, a non-finite number, a
 * tensor of the wrong length. Errors are INVALID_ARGUMENT, name the option in
 * the message and carry the field "options.<name>" (the server prefixes the
 * request kind, as the pool does for its own checks).
 */
import { SimbridgeError } from "../../src/core/errors.js";
import { clip, quote } from "../../src/core/quote.js";
import type { OptionSpec, OptionValue, Options } from "../../src/env/task.js";

/** Options with every default filled in, checked against their specs. */
export class ResolvedOptions {
  private constructor(
    private readonly task: string,
    private readonly specs: readonly OptionSpec[],
    private readonly given: Options,
  ) {}

  /**
   * Checks `options` against `specs` and fills in defaults.
   * `kind` ("make" or "reset") only appears in error messages.
   */
  static resolve(task: string, kind: "make" | "reset", specs: readonly OptionSpec[], options: Options): ResolvedOptions {
    for (const name in options) {
      if (!Object.hasOwn(options, name)) continue;
      const value = options[name];
      if (value === undefined) continue;
      const spec = findSpec(specs, name);
      if (spec === undefined) {
        const accepted = specs.length === 0 ? "it accepts none" : `accepted: ${specs.map((s) => s.name).join(", ")}`;
        throw SimbridgeError.invalidArgument(`${task}: unknown ${kind} option ${quote(name)} (${accepted})`, `options.${clip(name)}`);
      }
      checkType(task, kind, spec, value);
    }
    return new ResolvedOptions(task, specs, options);
  }

  private value(name: string): OptionValue | undefined {
    const v = Object.hasOwn(this.given, name) ? this.given[name] : undefined;
    return v !== undefined ? v : findSpec(this.specs, name)?.default;
  }

  has(name: string): boolean {
    return this.value(name) !== undefined;
  }

  number(name: string): number {
    return this.value(name) as number;
  }

  bool(name: string): boolean {
    return this.value(name) as boolean;
  }

  string(name: string): string {
    return this.value(name) as string;
  }

  /** A tensor option, or undefined when it was not given (tensor options have no default). */
  tensor(name: string): Float64Array | undefined {
    return this.value(name) as Float64Array | undefined;
  }

  /** Throws INVALID_ARGUMENT about option `name` unless `ok`. */
  require(ok: boolean, name: string, problem: string): void {
    if (!ok) throw SimbridgeError.invalidArgument(`${this.task}: option ${quote(name)} ${problem}`, `options.${clip(name)}`);
  }
}

function findSpec(specs: readonly OptionSpec[], name: string): OptionSpec | undefined {
  for (const s of specs) if (s.name === name) return s;
  return undefined;
}

function checkType(task: string, kind: string, spec: OptionSpec, value: OptionValue): void {
  const fail = (expected: string): never => {
    const got = value instanceof Float64Array ? `a tensor of ${value.length}` : typeof value === "string" ? `string ${quote(value)}` : `${typeof value} ${String(value)}`;
    throw SimbridgeError.invalidArgument(`${task}: ${kind} option ${quote(spec.name)} must be ${expected} but got ${got}`, `options.${spec.name}`);
  };
  switch (spec.type) {
    case "number":
      if (typeof value !== "number") fail("a number");
      if (!Number.isFinite(value)) fail("a finite number");
      return;
    case "bool":
      if (typeof value !== "boolean") fail("a bool");
      return;
    case "string":
      if (typeof value !== "string") fail("a string");
      return;
    case "tensor":
      if (!(value instanceof Float64Array)) fail("a tensor (Float64Array)");
      for (const v of value as Float64Array) if (!Number.isFinite(v)) fail("a tensor of finite numbers");
      return;
  }
}
