/**
 * Loaded by every mocha run (.mocharc.json): a promise rejection nobody handles fails the test
 * that is running. Node-RED exits on one, so a test that lets one through hides a crash; mocha
 * on its own only re-emits it and carries on.
 */
process.on("unhandledRejection", (reason: unknown) => {
  throw reason instanceof Error ? reason : new Error(`unhandled rejection: ${String(reason)}`);
});
