/**
 * The `--ui` page: plain HTML and CSS (no framework, no build step), served by mcpwire itself. Its script
 * is `script.ts` (`UI_SCRIPT`), loaded from `/ui.js`.
 *
 * @module
 */
export { UI_SCRIPT } from "./script.ts";

/**
 * The page's HTML (with its CSS inline): sessions list, timeline with filters, message detail, export and
 * open-tape controls. Element ids are what the script and the browser tests use.
 *
 * @example
 * ```ts
 * import { UI_PAGE } from "./page.ts";
 * console.assert(UI_PAGE.includes('id="timeline"'));
 * ```
 */
export const UI_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcpwire traffic</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: light dark; --line: #8884; --err: #c0392b; --mark: #b7791f; font: 14px system-ui, sans-serif; }
  body { margin: 0; display: grid; grid-template-rows: auto 1fr; height: 100vh; }
  header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
  header h1 { font-size: 1rem; margin: 0; }
  main { display: grid; grid-template-columns: minmax(16rem, 1fr) 2fr 1.5fr; min-height: 0; }
  section { overflow: auto; border-right: 1px solid var(--line); padding: .5rem; }
  h2 { font-size: .9rem; margin: .25rem 0 .5rem; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; }
  th, td { text-align: left; padding: 2px 4px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  tbody tr { cursor: pointer; }
  tbody tr:hover, tbody tr:focus { outline: 2px solid Highlight; }
  tr[aria-selected="true"] { background: #4a90e233; }
  tr.error td { color: var(--err); }
  .mark { color: var(--mark); font-weight: bold; }
  .rule { font-style: italic; }
  .filters { display: flex; gap: .5rem; flex-wrap: wrap; margin-bottom: .5rem; }
  pre { white-space: pre-wrap; word-break: break-all; font-size: 12px; background: #8881; padding: .5rem; }
  #status { font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>mcpwire traffic</h1>
  <span id="status" role="status">connecting…</span>
  <span id="source"></span>
  <a id="export" href="#" download hidden>Export session as tape</a>
  <label>Open a tape file <input type="file" id="open-tape" accept=".jsonl,.json,.txt,application/jsonl"></label>
  <button id="live" type="button" hidden>Back to live traffic</button>
</header>
<main>
  <section aria-labelledby="sessions-h">
    <h2 id="sessions-h">Sessions</h2>
    <table>
      <thead><tr><th>Session</th><th>Client</th><th>Revision</th><th>State</th><th>Age</th><th>In/Out</th><th>Errors</th></tr></thead>
      <tbody id="sessions"></tbody>
    </table>
    <p><small id="upstream"></small></p>
  </section>
  <section aria-labelledby="timeline-h">
    <h2 id="timeline-h">Timeline</h2>
    <div class="filters">
      <label>Method <input id="filter-method" type="search" size="12"></label>
      <label>Text <input id="filter-text" type="search" size="12"></label>
      <label>Status <select id="filter-status">
        <option value="">all</option><option value="error">errors</option><option value="ok">ok</option>
        <option value="rule">rule hits</option>
      </select></label>
    </div>
    <table>
      <thead><tr><th>#</th><th>Time</th><th>Dir</th><th>Stream</th><th>Event id</th><th>Method / id</th><th>Latency</th><th>Note</th></tr></thead>
      <tbody id="timeline"></tbody>
    </table>
  </section>
  <section aria-labelledby="detail-h">
    <h2 id="detail-h">Message</h2>
    <p id="detail-meta">Select a row of the timeline.</p>
    <h3>Pretty</h3>
    <pre id="detail-pretty"></pre>
    <h3>Raw</h3>
    <pre id="detail-raw"></pre>
  </section>
</main>
<script src="/ui.js"></script>
</body>
</html>
`;
