/**
 * A small, strict command-line parser: declared flags only, one clear error per mistake.
 *
 * @module
 */

/** The declaration of one flag. */
export interface FlagSpec {
  /** `string` flags take a value (`--bind 127.0.0.1:8080` or `--bind=…`); `boolean` flags do not. */
  type: "string" | "boolean";
  /** The flag may be given several times; values are collected in order. */
  multiple?: boolean;
  /** One-letter alias, e.g. `h`. */
  short?: string;
  /**
   * A `string` flag whose value may be left out: the next argument is its value only when it matches this
   * pattern (`--ui 127.0.0.1:9000`); otherwise the flag's value is `""` (`--ui --upstream …`).
   */
  optionalValue?: RegExp;
}

/** Parsed arguments: flag values by name, positional arguments, and the words after `--`. */
export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Everything after a bare `--` (a command and its arguments). */
  rest: string[];
}

/** A mistake on the command line; the message is one line, ready to print above the usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Parses `argv` against `specs`.
 *
 * @throws {UsageError} On an unknown flag, a missing value, or a value given to a boolean flag.
 * @example
 * ```ts
 * import { parseArgs } from "./args.ts";
 * const a = parseArgs(["--bind", "127.0.0.1:1", "--", "node", "s.js"], { bind: { type: "string" } });
 * console.assert(a.flags.bind === "127.0.0.1:1" && a.rest.join(" ") === "node s.js");
 * ```
 */
export function parseArgs(argv: string[], specs: Record<string, FlagSpec>): ParsedArgs {
  const flags: ParsedArgs["flags"] = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else {
      const long = byShort.get(arg.slice(1));
      if (!long) throw new UsageError(`Unknown option ${arg}`);
      name = long;
    }
    const spec = specs[name];
    if (!spec) throw new UsageError(`Unknown option --${name}`);
    let value: string | boolean;
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`Option --${name} takes no value`);
      value = true;
    } else if (inline !== undefined) {
      value = inline;
    } else if (spec.optionalValue && !spec.optionalValue.test(argv[i + 1] ?? "")) {
      value = "";
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        throw new UsageError(`Option --${name} needs a value`);
      }
      value = next;
      i++;
    }
    if (spec.multiple) {
      const list = (flags[name] as string[] | undefined) ?? [];
      list.push(String(value));
      flags[name] = list;
    } else {
      flags[name] = value;
    }
  }
  return { flags, positionals, rest: argv.slice(i) };
}

/**
 * Parses `HOST:PORT` (`[::1]:8080` for IPv6).
 *
 * @throws {UsageError} When the value is not `HOST:PORT` with a port in 0..65535.
 */
export function parseHostPort(value: string, flag = "--bind"): { hostname: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new UsageError(`${flag} must be HOST:PORT, e.g. 127.0.0.1:8080 (got ${value})`);
  return { hostname: match[1]!.replace(/^\[|\]$/g, ""), port };
}

/**
 * Parses a `Name: value` header flag.
 *
 * @throws {UsageError} When there is no colon or the name is not a valid header name.
 */
export function parseHeader(value: string, flag = "--header"): [string, string] {
  const colon = value.indexOf(":");
  const name = colon === -1 ? "" : value.slice(0, colon).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`${flag} must be "Name: value" (got ${JSON.stringify(value)})`);
  }
  return [name, value.slice(colon + 1).trim()];
}

/**
 * Parses a duration in ms: a number (ms) or a number with `ms`, `s`, `m` or `h`.
 *
 * @throws {UsageError} On anything else.
 */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new UsageError(`${flag} must be a duration such as 500ms, 15s, 30m (got ${value})`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h" ?? "ms"];
  return Math.round(Number(match[1]) * unit);
}

/** What {@linkcode runSubcommand} runs. */
export interface SubcommandSpec {
  /** The command's name, for messages: `rules`. */
  command: string;
  /** The one subcommand it has: `check`. */
  subcommand: string;
  /** The usage text (`--help`, and after a usage error). */
  usage: string;
}

/**
 * Runs a `mcpwire <command> <subcommand> ARGS…` command that takes only `-h/--help`: prints the usage for
 * `--help` (exit 0), reports a missing or unknown subcommand or any {@linkcode UsageError} from `body` as
 * one line plus the usage (exit 2), and otherwise returns `body`'s exit code.
 *
 * @example
 * ```ts ignore
 * return await runSubcommand(argv, rt, { command: "tape", subcommand: "show", usage }, async (args) => 0);
 * ```
 */
export async function runSubcommand(
  argv: string[],
  io: { writeStdout: (text: string) => Promise<void>; writeStderr: (text: string) => void },
  spec: SubcommandSpec,
  body: (args: string[]) => Promise<number>,
): Promise<number> {
  try {
    const { flags, positionals } = parseArgs(argv, { help: { type: "boolean", short: "h" } });
    if (flags.help) {
      await io.writeStdout(spec.usage);
      return 0;
    }
    const [sub, ...args] = positionals;
    if (sub !== spec.subcommand) {
      throw new UsageError(sub === undefined ? `Missing subcommand: ${spec.subcommand}` : `Unknown subcommand ${sub}`);
    }
    return await body(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.writeStderr(`mcpwire ${spec.command}: ${error.message}\n${spec.usage}`);
    return 2;
  }
}
