/**
 * The arguments of `mcpwire conformance <url> [options]` (see `CONFORMANCE_HELP` in `cli.ts`): one small
 * handler per option, folded into the suite's {@linkcode ConformanceOptions}.
 *
 * @module
 */
import { type ConformanceOptions, SUITE_REVISIONS, type SuiteRevision } from "./types.ts";

/** A bad argument: the command prints the message and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The parsed command line. */
export interface Parsed {
  url?: string;
  format: "pretty" | "json" | "junit";
  output?: string;
  /** `--report FILE`: also write the self-contained HTML report there. */
  report?: string;
  help: boolean;
  options: ConformanceOptions;
}

/** Parses the arguments after `conformance`. @throws {UsageError} on a bad argument */
export function _parseArgs(argv: string[]): Parsed {
  const args = argv[0] === "conformance" ? argv.slice(1) : argv.slice();
  const state: _State = {
    out: { format: "pretty", help: false, options: {} },
    headers: {},
    versions: [],
    only: [],
    streamArgs: {},
    notifyArgs: {},
  };
  for (let i = 0; i < args.length; i++) {
    const option = new _Option(args, i);
    const handle = _OPTIONS.get(option.name);
    if (handle) handle(option, state);
    else _positional(option.name, state);
    i = option.index;
  }
  return _fold(state);
}

/** What {@linkcode _parseArgs} collects before folding it into {@linkcode Parsed}. */
interface _State {
  out: Parsed;
  headers: Record<string, string>;
  versions: SuiteRevision[];
  only: string[];
  streamTool?: string;
  streamArgs: Record<string, unknown>;
  notifyTool?: string;
  notifyArgs: Record<string, unknown>;
}

/** One argument being parsed: its name, and its value inline (`--format=json`) or in the next arguments. */
class _Option {
  readonly name: string;
  /** The index of the last argument consumed. */
  index: number;
  #args: string[];
  #inline: string | undefined;

  constructor(args: string[], index: number) {
    this.#args = args;
    this.index = index;
    let arg = args[index]!;
    if (arg.startsWith("--") && arg.includes("=")) {
      this.#inline = arg.slice(arg.indexOf("=") + 1);
      arg = arg.slice(0, arg.indexOf("="));
    }
    this.name = arg;
  }

  /** The option's value. @throws {UsageError} when there is none */
  value(): string {
    const v = this.#inline ?? this.#args[++this.index];
    if (v === undefined) throw new UsageError(`Option ${this.name} needs a value`);
    return v;
  }

  /** Further bare values after a repeatable flag (`--spec-version 2025-03-26 2025-06-18`). */
  following(pattern: RegExp): string[] {
    const more: string[] = [];
    while (
      this.#inline === undefined && this.index + 1 < this.#args.length && pattern.test(this.#args[this.index + 1]!)
    ) {
      more.push(...list(this.#args[++this.index]!));
    }
    return more;
  }
}

type _Handler = (option: _Option, state: _State) => void;

const _help: _Handler = (_, s) => void (s.out.help = true);

/** The handler of each option (a `Map`: an argument such as `constructor` must not find anything). */
const _OPTIONS = new Map<string, _Handler>([
  ["-h", _help],
  ["--help", _help],
  ["--strict", (_, s) => void (s.out.options.strict = true)],
  ["--spec-version", _specVersions],
  ["--format", _format],
  ["--output", (o, s) => void (s.out.output = o.value())],
  ["--report", (o, s) => void (s.out.report = o.value())],
  ["--header", _header],
  ["--low-scope-token", (o, s) => void (s.out.options.lowScopeToken = o.value())],
  ["--only", (o, s) => void s.only.push(...list(o.value()), ...o.following(/^T-[A-Z]/))],
  ["--legacy-sse", (o, s) => void (s.out.options.legacySseUrl = o.value())],
  ["--stream-tool", (o, s) => void (s.streamTool = o.value())],
  ["--stream-args", (o, s) => void (s.streamArgs = parseJsonObject(o.name, o.value()))],
  ["--notify-tool", (o, s) => void (s.notifyTool = o.value())],
  ["--notify-args", (o, s) => void (s.notifyArgs = parseJsonObject(o.name, o.value()))],
  ["--timeout", _timeout],
  ["--concurrency", _concurrencyOption],
]);

function _specVersions(option: _Option, state: _State): void {
  for (const v of [...list(option.value()), ...option.following(/^\d{4}-\d{2}-\d{2}$/)]) {
    if (!SUITE_REVISIONS.includes(v as SuiteRevision)) {
      throw new UsageError(`Unknown revision ${v}; choose from ${SUITE_REVISIONS.join(", ")}`);
    }
    state.versions.push(v as SuiteRevision);
  }
}

function _format(option: _Option, state: _State): void {
  const f = option.value();
  if (f !== "pretty" && f !== "json" && f !== "junit") {
    throw new UsageError(`Unknown format ${f}; choose pretty, json or junit`);
  }
  state.out.format = f;
}

function _header(option: _Option, state: _State): void {
  const h = option.value();
  const colon = h.indexOf(":");
  if (colon <= 0) throw new UsageError(`The --header value must look like "Name: value", got ${h}`);
  state.headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
}

function _timeout(option: _Option, state: _State): void {
  const ms = Number(option.value());
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new UsageError("The --timeout value must be a positive number of milliseconds");
  }
  state.out.options.timeoutMs = ms;
}

function _concurrencyOption(option: _Option, state: _State): void {
  const n = Number(option.value());
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError("The --concurrency value must be a whole number of at least 1");
  }
  state.out.options.concurrency = n;
}

/** The server URL, or an unknown option. */
function _positional(arg: string, state: _State): void {
  if (arg.startsWith("-")) throw new UsageError(`Unknown option ${arg}`);
  if (state.out.url !== undefined) {
    throw new UsageError(`Only one URL can be checked at a time (got ${state.out.url} and ${arg})`);
  }
  state.out.url = arg;
}

/** Folds the collected repeatable options into `state.out`. */
function _fold(state: _State): Parsed {
  const { out } = state;
  if (Object.keys(state.headers).length > 0) out.options.headers = state.headers;
  if (state.versions.length > 0) out.options.specVersions = state.versions;
  if (state.only.length > 0) out.options.only = state.only;
  if (state.streamTool !== undefined) out.options.streamTool = { name: state.streamTool, args: state.streamArgs };
  if (state.notifyTool !== undefined) out.options.notifyTool = { name: state.notifyTool, args: state.notifyArgs };
  return out;
}

/** The comma-separated values of `value`, trimmed, empty ones dropped. */
function list(value: string): string[] {
  return value.split(",").map((v) => v.trim()).filter((v) => v !== "");
}

/** `value` parsed as a JSON object. @throws {UsageError} when it is not one */
function parseJsonObject(flag: string, value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError(`The ${flag} value must be a JSON object, got ${value}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`The ${flag} value must be a JSON object, got ${value}`);
  }
  return parsed as Record<string, unknown>;
}
