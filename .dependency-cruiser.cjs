/**
 * The layering of nodes/, checked by `npm test` (npm run check:imports):
 *   protocol/  pure mapping of Node-RED values to Pulsar frames and back; imports nothing of ours above it
 *   session/   socket lifecycle and session state; imports only protocol/ and `ws`
 *   connection/ how an endpoint reaches Pulsar (service URLs, tokens, OAuth2, proxy, admin HTTP);
 *              imports only itself, session/ and protocol/: no Node-RED
 *   consume/   what a pulsar-in consumes (its controller, topic layout, pattern discovery);
 *              imports only itself, connection/, session/ and protocol/: no Node-RED
 *   lib root and the node files: Node-RED glue on top
 * See docs/architecture.md.
 */
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", from: {}, to: { circular: true } },
    {
      name: "protocol-is-the-bottom",
      comment: "protocol/ holds pure functions: it may use Node's built-ins, its own files and avsc (pure Avro codecs) only",
      severity: "error",
      from: { path: "^nodes/lib/protocol/" },
      to: { pathNot: ["^nodes/lib/protocol/", "^node_modules/avsc/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "session-sees-only-protocol-and-ws",
      severity: "error",
      from: { path: "^nodes/lib/session/" },
      to: { pathNot: ["^nodes/lib/session/", "^nodes/lib/protocol/", "^node_modules/ws/", "^node_modules/@types/ws/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "connection-has-no-node-red",
      comment: "connection/ runs without Node-RED (scripts, tests): it may use its own files, session/, protocol/ and Node's built-ins only",
      severity: "error",
      from: { path: "^nodes/lib/connection/" },
      to: { pathNot: ["^nodes/lib/(connection|session|protocol)/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "consume-has-no-node-red",
      comment: "consume/ (pulsar-in's controller) runs without Node-RED: its own files, connection/, session/, protocol/ and Node's built-ins only",
      severity: "error",
      from: { path: "^nodes/lib/consume/" },
      to: { pathNot: ["^nodes/lib/(consume|connection|session|protocol)/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "nodes-only-use-ws-at-runtime",
      comment: "the package's runtime dependencies are ws and avsc (schemas); node-red and express are types only",
      severity: "error",
      from: { path: "^nodes/" },
      to: { dependencyTypes: ["npm", "npm-dev", "npm-no-pkg", "npm-unknown"], dependencyTypesNot: ["type-only"], pathNot: ["^node_modules/ws/", "^node_modules/avsc/", "^node_modules/@types/"] },
    },
    { name: "no-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count too: protocol/ and session/ must not even know the types above them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(dist|test|bench|harness|scripts)/" },
  },
};
