/**
 * The options of `mcpwire reverse` read from its flags: the proxy's options (`ReverseProxyOptions`), the
 * server's limits, the shared store, sealed session ids, caller authentication, the traffic view and tracing.
 *
 * @module
 */
import type { Runtime, ServeOptions } from "../runtime/mod.ts";
import type { ReverseProxyOptions } from "../proxy/reverse.ts";
import { isLoopbackHost } from "../downstream/security.ts";
import { formatEnvelope, formatExchange, palette } from "./format.ts";
import { type ParsedArgs, parseDuration, parseHostPort, UsageError } from "./args.ts";
import { upstreamOptionsFromFlags } from "./upstream.ts";
import { recordingFlag } from "./tape.ts";
import { limitsFromFlags } from "./limits.ts";
import type { ScopesFor } from "../downstream/auth_gate.ts";
import { authFromFlags } from "./auth.ts";
import { parseSealKey, SessionSealer } from "../session/sealed_ids.ts";
import { parseStoreFlag } from "./store.ts";
import { uiFromFlags, type UiSetup } from "./ui.ts";

/** What `mcpwire reverse` runs: the proxy's options, where to listen, the log, and the limits line. */
export interface ReverseSetup {
  options: ReverseProxyOptions;
  hostname: string;
  port: number;
  log: (line: string) => void;
  limitsSummary: string;
  /** The slow-client limits for `rt.serve` (`--header-timeout`, `--max-header-bytes`). */
  serveLimits: Pick<ServeOptions, "headerTimeoutMs" | "maxHeaderBytes" | "headerFront">;
  /** The Redis URL of `--store`, or `undefined` for the in-memory stores. */
  storeUrl: string | undefined;
  /** `--ui`: the traffic view's buffer (fed by `onMessage`) and address. */
  ui: UiSetup | undefined;
  /** The parsed flags (`--trace` is read once the rest is set up). */
  flags: ParsedArgs["flags"];
}

/**
 * The proxy's options, the address to listen on and the log, from the parsed flags of `mcpwire reverse`.
 *
 * @param flags The parsed flags (`parseArgs` with the command's flag table).
 * @param command The stdio upstream's command line (after `--`), or `[]` for `--upstream URL`.
 * @param rt The runtime adapter (files, environment, stderr).
 * @param log Where start-up lines go (stderr unless `-q`).
 * @param quiet `-q`: no traffic lines.
 * @param ruleScopes The scopes the rules require per method/tool (T-SEC-06), when `--rules` has any.
 * @throws {UsageError} For a malformed flag value (the command prints it and exits 2).
 * @example
 * ```ts ignore
 * const setup = await proxyOptionsFromFlags(flags, [], runtime, (l) => console.error(l), false);
 * const proxy = createReverseProxy(setup.options);
 * ```
 */
