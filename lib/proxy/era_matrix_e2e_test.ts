/**
 * The era matrix (issue "Era bridging", part 4): every client era × every upstream era through
 * `mcpwire reverse` (and `mcpwire forward` for the stdio client), real programs on both ends. Each upstream
 * starts once and serves every client; each cell runs its own mcpwire with a tape. Every applicable check
 * must pass, and a bridged cell's tape must show both hops with each hop's revision.
 * `MCPWIRE_WRITE_MATRIX=1` writes the results table to docs/era-matrix.md; the default run only asserts.
 * `MCPWIRE_MATRIX_KEEP_TAPES=1` keeps the cells' tapes (`<client>__<upstream>.jsonl` in a `mcpwire-matrix-` temp directory)
 * to read the translation with `mcpwire tape show`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodeProcess from "node:process";
import { ROOT, RUNTIME } from "../../testing/e2e.ts";
import { CLIENTS } from "../../testing/matrix/clients.ts";
import { UPSTREAMS } from "../../testing/matrix/upstreams.ts";
import { applicableOk, type CellResult, CHECKS, matrixMarkdown, runCell } from "../../testing/matrix/cells.ts";

const results: CellResult[] = [];
let dir = "";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mcpwire-matrix-"));
});

after(async () => {
  if (nodeProcess.env.MCPWIRE_WRITE_MATRIX === "1" && !only) {
    await writeFile(`${ROOT}docs/era-matrix.md`, matrixMarkdown(results, RUNTIME));
  }
  if (nodeProcess.env.MCPWIRE_MATRIX_KEEP_TAPES !== "1") await rm(dir, { recursive: true, force: true });
});

// MCPWIRE_MATRIX_UPSTREAM=<id> runs one upstream's row of cells (while working on a bridge); the table is
// then not written, since it would be partial.
const only = nodeProcess.env.MCPWIRE_MATRIX_UPSTREAM;

for (const upstreamDef of UPSTREAMS.filter((u) => !only || u.id === only)) {
  describe(`era matrix: ${upstreamDef.label}`, () => {
    let upstream: Awaited<ReturnType<typeof upstreamDef.start>>;
    before(async () => {
      upstream = await upstreamDef.start();
    });
    after(async () => {
      await upstream?.close();
    });

    for (const client of CLIENTS) {
      test(`${client.label} → ${upstreamDef.label}`, { timeout: 150_000 }, async () => {
        const result = await runCell(client, upstreamDef, upstream, dir);
        results.push(result);
        const failed = CHECKS.filter((c) => !applicableOk(result.outcomes[c])).map((c) =>
          `${c}: ${result.outcomes[c]}`
        );
        if (result.tape !== undefined && !applicableOk(result.tape)) failed.push(`tape: ${result.tape}`);
        assert.deepEqual(failed, [], `${result.bridged ? "bridged " : ""}cell failed`);
      });
    }
  });
}
