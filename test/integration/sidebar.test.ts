/**
 * The sidebar's peek on real Pulsar 4.2: a subscription of a partitioned topic (the sidebar lists
 * them from partitioned-stats and offers Peek on each; Pulsar refuses a peek on the base name with 405).
 */
import assert from "node:assert/strict";
import "./support/hooks";
import { PulsarAdmin } from "../../nodes/lib/connection/admin-operations";
import { parseTopic } from "../../nodes/lib/protocol/topics";
import { outNode, endpointNode, TestFlow, usePulsarAndNodeRed } from "./support/flow";
import { createPartitionedTopic, topicAdminPath, uniqueTopic } from "./support/pulsar-admin";

describe("Pulsar sidebar on real Pulsar 4.2", function () {
  this.timeout(240_000);
  const shared = usePulsarAndNodeRed("4.2");

  it("peekAnswers on the base name of a partitioned topic with a backlog returns its messages", async () => {
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
      const answers = await admin.peekAnswers(name, "sidebarsub", 1);
      outcome = `ok: ${answers.length} message(s): ${answers.map((a) => a.body).join(",")}`;
    } catch (err) {
      outcome = `refused: ${(err as Error).message} ${JSON.stringify((err as { details?: unknown }).details)}`;
    }
    console.log("      peekAnswers on the base name:", outcome);
    assert.match(outcome, /^ok: 1/);
  });
});
