/**
 * Screenshots of every edit dialog of the package, each tab, for a look at their layout:
 * `npm run screenshots -- [out-dir]` (default test-output/screens). The package is installed from
 * its `npm pack` tarball into a fresh Node-RED, with a flow that holds one node of each kind; no
 * Pulsar is needed (the endpoint points at a closed port: the dialogs do not ask it anything).
 * Chromium: /usr/bin/chromium or CHROMIUM_PATH.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Locator, type Page } from "playwright-core";
import { Editor, STEP_MS } from "./editor";
import { packTarball, prepareUserDir, root, startNodeRed } from "./runtime";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** One node of each kind, all on one tab; pulsar-in twice (consumer with manual ack, and reader). */
function flow(): Record<string, unknown>[] {
  const z = "screens-tab";
  return [
    { id: z, type: "tab", label: "Dialogs" },
    { id: "ep", type: "pulsar-ws-endpoint", name: "local Pulsar", serviceUrl: "http://127.0.0.1:9", tenant: "public", namespace: "default", authType: "token" },
    { id: "keys", type: "pulsar-ws-keys", name: "app keys", keys: [{ name: "app-key", publicKey: "file:///etc/pulsar/app-key.pub.pem" }] },
    { id: "out", type: "pulsar-out", z, x: 300, y: 80, endpoint: "ep", topic: "orders", keys: "keys", wires: [] },
    { id: "consumer", type: "pulsar-in", z, x: 300, y: 160, endpoint: "ep", topic: "orders", mode: "subscription", subscription: "my-flow", ackMode: "manual", wires: [[]] },
    { id: "reader", type: "pulsar-in", z, x: 300, y: 240, endpoint: "ep", topic: "orders", mode: "reader", startMessageId: "earliest", wires: [[]] },
    { id: "admin", type: "pulsar-admin", z, x: 300, y: 320, endpoint: "ep", operation: "stats", topic: "orders", wires: [[]] },
  ];
}

/** Waits (bounded) until the tray has stopped sliding: the same box on two animation frames. */
async function steady(page: Page, tray: Locator): Promise<void> {
  const deadline = Date.now() + STEP_MS;
  let last = "";
  for (;;) {
    const box = JSON.stringify(await tray.boundingBox());
    if (box === last && box !== "null") return;
    if (Date.now() > deadline) throw new Error(`the dialog did not settle: ${box}`);
    last = box;
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  }
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? path.join(root, "test-output", "screens"));
  fs.mkdirSync(outDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-ws-screens-"));
  const userDir = path.join(work, "userdir");
  prepareUserDir(userDir, packTarball(work));
  const runtime = await startNodeRed({ userDir, logFile: path.join(work, "node-red.log") });
  const context = await chromium.launchPersistentContext(path.join(work, "chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    // Tall enough that the longest dialog tab shows whole, without the tray scrolling.
    viewport: { width: 1400, height: 1500 },
  });
  const written: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
    page.setDefaultTimeout(STEP_MS);
    const editor = new Editor(page);
    await editor.open(runtime.url);
    // The flow's nodes get every default their type defines in this editor (as a node dropped from
    // the palette does), then the flow is deployed and the editor reloaded with it.
    const defaults = await page.evaluate((types) => {
      const all: Record<string, Record<string, unknown>> = {};
      for (const type of types) {
        const def = (window as unknown as { RED: { nodes: { getType(t: string): { defaults: Record<string, { value: unknown }> } } } }).RED.nodes.getType(type);
        all[type] = Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]));
      }
      return all;
    }, ["pulsar-ws-endpoint", "pulsar-ws-keys", "pulsar-out", "pulsar-in", "pulsar-admin"]);
    const nodes = flow().map((n) => ({ ...(defaults[String(n.type)] ?? {}), ...n }));
    const deployed = await context.request.post(`${runtime.url}flows`, { data: nodes, headers: { "Node-RED-Deployment-Type": "full" } });
    if (!deployed.ok()) throw new Error(`deploying the dialogs' flow: HTTP ${deployed.status()} ${await deployed.text()}`);
    await editor.open(runtime.url);

    /** The topmost tray (the dialog being edited), as a PNG. */
    const shot = async (name: string): Promise<void> => {
      const file = path.join(outDir, `${name}.png`);
      // The pointer away from the tabs and buttons, so no tooltip covers the dialog.
      await page.mouse.move(1, 1);
      const tray = page.locator(".red-ui-tray").last();
      await steady(page, tray);
      await tray.screenshot({ path: file });
      written.push(file);
    };
    const cancel = async (button: string): Promise<void> => {
      await page.click(button);
      await page.waitForSelector(button, { state: "detached", timeout: STEP_MS });
    };
    const tabs = async (prefix: string, contents: [string, string][]): Promise<void> => {
      for (const [content, name] of contents) {
        await editor.openTab(content);
        await shot(`${prefix}-${name}`);
      }
    };

    // pulsar-out, then its endpoint and keys config nodes from its selectors' edit buttons.
    await editor.edit("out", "#node-input-topic");
    await tabs("pulsar-out", [["pulsar-out-tab-properties", "properties"], ["pulsar-out-tab-advanced", "advanced"]]);
    await page.click("#node-input-btn-keys-edit");
    await page.waitForSelector("#node-config-keys-list", { state: "visible" });
    await shot("pulsar-ws-keys");
    await cancel("#node-config-dialog-cancel");
    await editor.openTab("pulsar-out-tab-properties");
    await page.click("#node-input-btn-endpoint-edit");
    await page.waitForSelector("#node-config-input-serviceUrl", { state: "visible" });
    await tabs("endpoint", [["pulsar-ws-endpoint-tab-connection", "connection"], ["pulsar-ws-endpoint-tab-security", "security-token"]]);
    await page.selectOption("#node-config-input-authType", "oauth2");
    await shot("endpoint-security-oauth2");
    await page.check("#pulsar-ws-endpoint-usetls");
    await page.selectOption("#node-config-input-authType", "none");
    await shot("endpoint-security-none-tls");
    await tabs("endpoint", [["pulsar-ws-endpoint-tab-advanced", "advanced"]]);
    await cancel("#node-config-dialog-cancel");
    await cancel("#node-dialog-cancel");

    for (const [id, name] of [["consumer", "pulsar-in-consumer"], ["reader", "pulsar-in-reader"]]) {
      await editor.edit(id, "#node-input-topic");
      await tabs(name, [["pulsar-in-tab-properties", "properties"], ["pulsar-in-tab-advanced", "advanced"]]);
      await cancel("#node-dialog-cancel");
    }

    await editor.edit("admin", "#node-input-operation");
    await shot("pulsar-admin");
    await cancel("#node-dialog-cancel");
  } finally {
    await context.close().catch(() => undefined);
    await runtime.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`${written.length} screenshots in ${outDir}:\n${written.map((f) => `  ${path.basename(f)}`).join("\n")}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
