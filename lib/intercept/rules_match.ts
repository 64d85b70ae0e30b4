/**
 * Compiles the `match` part of a rule into a predicate, once per load: string patterns become sets or
 * regular expressions, JSON paths become segment arrays, conditions become closures. Evaluation then
 * allocates nothing and never serializes a message.
 *
 * @module
 */
import type { Direction } from "../protocol/envelope.ts";
import { compilePath, getPath, JsonPathError } from "./json_path.ts";
import type { FieldPath as Path, IssueList, Matcher } from "./rules_types.ts";

/** The match keys of format version 1. */
export const MATCH_KEYS = [
  "direction",
  "kind",
  "method",
  "tool",
  "resource",
  "prompt",
  "session",
  "revision",
  "params",
  "result",
  "error",
  "all",
  "any",
  "not",
] as const;

const _DIRECTIONS: Direction[] = ["client-to-server", "server-to-client"];
const _KINDS = ["request", "notification", "result", "error", "response"];
const _OPERATORS = ["equals", "notEquals", "exists", "regex", "in", "contains", "gt", "gte", "lt", "lte"];

/** What a compiled `match` gives the engine: the predicate plus prefilters it could extract. */
export interface CompiledMatch {
  test: Matcher;
  directions: Set<Direction>;
  method: ((method: string | undefined) => boolean) | null;
}

/**
 * Compiles a `match` object; problems go to `issues` (the result is then meaningless).
 *
 * @param raw The `match` value from the file (`undefined` matches everything).
 * @param path Its field path, for issues.
 * @param issues Where problems are reported.
 */
export function compileMatch(raw: unknown, path: Path, issues: IssueList): CompiledMatch {
  const directions = new Set<Direction>(_DIRECTIONS);
  if (raw === undefined || raw === null) return { test: () => true, directions, method: null };
  // Top-level direction and method become prefilters (so most rules are never evaluated for a message)
  // and are then left out of the predicate.
  const test = _compileObject(raw, path, issues, _PREFILTERED);
  let method: CompiledMatch["method"] = null;
  if (_isObject(raw)) {
    if (raw.direction !== undefined) {
      directions.clear();
      for (const d of _strings(raw.direction)) if (_DIRECTIONS.includes(d as Direction)) directions.add(d as Direction);
    }
    if (raw.method !== undefined) {
      const m = _stringMatcher(raw.method, [...path, "method"], issues);
      method = (value) => value !== undefined && m(value);
    }
  }
  return { test, directions, method };
}

const _PREFILTERED = new Set(["direction", "method"]);

function _compileObject(raw: unknown, path: Path, issues: IssueList, prefiltered?: Set<string>): Matcher {
  if (!_isObject(raw)) {
    issues.add(path, "must be a mapping of match keys");
    return () => false;
  }
  const parts: Matcher[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const at = [...path, key];
    const before = parts.length;
    switch (key) {
      case "direction": {
        for (const d of _strings(value)) {
          if (!_DIRECTIONS.includes(d as Direction)) {
            issues.add(at, `must be "client-to-server" or "server-to-client" (got ${JSON.stringify(d)})`);
          }
        }
        const set = new Set(_strings(value));
        parts.push((i) => set.has(i.direction));
        break;
      }
      case "kind": {
        for (const k of _strings(value)) {
          if (!_KINDS.includes(k)) issues.add(at, `must be one of ${_KINDS.join(", ")} (got ${JSON.stringify(k)})`);
        }
        const set = new Set(_strings(value));
        if (set.has("response")) set.add("result").add("error");
        parts.push((i) => set.has(i.kind));
        break;
      }
      case "method":
      case "tool":
      case "resource":
      case "prompt":
      case "session":
      case "revision": {
        const m = _stringMatcher(value, at, issues);
        const field = key;
        parts.push((i) => {
          const v = i[field];
          return v !== undefined && m(v);
        });
        break;
      }
      case "params":
      case "result":
      case "error":
        parts.push(_compileConditions(key, value, at, issues));
        break;
      case "all":
      case "any": {
        if (!Array.isArray(value) || value.length === 0) {
          issues.add(at, "must be a non-empty list of match objects");
          break;
        }
        const subs = value.map((v, n) => _compileObject(v, [...at, n], issues));
        parts.push(key === "all" ? (i) => subs.every((s) => s(i)) : (i) => subs.some((s) => s(i)));
        break;
      }
      case "not": {
        const sub = _compileObject(value, at, issues);
        parts.push((i) => !sub(i));
        break;
      }
      default:
        issues.add(at, `unknown match key; expected one of ${MATCH_KEYS.join(", ")}`);
    }
    // Validated above; the prefilter already decided it.
    if (prefiltered?.has(key)) parts.length = before;
  }
  if (parts.length === 0) return () => true;
  if (parts.length === 1) return parts[0]!;
  return (i) => {
    for (const p of parts) if (!p(i)) return false;
    return true;
  };
}

