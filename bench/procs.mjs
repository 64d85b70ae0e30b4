/**
 * Child processes of the harness: every child is started in its own process group and recorded, and
 * `killAll()` (also run on exit, on SIGINT/SIGTERM and on a crash) ends every group it started.
 * Plus readers for a process's resident memory and CPU time (Linux /proc), and readiness waits.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";

const children = new Set();

/**
 * Starts `command args` in its own process group, with `ulimit -n` raised to the hard limit unless
 * `options.raiseFileLimit` is false (mcpwire targets: they run with what a user's shell gives them).
 * @returns {{pid:number, child:import("node:child_process").ChildProcess, output:()=>string, exited:Promise<number|null>, stop:()=>Promise<void>}}
 */
export function start(name, command, args, options = {}) {
  // Load clients, upstreams and peers: raise the soft limit on open files to the hard limit (raising the
  // hard one needs privileges).
  const raise = options.raiseFileLimit ?? true;
  const script = raise ? `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"` : `exec "$@"`;
  const child = spawn("sh", ["-c", script, "sh", command, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (d) => {
    output += String(d);
    if (output.length > 20_000) output = output.slice(-10_000);
  };
  if (!options.keepStdout) child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  const entry = {
    name,
    pid: child.pid,
    child,
    output: () => output,
    exited,
    async stop() {
      children.delete(entry);
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child.pid, "SIGTERM");
      const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), 2_000);
      await exited;
      clearTimeout(timer);
      killGroup(child.pid, "SIGKILL"); // grandchildren that ignored SIGTERM
    },
  };
  children.add(entry);
  return entry;
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Ends every child process group still running (synchronously, for exit handlers). */
export function killAll() {
  for (const entry of children) killGroup(entry.pid, "SIGKILL");
  children.clear();
}

process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Waits until 127.0.0.1:port accepts TCP connections (bounded); throws with the child's output otherwise. */
export async function waitForPort(port, entry, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (entry && entry.child.exitCode !== null) throw new Error(`${entry.name} exited early: ${entry.output().slice(-800)}`);
    const ok = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${entry?.name ?? "port"} did not listen on ${port} in ${timeoutMs} ms: ${entry?.output().slice(-800) ?? ""}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process in MB (VmRSS), or null. */
/**
 * The process that actually serves for `pid`: `bun cli.ts` relaunches itself once with its fetch cap raised
 * (lib/runtime/relaunch.ts), so the listening process is the child of the one the harness started. Returns
 * the only child when there is exactly one, else `pid`.
 */
export function servingPid(pid) {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    return children.length === 1 ? Number(children[0]) : pid;
  } catch {
    return pid;
  }
}

export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** User + system CPU time of a process in ms (its own threads; not children), or null. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11] = utime, fields[12] = stime (in clock ticks; 100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Samples the RSS of `pid` every `everyMs` until `stop()`; returns {stop: () => {peak, samples}}. */
export function sampleRss(pid, everyMs = 25) {
  let peak = rssMb(pid) ?? 0;
  let samples = 1;
  const timer = setInterval(() => {
    const v = rssMb(pid);
    if (v !== null) {
      peak = Math.max(peak, v);
      samples++;
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { peak, samples };
    },
  };
}

/** Output of a shell command, or null when it fails. */
export function sh(command) {
  const r = spawnSync("sh", ["-c", command], { encoding: "utf8", timeout: 300_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Runs a node/bun script to completion and parses the last JSON line it prints (bounded by timeoutMs). */
export async function runJson(name, command, args, timeoutMs, options = {}) {
  const entry = start(name, command, args, { ...options, keepStdout: true });
  let stdout = "";
  entry.child.stdout.on("data", (d) => (stdout += String(d)));
  const timer = setTimeout(() => void entry.stop(), timeoutMs);
  const code = await entry.exited;
  clearTimeout(timer);
  await entry.stop();
  const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) throw new Error(`${name} printed no result (exit ${code}): ${entry.output().slice(-800)}`);
  return JSON.parse(line);
}

/** The value after `name` on this script's command line (`--seconds 5` → "5"), else `fallback`. */
export function flagValue(name, fallback) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
}

/**
 * Runs a bench client (`node bench/<script> '<config JSON>'`) to completion, killed after `timeoutMs`, and
 * resolves with the last line it printed (its JSON summary); rejects when it exits with an error.
 */
export function runClient(script, config, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), JSON.stringify(config)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      code === 0 ? resolve(out.trim().split("\n").at(-1)) : reject(new Error(`${script} exited ${code}`));
    });
  });
}
