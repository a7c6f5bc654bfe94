/**
 * Hostile strings (fast-check) in every name and secret a user types into a flow: the endpoint's
 * tenant, namespace and token, pulsar-in's topic, pattern and subscription, pulsar-out's topic,
 * and msg.topic at run time. Deployed in a real Node-RED runtime against the fake: each node ends
 * with a status and, for input, done() or done(err); nothing throws out of a callback or rejects
 * unhandled (the test process fails on either), and the token never shows in a log or status.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Node } from "node-red";
import type { FakePulsar } from "../fake/fake-pulsar";
import { hostileString } from "../support/hostile";
import { allNodes, doneWatchers, endpoint, flow, helper, inject, outcomes, useFakePulsar } from "./setup";
import { sleep, until } from "../support/wait";

type Spy = { args: unknown[][] };
const statuses = (node: Node): string[] => (node.status as unknown as Spy).args.map((a) => String((a[0] as { text?: string } | undefined)?.text ?? ""));
const logged = (node: Node): string[] => ["warn", "error", "log"].flatMap((m) => ((node as unknown as Record<string, Spy>)[m]?.args ?? []).map((a) => String(a[0] instanceof Error ? a[0].message : a[0])));

describe("hostile names and secrets in a deployed flow (fast-check)", function () {
  this.timeout(120000);
  const currentFake = useFakePulsar();
  let fake: FakePulsar;
  beforeEach(() => {
    fake = currentFake();
  });

  it("every node ends with a status, every input in done or done(err), and the token is never shown", async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ tenant: hostileString, namespace: hostileString, token: hostileString, topic: hostileString, pattern: hostileString, subscription: hostileString, msgTopic: hostileString }), async (h) => {
        const token = `tok-${h.token}`;
        await helper.load(
          allNodes,
          flow(
            endpoint(fake.wsUrl, { tenant: h.tenant, namespace: h.namespace, authType: "token" }),
            { id: "in1", type: "pulsar-in", endpoint: "ep", topic: h.topic, subscription: h.subscription, wires: [[]] },
            { id: "in2", type: "pulsar-in", endpoint: "ep", topic: "", topicPattern: h.pattern, subscription: "s", patternDiscoverySeconds: 1, wires: [[]] },
            { id: "out", type: "pulsar-out", endpoint: "ep", topic: "", wires: [[]] },
            ...doneWatchers("out", "in1"),
          ),
          { ep: { token } },
        );
        const tracker = outcomes();
        const nodes = ["in1", "in2", "out"].map((id) => helper.getNode(id));
        await tracker.waitFor([inject(nodes[2], { payload: "x", topic: h.msgTopic }), inject(nodes[0], { action: "subscribe", topic: h.msgTopic })], 40000);
        await until(() => nodes.every((n) => statuses(n).some((s) => s !== "")), 5000, "a status on every node");
        await sleep(20);
        if (h.token.length >= 4) {
          for (const n of nodes) for (const line of [...statuses(n), ...logged(n)]) assert.ok(!line.includes(token), `the token shows in ${JSON.stringify(line)}`);
        }
        await helper.unload();
      }),
      { numRuns: 40 },
    );
  });
});