/** `params`/`result`/`error`: a mapping from JSON path (relative to that member) to a condition. */
function _compileConditions(
  member: "params" | "result" | "error",
  raw: unknown,
  path: Path,
  issues: IssueList,
): Matcher {
  if (!_isObject(raw)) {
    issues.add(path, "must be a mapping from JSON path to condition");
    return () => false;
  }
  const checks: Matcher[] = [];
  for (const [source, condition] of Object.entries(raw)) {
    let segments;
    try {
      segments = compilePath(source);
    } catch (error) {
      issues.add([...path, source], error instanceof JsonPathError ? error.message : String(error));
      continue;
    }
    const test = _compileCondition(condition, [...path, source], issues);
    checks.push((i) => {
      // For a response, `params` are those of the request it answers.
      const m = i.message as unknown as Record<string, unknown>;
      const root = member === "params" && !("method" in m) ? i.request?.params : m[member];
      return test(getPath(root, segments));
    });
  }
  return (i) => {
    for (const c of checks) if (!c(i)) return false;
    return true;
  };
}

function _compileCondition(raw: unknown, path: Path, issues: IssueList): (value: unknown) => boolean {
  if (!_isObject(raw)) return (v) => _equal(v, raw);
  const tests: ((value: unknown) => boolean)[] = [];
  for (const [op, arg] of Object.entries(raw)) {
    const at = [...path, op];
    switch (op) {
      case "equals":
        tests.push((v) => _equal(v, arg));
        break;
      case "notEquals":
        tests.push((v) => !_equal(v, arg));
        break;
      case "exists":
        if (typeof arg !== "boolean") issues.add(at, "must be true or false");
        tests.push((v) => (v !== undefined) === arg);
        break;
      case "regex": {
        let re: RegExp | undefined;
        try {
          re = new RegExp(String(arg));
        } catch (error) {
          issues.add(at, `is not a valid regular expression: ${error instanceof Error ? error.message : error}`);
        }
        tests.push((v) => typeof v === "string" && re !== undefined && re.test(v));
        break;
      }
      case "in":
        if (!Array.isArray(arg)) issues.add(at, "must be a list of values");
        tests.push((v) => Array.isArray(arg) && arg.some((a) => _equal(v, a)));
        break;
      case "contains":
        tests.push((v) =>
          typeof v === "string"
            ? typeof arg === "string" && v.includes(arg)
            : Array.isArray(v) && v.some((x) => _equal(x, arg))
        );
        break;
      case "gt":
      case "gte":
      case "lt":
      case "lte": {
        if (typeof arg !== "number") issues.add(at, "must be a number");
        const n = Number(arg);
        const cmp = {
          gt: (v: number) => v > n,
          gte: (v: number) => v >= n,
          lt: (v: number) => v < n,
          lte: (v: number) => v <= n,
        }[op];
        tests.push((v) => typeof v === "number" && cmp(v));
        break;
      }
      default:
        issues.add(
          at,
          `unknown condition; expected one of ${_OPERATORS.join(", ")} (to compare with an object, use equals)`,
        );
    }
  }
  return (v) => {
    for (const t of tests) if (!t(v)) return false;
    return true;
  };
}

/** A string, or a list of strings; `*` matches any run of characters. */
function _stringMatcher(raw: unknown, path: Path, issues: IssueList): (value: string) => boolean {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || list.some((v) => typeof v !== "string")) {
    issues.add(path, "must be a string or a list of strings (* matches anything)");
    return () => false;
  }
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const s of list as string[]) {
    if (s.includes("*")) globs.push(new RegExp(`^${s.split("*").map(_escape).join(".*")}$`, "s"));
    else exact.add(s);
  }
  if (globs.length === 0) {
    const only = exact.size === 1 ? [...exact][0]! : undefined;
    return only !== undefined ? (v) => v === only : (v) => exact.has(v);
  }
  return (v) => exact.has(v) || globs.some((g) => g.test(v));
}

function _strings(raw: unknown): string[] {
  return (Array.isArray(raw) ? raw : [raw]).map(String);
}

function _escape(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

function _isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep equality of JSON values (no serialization). */
export function _equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!_equal(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!_equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}
