/**
 * Errors and editor messages name what the user sees in the dialog ("Issuer URL", "Send timeout"),
 * never the flow property behind it (oauth2IssuerUrl, sendTimeoutMillis). msg properties keep
 * their names (msg.topic): that is what a flow sets.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { NodeAPI } from "node-red";
import { configError, inputError } from "../../nodes/lib/protocol/errors";
import { toNodeError, translator } from "../../nodes/lib/i18n";

type Catalog = { [key: string]: string | Catalog };
const LOCALES = path.resolve(__dirname, "../../../nodes/locales/en-US");
const read = (file: string): Catalog => JSON.parse(fs.readFileSync(path.join(LOCALES, file), "utf8")) as Catalog;
const labels = (read("editor.json").pulsar as Catalog).label as Record<string, string>;

// A runtime whose RED._ knows no key: the bundled English catalog answers, as in the test helper.
const t = translator({ _: (key: string) => key } as unknown as NodeAPI);

function strings(catalog: Catalog | string, where: string): [string, string][] {
  if (typeof catalog === "string") return [[where, catalog]];
  return Object.entries(catalog).flatMap(([k, v]) => strings(v, `${where}.${k}`));
}

describe("errors name the dialog's fields, not flow properties", () => {
  it("an option error names the field's label, and keeps the property in its details", () => {
    const err = toNodeError(t, configError("option-number", { option: "sendTimeoutMillis", value: "soon", min: 0, max: 100 }));
    assert.match(err.message, /^Send timeout "soon"/);
    assert.doesNotMatch(err.message, /sendTimeoutMillis/);
    assert.equal(err.details.option, "sendTimeoutMillis");
  });

  it("OAuth2 errors name Issuer URL, Client id, Client secret", () => {
    for (const [field, label] of [["oauth2IssuerUrl", "Issuer URL"], ["oauth2ClientId", "Client id"], ["oauth2ClientSecret", "Client secret"]]) {
      const message = toNodeError(t, configError("oauth2-missing", { field })).message;
      assert.ok(message.includes(label) && !message.includes(field), message);
    }
  });

  it("a name refused for an admin request is named by its label where the dialog has one", () => {
    assert.match(toNodeError(t, inputError("admin-name-invalid", { field: "subscription", value: '"a/b"' })).message, /^Subscription "a\/b"/);
    // Not a field of any dialog: the word stays.
    assert.match(toNodeError(t, inputError("admin-name-invalid", { field: "position", value: '"x"' })).message, /^position "x"/);
  });

  it("no runtime error, status, log line or editor message names a flow property outside msg.*", () => {
    // Properties whose name differs from a plain word (camelCase), e.g. maxRedeliverCount.
    const properties = Object.keys(labels).filter((k) => /[A-Z]/.test(k));
    // Pulsar's server setting and msg.action values are what the user types or sets: they stay.
    const allowed = new Set(["webSocketMaxTextFrameSize", "webSocketServiceEnabled", "getSubscriptions", "deleteSubscription"]);
    const offenders: string[] = [];
    for (const file of ["runtime.json", "editor.json", "admin.json"]) {
      for (const [key, text] of strings(read(file), file)) {
        if (key.includes(".label.") || key.includes(".option.")) continue;
        for (const word of text.match(/(?<![.\w])[a-z][a-z0-9]*[A-Z]\w*/g) ?? []) {
          if (!allowed.has(word) || properties.includes(word)) offenders.push(`${key}: ${word}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });
});
