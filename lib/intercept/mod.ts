/**
 * Interceptors, rules and actions: see and shape every MCP message in both directions, over any
 * upstream (Streamable HTTP, stdio), each batch member and each SSE event on its own.
 *
 * - {@linkcode createInterceptorChain} + {@linkcode interceptUpstream}: programmatic interceptors.
 * - {@linkcode parseRules}, {@linkcode loadRulesFile}, {@linkcode createRulesEngine},
 *   {@linkcode watchRulesFile}: the rules language (`docs/rules.md`).
 *
 * @module
 */
export type { ChainOutcome, Injection, InterceptAction, Intercepted, Interceptor } from "./types.ts";
export { BLOCKED_CODE, createInterceptorChain } from "./chain.ts";
export type { InterceptorChain, InterceptorChainOptions } from "./chain.ts";
export { interceptUpstream } from "./upstream.ts";
export type { InterceptUpstreamOptions } from "./upstream.ts";
export { compilePath, getPath, JsonPathError, removePath, setPath } from "./json_path.ts";
export type { JsonPath } from "./json_path.ts";
export { compileRules } from "./rules_compile.ts";
export { createRulesEngine } from "./rules_engine.ts";
export type { RulesEngine } from "./rules_engine.ts";
export { formatIssues, loadRulesFile, parseRules } from "./rules_load.ts";
export type { ParseRulesOptions, RulesParseResult } from "./rules_load.ts";
export { watchRulesFile } from "./rules_watch.ts";
export type { WatchedRules, WatchRulesOptions } from "./rules_watch.ts";
export { RULES_FORMAT_VERSIONS } from "./rules_types.ts";
export type { CompiledRule, RuleHit, RuleHitAction, RuleIssue, RuleSet } from "./rules_types.ts";
