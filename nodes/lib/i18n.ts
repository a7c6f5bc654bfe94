/**
 * Translation for the runtime side: RED._ with the bundled English catalog behind it, and
 * PulsarErrors turned into translated Errors for done(err) and node.error.
 */
import fs from "node:fs";
import path from "node:path";
import type { NodeAPI } from "node-red";
import { asPulsarError, type ErrorDetails, type PulsarError } from "./protocol/errors";
import { ArrayElementError } from "./protocol/produce-array";

export type Translate = (key: string, params?: Record<string, string | number>) => string;

/**
 * RED._ with an English fallback: where the runtime has no translation for a key (a catalog
 * not loaded, or a stubbed RED._ as in the test helper) it answers with the key itself, which
 * tells a user nothing. Then the bundled en-US catalog is used, so an error always says what
 * is wrong.
 */
export function translator(RED: NodeAPI): Translate {
  return (key, params) => {
    const text = RED._(key, params);
    return text === key ? englishFallback(key, params) : text;
  };
}

type Catalog = { [key: string]: string | Catalog };
let english: Catalog | undefined;

function englishFallback(key: string, params: Record<string, string | number> = {}): string {
  english ??= loadEnglish();
  let node: string | Catalog | undefined = english;
  for (const part of key.split(".")) node = typeof node === "object" ? node[part] : undefined;
  if (typeof node !== "string") return key;
  return node.replace(/__(\w+)__/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

function loadEnglish(): Catalog {
  // The build writes the same merged catalog beside every node file; any one will do.
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "locales", "en-US", "pulsar-out.json"), "utf8")) as Catalog;
  } catch {
    return {};
  }
}

/**
 * The details of an error as its message shows them: an `option` or `field` that names a node
 * property is shown with that field's label in the dialog ("Issuer URL", not oauth2IssuerUrl).
 * Names no dialog shows (e.g. an admin path's `position`) stay as they are.
 */
export function withFieldLabels(t: Translate, details: ErrorDetails): ErrorDetails {
  const out = { ...details };
  for (const name of ["option", "field"]) {
    const value = out[name];
    if (typeof value !== "string" || !/^[A-Za-z0-9]+$/.test(value)) continue;
    const key = `pulsar.label.${value}`;
    const label = t(key);
    if (label !== key) out[name] = label;
  }
  return out;
}

/** An Error for done(err) / node.error: translated message, plus the stable code and details (property names kept). */
export function toNodeError(t: Translate, err: unknown): Error & { code: string; details: PulsarError["details"] } {
  const pe = asPulsarError(err);
  // An array element's error says why in the user's language too.
  const details = pe instanceof ArrayElementError ? { ...pe.details, reason: toNodeError(t, pe.element).message } : pe.details;
  const out = new Error(t(`pulsar.errors.${pe.code}`, withFieldLabels(t, details))) as Error & { code: string; details: PulsarError["details"] };
  out.code = pe.code;
  out.details = pe.details;
  return out;
}
