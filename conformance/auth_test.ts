/**
 * T-SEC-06 (conformance/checks/auth.ts): the challenge parser, the reference server requiring a token
 * passing the check, and the suite run against `mcpwire reverse --auth-issuer` (the CLI as the README runs
 * it, a real local issuer, server-everything upstream).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseChallenge } from "./checks/auth.ts";
import { runConformance } from "./runner.ts";
import { FAST, runAgainstReference } from "../testing/conformance.ts";
import { type HttpChild, RUNTIME, startEverything } from "../testing/e2e.ts";
import { type CliProxy, startReverseCli } from "../testing/cli_proxy.ts";
import { startIssuer, type TestIssuer } from "../testing/issuer.ts";

describe("parseChallenge", () => {
  it("reads the scheme and quoted or bare parameters", () => {
    const c = parseChallenge('Bearer resource_metadata="https://a.test/x", scope="a b", error=invalid_token');
    assert.deepEqual(c, {
      scheme: "Bearer",
      params: { resource_metadata: "https://a.test/x", scope: "a b", error: "invalid_token" },
    });
    assert.deepEqual(parseChallenge("Bearer"), { scheme: "Bearer", params: {} });
  });

  it("refuses unterminated quotes and junk between parameters", () => {
    assert.equal(parseChallenge('Bearer resource_metadata="https://a.test/x'), undefined);
    assert.equal(parseChallenge('Bearer a="1" b="2"'), undefined);
    assert.equal(parseChallenge(""), undefined);
  });
});

describe("T-SEC-06 against the reference server requiring a token", () => {
  it("passes with the token configured", async () => {
    const report = await runAgainstReference({ auth: "secret" }, {
      ...FAST,
      specVersions: ["2025-11-25"],
      only: ["T-SEC-06"],
      headers: { authorization: "Bearer secret" },
    });
    const own = report.results.find((r) => r.id === "T-SEC-06");
    assert.equal(own?.status, "pass", String(own?.message));
  });

  it("with a low-scope token, also checks the 403 insufficient_scope answer", async () => {
    const report = await runAgainstReference({ auth: "secret" }, {
      ...FAST,
      specVersions: ["2025-11-25"],
      only: ["T-SEC-06"],
      headers: { authorization: "Bearer secret" },
      lowScopeToken: "secret:low",
    });
    const own = report.results.find((r) => r.id === "T-SEC-06");
    assert.equal(own?.status, "pass", String(own?.message));
    assert.match(String(own?.message), /403 insufficient_scope \(scope="tools\.read"\) at tools\/list/);
  });
});

describe(`T-SEC-06 against mcpwire reverse --auth-issuer on ${RUNTIME}`, () => {
  let everything: HttpChild;
  let issuer: TestIssuer;
  let proxy: CliProxy;

  before(async () => {
    [everything, issuer] = await Promise.all([startEverything("streamableHttp"), startIssuer()]);
    proxy = await startReverseCli([
      "--upstream",
      new URL("/mcp", everything.url).href,
      "--auth-issuer",
      issuer.issuer,
      "--require-scope",
      "tools/list=tools.read",
    ]);
  });

  after(async () => {
    await proxy?.stop();
    await issuer?.close();
    await everything?.close();
  });

  it("passes T-SEC-06 and T-SEC-07 with a valid token", { timeout: 60_000 }, async () => {
    const token = await issuer.sign({ sub: "conformance", aud: proxy.endpoint.href, scope: "tools.read" });
    const low = await issuer.sign({ sub: "conformance-low", aud: proxy.endpoint.href });
    const report = await runConformance(proxy.endpoint.href, {
      ...FAST,
      specVersions: ["2025-11-25"],
      only: ["T-SEC"],
      headers: { authorization: `Bearer ${token}` },
      lowScopeToken: low,
    });
    assert.match(String(report.results.find((r) => r.id === "T-SEC-06")?.message), /403 insufficient_scope/);
    for (const id of ["T-SEC-06", "T-SEC-07"]) {
      const result = report.results.find((r) => r.id === id);
      assert.equal(result?.status, "pass", `${id}: ${result?.message}`);
    }
    assert.deepEqual(report.results.filter((r) => r.status === "fail").map((r) => r.id), []);
  });
});
