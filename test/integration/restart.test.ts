/**
 * Integration on its own Pulsar 4.2, stopped and started again (harness `restart()`: SIGTERM,
 * then a new JVM on the same ports and data), and then killed (SIGKILL) and started again, while a
 * flow keeps producing. Every input must end in done() (not done(err)), and a reader from
 * earliest must find every message: at-least-once, so duplicates are counted and reported, and
 * none may be lost.
 */
import assert from "node:assert/strict";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, helper, inNode, outNode, TestFlow, useOwnPulsarAndNodeRed } from "./support/flow";
import { topicStats, uniqueTopic } from "./support/pulsar-admin";
import { sleep, waitUntil } from "../support/wait";

const INTERVAL_MS = 20;
/** Inputs before Pulsar is stopped, and at least this many again once it is back. */
const RESTART_AT = 100;
const AFTER_RESTART = 100;
/** Inputs sent in one go right before the stop or kill, so that frames are on the wire when Pulsar goes. */
const BURST = 50;

describe("integration 4.2: Pulsar restarted while a flow produces", function () {
  this.timeout(300_000);
  const pulsar = useOwnPulsarAndNodeRed({ line: "4.2" });
  const figures = trackFigures("restart", "4.2 restart");

  /**
   * Deploys a pulsar-out, feeds it one input every 20 ms, sends a burst of BURST inputs after
   * RESTART_AT and calls `bounce` right behind it, and keeps feeding until AFTER_RESTART inputs
   * after Pulsar is back. Then every input must have
   * completed with done(), and a reader from earliest must find each of them (duplicates counted).
   */
  async function produceAcross(bounce: () => Promise<void>, what: string): Promise<void> {
    const topic = uniqueTopic("restart");
    const full = `persistent://public/default/${topic}`;
    const f = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", topic, { closeTimeout: 10 })], { watch: ["out"] });
    await f.waitConnected(["out"]);

    const ids: string[] = [];
    let bouncing: Promise<void> | undefined;
    let bounceMs = 0;
    let backAt: number | undefined;
    let bounceError: unknown;
    for (let i = 0; backAt === undefined || i < backAt + AFTER_RESTART; i++) {
      if (i === RESTART_AT) {
        for (let b = 0; b < BURST; b++, i++) ids.push(f.send("out", { payload: `restart ${i}`, properties: { seq: String(i) } }));
        const began = Date.now();
        bouncing = bounce().then(() => {
          bounceMs = Date.now() - began;
          backAt = ids.length;
        }, (err: unknown) => {
          bounceError = err;
          backAt = ids.length - AFTER_RESTART; // ends the loop
        });
      }
      ids.push(f.send("out", { payload: `restart ${i}`, properties: { seq: String(i) } }));
      await sleep(INTERVAL_MS);
    }
    await bouncing;
    if (bounceError) throw bounceError;
    const N = ids.length;
    console.log(`      Pulsar ${what} and ready again in ${bounceMs} ms; ${N} inputs, ${backAt! - RESTART_AT - BURST} while it was down (log ${pulsar().logFile})`);
    const outcomes = await f.waitOutcomes(ids, 120_000);
    const failed = outcomes.filter((o) => !o.ok);
    assert.deepEqual(failed.map((o) => o.error?.message), [], `${failed.length} inputs ended in done(err)`);
    await sleep(500);
    assert.deepEqual(f.completedTwice(), [], "no input completed twice");
    const statuses = [...new Set(f.statuses("out").map((s) => (s.text ?? "").replace(/\d+/g, "N")))];
    console.log(`      pulsar-out showed: ${statuses.join(" | ")}`);
    await helper.unload();

    const reader = await TestFlow.deploy([endpointNode(pulsar()), ...inNode("rdr", topic, { mode: "reader", subscription: "", startMessageId: "earliest" })]);
    const received = (): string[] => reader.received("rdr-out").map((m) => ids[Number(m.properties.seq)]);
    await waitUntil(`all ${N} messages read from earliest`, () => new Set(received()).size >= N, 60_000, () => `have ${new Set(received()).size}`);
    await sleep(1000); // anything stored twice arrives right behind
    const stored = (await topicStats(pulsar(), full)).msgInCounter;
    const counts = tally(ids, received());
    console.log(`      read ${counts.received} of ${N} messages: ${counts.duplicates} duplicates, ${counts.lost} lost (msgInCounter since the restart: ${stored})`);
    assert.equal(counts.lost, 0, `lost: ${counts.missing.join(",")}`);
    assert.deepEqual(counts.unexpected, []);
    figures.report(counts);
  }

  it(`stopped (SIGTERM) and started after ${RESTART_AT} inputs, the flow producing all along: every input done(), a reader from earliest finds all`, async () => {
    await produceAcross(() => pulsar().restart(), "stopped");
  });

  it(`killed (SIGKILL) and started after ${RESTART_AT} inputs: every input done(), none lost, duplicates counted`, async () => {
    await produceAcross(async () => {
      await pulsar().kill();
      await pulsar().restart();
    }, "killed");
  });
});
