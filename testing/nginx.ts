/**
 * A real nginx (Debian's `/usr/sbin/nginx`) as a round-robin balancer for tests, run from
 * `deploy/nginx.conf` with its placeholders substituted (listen port, replica ports, a temp prefix), as a
 * non-root process in a temp directory. `.ci/run` installs nginx when it is missing.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, ROOT, terminate } from "./e2e.ts";

/** The nginx binary the tests run. */
export const NGINX = "/usr/sbin/nginx";

/** A running nginx balancer. */
export interface Balancer {
  /** `http://127.0.0.1:<port>`. */
  url: URL;
  /** Stops nginx (SIGTERM, SIGKILL after 2 s) and removes its temp directory. */
  stop(): Promise<void>;
}

/**
 * Starts nginx balancing over `replicas` (host:port strings) with `deploy/nginx.conf`, and waits (bounded)
 * until it accepts connections.
 *
 * @throws {Error} When nginx exits or does not listen within `timeoutMs`.
 */
export async function startBalancer(replicas: string[], timeoutMs = 10_000): Promise<Balancer> {
  const prefix = await mkdtemp(join(tmpdir(), "mcpwire-nginx-"));
  const port = await freePort();
  const template = await readFile(join(ROOT, "deploy/nginx.conf"), "utf8");
  const conf = template
    .replaceAll("__PREFIX__", prefix)
    .replaceAll("__LISTEN__", `127.0.0.1:${port}`)
    .replaceAll("__UPSTREAMS__", replicas.map((r) => `server ${r} max_fails=1 fail_timeout=2s;`).join("\n    "));
  const file = join(prefix, "nginx.conf");
  await writeFile(file, conf);
  const child = spawn(NGINX, ["-p", prefix, "-c", file, "-e", join(prefix, "error.log"), "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const exited = once(child, "exit");
  const url = new URL(`http://127.0.0.1:${port}`);
  const stop = async () => {
    await terminate(child, exited);
    await rm(prefix, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited: ${stderr}`);
    }
    try {
      await (await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(500) })).body?.cancel();
      return { url, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not listen in time: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
