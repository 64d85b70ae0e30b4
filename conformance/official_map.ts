/**
 * How the official MCP conformance suite (`@modelcontextprotocol/conformance`) and this suite judge the same
 * behaviour: which official server checks correspond to which of our rule IDs, which official scenarios are
 * not about the transport (and so are not compared), and every known disagreement with the spec text that
 * decides it. Pure data; `conformance/agreement_test.ts` runs both suites and compares through it, and
 * `docs/conformance.md` (*Agreement with the official suite*) prints it.
 *
 * @module
 */
import type { SuiteRevision } from "./types.ts";

/** The two official releases: 0.1.16 judges the 2025 revisions, the 0.2.0-alpha line adds 2026-07-28. */
export type OfficialSuite = "0.1" | "0.2";

/** One official scenario run: which release, which scenario, at which `--spec-version`. */
export interface OfficialScenario {
  suite: OfficialSuite;
  scenario: string;
  specVersion: SuiteRevision;
}

/** One row of the mapping: an official check id and the rule IDs of ours that judge the same behaviour. */
export interface OfficialMapping {
  /** The official check id (the `id` field of its `checks.json`). */
  check: string;
  /** The scenario that emits it. */
  scenario: string;
  /**
   * Our rule ID. Verdicts are compared per rule: the official verdict of a rule is the worst of the official
   * checks mapped to it (in one release, at one revision), ours is the worst result of its checks there.
   */
  rule: string;
  /** Why they judge the same thing, with the spec section. */
  reason: string;
}

/**
 * The official server scenarios that test the transport, per release and revision. Each one runs against
 * every target of its era (the fault-knob targets run the ones their knob concerns).
 */
export const OFFICIAL_SCENARIOS: readonly OfficialScenario[] = [
  { suite: "0.1", scenario: "server-initialize", specVersion: "2025-11-25" },
  { suite: "0.1", scenario: "dns-rebinding-protection", specVersion: "2025-11-25" },
  { suite: "0.1", scenario: "server-sse-polling", specVersion: "2025-11-25" },
  { suite: "0.1", scenario: "server-sse-multiple-streams", specVersion: "2025-11-25" },
  { suite: "0.1", scenario: "server-initialize", specVersion: "2025-06-18" },
  { suite: "0.2", scenario: "server-initialize", specVersion: "2025-11-25" },
  { suite: "0.2", scenario: "server-session-lifecycle", specVersion: "2025-11-25" },
  { suite: "0.2", scenario: "server-session-lifecycle", specVersion: "2025-03-26" },
  { suite: "0.2", scenario: "dns-rebinding-protection", specVersion: "2025-11-25" },
  { suite: "0.2", scenario: "server-sse-polling", specVersion: "2025-11-25" },
  { suite: "0.2", scenario: "server-sse-multiple-streams", specVersion: "2025-11-25" },
  { suite: "0.2", scenario: "server-stateless", specVersion: "2026-07-28" },
  { suite: "0.2", scenario: "dns-rebinding-protection", specVersion: "2026-07-28" },
  { suite: "0.2", scenario: "http-header-validation", specVersion: "2026-07-28" },
  { suite: "0.2", scenario: "http-custom-header-server-validation", specVersion: "2026-07-28" },
];

/**
 * Official server scenarios that are not run, by name, and why: they test server features (tools, resources,
 * prompts, logging, completion, tasks, MRTR flows) through the suite's own diagnostic tools, not the transport.
 */
