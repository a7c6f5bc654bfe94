/**
 * Admin HTTP endpoints behind the editor's "Test connection" button and topic suggestions:
 *
 *   POST <httpAdminRoot>/pulsar-ws-endpoint/test    { id, serviceUrl, cluster, tenant, namespace, tls, proxy,
 *                                                     authType, token?, oauth2IssuerUrl, oauth2ClientId,
 *                                                     oauth2Audience, oauth2Scope, oauth2ClientSecret? }
 *   POST <httpAdminRoot>/pulsar-ws-endpoint/lookup  { …the same…, dir }
 *   POST <httpAdminRoot>/pulsar-ws-endpoint/pattern { …the same…, pattern }  (pulsar-in's topicPattern preview)
 *   POST <httpAdminRoot>/pulsar-ws-endpoint/schema  { …the same…, topic }    (the topic's registered schema)
 *
 * The editor sends what its dialog holds (the config may not be deployed yet); the runtime calls
 * Pulsar's admin REST API and answers with i18n keys (see connection/admin-checks.ts). The token goes one
 * way only: the editor sends one only if the user typed it, otherwise the runtime uses the
 * stored credential, and no answer ever contains it. The same holds for the OAuth2 client secret.
 * The calls go as the endpoint's sessions do: the service URL list with failover, the proxy,
 * and the token per call (a deployed endpoint's own OAuth2 client when the dialog matches it,
 * so its cache and its one-request-at-a-time hold for these calls too).
 *
 * All four need `pulsar-ws-endpoint.write`: they act with the endpoint's stored credential, which
 * only someone allowed to change (and deploy) the endpoint should be able to use.
 *
 * What the request names is never resolved: a `${VAR}` in a typed field, or a typed token that is
 * `${VAR}` or `file://…`, would otherwise have the runtime read its environment or its files and
 * send the result wherever the request says. Such a field takes the deployed endpoint's value
 * (what its stored config resolved to), and only while the request goes to the deployed service
 * URLs (and issuer); else the answer names the field and nothing is sent. Only JSON bodies are
 * accepted (415 otherwise): Node-RED's admin app also parses form posts, which any web page can
 * make a browser send when adminAuth is off.
 */
import type { Node, NodeAPI } from "node-red";
import type { Request, Response } from "express";
import { EndpointConnection } from "./connection/endpoint-connection";
import { resolveEndpointSettings, type EndpointSettings } from "./connection/endpoint-settings";
import type { EndpointCredentials, EndpointNode } from "./endpoint-types";
import { bareToken, tokenSource } from "./protocol/bearer-token";
import { asPulsarError } from "./protocol/errors";
import { scrubSecrets } from "./protocol/secrets";
import { httpGetter, lookup, previewPattern, testConnection, type AdminLine } from "./connection/admin-checks";
import { rememberBearers, type AdminTarget } from "./connection/admin-client";
import { parseTopicPattern } from "./protocol/topic-list";
import { configError } from "./protocol/errors";
import { parseTopic, type TopicDefaults } from "./protocol/topics";
import type { TlsOptions } from "./session/socket";
import { lookupProxy } from "./proxy-config";
import { lookupTls } from "./tls";
import { summarizeSchema } from "./schema-summary";
import { PulsarAdmin } from "./connection/admin-operations";

/** What the editor posts. Everything is untrusted input. */
interface ProbeBody {
  id?: unknown;
  serviceUrl?: unknown;
  cluster?: unknown;
  tenant?: unknown;
  namespace?: unknown;
  tls?: unknown;
  token?: unknown;
  dir?: unknown;
  proxy?: unknown;
  authType?: unknown;
  oauth2IssuerUrl?: unknown;
  oauth2ClientId?: unknown;
  oauth2Audience?: unknown;
  oauth2Scope?: unknown;
  oauth2ClientSecret?: unknown;
  pattern?: unknown;
  topic?: unknown;
}

