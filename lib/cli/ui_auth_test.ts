import { test } from "node:test";
import assert from "node:assert/strict";
import { uiAuthorize } from "./ui.ts";
import { hashApiKey, parseApiKeyFile } from "../security/api_keys.ts";
import { setAuditSink } from "../security/audit.ts";

test("the traffic view asks for the proxy's credentials: 401 with a Bearer challenge without them", async () => {
  const apiKeys = parseApiKeyFile(`ops ${await hashApiKey("s3cret-key")}`);
  const authorize = uiAuthorize({ apiKeys }, "http://127.0.0.1:8080/mcp");
  const lines: string[] = [];
  setAuditSink((line) => lines.push(typeof line === "string" ? line : JSON.stringify(line)));
  try {
    const refused = await authorize(new Request("http://127.0.0.1:9090/"));
    assert.equal(refused?.status, 401);
    assert.match(refused!.headers.get("www-authenticate") ?? "", /^Bearer /);
    const wrong = await authorize(new Request("http://127.0.0.1:9090/", { headers: { "x-api-key": "nope" } }));
    assert.equal(wrong?.status, 401);
    const ok = await authorize(new Request("http://127.0.0.1:9090/events", { headers: { "x-api-key": "s3cret-key" } }));
    assert.equal(ok, undefined);
    assert.ok(lines.length >= 2, "each refusal is audited");
    assert.ok(lines.every((l) => !l.includes("s3cret-key") && !l.includes("nope")), "no secret in the audit log");
  } finally {
    setAuditSink(undefined);
  }
});
