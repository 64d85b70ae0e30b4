/**
 * The rules engine: an interceptor that evaluates a compiled {@linkcode RuleSet} on each message. Rules
 * run in file order; `continue` rules (edits, injections, delays) accumulate, the first `block`,
 * `respond` or `drop` ends the evaluation. The set can be replaced at any time (reload); messages in
 * flight finish with the set they started with.
 *
 * @module
 */
import { sleep } from "../kit/deadline.ts";
import type { JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import type { Direction } from "../protocol/envelope.ts";
import { audit } from "../security/audit.ts";
import { removePath, setPath } from "./json_path.ts";
import type { CompiledRule, MatchInput, RuleHit, RuleHitAction, RuleSet } from "./rules_types.ts";
import type { Injection, InterceptAction, Intercepted, Interceptor } from "./types.ts";

/** A rules engine: its interceptor, and the set in force. */
export interface RulesEngine {
  /** Put it in a chain: `createInterceptorChain([engine.interceptor])`. */
  readonly interceptor: Interceptor;
  /** The rule set in force. */
  readonly rules: RuleSet;
  /** Replaces the rule set (rate-limit counters start afresh). */
  replace(rules: RuleSet): void;
  /**
   * The scopes a client request needs under the rules in force: the union of `requireScopes` of every
   * enabled rule whose match it meets (T-SEC-06; the authentication gate answers 403 without them).
   */
  requiredScopes(message: JsonRpcMessage, sessionId?: string): string[];
}

/** Distinct (direction, method) pairs whose candidate lists are cached. */
const _MAX_CACHED = 1_024;
/** Rate-limit windows kept before stale ones are swept. */
const _MAX_WINDOWS = 10_000;

/**
 * Creates a rules engine.
 *
 * @param rules A compiled set (`compileRules`, `parseRules`, `loadRulesFile`).
 * @param now The clock, in ms (tests inject one). @default Date.now
 * @param onHit Observes every rule that matched a message and changed it (`--ui` shows them); it must not
 *   throw (a throw is ignored).
 * @returns The engine.
 * @example
 * ```ts
 * import { compileRules } from "./rules_compile.ts";
 * import { createRulesEngine } from "./rules_engine.ts";
 * const { rules } = compileRules({ version: 1, rules: [{ match: { method: "ping" }, action: "block" }] });
 * const engine = createRulesEngine(rules);
 * const action = await engine.interceptor({
 *   direction: "client-to-server", receivedAt: 0, message: { jsonrpc: "2.0", id: 1, method: "ping" },
 * });
 * console.assert(action?.action === "block");
 * ```
 */
export function createRulesEngine(
  rules: RuleSet,
  now: () => number = Date.now,
  onHit?: (hit: RuleHit) => void,
): RulesEngine {
  let state = _prepare(rules);
  const interceptor: Interceptor = (envelope) => _evaluate(state, envelope, now, onHit);
  return {
    interceptor,
    get rules() {
      return state.rules;
    },
    replace(next: RuleSet) {
      state = _prepare(next);
    },
    requiredScopes(message, sessionId) {
      const envelope = { direction: "client-to-server" as const, message, receivedAt: now(), sessionId };
      const input = _input(envelope);
      const scopes = new Set<string>();
      for (const rule of _candidates(state, "client-to-server", input.method)) {
        if (rule.requireScopes.length > 0 && rule.test(input)) rule.requireScopes.forEach((s) => scopes.add(s));
      }
      return [...scopes];
    },
  };
}

interface _State {
  rules: RuleSet;
  /** Candidate rules per direction, then per method (`undefined`: messages without one). */
  cache: Record<Direction, Map<string | undefined, CompiledRule[]>>;
  windows: Map<string, number[]>;
}

function _prepare(rules: RuleSet): _State {
  return { rules, cache: { "client-to-server": new Map(), "server-to-client": new Map() }, windows: new Map() };
}

/** The rules that can match a (direction, method): computed once per pair, then cached. */
function _candidates(state: _State, direction: Direction, method: string | undefined): CompiledRule[] {
  const cache = state.cache[direction];
  let list = cache.get(method);
  if (list) return list;
  list = state.rules.rules.filter((r) => r.directions.has(direction) && (r.method === null || r.method(method)));
  if (cache.size < _MAX_CACHED) cache.set(method, list);
  return list;
}

function _evaluate(
  state: _State,
  envelope: Readonly<Intercepted>,
  now: () => number,
  onHit: ((hit: RuleHit) => void) | undefined,
): InterceptAction | undefined | Promise<InterceptAction | undefined> {
  const input = _input(envelope);
  const candidates = _candidates(state, input.direction, input.method);
  if (candidates.length === 0) return undefined;
  let message = envelope.message;
  let inject: Injection[] | undefined;
  let delayMs = 0;
  let outcome: InterceptAction | undefined;
  for (const rule of candidates) {
    input.message = message;
    if (!rule.test(input)) continue;
    if (rule.rateLimit && !_overLimit(state, rule, input, now())) continue;
    if (onHit) _reportHit(onHit, rule, envelope, message);
    delayMs += rule.delayMs;
    for (const edit of rule.edits) {
      message = edit.op === "set" ? setPath(message, edit.path, edit.value) : removePath(message, edit.path);
    }
    if (rule.inject.length > 0) (inject ??= []).push(...rule.inject);
    if (rule.action === "continue") continue;
    if (rule.action === "block") _auditBlock(rule, envelope, input);
    outcome = rule.action === "block"
      ? { action: "block", ...(rule.error ? { error: rule.error } : {}) }
      : rule.action === "respond"
      ? { action: "respond", result: rule.result }
      : { action: "drop" };
    break;
  }
  if (!outcome && (message !== envelope.message || inject)) outcome = { action: "continue", message };
  if (outcome && inject) outcome.inject = inject;
  if (delayMs <= 0) return outcome;
  return sleep(delayMs).then(() => outcome);
}

/** Tells `onHit` what `rule` does to `message` (nothing when it changes nothing). */
function _reportHit(
  onHit: (hit: RuleHit) => void,
  rule: CompiledRule,
  envelope: Readonly<Intercepted>,
  message: JsonRpcMessage,
): void {
  const actions: RuleHitAction[] = [];
  if (rule.edits.length > 0) actions.push("edit");
  if (rule.inject.length > 0) actions.push("inject");
  if (rule.delayMs > 0) actions.push("delay");
  if (rule.action !== "continue") actions.push(rule.action);
  if (actions.length === 0) return;
  const hit: RuleHit = { rule: rule.name, actions, direction: envelope.direction, message };
  if (envelope.sessionId !== undefined) hit.sessionId = envelope.sessionId;
  try {
    onHit(hit);
  } catch {
    // An observer's failure never changes what the rules do.
  }
}

/** Sliding-window count per (rule, session, method); `true` when this message is over the limit. */
function _overLimit(state: _State, rule: CompiledRule, input: MatchInput, at: number): boolean {
  const { max, perMs } = rule.rateLimit!;
  const key = `${rule.index}\u0000${input.session ?? ""}\u0000${input.method ?? ""}`;
  let window = state.windows.get(key);
  if (!window) {
    if (state.windows.size >= _MAX_WINDOWS) _sweep(state, at);
    window = [];
    state.windows.set(key, window);
  }
  while (window.length > 0 && window[0]! <= at - perMs) window.shift();
  if (window.length >= max) return true;
  window.push(at);
  return false;
}

function _sweep(state: _State, at: number): void {
  for (const [key, window] of state.windows) {
    const last = window[window.length - 1];
    if (last === undefined || last < at - 3_600_000) state.windows.delete(key);
  }
  if (state.windows.size >= _MAX_WINDOWS) state.windows.clear();
}

/** One `rule_blocked` audit line: who, which session, which method (and tool), which rule, and why. */
function _auditBlock(rule: CompiledRule, envelope: Readonly<Intercepted>, input: MatchInput): void {
  const reason = typeof rule.error?.message === "string" ? rule.error.message : "blocked by rule";
  audit({
    decision: "rule_blocked",
    reason,
    rule: rule.name,
    caller: envelope.caller ?? "anonymous",
    ...(input.session !== undefined ? { session: input.session } : {}),
    ...(input.method !== undefined ? { method: input.method } : {}),
    ...(input.tool !== undefined ? { tool: input.tool } : {}),
    direction: input.direction,
  });
}

function _input(envelope: Readonly<Intercepted>): MatchInput {
  const message = envelope.message;
  const request: JsonRpcRequest | undefined = "method" in message ? undefined : envelope.request;
  const source = "method" in message ? message : request;
  const method = source?.method;
  let tool: string | undefined;
  let resource: string | undefined;
  let prompt: string | undefined;
  if (source && method !== undefined) {
    const params = source.params as Record<string, unknown> | undefined;
    if (params && !Array.isArray(params)) {
      if (method === "tools/call" && typeof params.name === "string") tool = params.name;
      else if (method === "prompts/get" && typeof params.name === "string") prompt = params.name;
      else if (method.startsWith("resources/") && typeof params.uri === "string") resource = params.uri;
    }
  }
  return {
    direction: envelope.direction,
    kind: _kind(message),
    method,
    tool,
    resource,
    prompt,
    session: envelope.sessionId,
    revision: envelope.revision,
    message,
    request,
  };
}

function _kind(message: JsonRpcMessage): MatchInput["kind"] {
  if ("method" in message) return "id" in message ? "request" : "notification";
  return "error" in message ? "error" : "result";
}