/** How the editor shows a stored password credential it does not know. */
const STORED_PASSWORD = "__PWRD__";
const ENV_REF = /^\$\{(\S+)\}$/;
/** A value something would resolve: an environment reference anywhere, or a token file. */
const REFERENCE = /\$\{|^file:/i;

type Field = "serviceUrl" | "cluster" | "tenant" | "namespace" | "authType" | "oauth2IssuerUrl" | "oauth2ClientId" | "oauth2Audience" | "oauth2Scope";

/** The deployed endpoint's resolved value of a field, or undefined when it has none. */
function deployedValue(settings: EndpointSettings, field: Field): string | undefined {
  const oauth2 = settings.auth.type === "oauth2" ? settings.auth.oauth2 : undefined;
  switch (field) {
    case "serviceUrl":
      return settings.bases.join(",");
    case "cluster":
      return settings.cluster ?? "";
    case "tenant":
      return settings.defaults.tenant;
    case "namespace":
      return settings.defaults.namespace;
    case "authType":
      return settings.auth.type;
    case "oauth2IssuerUrl":
      return oauth2?.issuerUrl;
    case "oauth2ClientId":
      return oauth2?.clientId;
    case "oauth2Audience":
      return oauth2 ? (oauth2.audience ?? "") : undefined;
    case "oauth2Scope":
      return oauth2 ? (oauth2.scope ?? "") : undefined;
  }
}

/** Node-RED's admin app parses JSON and form bodies; these routes take JSON only. */
export function jsonOnly(req: Request, res: Response, next: () => void): void {
  if (req.is("application/json")) return next();
  res.status(415).json({ error: "these routes accept only application/json bodies" });
}

interface Probe {
  target: AdminTarget;
  defaults: TopicDefaults;
  cluster?: string;
  /** Lines to show before the check's own (e.g. why the stored token was not used). */
  notes: AdminLine[];
  /** Never in an answer (scrubbed). */
  secrets: string[];
}

export function registerAdminApi(RED: NodeAPI): void {
  const canWrite = RED.auth.needsPermission("pulsar-ws-endpoint.write");

  function text(value: unknown): string {
    return typeof value === "string" ? value.trim() : "";
  }

  /** A whole `${VAR}` resolves as Node-RED resolves node properties (global env, then process env). */
  function withEnv(value: string, node: Node | undefined): string {
    const m = ENV_REF.exec(value);
    if (!m) return value;
    const resolved = node ? RED.util.getSetting(node, m[1]) : process.env[m[1]];
    return resolved === undefined || resolved === null ? "" : String(resolved);
  }

  function tlsOptions(tlsId: string, notes: AdminLine[]): TlsOptions | undefined {
    const tls = lookupTls(RED, tlsId);
    if (tls.kind === "missing") notes.push({ level: "warn", key: "pulsar.admin.result.tls-not-deployed" });
    return tls.kind === "options" ? tls.options : undefined;
  }

  /**
   * The token to use: the one typed in the dialog, else the stored credential — but the stored one
   * only for the service URL it was deployed with, so that a Test connection against another URL
   * cannot carry it there.
   */
  function chooseToken(body: ProbeBody, id: string, base: string, deployed: EndpointNode | undefined, notes: AdminLine[]): string | undefined {
    const typed = text(body.token);
    if (typed && typed !== STORED_PASSWORD) {
      // Never resolved from the request: the runtime would send its env or a file's content.
      // Checked on what the endpoint would resolve: after the trim and the "Bearer " it drops.
      const bare = bareToken(typed);
      if (REFERENCE.test(bare) || tokenSource(bare).kind !== "value") throw configError("editor-reference", { field: "token" });
      return typed;
    }
    if (!id) return undefined;
    const stored = (RED.nodes.getCredentials(id) as EndpointCredentials | undefined)?.token;
    if (!stored) return undefined;
    if (!deployed?.settings || deployed.settings.bases.join(",") !== base) {
      notes.push({ level: "warn", key: "pulsar.admin.result.token-not-sent" });
      return undefined;
    }
    return withEnv(stored, deployed);
  }

  /** The OAuth2 client secret, on the same terms: the stored one only for the issuer and URLs it was deployed with. */
  function chooseSecret(body: ProbeBody, id: string, base: string, issuer: string, deployed: EndpointNode | undefined, notes: AdminLine[]): string | undefined {
    const typed = text(body.oauth2ClientSecret);
    if (typed && typed !== STORED_PASSWORD) return typed;
    if (!id) return undefined;
    const stored = (RED.nodes.getCredentials(id) as EndpointCredentials | undefined)?.oauth2ClientSecret;
    if (!stored) return undefined;
    const auth = deployed?.settings?.auth;
    if (!deployed?.settings || deployed.settings.bases.join(",") !== base || auth?.type !== "oauth2" || auth.oauth2.issuerUrl !== issuer) {
      notes.push({ level: "warn", key: "pulsar.admin.result.secret-not-sent" });
      return undefined;
    }
    return stored;
  }

  /** The deployed endpoint's connection when the dialog asks for the same, else a fresh one. */
  function connectionFor(settings: EndpointSettings, proxyId: string, deployed: EndpointNode | undefined, tls: TlsOptions | undefined): EndpointConnection {
    const same =
      deployed?.connection &&
      deployed.settings &&
      deployed.settings.bases.join(",") === settings.bases.join(",") &&
      JSON.stringify(deployed.settings.auth) === JSON.stringify(settings.auth) &&
      text(deployed.proxyId) === proxyId &&
      JSON.stringify(deployed.settings.tls ?? null) === JSON.stringify(tls ?? null);
    if (same) return deployed.connection!;
    return new EndpointConnection({
      bases: settings.bases,
      auth: settings.auth,
      proxy: lookupProxy(RED, proxyId),
      tls,
      env: (name) => withEnv(`\${${name}}`, deployed) || undefined,
    });
  }

  function probeFrom(body: ProbeBody): Probe {
    const id = text(body.id);
    const deployed = id ? ((RED.nodes.getNode(id) as EndpointNode | null) ?? undefined) : undefined;
    const substituted: Field[] = [];
    // A reference takes the deployed value (its stored config's resolution), never the runtime's env.
    const field = (name: Field): string => {
      const value = text(body[name]);
      if (!REFERENCE.test(value)) return value;
      const known = deployed?.settings ? deployedValue(deployed.settings, name) : undefined;
      if (known === undefined) throw configError("editor-reference", { field: name });
      substituted.push(name);
      return known;
    };
    const notes: AdminLine[] = [];
    // Resolved as the deployed node resolves them: URL rules, default tenant/namespace, "Bearer " prefix.
    const fields = {
      serviceUrl: field("serviceUrl"),
      cluster: field("cluster"),
      tenant: field("tenant"),
      namespace: field("namespace"),
      authType: field("authType"),
      oauth2IssuerUrl: field("oauth2IssuerUrl"),
      oauth2ClientId: field("oauth2ClientId"),
      oauth2Audience: field("oauth2Audience"),
      oauth2Scope: field("oauth2Scope"),
    };
    const base = resolveEndpointSettings({ serviceUrl: fields.serviceUrl }, undefined).bases.join(",");
    if (substituted.length > 0 && deployed?.settings) {
      // Deployed values go only where the deployed endpoint sends them.
      const auth = deployed.settings.auth;
      const sameIssuer = fields.authType !== "oauth2" || (auth.type === "oauth2" && auth.oauth2.issuerUrl === fields.oauth2IssuerUrl);
      if (deployed.settings.bases.join(",") !== base || !sameIssuer) throw configError("editor-reference", { field: substituted[0] });
    }
    const authType = fields.authType || (text(body.token) || (id && (RED.nodes.getCredentials(id) as EndpointCredentials | undefined)?.token) ? "token" : "none");
    const token = authType === "token" ? chooseToken(body, id, base, deployed, notes) : undefined;
    const secret = authType === "oauth2" ? chooseSecret(body, id, base, fields.oauth2IssuerUrl, deployed, notes) : undefined;
    const tls = tlsOptions(text(body.tls), notes);
    const settings = resolveEndpointSettings({ ...fields, authType }, token, tls, secret);
    const connection = connectionFor(settings, text(body.proxy), deployed, tls);
    const target = connection.adminTarget();
    const secrets = [settings.token, secret].filter((s): s is string => !!s);
    // The bearer actually sent (a token file's content, an OAuth2 access token) is scrubbed too.
    rememberBearers(target, secrets);
    return {
      target,
      defaults: settings.defaults,
      cluster: settings.cluster,
      notes,
      secrets,
    };
  }

  /** Runs a check and answers JSON; a config error (bad URL) is an answer too (`failed`), not an HTTP error. */
  function handle(run: (probe: Probe, body: ProbeBody) => Promise<object>, failed: (line: AdminLine) => object) {
    const answer = async (req: Request, res: Response): Promise<void> => {
      const body = (req.body ?? {}) as ProbeBody;
      let probe: Probe | undefined;
      let result: object;
      try {
        probe = probeFrom(body);
        result = await run(probe, body);
      } catch (err) {
        const e = asPulsarError(err, "config");
        const line: AdminLine = { level: "error", key: `pulsar.errors.${e.code}`, params: e.details };
        result = failed(line);
      }
      // Before the probe exists (a bad URL), the typed token is the only one that could echo back.
      const secrets = probe ? probe.secrets : [text(body.token), text(body.oauth2ClientSecret)];
      res.json(secrets.reduce((r, secret) => scrub(r, secret || undefined), result));
    };
    // Express 4 (Node-RED 4.1) does not catch a rejected handler: it would end Node-RED.
    return (req: Request, res: Response): void => {
      answer(req, res).catch(() => {
        if (!res.headersSent) res.status(500).json({ ok: false });
      });
    };
  }

  RED.httpAdmin.post(
    "/pulsar-ws-endpoint/test",
    canWrite,
    jsonOnly,
    handle(async (probe) => {
      const result = await testConnection(httpGetter(probe.target), probe.target, probe.defaults, probe.cluster);
      return { ok: result.ok, lines: [...probe.notes, ...result.lines] };
    }, (line) => ({ ok: false, lines: [line] })),
  );

  RED.httpAdmin.post(
    "/pulsar-ws-endpoint/lookup",
    canWrite,
    jsonOnly,
    handle(
      (probe, body) => lookup(httpGetter(probe.target), probe.target, text(body.dir), probe.defaults),
      (line) => ({ ok: false, items: [], error: line }),
    ),
  );

  RED.httpAdmin.post(
    "/pulsar-ws-endpoint/pattern",
    canWrite,
    jsonOnly,
    handle(
      async (probe, body) => {
        // A pattern that is not usable throws its PulsarError: answered as `failed` below.
        const pattern = parseTopicPattern(body.pattern, probe.defaults);
        if (!pattern) return { ok: true, items: [], count: 0 };
        return previewPattern(httpGetter(probe.target), probe.target, pattern);
      },
      (line) => ({ ok: false, items: [], count: 0, error: line }),
    ),
  );

  RED.httpAdmin.post(
    "/pulsar-ws-endpoint/schema",
    canWrite,
    jsonOnly,
    handle(
      async (probe, body) => {
        const topic = parseTopic(body.topic, probe.defaults);
        const schema = summarizeSchema(await new PulsarAdmin(probe.target).schemaOf(topic));
        return schema ? { ok: true, topic: topic.full, schema } : { ok: true, topic: topic.full };
      },
      (line) => ({ ok: false, error: line }),
    ),
  );
}

/**
 * Last line of defence: whatever Pulsar echoed, the answer never carries the token. Replaced in
 * the decoded strings, never in the JSON text (see scrubSecrets).
 */
export function scrub<T extends object>(result: T, token: string | undefined): T {
  return token ? scrubSecrets(result, [token]) : result;
}
