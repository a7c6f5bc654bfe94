/**
 * The sidebar's peek on real Pulsar 4.2: a subscription of a partitioned topic (the sidebar lists
 * them from partitioned-stats and offers Peek on each; Pulsar refuses a peek on the base name with 405).
 */
import assert from "node:assert/strict";
import "./support/hooks";
import { PulsarAdmin } from "../../nodes/lib/connection/admin-operations";
import { peekMessages } from "../../nodes/lib/sidebar-peek";
import { parseTopic } from "../../nodes/lib/protocol/topics";
import { outNode, endpointNode, TestFlow, usePulsarAndNodeRed } from "./support/flow";
import { createPartitionedTopic, topicAdminPath, uniqueTopic } from "./support/pulsar-admin";

describe("Pulsar sidebar on real Pulsar 4.2", function () {
  this.timeout(240_000);
  const shared = usePulsarAndNodeRed("4.2");

  it("peeks a subscription of a partitioned topic partition by partition (Pulsar refuses the base name with 405)", async () => {
    const pulsar = shared();
    const topic = `persistent://public/default/${uniqueTopic("sidebar-peek")}`;
    await createPartitionedTopic(pulsar, topic, 2);
    const sub = await pulsar.admin("PUT", `${topicAdminPath(topic)}/subscription/sidebarsub`);
    console.log("      create subscription:", sub.status);
    const f = await TestFlow.deploy([endpointNode(pulsar), ...outNode("p", topic)], { watch: ["p"] });
    await f.waitConnected(["p"]);
    const [o] = await f.waitOutcomes([f.send("p", { payload: "hello" })], 30_000);
    assert.ok(o.ok);
    const admin = new PulsarAdmin({ httpBase: pulsar.httpUrl, token: pulsar.tokens?.admin });
    const name = parseTopic(topic, { tenant: "public", namespace: "default" });
    let outcome: string;
    try {
      const found = await peekMessages(admin, name, "sidebarsub", 5, () => false);
      outcome = `ok: ${found.messages.length} message(s): ${found.messages.map((m) => m.payload.toString("utf8")).join(",")}`;
    } catch (err) {
      outcome = `refused: ${(err as Error).message} ${JSON.stringify((err as { details?: unknown }).details)}`;
    }
    console.log("      subscription peek of the partitioned topic:", outcome);
    assert.equal(outcome, "ok: 1 message(s): hello");
  });
});
