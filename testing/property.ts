/**
 * Property-test runs (fast-check, docs/security.md): every property runs once with a fixed seed (the same
 * inputs on every machine) and once with a fresh random seed; a failure names the seed and path that
 * reproduce it (`fc.assert` puts them in the error). Found failures become regular tests.
 *
 * @module
 */
import { fc } from "./deps.ts";

/** The fixed seed every property runs with first. */
export const FIXED_SEED = 20_261_202;

/**
 * Checks `property` with the fixed seed, then with a random one (printed if it fails).
 *
 * @param property A fast-check property.
 * @param numRuns Inputs per seed. @default 300
 * @throws {Error} The fast-check failure, with `seed` and `path`.
 */
// deno-lint-ignore no-explicit-any
export async function checkProperty(property: any, numRuns = 300): Promise<void> {
  const random = Math.floor(Math.random() * 2 ** 31);
  for (const seed of [FIXED_SEED, random]) {
    try {
      await fc.assert(property, { seed, numRuns, interruptAfterTimeLimit: 4_000 });
    } catch (error) {
      throw new Error(`property failed with seed ${seed} (${seed === FIXED_SEED ? "fixed" : "random"}): ${error}`);
    }
  }
}

/** Strings that look a bit like JSON: fragments of real syntax, random text and deep nesting. */
export const jsonish = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.json({ maxDepth: 3 }).map((s: string) => s.slice(0, Math.max(0, s.length - 1))),
  fc.array(fc.constantFrom("{", "}", "[", "]", '"', ":", ",", "null", "1", '"jsonrpc"', '"2.0"', '"id"', '"method"'), {
    maxLength: 60,
  }).map((parts: string[]) => parts.join("")),
  fc.nat({ max: 5_000 }).map((n: number) => "[".repeat(n)),
);
