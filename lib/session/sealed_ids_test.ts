/**
 * Sealed session ids (lib/session/sealed_ids.ts): round trip, tamper and foreign keys, uniqueness and the
 * T-SESS-02/03 shape.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSealKey, type SealedFields, SessionSealer } from "./sealed_ids.ts";

const fields: SealedFields = {
  revision: "2025-06-18",
  initialize: {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  },
  createdAt: 1_700_000_000_000,
  caller: "alice",
};

const newSealer = () => SessionSealer.fromKey(crypto.getRandomValues(new Uint8Array(32)));

test("a sealed id unseals to its record on another sealer with the same key", async () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const id = await (await SessionSealer.fromKey(key)).seal(fields);
  const before = Date.now();
  const record = await (await SessionSealer.fromKey(key)).unseal(id);
  assert.ok(record);
  assert.equal(record.id, id);
  assert.equal(record.revision, fields.revision);
  assert.deepEqual(record.initialize, fields.initialize);
  assert.equal(record.createdAt, fields.createdAt);
  assert.equal(record.caller, "alice");
  assert.ok(record.lastSeenAt >= before);
});

test("every altered character makes the id unknown", async () => {
  const sealer = await newSealer();
  const id = await sealer.seal(fields);
  for (let i = 0; i < id.length; i++) {
    const swapped = id[i] === "A" ? "B" : "A";
    const tampered = id.slice(0, i) + swapped + id.slice(i + 1);
    assert.equal(await sealer.unseal(tampered), undefined, `position ${i}`);
  }
  assert.equal(await sealer.unseal(id.slice(0, -2)), undefined);
  assert.equal(await sealer.unseal(id + "AA"), undefined);
  assert.equal(await sealer.unseal(""), undefined);
  assert.equal(await sealer.unseal("not base64!"), undefined);
  assert.equal(await sealer.unseal(crypto.randomUUID()), undefined);
});

test("an id sealed with another key is unknown", async () => {
  const id = await (await newSealer()).seal(fields);
  assert.equal(await (await newSealer()).unseal(id), undefined);
});

test("ids are unique, visible-ASCII base64url and at least 16 characters (T-SESS-02, T-SESS-03)", async () => {
  const sealer = await newSealer();
  const ids = await Promise.all(Array.from({ length: 50 }, () => sealer.seal(fields)));
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) {
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.match(id, /^[\x21-\x7E]+$/);
    assert.ok(id.length >= 16);
    // Fits comfortably in one HTTP header line for an SDK's initialize.
    assert.ok(id.length < 1024, `length ${id.length}`);
  }
});

test("seal keys: base64 of 32 bytes, with or without padding and newline; anything else is refused", () => {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const b64 = btoa(String.fromCharCode(...raw));
  assert.deepEqual(parseSealKey(b64 + "\n"), raw);
  assert.deepEqual(parseSealKey(b64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")), raw);
  assert.throws(() => parseSealKey(btoa("short")), /32 bytes/);
  assert.throws(() => parseSealKey("%%%"), /32 bytes/);
});

test("a key of the wrong size is refused", async () => {
  await assert.rejects(SessionSealer.fromKey(new Uint8Array(16)), /32 bytes/);
});
