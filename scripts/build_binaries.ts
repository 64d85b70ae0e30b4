/**
 * Builds the one-file `mcpwire` executables (issue 17 item 5): `bun build --compile` through `Bun.build`
 * with a resolver for the `npm:` specifiers the source uses (Bun's bundler does not read them; the package
 * is taken from `node_modules`, which `npm install` filled), and `deno compile` where Deno can reach its
 * `denort` runtime download (it cannot on an offline machine: the script says so and goes on).
 *
 * Run: `bun scripts/build_binaries.ts [outDir] [--bun-only]` (default `dist/`). Writes `mcpwire-bun` and, when Deno
 * succeeds, `mcpwire-deno`; exits 1 when the Bun build fails.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import nodeProcess from "node:process";

const ROOT = resolve(import.meta.dirname ?? ".", "..");

/** `npm:hono@^4.13.19/cors` → `hono/cors`; `npm:@redis/client@5.12.1` → `@redis/client`. */
export function bareSpecifier(specifier: string): string {
  const match = /^npm:(@[^/@]+\/[^/@]+|[^/@]+)(?:@[^/]*)?(\/.*)?$/.exec(specifier);
  if (!match) throw new Error(`not an npm: specifier: ${specifier}`);
  return match[1]! + (match[2] ?? "");
}

async function buildBun(outFile: string): Promise<boolean> {
  // deno-lint-ignore no-explicit-any
  const bun = (globalThis as any).Bun;
  if (!bun) throw new Error("run this script with bun: bun scripts/build_binaries.ts");
  const result = await bun.build({
    entrypoints: [join(ROOT, "cli.ts")],
    compile: { outfile: outFile },
    minify: false,
    plugins: [{
      name: "npm-specifiers",
      // deno-lint-ignore no-explicit-any
      setup(build: any) {
        build.onResolve({ filter: /^npm:/ }, (args: { path: string }) => ({
          path: bun.resolveSync(bareSpecifier(args.path), ROOT),
        }));
      },
    }],
  });
  for (const log of result.logs ?? []) console.error(String(log));
  return Boolean(result.success);
}

function buildDeno(outFile: string): boolean {
  const deno = join(ROOT, "node_modules", ".bin", "deno");
  const run = spawnSync(deno, ["compile", "-A", "--output", outFile, join(ROOT, "cli.ts")], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (run.status === 0) return true;
  const why = (run.stderr || run.stdout || String(run.error)).trim().split("\n").slice(-3).join("\n");
  console.error(`deno compile did not produce a binary (it downloads denort from Deno's host):\n${why}`);
  return false;
}

if (import.meta.main) {
  const outDir = resolve(nodeProcess.argv.slice(2).find((a) => !a.startsWith("--")) ?? join(ROOT, "dist"));
  mkdirSync(outDir, { recursive: true });
  const bunOk = await buildBun(join(outDir, "mcpwire-bun"));
  console.log(bunOk ? `built ${join(outDir, "mcpwire-bun")}` : "bun build --compile failed");
  if (!nodeProcess.argv.includes("--bun-only")) {
    const denoOk = buildDeno(join(outDir, "mcpwire-deno"));
    if (denoOk) console.log(`built ${join(outDir, "mcpwire-deno")}`);
  }
  nodeProcess.exit(bunOk ? 0 : 1);
}
