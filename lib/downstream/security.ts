/**
 * DNS-rebinding defences of the downstream endpoints: `Origin` validation (T-SEC-01/02) and, on a
 * loopback bind, `Host` validation (T-SEC-04).
 *
 * @module
 */
import { HttpError } from "./errors.ts";

/** Options for {@linkcode createSecurityCheck}. */
export interface SecurityOptions {
  /**
   * Origins allowed besides loopback origins and the endpoint's own origin, e.g. `https://app.example`.
   * `"*"` allows every origin. @default []
   */
  allowedOrigins?: string[];
  /**
   * Host names (without port) allowed besides loopback names. Only enforced when `loopbackOnly`.
   * `"*"` turns the Host check off. @default []
   */
  allowedHosts?: string[];
  /** The endpoint is bound to a loopback address, so foreign `Host` values are refused. @default true */
  loopbackOnly?: boolean;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Is `hostname` a loopback name (localhost, 127.0.0.0/8, ::1)? */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(h) || /^127(\.\d{1,3}){3}$/.test(h) || h.endsWith(".localhost");
}

/**
 * Builds the check run before anything else on every request.
 *
 * - `Origin` absent → allowed (non-browser clients, T-SEC-03).
 * - `Origin` present → allowed when it is a loopback origin, the endpoint's own origin, or listed; else
 *   403 (exactly 403 as 2025-11-25 requires, and a valid 4xx for earlier revisions).
 * - On a loopback bind, a `Host` that is not a loopback name (or listed) → 403.
 *
 * @throws {HttpError} `forbidden_origin` or `forbidden_host`.
 */
export function createSecurityCheck(options: SecurityOptions = {}): (request: Request) => void {
  const origins = new Set((options.allowedOrigins ?? []).map((o) => o.replace(/\/$/, "").toLowerCase()));
  const hosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const loopbackOnly = options.loopbackOnly ?? true;
  return (request) => {
    const host = request.headers.get("host");
    const hostname = host ? hostnameOf(host) : new URL(request.url).hostname;
    if (loopbackOnly && !hosts.has("*") && !isLoopbackHost(hostname) && !hosts.has(hostname)) {
      throw new HttpError("forbidden_host", `Forbidden: Host ${hostname} is not allowed`);
    }
    const origin = request.headers.get("origin");
    if (origin === null || origins.has("*")) return;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new HttpError("forbidden_origin", "Forbidden: invalid Origin");
    }
    const normalized = url.origin.toLowerCase();
    if (origins.has(normalized) || isLoopbackHost(url.hostname)) return;
    if (host && url.host.toLowerCase() === host.toLowerCase()) return; // same origin
    throw new HttpError("forbidden_origin", `Forbidden: Origin ${url.origin} is not allowed`);
  };
}

function hostnameOf(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1).toLowerCase();
  return host.split(":")[0]!.toLowerCase();
}
