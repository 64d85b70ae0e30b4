/**
 * The path of a request URL without parsing the whole URL (`new URL(request.url)` on every request was a
 * measurable share of the per-call cost, found by bench/profile.mjs).
 *
 * @module
 */

/**
 * The path of an absolute URL as `Request.url` serialises it (scheme, `//`, authority, path, query,
 * fragment): the same string as `new URL(url).pathname`, since a serialised URL's path is already
 * normalised and percent-encoded.
 *
 * @param url An absolute URL with an authority (`http:`/`https:`), e.g. `request.url`.
 * @returns The path, `/` when there is none.
 * @example
 * ```ts
 * import { pathnameOf } from "./url.ts";
 * console.assert(pathnameOf("http://127.0.0.1:8080/mcp?x=1") === "/mcp");
 * ```
 */
export function pathnameOf(url: string): string {
  const authority = url.indexOf("//");
  if (authority === -1) return new URL(url).pathname;
  const start = url.indexOf("/", authority + 2);
  const query = url.indexOf("?", authority + 2);
  const fragment = url.indexOf("#", authority + 2);
  let end = url.length;
  if (query !== -1) end = query;
  if (fragment !== -1 && fragment < end) end = fragment;
  if (start === -1 || start > end) return "/";
  return url.slice(start, end);
}
