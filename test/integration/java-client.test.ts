/**
 * The Java helper (test/support/java-client.ts) compiles test/java against the harness's classpath
 * and runs it: the interop cases depend on it, so it is checked on its own first.
 */
import assert from "node:assert/strict";
import { PULSAR_VERSIONS } from "../../harness/pulsar";
import { javaOutput } from "../support/java-client";

describe("the Java client helper", function () {
  this.timeout(300_000);

  it("compiles test/java against Pulsar 4.2's classpath and runs it with Pulsar's own Java client", async () => {
    const version = (await javaOutput("ClientVersion", [])).trim();
    assert.equal(version, PULSAR_VERSIONS["4.2"]);
  });
});
