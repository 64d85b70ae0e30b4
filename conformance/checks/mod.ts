/**
 * Every conformance check, in report order (by area).
 *
 * @module
 */
import type { Check } from "../types.ts";
import { ENDPOINT_CHECKS } from "./endpoint.ts";
import { JSONRPC_CHECKS } from "./jsonrpc.ts";
import { BATCH_CHECKS } from "./batch.ts";
import { GET_CHECKS } from "./get.ts";
import { RESUMABILITY_CHECKS } from "./resumability.ts";
import { SESSION_CHECKS } from "./sessions.ts";
import { VERSION_CHECKS } from "./version.ts";
import { LIFECYCLE_CHECKS } from "./lifecycle.ts";
import { SECURITY_CHECKS } from "./security.ts";
import { AUTH_CHECKS } from "./auth.ts";
import { CONTENT_CHECKS } from "./content.ts";
import { LEGACY_CHECKS } from "./legacy.ts";
import { MODERN_ENDPOINT_CHECKS } from "./modern_endpoint.ts";
import { MODERN_STATE_CHECKS } from "./modern_state.ts";
import { MODERN_VERSION_CHECKS } from "./modern_version.ts";
import { MODERN_HEADER_CHECKS } from "./modern_headers.ts";
import { MODERN_COMPAT_CHECKS } from "./modern_compat.ts";

/**
 * All checks: endpoint, jsonrpc (framing, then batching), get, resumability, sessions, version, lifecycle, security, content, legacy;
 * then the 2026-07-28 (modern era) checks and the dual-era checks. Reports order them by area.
 */
export const ALL_CHECKS: readonly Check[] = [
  ...ENDPOINT_CHECKS,
  ...JSONRPC_CHECKS,
  ...BATCH_CHECKS,
  ...GET_CHECKS,
  ...RESUMABILITY_CHECKS,
  ...SESSION_CHECKS,
  ...VERSION_CHECKS,
  ...LIFECYCLE_CHECKS,
  ...SECURITY_CHECKS,
  ...AUTH_CHECKS,
  ...CONTENT_CHECKS,
  ...LEGACY_CHECKS,
  ...MODERN_ENDPOINT_CHECKS,
  ...MODERN_STATE_CHECKS,
  ...MODERN_VERSION_CHECKS,
  ...MODERN_HEADER_CHECKS,
  ...MODERN_COMPAT_CHECKS,
];