export const SKIPPED_SCENARIOS: Readonly<Record<string, string>> = {
  "ping": "a JSON-RPC utility method (basic/utilities/ping), not a transport rule",
  "logging-set-level": "a server feature (server/utilities/logging)",
  "completion-complete": "a server feature (server/utilities/completion)",
  "tools-list": "a server feature (server/tools); the result schema, not the transport",
  "tools-call-*": "server features that need the official suite's own test tools (add_numbers, test_*)",
  "json-schema-2020-12": "tool schema dialect (server/tools), not the transport",
  "elicitation-sep1034-defaults": "a client feature driven through a test tool",
  "elicitation-sep1330-enums": "a client feature driven through a test tool",
  "resources-*": "server features (server/resources)",
  "sep-2164-resource-not-found": "a server feature (server/resources)",
  "prompts-*": "server features (server/prompts)",
  "caching": "2026-07-28 result caching hints (ttlMs, cacheScope), not the transport",
  "tasks-*": "an extension (tasks), not the transport",
  "sep-2640-skills-*": "an extension (skills), not the transport",
  "input-required-result-*": "MRTR rounds through the official suite's own test tools (basic/utilities/mrtr)",
  "server-sse-multiple-streams@2026-07-28": "our T-MULTI-02 has no 2026-07-28 variant yet (see Rules not checked)",
};

/**
 * Official check ids that are emitted by the scenarios above but have no rule of ours: what they judge lies
 * outside the transport rules, or they only record (INFO). They are never compared.
 */
export const UNMAPPED_CHECKS: Readonly<Record<string, string>> = {
  "wire-schema-valid": "result schemas (schema.ts), e.g. 2026-07-28 ListToolsResult.ttlMs; not a transport rule",
  "server-sse-streams-functional": "INFO only",
  "server-sse-test-reconnection-tool":
    "the official test tool test_reconnection is missing; says nothing of the server",
  "server-sse-polling-session": "a note that the server issued no session id (sessions are optional)",
  "server-sse-content-type": "INFO: the server answered JSON, so the polling checks do not apply",
  "sep-2575-server-identifies-in-result-meta": "serverInfo in result _meta (basic/index §_meta), not a transport rule",
  "sep-2575-server-declares-prompts-in-discover": "the capabilities a server declares (a feature question)",
  "sep-2575-discover-capabilities-match-handlers": "declared capabilities vs handlers (a feature question)",
  "sep-2575-server-no-log-without-loglevel":
    "logging (server/utilities/logging), through the test tool test_logging_tool",
  "sep-2575-server-sends-subscription-ack": "subscriptions/listen features (basic/utilities/subscriptions)",
  "sep-2575-server-tags-subscription-id": "subscriptions/listen features (basic/utilities/subscriptions)",
  "sep-2575-server-honors-notification-filter": "subscriptions/listen features (basic/utilities/subscriptions)",
  "sep-2575-server-sends-prompts-list-changed-on-subscription": "list_changed delivery (a feature), SHOULD",
  "sep-2575-server-sends-tools-list-changed-on-subscription": "list_changed delivery (a feature), SHOULD",
  "incoming-sse-event": "the answer to the official test tool test_reconnection (an error when the server lacks it)",
  "server-sse-multiple-streams-session": "a note that the server issued no session id (sessions are optional)",
  "sep-2243-server-no-xmcp-tool": "the server has no x-mcp-header tool: nothing to test",
  "sep-2243-server-no-string-param": "the server has no string x-mcp-header parameter: nothing to test",
};

const SH = "basic/transports/streamable-http";

