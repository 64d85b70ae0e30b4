/**
 * Validates and compiles a parsed rules document (format version 1) into a {@linkcode RuleSet}. Every
 * problem is reported with its field path; nothing is thrown.
 *
 * @module
 */
import type { JsonRpcMessage } from "../jsonrpc/types.ts";
import type { Direction } from "../protocol/envelope.ts";
import { compilePath, JsonPathError } from "./json_path.ts";
import { compileMatch } from "./rules_match.ts";
import {
  type CompiledRule,
  type Edit,
  type FieldPath as Path,
  IssueList,
  RULES_FORMAT_VERSIONS,
  type RuleSet,
} from "./rules_types.ts";
import type { Injection } from "./types.ts";

/** The keys a rule may have. */
export const RULE_KEYS = [
  "name",
  "enabled",
  "match",
  "action",
  "error",
  "result",
  "delay",
  "set",
  "remove",
  "inject",
  "rateLimit",
  "requireScopes",
];
const _ACTIONS = ["continue", "block", "respond", "drop"];
const _EDITABLE = new Set(["params", "result", "error"]);

/**
 * Compiles a parsed document.
 *
 * @param doc The value of the file (from JSON or YAML).
 * @returns The rule set and the issues (the set is only usable when `issues` is empty).
 * @example
 * ```ts
 * import { compileRules } from "./rules_compile.ts";
 * const { issues } = compileRules({ version: 1, rules: [{ match: { method: "ping" }, action: "drop" }] });
 * console.assert(issues.items.length === 0);
 * ```
 */
export function compileRules(doc: unknown): { rules: RuleSet; issues: IssueList } {
  const issues = new IssueList();
  const rules: CompiledRule[] = [];
  if (!_isObject(doc)) {
    issues.add([], "a rules file must be a mapping with version and rules");
    return { rules: { version: 1, rules }, issues };
  }
  if (!RULES_FORMAT_VERSIONS.includes(doc.version as 1)) {
    issues.add(["version"], `must be ${RULES_FORMAT_VERSIONS.join(" or ")} (got ${JSON.stringify(doc.version)})`);
  }
  for (const key of Object.keys(doc)) {
    if (key !== "version" && key !== "rules" && key !== "description") {
      issues.add([key], "unknown top-level key; expected version, rules, description");
    }
  }
  if (!Array.isArray(doc.rules)) {
    issues.add(["rules"], "must be a list of rules");
    return { rules: { version: 1, rules }, issues };
  }
  doc.rules.forEach((raw: unknown, index: number) => {
    const rule = _compileRule(raw, ["rules", index], index, issues);
    if (rule) rules.push(rule);
  });
  return { rules: { version: 1, rules }, issues };
}

function _compileRule(raw: unknown, path: Path, index: number, issues: IssueList): CompiledRule | undefined {
  if (!_isObject(raw)) {
    issues.add(path, "a rule must be a mapping");
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!RULE_KEYS.includes(key)) {
      issues.add([...path, key], `unknown rule key; expected one of ${RULE_KEYS.join(", ")}`);
    }
  }
  if (raw.name !== undefined && typeof raw.name !== "string") issues.add([...path, "name"], "must be a string");
  if (raw.enabled !== undefined && typeof raw.enabled !== "boolean") {
    issues.add([...path, "enabled"], "must be true or false");
  }
  const match = compileMatch(raw.match, [...path, "match"], issues);
  const action = raw.action ?? "continue";
  if (typeof action !== "string" || !_ACTIONS.includes(action)) {
    issues.add([...path, "action"], `must be one of ${_ACTIONS.join(", ")} (got ${JSON.stringify(raw.action)})`);
  }
  if (action === "respond" && !("result" in raw)) issues.add([...path, "result"], "is required when action is respond");
  if ("result" in raw && action !== "respond") issues.add([...path, "result"], "is only allowed with action respond");
  const error = _error(raw.error, [...path, "error"], issues);
  if (raw.error !== undefined && action !== "block" && raw.rateLimit === undefined) {
    issues.add([...path, "error"], "is only allowed with action block or rateLimit");
  }
  const rateLimit = raw.rateLimit === undefined ? undefined : _rateLimit(raw.rateLimit, [...path, "rateLimit"], issues);
  const delayMs = raw.delay === undefined ? 0 : _duration(raw.delay, [...path, "delay"], issues);
  const requireScopes = _scopes(raw.requireScopes, [...path, "requireScopes"], issues);
  if (raw.enabled === false) return undefined;
  return {
    name: typeof raw.name === "string" ? raw.name : `rules[${index}]`,
    index,
    directions: match.directions,
    method: match.method,
    test: match.test,
    rateLimit,
    delayMs,
    edits: _edits(raw.set, raw.remove, path, issues),
    inject: _inject(raw.inject, [...path, "inject"], issues),
    // Over a rate limit, a rule without an explicit action blocks.
    action: (rateLimit && raw.action === undefined ? "block" : action) as CompiledRule["action"],
    error: error ??
      (rateLimit
        ? { message: `Rate limit exceeded: at most ${rateLimit.max} per ${_fmt(rateLimit.perMs)}` }
        : undefined),
    result: raw.result,
    requireScopes,
  };
}

