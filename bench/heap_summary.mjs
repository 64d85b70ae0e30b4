/**
 * Reads V8-format heap snapshots (`.heapsnapshot`, as `node:v8` `writeHeapSnapshot` writes them on Deno and
 * on Bun) and sums them by constructor / closure name: count, self size, and retained size (from the
 * dominator tree: what would be freed if the object went). Used by bench/heap_streams.mjs; no dependencies.
 */
import { readFileSync } from "node:fs";

/**
 * Parses a snapshot file → {count, types, names, fields, nodes, edges, ...} with typed arrays.
 * @param {string} path
 */
export function readSnapshot(path) {
  const raw = JSON.parse(readFileSync(path, "utf8"));
  const meta = raw.snapshot.meta;
  const nodeFields = meta.node_fields;
  const edgeFields = meta.edge_fields;
  const snapshot = {
    strings: raw.strings,
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
    nodeStride: nodeFields.length,
    edgeStride: edgeFields.length,
    at: {
      type: nodeFields.indexOf("type"),
      name: nodeFields.indexOf("name"),
      self: nodeFields.indexOf("self_size"),
      edges: nodeFields.indexOf("edge_count"),
      edgeType: edgeFields.indexOf("type"),
      to: edgeFields.indexOf("to_node"),
    },
    nodes: Int32Array.from(raw.nodes),
    edges: Int32Array.from(raw.edges),
    /** Source of closures: node index → "file:line" (V8 writes `locations`; JSC's converter does not). */
    where: new Map(),
  };
  const fields = meta.location_fields;
  if (raw.locations && fields) {
    const edgeStart = new Int32Array(snapshot.nodes.length / snapshot.nodeStride + 1);
    for (let i = 0; i + 1 < edgeStart.length; i++) {
      edgeStart[i + 1] = edgeStart[i] +
        snapshot.nodes[i * snapshot.nodeStride + snapshot.at.edges] * snapshot.edgeStride;
    }
    const scriptName = new Map();
    const nameOf = (script) => {
      if (!scriptName.has(script)) {
        let found = "?";
        for (let e = edgeStart[script]; e < edgeStart[script + 1]; e += snapshot.edgeStride) {
          if (
            raw.strings[snapshot.edges[e + 1]] === "name" &&
            snapshot.edgeTypes[snapshot.edges[e + snapshot.at.edgeType]] === "internal"
          ) {
            found = raw
              .strings[
                snapshot
                  .nodes[
                    (snapshot.edges[e + snapshot.at.to] / snapshot.nodeStride) * snapshot.nodeStride +
                    snapshot.at.name
                  ]
              ];
          }
        }
        scriptName.set(script, shortPath(found));
      }
      return scriptName.get(script);
    };
    const [o, so, line] = ["object_index", "script_object_index", "line"].map((k) => fields.indexOf(k));
    for (let i = 0; i < raw.locations.length; i += fields.length) {
      const node = raw.locations[i + o] / snapshot.nodeStride;
      const script = raw.locations[i + so] / snapshot.nodeStride;
      snapshot.where.set(node, `${nameOf(script)}:${raw.locations[i + line] + 1}`);
    }
  }
  return snapshot;
}