/** The mapping table: official check id → our rule IDs, with the reason and spec section. */
export const OFFICIAL_MAP: readonly OfficialMapping[] = [
  {
    check: "server-initialize",
    scenario: "server-initialize",
    rule: "T-LIFE-01",
    reason: "initialize is answered with a supported protocolVersion (basic/lifecycle §Initialization)",
  },
  {
    check: "server-session-id-visible-ascii",
    scenario: "server-initialize",
    rule: "T-SESS-02",
    reason: "the session id holds only visible ASCII 0x21–0x7E (basic/transports §Session Management)",
  },
  {
    check: "server-session-initialized-accepted",
    scenario: "server-session-lifecycle",
    rule: "T-POST-03",
    reason: "notifications/initialized on the issued session is accepted (§Sending Messages to the Server)",
  },
  {
    check: "server-session-delete-accepted",
    scenario: "server-session-lifecycle",
    rule: "T-SESS-08",
    reason: "DELETE with the session id ends the session or is refused with 405 (§Session Management)",
  },
  {
    check: "server-session-terminated-returns-404",
    scenario: "server-session-lifecycle",
    rule: "T-SESS-06",
    reason: "a terminated session id gets 404 (§Session Management)",
  },
  {
    check: "localhost-host-rebinding-rejected",
    scenario: "dns-rebinding-protection",
    rule: "T-SEC-04",
    reason: "a loopback server refuses a foreign Host (security best practices §Local MCP server compromise)",
  },
  {
    check: "localhost-host-valid-accepted",
    scenario: "dns-rebinding-protection",
    rule: "T-SEC-04",
    reason: "a loopback server serves loopback Host values (same section)",
  },
  {
    check: "server-sse-priming-event",
    scenario: "server-sse-polling",
    rule: "T-RES-04",
    reason: "a 2025-11-25 POST SSE stream starts with a priming event: an id and empty data (§Sending Messages)",
  },
  {
    check: "server-sse-retry-field",
    scenario: "server-sse-polling",
    rule: "T-RES-04",
    reason: "the server sends retry before it closes a stream early (2025-11-25 §Sending Messages, SEP-1699)",
  },
  {
    check: "server-sse-disconnect-resume",
    scenario: "server-sse-polling",
    rule: "T-RES-05",
    reason: "a POST-originated stream is resumed with GET + Last-Event-ID (§Resumability and Redelivery)",
  },
  {
    check: "server-accepts-multiple-post-streams",
    scenario: "server-sse-multiple-streams",
    rule: "T-MULTI-02",
    reason: "several concurrent POST SSE streams are served (§Multiple Connections)",
  },
  ...[
    "sep-2575-request-meta-invalid-missing-meta",
    "sep-2575-request-meta-invalid-missing-protocol-version",
    "sep-2575-request-meta-invalid-missing-client-capabilities",
    "sep-2575-http-server-meta-invalid-400",
    "sep-2575-request-meta-client-info-optional",
  ].map((check) => ({
    check,
    scenario: "server-stateless",
    rule: "T-PV-12",
    reason:
      "_meta without protocolVersion or clientCapabilities gets 400; without clientInfo it is served (basic/index §_meta)",
  })),
  {
    check: "sep-2575-server-implements-discover",
    scenario: "server-stateless",
    rule: "T-PV-14",
    reason: "server/discover lists supportedVersions and capabilities (basic/versioning §Discovery)",
  },
  ...["sep-2575-server-unsupported-version-error", "sep-2575-http-server-unsupported-version-400"].map((check) => ({
    check,
    scenario: "server-stateless",
    rule: "T-PV-07",
    reason: `an unsupported version gets 400 and UnsupportedProtocolVersionError (${SH} §Protocol Version Header)`,
  })),
  {
    check: "sep-2575-http-server-header-mismatch-400",
    scenario: "server-stateless",
    rule: "T-PV-06",
    reason: `MCP-Protocol-Version ≠ _meta version gets 400 and HeaderMismatch (${SH} §Protocol Version Header)`,
  },
  ...["sep-2575-server-rejects-undeclared-capability", "sep-2575-missing-capability-http-400"].map((check) => ({
    check,
    scenario: "server-stateless",
    rule: "T-PV-13",
    reason: "a request that needs an undeclared client capability gets 400 and -32021 (basic/index §_meta)",
  })),
  ...[
    "sep-2575-http-server-method-not-found-404",
    "sep-2575-http-server-method-not-found-404-initialize",
    "sep-2575-http-server-method-not-found-404-ping",
    "sep-2575-http-server-method-not-found-404-logging-setlevel",
    "sep-2575-http-server-method-not-found-404-resources-subscribe",
    "sep-2575-http-server-method-not-found-404-resources-unsubscribe",
  ].map((check) => ({
    check,
    scenario: "server-stateless",
    rule: "T-RPC-05",
    reason: `an unknown or removed method gets HTTP 404 with -32601 (${SH} §Protocol Version Header)`,
  })),
  {
    check: "sep-2575-http-server-no-independent-requests-on-stream",
    scenario: "server-stateless",
    rule: "T-POST-12",
    reason: `a response stream carries no server requests (${SH} §Receiving Messages)`,
  },
  {
    check: "sep-2575-http-server-error-jsonrpc-id",
    scenario: "server-stateless",
    rule: "T-RPC-06",
    reason: "an error response echoes the request's id (JSON-RPC 2.0 §5)",
  },
  ...[
    "sep-2243-server-reject-invalid-headers",
    "sep-2243-server-reject-error-code",
    "sep-2243-header-name-case-insensitive",
    "sep-2243-server-accepts-whitespace-header-value",
  ].map((check) => ({
    check,
    scenario: "http-header-validation",
    rule: "T-PV-09",
    reason:
      `missing or mismatched MCP-Protocol-Version, Mcp-Method, Mcp-Name get 400 and -32020 (${SH} §Server Validation)`,
  })),
  {
    check: "sep-2243-server-decode-base64",
    scenario: "http-custom-header-server-validation",
    rule: "T-PV-10",
    reason: `=?base64?…?= values are decoded before they are compared (${SH} §Value Encoding)`,
  },
  ...[
    "sep-2243-server-validate-param-match",
    "sep-2243-server-reject-param-mismatch",
    "sep-2243-server-reject-invalid-param-chars",
  ].map((check) => ({
    check,
    scenario: "http-custom-header-server-validation",
    rule: "T-PV-11",
    reason: `Mcp-Param-* must match the argument, and one that is not valid (e.g. Base64 without its padding) is ` +
      `refused: 400 and -32020 (${SH} §Server Behavior for Custom Headers, §Value Encoding)`,
  })),
];

