/**
 * The script of the `--ui` page, as the text mcpwire serves at `/ui.js` (plain browser JavaScript, no
 * build step). It reads `/events` (SSE: a `snapshot`, then `entry` events), keeps the state, renders the
 * sessions list, the timeline of the selected session with filters (method, text, status, rule hits), and
 * the selected message; it opens a tape file (docs/tapes.md) into the same view. An `entry` event whose
 * `seq` it already has (a rule hit on a message shown before) replaces that entry.
 *
 * @module
 */

/**
 * The page's script.
 *
 * @example
 * ```ts
 * import { UI_SCRIPT } from "./script.ts";
 * console.assert(UI_SCRIPT.includes("EventSource"));
 * ```
 */
export const UI_SCRIPT = String.raw`"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var state = { live: true, sessions: new Map(), entries: [], selected: null, detail: null, upstream: "" };
  var source = null;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function sessionKey(r) { return r.session || ""; }
  function age(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    return s < 60 ? s + "s" : s < 3600 ? Math.floor(s / 60) + "m" : Math.floor(s / 3600) + "h";
  }
  function label(r) {
    if (r.type === "http") return r.method + " " + r.status;
    var m = r.message;
    if (m.method) return m.method + (m.id !== undefined ? " #" + m.id : "");
    if (m.id !== undefined) return ("error" in m ? "error" : "result") + " #" + m.id;
    return "?";
  }
  function methodOf(entry) {
    var r = entry.record;
    if (r.type === "http") return r.method;
    if (r.message.method) return r.message.method;
    var req = state.byId.get(sessionKey(r) + "\u0000" + JSON.stringify(r.message.id));
    return req || "";
  }

  function ruleText(entry) {
    return (entry.rules || []).map(function (h) { return "rule " + h.rule + ": " + h.actions.join(", "); }).join(" · ");
  }

  function addEntry(entry, session) {
    var last = state.entries[state.entries.length - 1];
    var known = last && entry.seq <= last.seq ? state.entries.findIndex(function (e) { return e.seq === entry.seq; }) : -1;
    if (known >= 0) {
      state.entries[known] = entry;
      if (session) state.sessions.set(session.id, session);
      return;
    }
    state.entries.push(entry);
    var r = entry.record;
    if (r.type === "message" && r.direction === "client-to-server" && r.message.method && r.message.id !== undefined) {
      state.byId.set(sessionKey(r) + "\u0000" + JSON.stringify(r.message.id), r.message.method);
    }
    if (session) state.sessions.set(session.id, session);
    if (state.selected === null) state.selected = sessionKey(r);
  }

  function reset(snapshot, upstream) {
    state.sessions = new Map();
    state.entries = [];
    state.byId = new Map();
    state.upstream = upstream || "";
    snapshot.sessions.forEach(function (s) { state.sessions.set(s.id, s); });
    snapshot.entries.forEach(function (e) { addEntry(e); });
    if (state.selected !== null && !state.sessions.has(state.selected)) state.selected = null;
    if (state.selected === null && snapshot.sessions.length > 0) state.selected = snapshot.sessions[0].id;
  }

  function renderSessions() {
    var body = $("sessions");
    body.replaceChildren();
    var now = Date.now();
    state.sessions.forEach(function (s) {
      var tr = el("tr");
      tr.tabIndex = 0;
      tr.dataset.session = s.id;
      tr.setAttribute("aria-selected", String(s.id === state.selected));
      [s.id ? s.id.slice(0, 12) : "(no session)", s.client || "", s.revision || "", s.state,
        age((state.live ? now : s.lastAt) - s.firstAt), s.fromClient + "/" + s.toClient, s.errors]
        .forEach(function (v) { tr.appendChild(el("td", v)); });
      tr.title = s.id;
      var pick = function () { state.selected = s.id; state.detail = null; render(); };
      tr.addEventListener("click", pick);
      tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") pick(); });
      body.appendChild(tr);
    });
    $("upstream").textContent = state.upstream ? "Upstream: " + state.upstream : "";
    var exp = $("export");
    exp.hidden = !state.live || state.selected === null;
    exp.href = "/tape?session=" + encodeURIComponent(state.selected || "");
  }

  function matches(entry) {
    var fm = $("filter-method").value.trim().toLowerCase();
    var ft = $("filter-text").value.trim().toLowerCase();
    var fs = $("filter-status").value;
    if (fm && methodOf(entry).toLowerCase().indexOf(fm) < 0) return false;
    if (ft && (JSON.stringify(entry.record) + ruleText(entry)).toLowerCase().indexOf(ft) < 0) return false;
    if (fs === "error" && entry.error === undefined) return false;
    if (fs === "rule" && !(entry.rules && entry.rules.length > 0)) return false;
    if (fs === "ok" && entry.error !== undefined) return false;
    return true;
  }

  function timelineRow(entry, t0) {
    var r = entry.record;
    var tr = el("tr");
    tr.tabIndex = 0;
    tr.dataset.seq = String(entry.seq);
    tr.setAttribute("aria-selected", String(state.detail === entry.seq));
    if (entry.error !== undefined) tr.className = "error";
    var dir = r.type === "http" ? "http" : r.direction === "client-to-server" ? "→ server" : "← client";
    var note = [entry.mark ? entry.mark : "", ruleText(entry), entry.error || ""].filter(Boolean).join(" · ");
    [entry.seq, "+" + (r.at - t0) + "ms", dir, r.stream || "", r.eventId || r.upstreamEventId || "", label(r),
      entry.latencyMs !== undefined ? entry.latencyMs + " ms" : ""]
      .forEach(function (v) { tr.appendChild(el("td", v)); });
    tr.appendChild(el("td", note, entry.mark ? "mark" : entry.rules ? "rule" : ""));
    var pick = function () { state.detail = entry.seq; render(); };
    tr.addEventListener("click", pick);
    tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") pick(); });
    return tr;
  }

  function renderTimeline() {
    var body = $("timeline");
    body.replaceChildren();
    var mine = state.entries.filter(function (e) { return sessionKey(e.record) === state.selected; });
    var t0 = mine.length > 0 ? mine[0].record.at : 0;
    mine.filter(matches).forEach(function (e) { body.appendChild(timelineRow(e, t0)); });
  }

  function renderDetail() {
    var entry = state.entries.find(function (e) { return e.seq === state.detail; });
    if (!entry) {
      $("detail-meta").textContent = "Select a row of the timeline.";
      $("detail-pretty").textContent = "";
      $("detail-raw").textContent = "";
      return;
    }
    var r = entry.record;
    var body = r.type === "http" ? { request: r.request, response: r.response } : r.message;
    var meta = [label(r), r.direction || "", r.stream ? "stream " + r.stream : "",
      r.eventId ? "event id " + r.eventId : "", r.upstreamEventId ? "upstream event id " + r.upstreamEventId : "",
      r.revision || "", ruleText(entry), new Date(r.at).toISOString()].filter(Boolean).join(" · ");
    $("detail-meta").textContent = meta;
    $("detail-pretty").textContent = JSON.stringify(body, null, 2);
    $("detail-raw").textContent = JSON.stringify(body);
  }

  function render() { renderSessions(); renderTimeline(); renderDetail(); }

  function connect() {
    source = new EventSource("/events");
    source.addEventListener("snapshot", function (ev) {
      var snap = JSON.parse(ev.data);
      if (!state.live) return;
      reset(snap, snap.upstream);
      $("status").textContent = "live";
      render();
    });
    source.addEventListener("entry", function (ev) {
      var data = JSON.parse(ev.data);
      if (!state.live) return;
      addEntry(data.entry, data.session);
      render();
    });
    source.onerror = function () { $("status").textContent = "disconnected, retrying…"; };
  }

  function parseTape(text) {
    var entries = [];
    var sessions = new Map();
    var pending = new Map();
    var header = null;
    text.split("\n").forEach(function (line, n) {
      if (!line.trim()) return;
      var r;
      try { r = JSON.parse(line); } catch (e) { throw new Error("Line " + (n + 1) + ": not JSON"); }
      if (r.type === "tape") { header = r; return; }
      if (r.type !== "message" && r.type !== "http") return;
      var entry = { seq: entries.length + 1, record: r };
      var key = sessionKey(r) + "\u0000" + (r.message ? JSON.stringify(r.message.id) : "");
      if (r.type === "message" && r.direction === "client-to-server" && r.message.method && r.message.id !== undefined) {
        pending.set(key, r.at);
        if (r.message.method === "initialize") entry.mark = "initialize";
      } else if (r.type === "message" && r.message.method === undefined && pending.has(key)) {
        entry.latencyMs = r.at - pending.get(key);
        if (r.message.error) entry.error = r.message.error.message;
      }
      if (r.type === "http" && r.request && r.request.headers && r.request.headers["last-event-id"]) entry.mark = "resume";
      if (r.type === "http" && r.status >= 400) entry.error = "HTTP " + r.status;
      entries.push(entry);
      summarize(sessions, entry, header);
    });
    if (!header) throw new Error("not an mcpwire tape (no header line)");
    return { sessions: Array.from(sessions.values()), entries: entries, upstream: header.upstream || "" };
  }

  function summarize(sessions, entry, header) {
    var r = entry.record;
    var id = sessionKey(r);
    var s = sessions.get(id);
    if (!s) {
      s = { id: id, upstream: header && header.upstream || "", state: "recorded", firstAt: r.at, lastAt: r.at,
        fromClient: 0, toClient: 0, errors: 0 };
      sessions.set(id, s);
    }
    s.lastAt = r.at;
    if (entry.error !== undefined) s.errors++;
    if (r.type !== "message") return;
    if (r.revision) s.revision = r.revision;
    if (r.direction === "client-to-server") s.fromClient++; else s.toClient++;
    var info = r.message.method === "initialize" && r.message.params && r.message.params.clientInfo;
    if (info) s.client = (info.name + " " + (info.version || "")).trim();
  }

  function openTape(file) {
    file.text().then(function (text) {
      var tape = parseTape(text);
      state.live = false;
      state.selected = null;
      state.detail = null;
      reset(tape, tape.upstream);
      $("status").textContent = "tape: " + file.name + " (" + tape.entries.length + " records)";
      $("live").hidden = false;
      render();
    }).catch(function (e) { $("status").textContent = "cannot open " + file.name + ": " + e.message; });
  }

  $("open-tape").addEventListener("change", function (ev) {
    if (ev.target.files.length > 0) openTape(ev.target.files[0]);
  });
  $("live").addEventListener("click", function () {
    state.live = true;
    $("live").hidden = true;
    source.close();
    state.selected = null;
    state.detail = null;
    connect();
  });
  ["filter-method", "filter-text", "filter-status"].forEach(function (id) {
    $(id).addEventListener("input", renderTimeline);
  });
  state.byId = new Map();
  connect();
})();
`;
