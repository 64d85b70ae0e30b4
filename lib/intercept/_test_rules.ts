/**
 * The rules file the interceptor end-to-end tests run with (YAML, format version 1): one rule per
 * action, each on its own tool or method of server-everything, so one session can observe them all.
 *
 * @module
 */
export const TEST_RULES_YAML = `
version: 1
description: end-to-end test rules
rules:
  - name: block get-env
    match: { direction: client-to-server, method: tools/call, tool: get-env }
    action: block
    error: { code: -32050, message: get-env is disabled by policy }

  - name: answer get-sum locally
    match: { direction: client-to-server, tool: get-sum }
    action: respond
    result: { content: [{ type: text, text: "42, from the rules" }] }

  - name: rewrite the echo result and announce it
    match: { direction: server-to-client, kind: result, tool: echo, params: { "arguments.message": { regex: "^rewrite" } } }
    set: { "result.content[0].text": "rewritten by rules" }
    inject:
      - direction: server-to-client
        message: { jsonrpc: "2.0", method: notifications/message, params: { level: info, logger: mcpwire, data: "echo rewritten" } }

  - name: drop progress of the long operation
    match: { direction: server-to-client, method: notifications/progress }
    action: drop

  - name: greet on the standalone stream
    match: { direction: client-to-server, method: notifications/initialized }
    inject:
      - direction: server-to-client
        message: { jsonrpc: "2.0", method: notifications/resources/list_changed }

  - name: slow tools/list
    match: { direction: server-to-client, kind: response, method: tools/list }
    delay: 600ms

  - name: at most 2 pings per session
    match: { direction: client-to-server, method: ping }
    rateLimit: { max: 2, per: 1m }
`;
