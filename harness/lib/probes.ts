/** HTTP and WebSocket probes: admin REST calls and WebSocket upgrade checks against a Pulsar. */
import * as http from "node:http";
import * as https from "node:https";
import WebSocket from "ws";
import type { AdminResponse } from "./types";

function httpRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith("https:") ? https : http;
    const req = client.request(url, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export function adminRequest(
  baseUrl: string,
  token: string | undefined,
  method: string,
  urlPath: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<AdminResponse> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  return httpRequest(baseUrl + urlPath, method, headers, payload, timeoutMs).then((res) => ({
    status: res.status,
    body: res.body,
    json<T = unknown>(): T {
      return JSON.parse(res.body) as T;
    },
  }));
}

/**
 * Opens a WebSocket and closes it again: resolves 101 when the upgrade succeeds, or the HTTP status
 * the server answered instead (401, 403, 404, ...). Rejects on network errors and on timeout.
 */
export function wsHandshakeStatus(url: string, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: timeoutMs });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (req, res) => {
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    // Kept for the socket's whole life: an 'error' without a listener would crash the process.
    ws.on("error", reject);
  });
}
