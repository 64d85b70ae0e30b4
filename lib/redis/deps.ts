/**
 * The Redis client, the one third-party import of `lib/redis/`. It is not in `lib/deps.ts` on purpose: the
 * client opens TCP sockets through `node:net`, and `mod.ts` must reach no runtime code (architecture_test.ts),
 * so only `lib/redis/` and the CLI (lazily) load it.
 *
 * @module
 */
export { createClient } from "npm:@redis/client@5.12.1";
