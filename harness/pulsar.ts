/**
 * Real-Pulsar test harness: runs an Apache Pulsar standalone (broker, one bookie and RocksDB metadata
 * in one JVM, WebSocket service on) from jars that Maven resolves with harness/pulsar/pom.xml.
 * Everything binds 127.0.0.1 on free ports.
 *
 * This file is the public entry; the work is split by concern under harness/lib/:
 * classpath (Maven, cache), config (ports, standalone.conf), process (JVM spawn, bookkeeping),
 * cds (class-data sharing), readiness (probes until usable), auth (tokens, TLS keys),
 * instance (start/stop/kill/restart), shared (external and shared instances), websocket-proxy
 * (Pulsar's separate WebSocket proxy service in front of an instance), cluster (ZooKeeper, a bookie,
 * two brokers and the WebSocket proxy, each its own JVM).
 */
export { PULSAR_VERSIONS } from "./lib/types";
export type { AdminResponse, PulsarInstance, PulsarLine, PulsarTokens, StartOptions } from "./lib/types";
export { resolveClasspath } from "./lib/classpath";
export { signHs256Token } from "./lib/auth";
export { wsHandshakeStatus } from "./lib/probes";
export { startPulsar } from "./lib/instance";
export { externalPulsar, sharedPulsar, stopAllPulsar } from "./lib/shared";
export type { WebSocketProxy, WebSocketProxyOptions } from "./lib/websocket-proxy";
export { startWebSocketProxy } from "./lib/websocket-proxy";
export type { ProxyTarget } from "./lib/websocket-proxy";
export { CLUSTER_JVM_MEMORY, CLUSTER_SESSION_TIMEOUT_MS, startPulsarCluster, webSocketRoundTrip } from "./lib/cluster";
export type { ClusterBroker, ClusterOptions, JvmMemory, PulsarCluster } from "./lib/cluster";
