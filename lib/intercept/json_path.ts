/**
 * JSON paths of the rules language: `a.b[0].c`, `["key.with.dots"]`, an optional leading `$` or `$.`.
 * Paths are compiled once (when rules load) to segment arrays; reading, setting and removing then walk
 * the segments. Setting and removing copy only the containers along the path (the input is never
 * mutated, so a recorder or a retry still sees the original message).
 *
 * @module
 */

/** A compiled path: object keys (strings) and array indexes (numbers). */
export type JsonPath = readonly (string | number)[];

/** A path that cannot be parsed; `message` says where. */
export class JsonPathError extends Error {
  override name = "JsonPathError";
}

/**
 * Compiles a path.
 *
 * @param source e.g. `content[0].text`, `$.params["odd.key"]`
 * @returns The segments.
 * @throws {JsonPathError} On an empty path, an unclosed bracket or an empty segment.
 * @example
 * ```ts
 * import { compilePath } from "./json_path.ts";
 * console.assert(JSON.stringify(compilePath("content[0].text")) === '["content",0,"text"]');
 * ```
 */
export function compilePath(source: string): JsonPath {
  let s = source.trim();
  if (s.startsWith("$")) s = s.slice(1).replace(/^\./, "");
  const out: (string | number)[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "[") {
      const end = s.indexOf("]", i);
      if (end === -1) throw new JsonPathError(`Unclosed [ at ${i} in path ${JSON.stringify(source)}`);
      const inner = s.slice(i + 1, end).trim();
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else if (/^(".*"|'.*')$/.test(inner)) out.push(inner.slice(1, -1));
      else {throw new JsonPathError(
          `Bad index [${inner}] in path ${JSON.stringify(source)}: use a number or a quoted key`,
        );}
      i = end + 1;
      if (s[i] === ".") i++;
      continue;
    }
    let j = i;
    while (j < s.length && s[j] !== "." && s[j] !== "[") j++;
    const key = s.slice(i, j);
    if (key === "") throw new JsonPathError(`Empty segment at ${i} in path ${JSON.stringify(source)}`);
    out.push(key);
    i = s[j] === "." ? j + 1 : j;
    if (s[j] === "." && i === s.length) throw new JsonPathError(`Path ${JSON.stringify(source)} ends with a dot`);
  }
  if (out.length === 0) throw new JsonPathError("Empty path");
  return out;
}

/**
 * The value at `path` in `root`, or `undefined` when any step is missing.
 *
 * @example
 * ```ts
 * import { compilePath, getPath } from "./json_path.ts";
 * console.assert(getPath({ a: [{ b: 1 }] }, compilePath("a[0].b")) === 1);
 * ```
 */
export function getPath(root: unknown, path: JsonPath): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/**
 * A copy of `root` with `value` at `path`; missing containers are created (an array for a numeric
 * segment, an object otherwise). Only the containers along the path are copied.
 *
 * @example
 * ```ts
 * import { compilePath, setPath } from "./json_path.ts";
 * const input = { result: { content: [{ text: "a" }] } };
 * const out = setPath(input, compilePath("result.content[0].text"), "b");
 * console.assert(out.result.content[0]!.text === "b" && input.result.content[0]!.text === "a");
 * ```
 */
export function setPath<T>(root: T, path: JsonPath, value: unknown): T {
  return _update(root, path, 0, () => value, false) as T;
}

/**
 * A copy of `root` without the member at `path` (array elements are spliced out); unchanged when absent.
 *
 * @example
 * ```ts
 * import { compilePath, removePath } from "./json_path.ts";
 * console.assert(JSON.stringify(removePath({ a: [1, 2, 3] }, compilePath("a[1]"))) === '{"a":[1,3]}');
 * ```
 */
export function removePath<T>(root: T, path: JsonPath): T {
  return _update(root, path, 0, () => undefined, true) as T;
}

function _update(node: unknown, path: JsonPath, i: number, leaf: () => unknown, remove: boolean): unknown {
  const key = path[i]!;
  const last = i === path.length - 1;
  const isContainer = node !== null && typeof node === "object";
  if (!isContainer) {
    if (remove) return node;
    node = typeof key === "number" ? [] : {};
  }
  if (Array.isArray(node)) {
    if (typeof key !== "number") {
      if (remove) return node;
      return node; // a key on an array: leave it alone (no silent conversion)
    }
    const copy = node.slice();
    if (last) {
      if (remove) {
        if (key < copy.length) copy.splice(key, 1);
      } else copy[key] = leaf();
      return copy;
    }
    if (remove && key >= copy.length) return node;
    copy[key] = _update(copy[key], path, i + 1, leaf, remove);
    return copy;
  }
  const object = node as Record<string, unknown>;
  const name = String(key);
  if (remove && !(name in object)) return node;
  const copy: Record<string, unknown> = { ...object };
  if (last) {
    if (remove) delete copy[name];
    else copy[name] = leaf();
    return copy;
  }
  copy[name] = _update(copy[name], path, i + 1, leaf, remove);
  return copy;
}