/** A script URL made short: repository-relative for mcpwire's files, package-relative for npm's. */
function shortPath(url) {
  const path = String(url).replace(/^file:\/\//, "");
  const repo = path.indexOf("/lib/");
  if (path.includes("/node_modules/")) return "npm:" + path.slice(path.lastIndexOf("/node_modules/") + 14);
  return repo >= 0 ? path.slice(repo + 1) : path;
}

/** Kinds whose name is their content, not a constructor: grouped by kind only. */
const BY_KIND = new Set([
  "string",
  "concatenated string",
  "sliced string",
  "number",
  "code",
  "hidden",
  "array",
  "regexp",
  "bigint",
  "symbol",
  "object shape",
]);

/** The group of node `i`: "Constructor", "closure fn", "native Name", or "(kind)". */
function groupOf(s, i) {
  const type = s.nodeTypes[s.nodes[i * s.nodeStride + s.at.type]];
  if (BY_KIND.has(type)) return `(${type})`;
  // Object ids (`@123`) and sizes in names would split one kind into many groups.
  const name = (s.strings[s.nodes[i * s.nodeStride + s.at.name]] || "(anonymous)").replace(/ @\d+/g, "").replace(
    /\d{3,}/g,
    "N",
  );
  if (type === "closure") return `closure ${name}${s.where.has(i) ? ` (${s.where.get(i)})` : ""}`;
  if (type === "native") return `native ${name}`;
  if (type === "synthetic") return `(synthetic ${name})`;
  return name;
}

/**
 * Immediate dominators of every node reachable from the root (node 0), ignoring weak edges
 * (Cooper, Harvey and Kennedy's iterative algorithm over a reverse postorder).
 * @returns {{idom: Int32Array, order: Int32Array}} `order` is the reverse postorder; -1 = unreachable.
 */
function dominators(s) {
  const n = s.nodes.length / s.nodeStride;
  const firstEdge = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) firstEdge[i + 1] = firstEdge[i] + s.nodes[i * s.nodeStride + s.at.edges] * s.edgeStride;
  const weak = s.edgeTypes.indexOf("weak");
  const shortcut = s.edgeTypes.indexOf("shortcut");
  const strong = (e) => {
    const t = s.edges[e + s.at.edgeType];
    return t !== weak && t !== shortcut;
  };
  // Postorder numbers by an explicit-stack DFS.
  const post = new Int32Array(n).fill(-1);
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  const cursor = new Int32Array(n);
  const order = [];
  let top = 0;
  stack[0] = 0;
  seen[0] = 1;
  cursor[0] = firstEdge[0];
  while (top >= 0) {
    const v = stack[top];
    if (cursor[v] < firstEdge[v + 1]) {
      const e = cursor[v];
      cursor[v] += s.edgeStride;
      if (!strong(e)) continue;
      const w = s.edges[e + s.at.to] / s.nodeStride;
      if (!seen[w]) {
        seen[w] = 1;
        cursor[w] = firstEdge[w];
        stack[++top] = w;
      }
    } else {
      post[v] = order.length;
      order.push(v);
      top--;
    }
  }
  // Predecessors (strong edges between reachable nodes).
  const predCount = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) {
    if (post[v] < 0) continue;
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += s.edgeStride) {
      if (strong(e)) predCount[s.edges[e + s.at.to] / s.nodeStride + 1]++;
    }
  }
  for (let i = 0; i < n; i++) predCount[i + 1] += predCount[i];
  const preds = new Int32Array(predCount[n]);
  const fill = predCount.slice(0, n);
  for (let v = 0; v < n; v++) {
    if (post[v] < 0) continue;
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += s.edgeStride) {
      if (strong(e)) preds[fill[s.edges[e + s.at.to] / s.nodeStride]++] = v;
    }
  }
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a, b) => {
    while (a !== b) {
      while (post[a] < post[b]) a = idom[a];
      while (post[b] < post[a]) b = idom[b];
    }
    return a;
  };
  for (let changed = true, rounds = 0; changed && rounds < 100; rounds++) {
    changed = false;
    for (let k = order.length - 2; k >= 0; k--) {
      const v = order[k];
      let d = -1;
      for (let p = predCount[v]; p < predCount[v + 1]; p++) {
        const u = preds[p];
        if (idom[u] < 0) continue;
        d = d < 0 ? u : intersect(u, d);
      }
      if (d >= 0 && idom[v] !== d) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  return { idom, order: Int32Array.from(order) };
}

/**
 * Sums a snapshot by group: `{group: {count, self, retained}}` in bytes. `retained` counts an object's
 * retained size only when no dominator of it is in the same group (so a linked list is not counted twice).
 * @param {ReturnType<typeof readSnapshot>} s
 * @param {{retained?: boolean}} options
 */
export function summarize(s, options = {}) {
  const n = s.nodes.length / s.nodeStride;
  const groups = new Map();
  const groupIds = new Int32Array(n);
  const names = [];
  for (let i = 0; i < n; i++) {
    const g = groupOf(s, i);
    let id = groups.get(g);
    if (id === undefined) {
      id = names.length;
      groups.set(g, id);
      names.push(g);
    }
    groupIds[i] = id;
  }
  const count = new Float64Array(names.length);
  const self = new Float64Array(names.length);
  const retained = new Float64Array(names.length);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const size = s.nodes[i * s.nodeStride + s.at.self];
    count[groupIds[i]]++;
    self[groupIds[i]] += size;
    total += size;
  }
  if (options.retained) {
    const { idom, order } = dominators(s);
    const sizes = new Float64Array(n);
    for (let i = 0; i < n; i++) sizes[i] = s.nodes[i * s.nodeStride + s.at.self];
    // Postorder: children before their dominators.
    for (const v of order) if (v !== 0) sizes[idom[v]] += sizes[v];
    // An object counts for its group unless a dominator above it (up to 64 levels) is in the same group.
    for (const v of order) {
      if (v === 0) continue;
      let inside = false;
      for (let u = idom[v], depth = 0; u > 0 && depth < 64; depth++, u = idom[u]) {
        if (groupIds[u] === groupIds[v]) {
          inside = true;
          break;
        }
      }
      if (!inside) retained[groupIds[v]] += sizes[v];
    }
  }
  const out = {};
  for (let id = 0; id < names.length; id++) {
    out[names[id]] = { count: count[id], self: self[id], retained: retained[id] };
  }
  return { total, nodes: n, groups: out };
}

/**
 * What `after` holds more than `before`, per group, divided by `per` (e.g. the number of streams):
 * rows `{group, count, selfBytes, retainedBytes}` sorted by self size, largest first.
 */
export function perUnit(before, after, per) {
  const rows = [];
  for (const [group, a] of Object.entries(after.groups)) {
    const b = before.groups[group] ?? { count: 0, self: 0, retained: 0 };
    rows.push({
      group,
      count: (a.count - b.count) / per,
      selfBytes: (a.self - b.self) / per,
      retainedBytes: (a.retained - b.retained) / per,
    });
  }
  return rows.sort((x, y) => y.selfBytes - x.selfBytes);
}
