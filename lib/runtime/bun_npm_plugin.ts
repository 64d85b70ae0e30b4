/**
 * Bun preload plugin: resolves the `npm:` specifiers that mcpwire's source uses (so that Deno can import
 * it from a URL with no configuration) to the packages installed in `node_modules` by `bun install`.
 *
 * Bun hands the plugin the namespace `npm` with the prefix stripped (`hono@^4.13.19/cors`); the version
 * range is dropped and the bare name resolved from the importer's directory.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
const bun = (globalThis as any).Bun;

/** Strips the version range from `name@range/sub/path` (scoped names keep their leading `@`). */
export function _stripVersion(spec: string): string {
  const scoped = spec.startsWith("@");
  const firstSlash = spec.indexOf("/");
  const nameEnd = scoped ? spec.indexOf("/", firstSlash + 1) : firstSlash;
  const name = nameEnd === -1 ? spec : spec.slice(0, nameEnd);
  const rest = nameEnd === -1 ? "" : spec.slice(nameEnd);
  const at = name.indexOf("@", scoped ? 1 : 0);
  return (at === -1 ? name : name.slice(0, at)) + rest;
}

if (bun) {
  bun.plugin({
    name: "mcpwire-npm-specifiers",
    setup(build: any) {
      build.onResolve({ filter: /.*/, namespace: "npm" }, (args: any) => {
        const bare = _stripVersion(args.path.replace(/^npm:/, ""));
        const dir = args.importer ? args.importer.replace(/[/\\][^/\\]*$/, "") : bun.cwd ?? ".";
        return { path: bun.resolveSync(bare, dir) };
      });
    },
  });
}
