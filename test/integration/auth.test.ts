/**
 * Integration on its own Pulsar 4.2 with token authentication and authorization (harness
 * `auth: true`: `allowed-role` may produce and consume on public/default, `forbidden-role` may
 * not). A valid token works (as header and as query parameter), a wrong one shows the 401
 * status, a forbidden role the 403 status, and no token ever appears in a log line, a status
 * or anything written to the console.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { signHs256Token } from "../../harness/pulsar";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, inNode, outNode, seqs, TestFlow, useOwnPulsarAndNodeRed } from "./support/flow";
import { uniqueName, uniqueTopic, waitBacklog } from "./support/pulsar-admin";
import { sleep } from "../support/wait";

const START_TIMEOUT_MS = 240_000;

type Write = (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;

describe("integration 4.2 with token auth", function () {
  this.timeout(60_000);
  const pulsar = useOwnPulsarAndNodeRed({ line: "4.2", auth: true }, START_TIMEOUT_MS);
  const wrongToken = signHs256Token("allowed-role", randomBytes(32).toString("base64"));
  const consoleText: string[] = [];
  const originals: { out?: Write; err?: Write } = {};

  before(function () {
    // Everything written to stdout/stderr while the auth cases run is kept and searched for tokens.
    originals.out = process.stdout.write.bind(process.stdout) as Write;
    originals.err = process.stderr.write.bind(process.stderr) as Write;
    const tee = (original: Write): Write => (chunk, ...rest) => {
      consoleText.push(String(chunk));
      return original(chunk, ...rest);
    };
    process.stdout.write = tee(originals.out) as typeof process.stdout.write;
    process.stderr.write = tee(originals.err) as typeof process.stderr.write;
  });

  after(function () {
    if (originals.out) process.stdout.write = originals.out as typeof process.stdout.write;
    if (originals.err) process.stderr.write = originals.err as typeof process.stderr.write;
  });

  const figures = trackFigures("auth", "4.2 auth");

  const secrets = (): string[] => [pulsar().tokens!.admin, pulsar().tokens!.allowed, pulsar().tokens!.forbidden, wrongToken]
    // The signature alone is enough to leak a token; look for it too.
    .flatMap((token) => [token, token.split(".")[2]]);

  function assertNoToken(f: TestFlow, ids: string[]): void {
    const seen = [
      ...f.logLines(),
      ...ids.flatMap((id) => f.statuses(id).map((s) => JSON.stringify(s))),
      ...consoleText,
    ].join("\n");
    for (const secret of secrets()) assert.ok(!seen.includes(secret), "a token appeared in a log line, a status or the console");
  }

  async function roundTrip(f: TestFlow, topic: string, sub: string, n: number): Promise<void> {
    await f.waitConnected(["out", "in"]);
    const ids = Array.from({ length: n }, (_, i) => f.send("out", { payload: `secret-free ${i}`, properties: { seq: String(i) } }));
    const outcomes = await f.waitOutcomes(ids, 20_000);
    assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.filter((o) => !o.ok).map((o) => o.error)));
    const got = await f.waitReceived("in-out", n, 20_000);
    await waitBacklog(pulsar(), `persistent://public/default/${topic}`, sub, 0);
    figures.report(tally(ids, seqs(got).map((s) => ids[Number(s)])));
  }

  it("a valid token (Authorization header) produces and consumes", async () => {
    const topic = uniqueTopic("auth-ok");
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", topic), ...inNode("in", topic, { subscription: sub })],
      { watch: ["out"], credentials: { ep: { token: pulsar().tokens!.allowed } } });
    await roundTrip(f, topic, sub, 10);
    assertNoToken(f, ["out", "in"]);
  });

  it("a valid token sent as query parameter works, and logged URLs carry no query", async () => {
    const topic = uniqueTopic("auth-query");
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([endpointNode(pulsar(), { tokenInQuery: true }), ...outNode("out", topic), ...inNode("in", topic, { subscription: sub })],
      { watch: ["out"], credentials: { ep: { token: `Bearer ${pulsar().tokens!.allowed}` } } });
    await roundTrip(f, topic, sub, 5);
    const connected = f.logsOf("out").find((l) => /connected/.test(l)) ?? "";
    assert.match(connected, /\/ws\/v2\/producer\/persistent\/public\/default\/[^?]+\?…$/, `the connect log line ends with the URL, its query cut: ${connected}`);
    assertNoToken(f, ["out", "in"]);
  });

  it("a wrong token: red 'unauthorized (401)' on pulsar-out and pulsar-in, the message waits", async () => {
    const topic = uniqueTopic("auth-401");
    const f = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", topic, { closeTimeout: 0.2 }), ...inNode("in", topic, { subscription: uniqueName("sub") })],
      { watch: ["out"], credentials: { ep: { token: wrongToken } } });
    for (const id of ["out", "in"]) {
      const status = await f.waitStatus(id, /unauthorized \(401\)/, 15_000);
      assert.equal(status.fill, "red");
    }
    const msgid = f.send("out", { payload: "waits for a valid token" });
    await f.waitStatus("out", /buffering 1/, 5_000);
    await sleep(1500); // a few slow retries
    assert.equal(f.outcomes.has(msgid), false, "not completed while unauthorized (it waits in the buffer)");
    for (const id of ["out", "in"]) assert.ok(f.logsOf(id).some((l) => /HTTP 401/.test(l)), `${id} logs the 401: ${f.logsOf(id).join(" | ")}`);
    assertNoToken(f, ["out", "in"]);
    figures.report({ sent: 0, received: 0, duplicates: 0, lost: 0 });
  });

  it("a role without permission: red 'forbidden (403)' on pulsar-out and pulsar-in", async () => {
    const topic = uniqueTopic("auth-403");
    const f = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", topic, { closeTimeout: 0.2 }), ...inNode("in", topic, { subscription: uniqueName("sub") })],
      { watch: ["out"], credentials: { ep: { token: pulsar().tokens!.forbidden } } });
    for (const id of ["out", "in"]) {
      const status = await f.waitStatus(id, /forbidden \(403\)/, 15_000);
      assert.equal(status.fill, "red");
      assert.ok(f.logsOf(id).some((l) => /HTTP 403/.test(l)), `${id} logs the 403`);
    }
    assertNoToken(f, ["out", "in"]);
    figures.report({ sent: 0, received: 0, duplicates: 0, lost: 0 });
  });

  it("no token in anything written to the console during the auth cases", () => {
    const all = consoleText.join("");
    for (const secret of secrets()) assert.ok(!all.includes(secret), "a token was written to stdout or stderr");
    figures.report({ sent: 0, received: 0, duplicates: 0, lost: 0 });
  });
});
