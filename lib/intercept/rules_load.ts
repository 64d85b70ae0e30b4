/**
 * Reads rules files: JSON (`.json`) or YAML (anything else), parsed with the `yaml` package so that
 * every issue gets a line and column, then compiled.
 *
 * @module
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type YamlNode } from "../deps.ts";
import { compileRules } from "./rules_compile.ts";
import { _jsonErrorOffset } from "./_json_syntax.ts";
import { fieldName, type RuleIssue, type RuleSet } from "./rules_types.ts";

/** The outcome of reading a rules file. */
export type RulesParseResult = { ok: true; rules: RuleSet } | { ok: false; issues: RuleIssue[] };

/** Options of {@linkcode parseRules}. */
export interface ParseRulesOptions {
  /** `json` is strict JSON; `yaml` also reads JSON. @default "yaml" */
  format?: "json" | "yaml";
}

/**
 * Parses and compiles rules text.
 *
 * @param text The file's content.
 * @param options The format.
 * @returns The rule set, or every issue with line, column and field.
 * @example
 * ```ts
 * import { parseRules } from "./rules_load.ts";
 * const r = parseRules("version: 1\nrules:\n  - match: { direction: sideways }\n");
 * console.assert(!r.ok && r.issues[0]!.line === 3);
 * ```
 */
export function parseRules(text: string, options: ParseRulesOptions = {}): RulesParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (options.format === "json") {
    try {
      JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const offset = _jsonErrorOffset(text);
      const at = offset >= 0 ? lineCounter.linePos(offset) : { line: 0, col: 0 };
      return {
        ok: false,
        issues: [{ line: at.line, column: at.col, field: "(file)", message: `invalid JSON: ${reason}` }],
      };
    }
  }
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({
        line: e.linePos?.[0].line ?? 0,
        column: e.linePos?.[0].col ?? 0,
        field: "(file)",
        message: e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, ""),
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return {
      ok: false,
      issues: [{
        line: 0,
        column: 0,
        field: "(file)",
        message: error instanceof Error ? error.message : String(error),
      }],
    };
  }
  const { rules, issues } = compileRules(value ?? null);
  if (issues.items.length === 0) return { ok: true, rules };
  const located = issues.items.map(({ path, message }) => {
    const offset = _locate(doc.contents as YamlNode | null, path);
    const pos = offset === undefined ? { line: 0, col: 0 } : lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col, field: fieldName(path), message };
  });
  return { ok: false, issues: located.sort((a, b) => a.line - b.line || a.column - b.column) };
}

/**
 * Reads and parses a rules file; `.json` files are strict JSON, others YAML.
 *
 * @param path The file.
 * @param readTextFile The runtime's file reader.
 * @throws {Error} When the file cannot be read.
 * @example
 * ```ts ignore
 * const result = await loadRulesFile("rules.yaml", runtime.readTextFile);
 * if (!result.ok) console.error(formatIssues("rules.yaml", result.issues));
 * ```
 */
export async function loadRulesFile(
  path: string,
  readTextFile: (path: string) => Promise<string>,
): Promise<RulesParseResult> {
  const text = await readTextFile(path);
  return parseRules(text, { format: path.toLowerCase().endsWith(".json") ? "json" : "yaml" });
}

/**
 * Formats issues as `file:line:col: field: message` lines.
 *
 * @example
 * ```ts
 * import { formatIssues } from "./rules_load.ts";
 * const text = formatIssues("r.yaml", [{ line: 3, column: 13, field: "rules[0].action", message: "must be …" }]);
 * console.assert(text === "r.yaml:3:13: rules[0].action: must be …");
 * ```
 */
export function formatIssues(file: string, issues: RuleIssue[]): string {
  return issues.map((i) => `${file}:${i.line}:${i.column}: ${i.field}: ${i.message}`).join("\n");
}

/** The source offset of the deepest node along `path` (the key of a missing member's parent). */
function _locate(root: YamlNode | null, path: (string | number)[]): number | undefined {
  let node: YamlNode | null | undefined = root;
  let offset = root?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value as YamlNode | null;
      if (node?.range) offset = node.range[0];
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as YamlNode | undefined;
      if (!item) break;
      node = item;
      if (item.range) offset = item.range[0];
    } else break;
  }
  return offset;
}
