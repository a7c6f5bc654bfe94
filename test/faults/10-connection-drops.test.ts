/**
 * Connection drops: a loopback proxy between the nodes and a real Pulsar cuts producer and consumer
 * sockets (RST) at random moments, 100 times over 50,000 messages. Every input must end in done()
 * (or a done(err) a Catch node saw), a reader from earliest must find every acked message, and the
 * consumer must receive every acked message at least once (support/drops.ts).
 *
 * The second case (several sessions per topic) runs the same on a 4-partition topic with several sessions per node:
 * pulsar-out with one producer session per partition (`sessionPerPartition`) and a pulsar-in with
 * 4 sessions on a Shared subscription, so that a cut takes one session of a node while its others
 * go on. It first checks that the proxy saw every one of those sessions upgraded.
 *
 * The third case sends arrays (`splitArrays`): each input msg holds 100 messages, so a cut hits
 * some elements of a msg acked and others in flight; the msg must still end once, in done().
 */
import type { PulsarInstance } from "../../harness/pulsar";
import { assertNothingLost, assertSockets, recordDrops, runDrops, type DropsPlan } from "./support/drops";
import { helper, startNodeRed, stopNodeRed } from "./support/nr";
import { plainPulsar } from "./support/pulsar";
import { TcpProxy } from "./support/proxy";

const MESSAGES = Number(process.env.FAULTS_DROP_MESSAGES ?? 50_000);
const CUTS = Number(process.env.FAULTS_DROP_CUTS ?? 100);
const PRODUCERS = 4;

/** Fewer messages and cuts than the first case: it must stay under about 2 minutes. */
const SESSIONS_MESSAGES = Number(process.env.FAULTS_SESSIONS_DROP_MESSAGES ?? 20_000);
const SESSIONS_CUTS = Number(process.env.FAULTS_SESSIONS_DROP_CUTS ?? 40);
const PARTITIONS = 4;
const PARTITIONED_PRODUCERS = 2;
const CONSUMER_SESSIONS = 4;

const ARRAYS_MESSAGES = Number(process.env.FAULTS_ARRAYS_DROP_MESSAGES ?? 20_000);
const ARRAYS_CUTS = Number(process.env.FAULTS_ARRAYS_DROP_CUTS ?? 40);
const ARRAY_SIZE = 100;

describe("faults: connection drops through a cutting proxy (real Pulsar)", function () {
  this.timeout(420_000);
  let pulsar: PulsarInstance;
  let proxy: TcpProxy;

  before(async function () {
    pulsar = await plainPulsar();
    proxy = await TcpProxy.start(Number(new URL(pulsar.httpUrl).port));
    await startNodeRed();
  });

  afterEach(async function () {
    await helper.unload();
  });

  after(async function () {
    await stopNodeRed();
    await proxy.stop();
  });

  it(`loses nothing over ${MESSAGES} messages and ${CUTS} random cuts`, async function () {
    const plan: DropsPlan = { pulsar, proxy, topic: `drops-${Date.now()}`, messages: MESSAGES, cuts: CUTS, producers: PRODUCERS, sockets: { producer: PRODUCERS, consumer: 1 } };
    const result = await runDrops(plan);
    recordDrops("connection drops (proxy cuts, real Pulsar)", plan, result, `${PRODUCERS} pulsar-out × maxInFlight 500`);
    assertSockets(plan, result);
    assertNothingLost(plan, result);
  });

  it(`with several sessions: ${PARTITIONED_PRODUCERS}×${PARTITIONS} producer and ${CONSUMER_SESSIONS} consumer sessions, ${SESSIONS_MESSAGES} messages, ${SESSIONS_CUTS} cuts, nothing lost`, async function () {
    const topic = `drops-sessions-${Date.now()}`;
    const created = await pulsar.admin("PUT", `/admin/v2/persistent/public/default/${topic}/partitions`, PARTITIONS);
    if (created.status !== 204 && created.status !== 200) throw new Error(`creating ${topic} with ${PARTITIONS} partitions: HTTP ${created.status} ${created.body}`);
    const plan: DropsPlan = {
      pulsar,
      proxy,
      topic,
      messages: SESSIONS_MESSAGES,
      cuts: SESSIONS_CUTS,
      producers: PARTITIONED_PRODUCERS,
      outOptions: { sessionPerPartition: true },
      inOptions: { subscriptionType: "Shared", sessions: CONSUMER_SESSIONS },
      sockets: { producer: PARTITIONED_PRODUCERS * PARTITIONS, consumer: CONSUMER_SESSIONS },
    };
    const result = await runDrops(plan);
    const setup = `${PARTITIONED_PRODUCERS} pulsar-out (sessionPerPartition) + pulsar-in (Shared, sessions ${CONSUMER_SESSIONS}); ${result.sockets.producer} producer + ${result.sockets.consumer} consumer sockets at the start`;
    recordDrops("connection drops, several sessions (4 partitions, real Pulsar)", plan, result, setup);
    assertSockets(plan, result);
    assertNothingLost(plan, result);
  });

  it(`with arrays: ${ARRAYS_MESSAGES} messages in msgs of ${ARRAY_SIZE} (splitArrays), ${ARRAYS_CUTS} cuts, nothing lost`, async function () {
    const plan: DropsPlan = { pulsar, proxy, topic: `drops-arrays-${Date.now()}`, messages: ARRAYS_MESSAGES, cuts: ARRAYS_CUTS, producers: PRODUCERS, sockets: { producer: PRODUCERS, consumer: 1 }, arraySize: ARRAY_SIZE };
    const result = await runDrops(plan);
    recordDrops("connection drops, arrays of 100 (splitArrays, real Pulsar)", plan, result, `${PRODUCERS} pulsar-out × maxInFlight 500, splitArrays, ${ARRAYS_MESSAGES / ARRAY_SIZE} msgs of ${ARRAY_SIZE}`);
    assertSockets(plan, result);
    assertNothingLost(plan, result);
  });
});
