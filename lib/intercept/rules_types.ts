/**
 * The shapes of the rules language (format version 1) once compiled, and the issues a rules file can
 * have. The file format itself is documented in `docs/rules.md`.
 *
 * @module
 */
import type { JsonRpcErrorObject, JsonRpcMessage, JsonRpcRequest } from "../jsonrpc/types.ts";
import type { Direction } from "../protocol/envelope.ts";
import type { JsonPath } from "./json_path.ts";
import type { Injection } from "./types.ts";

/** The rules format versions this build reads. */
export const RULES_FORMAT_VERSIONS = [1] as const;

/** A problem in a rules file: where (line and column are 1-based; 0 when unknown), which field, what. */
export interface RuleIssue {
  line: number;
  column: number;
  /** The field, e.g. `rules[2].match.direction`. */
  field: string;
  message: string;
}

/** What a matcher sees of one message (computed once per message). */
export interface MatchInput {
  direction: Direction;
  /** `request`, `notification`, `result` (a success response) or `error` (an error response). */
  kind: "request" | "notification" | "result" | "error";
  /** The method; for a response, the method of the request it answers (when known). */
  method: string | undefined;
  /** `params.name` of `tools/call` (of the answered request, for a response). */
  tool: string | undefined;
  /** `params.uri` of `resources/read`, `resources/subscribe`, `resources/unsubscribe`. */
  resource: string | undefined;
  /** `params.name` of `prompts/get`. */
  prompt: string | undefined;
  session: string | undefined;
  revision: string | undefined;
  /** The message as changed by earlier rules. */
  message: JsonRpcMessage;
  /** For a response: the request it answers. */
  request: JsonRpcRequest | undefined;
}

/** A compiled predicate over a {@linkcode MatchInput}. */
export type Matcher = (input: MatchInput) => boolean;

/** One change a rule makes to a message. */
export type Edit = { op: "set"; path: JsonPath; value: unknown } | { op: "remove"; path: JsonPath };

/** A compiled rule. */
export interface CompiledRule {
  /** The rule's `name`, or `rules[<index>]`. */
  name: string;
  index: number;
  /** The directions the rule can match (both when it does not say). */
  directions: ReadonlySet<Direction>;
  /** Prefilter on the method (`null`: any method, including none). */
  method: ((method: string | undefined) => boolean) | null;
  /** The rest of the match. */
  test: Matcher;
  rateLimit: { max: number; perMs: number } | undefined;
  delayMs: number;
  edits: Edit[];
  inject: Injection[];
  action: "continue" | "block" | "respond" | "drop";
  error: Partial<JsonRpcErrorObject> | undefined;
  result: unknown;
  /** Scopes a caller needs for the requests this rule matches (403 `insufficient_scope` otherwise; T-SEC-06). */
  requireScopes: string[];
}

/** What a matching rule did to a message: each change it made, and its final action when it has one. */
export type RuleHitAction = "edit" | "inject" | "delay" | "block" | "respond" | "drop";

/**
 * One rule that matched a message and changed something (the `--ui` timeline shows these): the rule's name,
 * what it did, and the message as it reached the rule. A rule that only matched (e.g. `requireScopes`) is
 * not a hit.
 */
export interface RuleHit {
  /** The rule's `name`, or `rules[<index>]`. */
  rule: string;
  /** What it did, in the order the engine applied it (edits, injections, delay, then the final action). */
  actions: RuleHitAction[];
  /** Which way the message travelled. */
  direction: Direction;
  /** The downstream session id, when the message belongs to one. */
  sessionId?: string;
  /** The message as it reached the rule (before the rule changed it). */
  message: JsonRpcMessage;
}

/** A whole compiled rules file. */
export interface RuleSet {
  version: number;
  rules: CompiledRule[];
}

/** Where a value sits in a rules document: `["rules", 2, "match", "direction"]`. */
export type FieldPath = (string | number)[];

/** Collects issues by field path while a file is compiled. */
export class IssueList {
  readonly items: { path: FieldPath; message: string }[] = [];
  add(path: FieldPath, message: string): void {
    this.items.push({ path, message });
  }
}

/** `rules[2].match.direction` from `["rules", 2, "match", "direction"]`. */
export function fieldName(path: readonly (string | number)[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? p : /^[A-Za-z_$][\w$-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  }
  return out || "(file)";
}
