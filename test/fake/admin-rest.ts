// The few admin REST calls pulsar-in makes (pattern discovery, seek, deleteSubscription, a reader's
// start at a time), answered as Pulsar's v2 admin API answers them: JSON bodies, 204 without one,
// errors as {"reason": …} with the status Pulsar uses (404 unknown topic or subscription, 412 a
// subscription with connected consumers). Partitioned topics do not exist in the fake: a test
// declares a partition count (FakePulsar.setPartitions) and the partitions are ordinary topics;
// the `/partitioned` listing names the declared ones, and a message id by time on one is refused
// with 405 as Pulsar refuses it (the lookup is per partition there).

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Broker } from "./broker";
import { schemasOf } from "./schema-registry";

const TOPIC_PATH = /^\/admin\/v2\/(persistent|non-persistent)\/([^/]+)\/([^/]+)\/([^/]+)(\/.*)?$/;
const NAMESPACE_PATH = /^\/admin\/v2\/(persistent|non-persistent)\/([^/]+)\/([^/]+)(\/partitioned)?$/;
const LATEST = "9223372036854775807";

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
  } else {
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** Answers the request and returns true when it is one of the admin calls above. */
export async function handleAdmin(broker: Broker, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (schemasOf(broker).handle(req, res)) return true;
  const path = (req.url ?? "").split("?")[0];
  const ns = NAMESPACE_PATH.exec(path);
  if (ns && req.method === "GET") {
    const prefix = `${ns[1]}://${decodeURIComponent(ns[2])}/${decodeURIComponent(ns[3])}/`;
    const partitioned = [...broker.partitionCounts].filter(([name, count]) => count > 0 && name.startsWith(prefix)).map(([name]) => name);
    const answer = (): void => send(res, 200, ns[4] ? partitioned : broker.topics.names().filter((n) => n.startsWith(prefix)));
    if (broker.heldListings) broker.heldListings.push(answer);
    else answer();
    return true;
  }
  const m = TOPIC_PATH.exec(path);
  if (!m) return false;
  const full = `${m[1]}://${decodeURIComponent(m[2])}/${decodeURIComponent(m[3])}/${decodeURIComponent(m[4])}`;
  const rest = m[5] ?? "";
  const topic = broker.topics.find(full);
  if (rest === "/partitions" && req.method === "GET") {
    broker.partitionLookups++;
    broker.partitionLookupTopics.push(full);
    const answer = (): void => {
      const refusal = broker.partitionsRefusal;
      if (refusal) send(res, refusal.status, { reason: refusal.reason });
      else send(res, 200, { partitions: broker.partitionCounts.get(full) ?? 0, deleted: false });
    };
    if (broker.heldPartitionLookups) broker.heldPartitionLookups.push(answer);
    else answer();
    return true;
  }
  if (/^\/messageid\/\d+$/.test(rest) && req.method === "GET" && (broker.partitionCounts.get(full) ?? 0) > 0) {
    send(res, 405, { reason: "Get message ID by timestamp on a partitioned topic is not allowed, please try do it on specific topic partition" });
    return true;
  }
  if (!topic) {
    send(res, 404, { reason: `Topic ${full} not found` });
    return true;
  }
  const byTime = /^\/messageid\/(\d+)$/.exec(rest);
  if (byTime && req.method === "GET") {
    if (broker.messageIdRefusal) {
      send(res, broker.messageIdRefusal.status, { reason: broker.messageIdRefusal.reason });
      return true;
    }
    const ts = Number(byTime[1]);
    const index = topic.messages.findIndex((msg) => msg.publishTime >= ts);
    const entryId = index < 0 ? topic.messages.length : index;
    send(res, 200, { ledgerId: topic.ledgerId, entryId, partitionIndex: -1, batchSize: 0, batchIndex: -1 });
    return true;
  }
  const subPath = /^\/subscription\/([^/]+)(\/.*)?$/.exec(rest);
  if (!subPath) return false;
  const name = decodeURIComponent(subPath[1]);
  const action = subPath[2] ?? "";
  const subscription = broker.findSubscription(topic.name, name);
  if (!subscription) {
    send(res, 404, { reason: `Subscription ${name} not found for topic ${full}` });
    return true;
  }
  if (action === "" && req.method === "DELETE") {
    if (subscription.consumerCount > 0) {
      send(res, 412, { reason: "Subscription has active connected consumers" });
    } else {
      broker.deleteSubscription(subscription);
      send(res, 204);
    }
    return true;
  }
  const resetByTime = /^\/resetcursor\/(\d+)$/.exec(action);
  if (resetByTime && req.method === "POST") {
    const ts = Number(resetByTime[1]);
    const index = topic.messages.findIndex((msg) => msg.publishTime >= ts);
    subscription.resetTo(index < 0 ? topic.messages.length : index);
    send(res, 204);
    return true;
  }
  if (action === "/resetcursor" && req.method === "POST") {
    const text = await readBody(req);
    const latest = text.includes(`"ledgerId":${LATEST}`);
    let body: { ledgerId?: number; entryId?: number } = {};
    try {
      body = latest ? {} : (JSON.parse(text) as typeof body);
    } catch {
      send(res, 400, { reason: "Invalid message id" });
      return true;
    }
    if (latest) subscription.resetTo(topic.messages.length);
    else if (body.ledgerId === -1) subscription.resetTo(0);
    else subscription.resetTo(body.ledgerId === topic.ledgerId && typeof body.entryId === "number" ? body.entryId : topic.messages.length);
    send(res, 204);
    return true;
  }
  return false;
}