/** `requireScopes`: a non-empty list of OAuth scope names (T-SEC-06, docs/auth.md). */
function _scopes(raw: unknown, path: Path, issues: IssueList): string[] {
  if (raw === undefined) return [];
  const valid = Array.isArray(raw) && raw.length > 0 &&
    raw.every((s) => typeof s === "string" && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s));
  if (!valid) issues.add(path, "must be a non-empty list of scope names (no spaces or quotes)");
  return valid ? raw as string[] : [];
}

function _error(raw: unknown, path: Path, issues: IssueList): CompiledRule["error"] {
  if (raw === undefined) return undefined;
  if (!_isObject(raw)) {
    issues.add(path, "must be a mapping with code, message and optional data");
    return undefined;
  }
  if (raw.code !== undefined && !Number.isInteger(raw.code)) issues.add([...path, "code"], "must be an integer");
  if (raw.message !== undefined && typeof raw.message !== "string") {
    issues.add([...path, "message"], "must be a string");
  }
  for (const key of Object.keys(raw)) {
    if (!["code", "message", "data"].includes(key)) {
      issues.add([...path, key], "unknown key; expected code, message, data");
    }
  }
  return raw as CompiledRule["error"];
}

function _rateLimit(raw: unknown, path: Path, issues: IssueList): CompiledRule["rateLimit"] {
  if (!_isObject(raw)) {
    issues.add(path, "must be a mapping with max and per, e.g. { max: 10, per: 1m }");
    return undefined;
  }
  if (!Number.isInteger(raw.max) || (raw.max as number) < 0) issues.add([...path, "max"], "must be a whole number ≥ 0");
  const perMs = _duration(raw.per, [...path, "per"], issues);
  if (perMs <= 0) issues.add([...path, "per"], "must be a positive duration such as 1s or 1m");
  for (const key of Object.keys(raw)) {
    if (key !== "max" && key !== "per") issues.add([...path, key], "unknown key; expected max, per");
  }
  return { max: Number(raw.max), perMs };
}

function _edits(set: unknown, remove: unknown, path: Path, issues: IssueList): Edit[] {
  const edits: Edit[] = [];
  const compile = (source: string, at: Path) => {
    try {
      const p = compilePath(source);
      if (!_EDITABLE.has(String(p[0]))) {
        issues.add(at, "must start with params, result or error (the JSON-RPC framing cannot be edited)");
      }
      return p;
    } catch (error) {
      issues.add(at, error instanceof JsonPathError ? error.message : String(error));
      return undefined;
    }
  };
  if (set !== undefined) {
    if (!_isObject(set)) issues.add([...path, "set"], "must be a mapping from JSON path to value");
    else {
      for (const [source, value] of Object.entries(set)) {
        const p = compile(source, [...path, "set", source]);
        if (p) edits.push({ op: "set", path: p, value });
      }
    }
  }
  if (remove !== undefined) {
    const list = typeof remove === "string" ? [remove] : remove;
    if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) {
      issues.add([...path, "remove"], "must be a list of JSON paths");
    } else {
      list.forEach((source: string, n: number) => {
        const p = compile(source, [...path, "remove", n]);
        if (p) edits.push({ op: "remove", path: p });
      });
    }
  }
  return edits;
}

function _inject(raw: unknown, path: Path, issues: IssueList): Injection[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    issues.add(path, "must be a list of { direction, message }");
    return [];
  }
  const out: Injection[] = [];
  raw.forEach((item: unknown, n: number) => {
    const at = [...path, n];
    if (!_isObject(item)) return issues.add(at, "must be a mapping { direction, message }");
    if (item.direction !== "client-to-server" && item.direction !== "server-to-client") {
      issues.add([...at, "direction"], `must be "client-to-server" or "server-to-client"`);
    }
    const m = item.message;
    if (!_isObject(m) || m.jsonrpc !== "2.0" || (typeof m.method !== "string" && !("result" in m) && !("error" in m))) {
      issues.add([...at, "message"], 'must be a JSON-RPC message with jsonrpc: "2.0" and a method (or a result)');
      return;
    }
    out.push({ direction: item.direction as Direction, message: m as unknown as JsonRpcMessage });
  });
  return out;
}

/** A duration: a number of ms, or a string such as `250ms`, `2s`, `1m`, `1h`. */
function _duration(raw: unknown, path: Path, issues: IssueList): number {
  if (typeof raw === "number" && raw >= 0) return raw;
  const match = typeof raw === "string" ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw.trim()) : null;
  if (!match) {
    issues.add(
      path,
      `must be a duration: a number of ms or a string such as 250ms, 2s, 1m (got ${JSON.stringify(raw)})`,
    );
    return 0;
  }
  return Math.round(Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? "ms") as "ms"]);
}

function _fmt(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}

function _isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
