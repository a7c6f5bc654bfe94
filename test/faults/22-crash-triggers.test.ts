/**
 * Triggers that once ended a user's whole Node-RED, run in a Node-RED process of its own (the
 * process exits on an unhandled rejection, as Node-RED does) against real Pulsar 4.2: the process
 * must keep running and the node's status and log must say why a topic is not read as asked.
 *
 * - A reader starting at a time, on a topic pattern that matches a partitioned topic: Pulsar
 *   refuses a message-id-by-time lookup on a partitioned topic (it is per partition), and the
 *   refusal used to reject with nothing catching it. Now each partition is read by a reader of
 *   its own from its own start.
 */
import assert from "node:assert/strict";
import type { PulsarInstance } from "../../harness/pulsar";
import { createPartitionedTopic } from "../integration/support/pulsar-admin";
import { sleep, until } from "../support/wait";
import { recordFigure } from "./support/figures";
import { NodeRedProcess } from "./support/nr-process";
import { plainPulsar, rawPublish } from "./support/pulsar";

describe("faults: crash triggers in a Node-RED process of its own (real Pulsar)", function () {
  this.timeout(300_000);
  let pulsar: PulsarInstance;
  let nr: NodeRedProcess | undefined;

  before(async function () {
    pulsar = await plainPulsar();
  });

  afterEach(async function () {
    await nr?.stop();
    nr = undefined;
  });

  it("a reader from a time on a pattern matching a partitioned topic: Node-RED keeps running, every partition is read from that time", async function () {
    const prefix = `crash-${Date.now()}`;
    await createPartitionedTopic(pulsar, `persistent://public/default/${prefix}-p`, 3);
    // Before the start time: never to be read. After it: one message per partition and one plain topic.
    await rawPublish(pulsar.wsUrl, `${prefix}-plain`, ["old plain"]);
    for (let k = 0; k < 3; k++) await rawPublish(pulsar.wsUrl, `${prefix}-p-partition-${k}`, [`old p${k}`]);
    await sleep(1500);
    const start = new Date().toISOString();
    await sleep(1500);
    await rawPublish(pulsar.wsUrl, `${prefix}-plain`, ["new plain"]);
    for (let k = 0; k < 3; k++) await rawPublish(pulsar.wsUrl, `${prefix}-p-partition-${k}`, [`new p${k}`]);

    // Pulsar itself refuses the lookup the old code made (the trigger is real, not assumed).
    const refused = await fetch(`${pulsar.httpUrl}/admin/v2/persistent/public/default/${prefix}-p/messageid/${Date.parse(start)}`);
    assert.ok(refused.status >= 400, `Pulsar answered ${refused.status} for a time lookup on a partitioned topic`);

    const started = Date.now();
    nr = await NodeRedProcess.start([
      { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: pulsar.httpUrl, tenant: "public", namespace: "default" },
      { id: "in", type: "pulsar-in", endpoint: "ep", mode: "reader", topic: "", topicPattern: `${prefix}-.*`, startMessageId: start, payloadFormat: "utf8", patternDiscoverySeconds: 2, wires: [["nr-process-out"]] },
    ]);
    await until(() => (nr!.msgs.length >= 4 ? true : !nr!.running || undefined), 60_000, "4 messages", { detail: () => JSON.stringify(nr!.msgs) });
    await sleep(5000); // two more discovery periods
    assert.ok(nr.running, `Node-RED exited (${nr.exitCode}): ${nr.stderr}`);
    const payloads = nr.msgs.map((m) => m.payload).sort();
    assert.deepEqual(payloads, ["new p0", "new p1", "new p2", "new plain"]);
    assert.deepEqual([...new Set(nr.msgs.map((m) => m.topic))].sort(), [`persistent://public/default/${prefix}-p`, `persistent://public/default/${prefix}-plain`]);
    assert.equal(nr.lastStatus("in"), "connected (2 topics, 4 sessions)");
    const { errors } = await nr.logged();
    assert.deepEqual(errors.in, []);
    recordFigure({
      scenario: "crash trigger: reader from a time, pattern matching a partitioned topic",
      faults: 1,
      offered: 4,
      completed: payloads.length,
      failed: 0,
      lost: 4 - payloads.length,
      duplicates: 0,
      seconds: (Date.now() - started) / 1000,
      notes: `Pulsar answered ${refused.status} to the by-time lookup on the partitioned topic; Node-RED still running; status "${nr.lastStatus("in") ?? ""}"`,
    });
  });
});
