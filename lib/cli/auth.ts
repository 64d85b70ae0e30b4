/**
 * The caller-authentication flags of `mcpwire reverse` (`--api-key-file`, `--auth-issuer`,
 * `--auth-audience`, `--require-scope`, `--forward-client-credentials`, `--audit-log`) and the
 * `mcpwire auth hash-key` command (docs/auth.md).
 *
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";
import type { AppOptions } from "../downstream/app.ts";
import type { ScopesFor } from "../downstream/auth_gate.ts";
import { hashApiKey, parseApiKeyFile } from "../security/api_keys.ts";
import { createTokenVerifier } from "../security/oauth.ts";
import { setAuditSink } from "../security/audit.ts";
import { type ParsedArgs, runSubcommand, UsageError } from "./args.ts";

/** Flag specs, spread into `reverse`'s flags. */
export const AUTH_FLAGS = {
  "api-key-file": { type: "string" },
  "auth-issuer": { type: "string", multiple: true },
  "auth-audience": { type: "string" },
  "require-scope": { type: "string", multiple: true },
  "forward-client-credentials": { type: "boolean" },
  "audit-log": { type: "string" },
} as const;

/** Usage lines of the flags. */
export const AUTH_USAGE =
  `  --api-key-file FILE      require an API key (Authorization: Bearer KEY or X-API-Key: KEY); FILE has
                           one "NAME SHA256HEX" per line (mcpwire auth hash-key KEY prints the hash)
  --auth-issuer URL        accept OAuth bearer JWTs from this issuer (repeatable; keys from its metadata)
  --auth-audience URI      audience tokens must carry (default: this endpoint's URL, e.g. http://host/mcp)
  --require-scope M[:N]=S  a request for method M (tools/call etc., name or URI N) needs scope S
                           (repeatable; space-separate several scopes); lacking it: 403 insufficient_scope
  --forward-client-credentials  pass the client's Authorization / X-API-Key upstream even though mcpwire
                           checked them (token passthrough; off by default)
  --audit-log FILE         append audit lines (JSON) to FILE instead of stderr
`;

/** A parsed `--require-scope`: a method, an optional name (tool, prompt, resource URI) and scopes. */
export interface ScopeRequirement {
  method: string;
  name: string | undefined;
  scopes: string[];
}

/**
 * Parses `METHOD[:NAME]=SCOPE[ SCOPE…]`, e.g. `tools/call:delete_file=files.write`.
 *
 * @throws {UsageError} Without `=` or scopes.
 */
export function parseScopeRequirement(value: string): ScopeRequirement {
  const eq = value.lastIndexOf("=");
  const target = eq === -1 ? "" : value.slice(0, eq).trim();
  const scopes = eq === -1 ? [] : value.slice(eq + 1).split(/\s+/).filter(Boolean);
  if (target === "" || scopes.length === 0) {
    throw new UsageError(`--require-scope must be METHOD[:NAME]=SCOPE (got ${JSON.stringify(value)})`);
  }
  const colon = target.indexOf(":");
  return colon === -1
    ? { method: target, name: undefined, scopes }
    : { method: target.slice(0, colon), name: target.slice(colon + 1), scopes };
}

/**
 * The `auth` option of the proxy from the flags, or `undefined` when no authentication flag is given; also
 * installs the audit sink (stderr, or `--audit-log FILE`).
 *
 * `rules` adds the `requireScopes` of `--rules FILE` to `--require-scope`.
 *
 * @throws {UsageError} For an unreadable or malformed key file, a bad issuer URL, or auth-only flags
 * (`--auth-audience`, `--require-scope`, …) without `--api-key-file` or `--auth-issuer`.
 */
export async function authFromFlags(
  flags: ParsedArgs["flags"],
  rt: Runtime,
  rules?: ScopesFor,
): Promise<AppOptions["auth"]> {
  const auditFile = flags["audit-log"] as string | undefined;
  setAuditSink(
    auditFile === undefined ? (line) => rt.writeStderr(line + "\n") : (line) => {
      void rt.appendTextFile(auditFile, line + "\n").catch(() => {});
    },
  );
  const keyFile = flags["api-key-file"] as string | undefined;
  const issuers = (flags["auth-issuer"] as string[] | undefined) ?? [];
  const requirements = ((flags["require-scope"] as string[] | undefined) ?? []).map(parseScopeRequirement);
  if (keyFile === undefined && issuers.length === 0) {
    const stray = ["auth-audience", "require-scope", "forward-client-credentials"].find((f) => flags[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --api-key-file or --auth-issuer`);
    return undefined;
  }
  for (const issuer of issuers) {
    if (!/^https?:\/\//.test(issuer) || !URL.canParse(issuer)) {
      throw new UsageError(`--auth-issuer must be a URL (got ${issuer})`);
    }
  }
  let apiKeys;
  if (keyFile !== undefined) {
    try {
      apiKeys = parseApiKeyFile(await rt.readTextFile(keyFile));
    } catch (error) {
      throw new UsageError(`--api-key-file ${keyFile}: ${error instanceof Error ? error.message : error}`);
    }
  }
  const scopesSupported = [...new Set(requirements.flatMap((r) => r.scopes))];
  return {
    ...(apiKeys ? { apiKeys } : {}),
    ...(issuers.length ? { issuers, verifyToken: createTokenVerifier({ issuers }) } : {}),
    ...(flags["auth-audience"] !== undefined ? { audience: flags["auth-audience"] as string } : {}),
    forwardCredentials: Boolean(flags["forward-client-credentials"]),
    ...(requirements.length || rules ? { scopesFor: scopesFor(requirements, rules) } : {}),
    ...(scopesSupported.length ? { scopesSupported } : {}),
  };
}

/**
 * The scopes a request needs: the union over every requirement naming its method (and its `params.name`,
 * or `params.uri` for resources, when the requirement gives one) and over `rules` (the `requireScopes` of
 * the rules file in force, read at each call so that reloads apply).
 */
export function scopesFor(requirements: readonly ScopeRequirement[], rules?: ScopesFor): ScopesFor {
  return (message, sessionId) => {
    const { method, params } = message as { method?: string; params?: { name?: unknown; uri?: unknown } };
    const name = params?.name ?? params?.uri;
    const matching = requirements.filter((r) => r.method === method && (r.name === undefined || r.name === name));
    return [...new Set([...matching.flatMap((r) => r.scopes), ...(rules?.(message, sessionId) ?? [])])];
  };
}

/** Usage text of `mcpwire auth`. */
export const AUTH_COMMAND_USAGE = `Usage:
  mcpwire auth hash-key KEY

Print the line to put in an --api-key-file for KEY, named by the NAME you choose:
  echo "ci-bot $(mcpwire auth hash-key "$KEY")" >> keys.txt
The file stores only the SHA-256 of each key (hex), never the key.
`;

/**
 * `mcpwire auth hash-key KEY`: prints the lowercase hex SHA-256 of KEY.
 *
 * @returns 0, or 2 for a usage error.
 */
export async function authCommand(argv: string[], rt: Runtime): Promise<number> {
  const spec = { command: "auth", subcommand: "hash-key", usage: AUTH_COMMAND_USAGE };
  return await runSubcommand(argv, rt, spec, async (args) => {
    if (args.length !== 1 || args[0] === "") throw new UsageError("hash-key takes exactly one KEY");
    await rt.writeStdout((await hashApiKey(args[0]!)) + "\n");
    return 0;
  });
}