/** A disagreement that is understood: the two suites judge differently, and the spec text says who is right. */
export interface KnownDisagreement {
  /** The official check id. */
  check: string;
  /** The targets it applies to (names as in the agreement test), or `"*"` for any target. */
  targets: readonly string[] | "*";
  /** Only for this official release. @default both */
  suite?: OfficialSuite;
  /** What the official suite says, what ours says. */
  official: "pass" | "problem";
  ours: "pass" | "problem";
  /** Who is right and why. */
  reason: string;
  /** The spec text that decides it. */
  specText: string;
}

/** Every known disagreement. Any other disagreement fails `conformance/agreement_test.ts`. */
export const KNOWN_DISAGREEMENTS: readonly KnownDisagreement[] = [
  {
    check: "localhost-host-rebinding-rejected",
    targets: ["2025 reference, knob noHostCheck"],
    official: "pass",
    ours: "problem",
    reason:
      "The official probe sends a foreign Host and a foreign Origin together, so a server that checks only Origin " +
      "refuses it; T-SEC-04 sends the Host alone (T-SEC-01 tests Origin alone). Ours is the stricter reading.",
    specText:
      "security best practices §Local MCP server compromise: local servers SHOULD defend against DNS rebinding; " +
      "the DNS-rebinding request carries the attacker's Host whether or not a browser adds Origin.",
  },
  {
    check: "server-session-initialized-accepted",
    targets: ["2025 reference, knob notification200"],
    official: "pass",
    ours: "problem",
    reason: "The official check accepts any 2xx for notifications/initialized; T-POST-03 requires exactly 202.",
    specText:
      'basic/transports §Sending Messages to the Server: "If the server accepts the input, the server MUST return ' +
      'HTTP status code 202 Accepted with no body."',
  },
  {
    check: "server-sse-disconnect-resume",
    targets: "*",
    official: "problem",
    ours: "pass",
    reason:
      "The official check calls its own test tool test_reconnection; a server without it answers that call with an " +
      "error (or at once, with no stream to resume), which the check reports as a WARNING. T-RES-05 resumes a call " +
      "of a tool the server has.",
    specText:
      "basic/transports §Resumability and Redelivery names no tool: a server MAY make streams resumable, and the " +
      "rule is about Last-Event-ID replay, not about a particular tool.",
  },
  {
    check: "server-sse-retry-field",
    targets: "*",
    official: "problem",
    ours: "pass",
    reason:
      "The official check warns when a POST SSE stream carries no retry field at all; T-RES-04 asks for retry only " +
      "before a server closes a stream early (polling), and the server did not.",
    specText:
      '2025-11-25 basic/transports §Sending Messages to the Server: "If the server does close the connection prior ' +
      "to terminating the SSE stream, it SHOULD send an SSE event with a standard retry field before closing the " +
      'connection."',
  },
  {
    check: "server-sse-priming-event",
    targets: "*",
    suite: "0.1",
    official: "problem",
    ours: "pass",
    reason: "0.1.16 sends its polling probe with MCP-Protocol-Version: 2025-03-26 inside a 2025-11-25 session, so a " +
      "server that primes only 2025-11-25 streams (server-everything, through the TypeScript SDK) rightly sends no " +
      "priming event; 0.2.0-alpha.12 sends 2025-11-25 and sees it, as T-RES-04 does.",
    specText:
      "2025-11-25 basic/transports §Protocol Version Header: the client MUST send the negotiated version; priming " +
      'events are a 2025-11-25 behaviour ("The server SHOULD immediately send an SSE event consisting of an event ' +
      'ID and an empty data field").',
  },
  {
    check: "server-accepts-multiple-post-streams",
    targets: ["2025 reference, knob singleStreamOnly"],
    official: "pass",
    ours: "problem",
    reason:
      "The official probe sends three tools/list requests that are answered at once, so no two streams are ever " +
      "open together; T-MULTI-02 holds several SSE response streams open at once (a slow tool) and gets 409.",
    specText: 'basic/transports §Multiple Connections: "The client MAY remain connected to multiple SSE streams ' +
      'simultaneously."',
  },
  {
    check: "sep-2575-server-unsupported-version-error",
    targets: ["2026-07-28 reference, knob discoverNoVersions"],
    official: "problem",
    ours: "pass",
    reason:
      "The official check compares the -32022 data.supported list with server/discover's supportedVersions; the " +
      "knob removes the latter, which both suites report under server/discover (T-PV-14 here). The -32022 answer " +
      "itself is right, so T-PV-07 passes.",
    specText:
      "basic/versioning: an unsupported version gets UnsupportedProtocolVersionError whose data.supported lists " +
      "the server's versions; the rule about server/discover's own fields is a separate one (T-PV-14).",
  },
  {
    check: "sep-2575-http-server-error-jsonrpc-id",
    targets: ["2026-07-28 reference, knob errorIdWrong"],
    official: "pass",
    ours: "problem",
    reason: "The knob gives a wrong id only to HeaderMismatch (-32020) errors; the official check looks at the id of " +
      "another error, T-RPC-06 at the -32020 one too.",
    specText: 'JSON-RPC 2.0 §5 Response object: "id … It MUST be the same as the value of the id member in the ' +
      'Request Object." — for every error answer to a readable request.',
  },
  ...[
    "sep-2575-server-rejects-undeclared-capability",
    "sep-2575-missing-capability-http-400",
    "sep-2575-http-server-no-independent-requests-on-stream",
  ].map((check): KnownDisagreement => ({
    check,
    targets: "*",
    official: "problem",
    ours: "pass",
    reason: 'The official check reports FAILURE "Not testable" when the server lacks its diagnostic tool ' +
      "(test_missing_capability, test_streaming_elicitation); ours exercises the rule with a tool the server has.",
    specText: "basic/index §_meta requires the -32021 MissingRequiredClientCapability answer, and streamable-http " +
      "§Receiving Messages forbids server requests on a response stream; neither names a tool, so a missing test " +
      "tool makes the check not applicable, not a violation.",
  })),
];

/**
 * The known disagreement for an official check on a target, if any.
 *
 * @example
 * ```ts
 * knownDisagreement("server-sse-disconnect-resume", "server-everything", "0.2")?.official; // "problem"
 * ```
 */
export function knownDisagreement(
  check: string,
  target: string,
  suite?: OfficialSuite,
): KnownDisagreement | undefined {
  return KNOWN_DISAGREEMENTS.find((k) =>
    k.check === check && (k.targets === "*" || k.targets.includes(target)) && (!k.suite || k.suite === suite)
  );
}
