/**
 * Which revisions the server speaks: initialize with each modern revision (supported when the server answers
 * with that same version), look for a legacy 2024-11-05 endpoint event, and recognise a stateless 2026-07-28
 * server (`server/discover`), which this suite does not check yet.
 *
 * @module
 */
import { Context, type Environment, initializeRequest } from "./context.ts";
import type { ConformanceOptions, Detection, SuiteRevision } from "./types.ts";
import { MODERN_REVISIONS, SUITE_REVISIONS } from "./types.ts";
import { askModern, MODERN_VERSION, summary } from "./modern.ts";

/**
 * The revisions to check: those requested with `specVersions` (each still probed, for the note), else every
 * modern revision probed, plus the legacy endpoint when `legacySseUrl` is given or no modern revision answered.
 *
 * @returns One detection per revision, the legacy one first. Never throws: failures become notes.
 * @example
 * ```ts ignore
 * const supported = (await detect(env, options)).filter((d) => d.supported).map((d) => d.revision);
 * ```
 */
export async function detect(env: Environment, options: ConformanceOptions): Promise<Detection[]> {
  const out: Detection[] = [];
  const requested = options.specVersions;
  if (requested && requested.length > 0) {
    for (const revision of SUITE_REVISIONS) {
      if (!requested.includes(revision)) continue;
      if (revision === "2024-11-05") {
        out.push({
          revision,
          supported: true,
          note: "requested with --spec-version",
          url: options.legacySseUrl ?? env.url,
        });
        continue;
      }
      const probe = revision === MODERN_VERSION ? await detectModern(env) : await probeRevision(env, revision);
      out.push({ revision, supported: true, note: `requested with --spec-version; ${probe.note}` });
    }
    return out;
  }
  // The era probe first (2026-07-28 basic/transports §Backward Compatibility), then initialize per revision.
  out.push(await detectModern(env));
  for (const revision of MODERN_REVISIONS) out.push(await probeRevision(env, revision));
  const modern = out.some((d) => d.supported);
  if (options.legacySseUrl || !modern) {
    const legacyUrl = options.legacySseUrl ?? env.url;
    out.unshift(await detectLegacy(env, legacyUrl, options.legacySseUrl !== undefined));
  }
  return out;
}

/** Initializes with `revision`; supported when the server answers with that same version. */
async function probeRevision(env: Environment, revision: SuiteRevision): Promise<Detection> {
  const ctx = new Context(env, revision);
  try {
    const id = ctx.nextId("detect");
    const reply = await ctx.post(initializeRequest(id, revision));
    const read = await reply.readResponse(id);
    const result = read.matched?.result as Record<string, unknown> | undefined;
    const version = result?.protocolVersion;
    const session = reply.headers.get("mcp-session-id");
    if (session) {
      await ctx.request("DELETE", { headers: { "mcp-session-id": session } }).then((r) => r.close(), () => {});
    }
    return {
      revision,
      supported: version === revision,
      note: result
        ? `initialize(${revision}) answered protocolVersion ${String(version)}`
        : `initialize(${revision}) answered HTTP ${reply.status} without an InitializeResult`,
    };
  } catch (error) {
    return {
      revision,
      supported: false,
      note: `initialize(${revision}) failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    await ctx.dispose();
  }
}

/** GETs `url` for a legacy endpoint event; supported when one comes, or when the URL was `given` anyway. */
async function detectLegacy(env: Environment, url: string, given: boolean): Promise<Detection> {
  const ctx = new Context(env, "2024-11-05");
  try {
    const reply = await ctx.request("GET", { url, headers: { accept: "text/event-stream" } });
    if (reply.isSse) {
      const first = await reply.nextEvent(env.timeoutMs);
      if (typeof first === "object" && first.type === "event" && first.event === "endpoint") {
        return { revision: "2024-11-05", supported: true, note: `GET ${url} sent an endpoint event`, url };
      }
    }
    return {
      revision: "2024-11-05",
      supported: given,
      note: `GET ${url} answered HTTP ${reply.status} ${reply.mediaType} without an endpoint event`,
      url,
    };
  } catch (error) {
    return {
      revision: "2024-11-05",
      supported: given,
      note: `GET ${url} failed: ${error instanceof Error ? error.message : String(error)}`,
      url,
    };
  } finally {
    await ctx.dispose();
  }
}

/**
 * Detects the modern era: POSTs a modern `server/discover` (the spec's era probe). Supported when it answers
 * with a `DiscoverResult` listing 2026-07-28; a 2025-only server answers with a 4xx (T-BC-03) and is not.
 *
 * @param env the run's environment
 * @returns the detection row for 2026-07-28 (never throws)
 */
export async function detectModern(env: Environment): Promise<Detection> {
  const ctx = new Context(env, MODERN_VERSION);
  try {
    const answer = await askModern(ctx, "server/discover");
    const versions = answer.result?.supportedVersions;
    const listed = Array.isArray(versions) ? versions.join(", ") : undefined;
    const supported = Array.isArray(versions) && versions.includes(MODERN_VERSION);
    return {
      revision: MODERN_VERSION,
      supported,
      note: listed !== undefined
        ? `server/discover answered supportedVersions ${listed}`
        : `server/discover answered ${summary(answer)}: not a ${MODERN_VERSION} server`,
    };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { revision: MODERN_VERSION, supported: false, note: `server/discover failed: ${text}` };
  } finally {
    await ctx.dispose();
  }
}