export async function proxyOptionsFromFlags(
  flags: ParsedArgs["flags"],
  command: string[],
  rt: Runtime,
  log: (line: string) => void,
  quiet: boolean,
  ruleScopes?: ScopesFor,
): Promise<ReverseSetup> {
  const err = (line: string) => rt.writeStderr(line + "\n");
  const { hostname, port } = parseHostPort((flags.bind as string | undefined) ?? "127.0.0.1:8080");
  const stack = upstreamOptionsFromFlags(flags, flags.upstream as string | undefined, command, rt, log);
  const maxBody = flags["max-body"] === undefined ? undefined : Number(flags["max-body"]);
  if (maxBody !== undefined && (!Number.isInteger(maxBody) || maxBody <= 0)) {
    throw new UsageError(`--max-body must be a positive number of bytes (got ${flags["max-body"]})`);
  }
  const path = (flags.path as string | undefined) ?? "/mcp";
  if (!path.startsWith("/")) throw new UsageError(`--path must start with / (got ${path})`);
  const duration = (name: string) =>
    flags[name] === undefined ? undefined : parseDuration(flags[name] as string, `--${name}`);
  const sessionIdleTimeoutMs = duration("session-timeout");
  const keepAliveMs = duration("keep-alive");
  const bodyTimeoutMs = duration("body-timeout");
  const retryMs = duration("retry");
  const record = flags.record === undefined ? undefined : await recordingFlag(flags.record as string, rt, log);
  const p = palette(rt.stderrIsTTY());
  const start = Date.now();
  const traffic = Boolean(flags["log-traffic"]) && !quiet;
  const limits = limitsFromFlags(flags, command.length > 0 ? "stdio" : "url", rt, hostname);
  const storeUrl = parseStoreFlag(flags.store as string | undefined);
  const sealer = await sealerFromFlags(flags, command.length > 0, rt);
  const auth = await authFromFlags(flags, rt, ruleScopes);
  const options: ReverseProxyOptions = {
    ...stack,
    path,
    allowedOrigins: (flags["allow-origin"] as string[] | undefined) ?? [],
    allowedHosts: (flags["allow-host"] as string[] | undefined) ?? [],
    loopbackOnly: isLoopbackHost(hostname.includes(":") ? `[${hostname}]` : hostname),
    ...(sessionIdleTimeoutMs !== undefined ? { sessionIdleTimeoutMs } : {}),
    ...(keepAliveMs !== undefined ? { keepAliveMs } : {}),
    ...(retryMs !== undefined ? { retryMs } : {}),
    ...(maxBody !== undefined ? { maxBodyBytes: maxBody } : {}),
    ...(bodyTimeoutMs !== undefined ? { bodyTimeoutMs } : {}),
    getStream: !flags["no-get-stream"],
    modernOnly: Boolean(flags["modern-only"]),
    limits: limits.limits,
    ...(auth ? { auth } : {}),
    ...(sealer ? { sessionSealer: sealer } : {}),
    onError: (e) => log(`error: ${e instanceof Error ? e.message : String(e)}`),
    onInterceptorError: (e) => log(`rule failed: ${e instanceof Error ? e.message : e}`),
    ...(record ? { record, onRecordError: (e) => log(`recording failed: ${e instanceof Error ? e.message : e}`) } : {}),
    ...(traffic
      ? {
        onExchange: (x) => err(formatExchange(x, start, p)),
        onMessage: (e) => err(formatEnvelope(e, start, p)),
      }
      : {}),
  };
  const ui = uiFromFlags(flags, "");
  if (ui) {
    const traced = options.onMessage;
    options.onMessage = (e) => {
      traced?.(e);
      ui.buffer.onMessage(e);
    };
  }
  return {
    options,
    hostname,
    port,
    log,
    limitsSummary: limits.summary,
    serveLimits: limits.serve,
    storeUrl,
    ui,
    flags,
  };
}

/**
 * The session sealer of `--seal-key FILE` or `--seal-key-env NAME`, or `undefined` without either.
 *
 * @throws {UsageError} For both flags at once, with a stdio upstream (a sealed id cannot carry a child
 * process: use `--store`), for an unreadable file, an unset variable, or a key that is not base64 of 32 bytes.
 */
async function sealerFromFlags(
  flags: ParsedArgs["flags"],
  stdio: boolean,
  rt: Runtime,
): Promise<SessionSealer | undefined> {
  const file = flags["seal-key"] as string | undefined;
  const env = flags["seal-key-env"] as string | undefined;
  if (file === undefined && env === undefined) return undefined;
  if (file !== undefined && env !== undefined) throw new UsageError("use --seal-key or --seal-key-env, not both");
  const flag = file !== undefined ? "--seal-key" : "--seal-key-env";
  if (stdio) {
    throw new UsageError(
      `${flag} needs an HTTP upstream (--upstream URL): a stdio child lives in one replica; use --store redis://… to share stdio sessions`,
    );
  }
  let text: string | undefined;
  if (file !== undefined) {
    try {
      text = await rt.readTextFile(file);
    } catch (error) {
      throw new UsageError(`--seal-key: cannot read ${file}: ${error instanceof Error ? error.message : error}`);
    }
  } else {
    text = rt.env(env!);
    if (text === undefined) throw new UsageError(`--seal-key-env: environment variable ${env} is not set`);
  }
  try {
    return await SessionSealer.fromKey(parseSealKey(text));
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof Error ? error.message : error}`);
  }
}
