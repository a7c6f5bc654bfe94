/**
 * The editor, checked in a real browser: Debian's Chromium (driven by playwright-core) against a
 * real Node-RED runtime that has this package installed from its `npm pack` tarball, with a real
 * Pulsar that requires a token. A user builds inject → pulsar out and pulsar in → debug, creates
 * the endpoint in its config dialog (token typed as ${PULSAR_TOKEN}, which only the runtime can
 * resolve, and only once deployed), tests the connection, deploys and sees a message arrive in the
 * debug sidebar, picks a topic from the suggestions of the deployed endpoint; then imports and
 * deploys every example from the Import menu.
 * All HTTP and WebSocket traffic of the page is recorded: the token must never be in it.
 * Screenshots: test-output/browser/; the ones to look at when the editor's layout changes are also
 * copied to test-output/editor-shots/.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Aedes } from "aedes";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { startPulsar, type PulsarInstance } from "../../../harness/pulsar";
import { Editor, STEP_MS } from "./editor";
import { TrafficRecorder } from "./recorder";
import { freePort, packTarball, prepareUserDir, root, startNodeRed, type Runtime } from "./runtime";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
const MODULE = "@pulsar-ws/node-red-pulsar";
const OUT_DIR = path.join(root, "test-output", "browser");
// The screenshots a reviewer looks at for the editor's layout (dialog, help, suggestions, palette).
const REVIEW_DIR = path.join(root, "test-output", "editor-shots");
const TOPIC = "browser-e2e";
const EXAMPLES = fs.readdirSync(path.join(root, "examples")).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();

describe("the editor in a real browser (Chromium, packed package, Node-RED, Pulsar with auth)", function () {
  this.timeout(20 * 60 * 1000);
  let work: string;
  let pulsar: PulsarInstance | undefined;
  let broker: Aedes | undefined;
  let mqttServer: net.Server | undefined;
  let runtime: Runtime | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let editor: Editor;
  let recorder: TrafficRecorder;
  let token: string;
  const ids: Record<string, string> = {};
  const screenshots: string[] = [];

  async function shot(name: string, target?: Locator, review = false): Promise<void> {
    const file = path.join(OUT_DIR, `${name}.png`);
    await (target ?? page).screenshot({ path: file });
    screenshots.push(path.relative(root, file));
    if (review) fs.copyFileSync(file, path.join(REVIEW_DIR, `${name}.png`));
  }

  /** Code spans of the help sidebar that run past its right edge (the sidebar does not scroll sideways). */
  async function codeOffTheEdge(): Promise<string[]> {
    const sidebar = (await page.locator("#red-ui-sidebar").boundingBox())!;
    const off: string[] = [];
    for (const code of await page.locator("#red-ui-sidebar .red-ui-help code").all()) {
      const box = await code.boundingBox();
      if (box && box.x + box.width > sidebar.x + sidebar.width) off.push(await code.innerText());
    }
    return off;
  }

  let paletteCleared = true;

  /**
   * Types `value` into the palette filter and waits until the palette shows `shown` and hides
   * `hidden`. Node-RED refreshes the palette 100 ms after the last key (searchBox delay). On
   * clearing the filter, a category the filter had hidden sometimes stays closed (3 of the last 5
   * runs here, in Node-RED 4.1), so the filter is typed again, three times at most, and says so.
   */
  async function filterPalette(value: string, shown: string, hidden?: string): Promise<void> {
    const input = page.locator("#red-ui-palette-search input");
    for (let attempt = 1; ; attempt++) {
      await input.fill("");
      if (value) await input.pressSequentially(value);
      else await input.press("Backspace");
      try {
        await editor.paletteNode(shown).waitFor({ state: "visible", timeout: 5000 });
        if (hidden) await editor.paletteNode(hidden).waitFor({ state: "hidden", timeout: 5000 });
        return;
      } catch (err) {
        if (attempt === 3) throw err;
        console.error(`      palette filter "${value}": not refreshed, typed again (${attempt})`);
        await input.pressSequentially("x");
      }
    }
  }

  /** The suggestion list as shown, after the lookup button was clicked; [] when none opened. */
  async function lookupList(button: string): Promise<string[]> {
    await page.click(button);
    const menu = page.locator(".red-ui-autoComplete-container");
    // Either the list opens, or the hint line under the field says why not.
    await Promise.race([
      menu.locator("li").first().waitFor({ timeout: STEP_MS }),
      page.locator(`${button}-status .pulsar-ws-test-line:not(.pulsar-ws-level-running)`).waitFor({ timeout: STEP_MS }),
    ]);
    if (!(await menu.isVisible())) return [];
    await slidDown(menu);
    return menu.locator("li").allInnerTexts();
  }

  /** Waits (bounded) until the suggestion menu has slid open to show its items (up to its 200px cap). */
  async function slidDown(menu: Locator): Promise<void> {
    const deadline = Date.now() + STEP_MS;
    for (;;) {
      const box = await menu.boundingBox();
      const item = await menu.locator("li").first().boundingBox();
      const count = await menu.locator("li").count();
      if (box && item && box.height >= Math.min(200, count * item.height) - 2) return;
      if (Date.now() > deadline) assert.fail(`the suggestion menu did not open: ${JSON.stringify(box)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const testResult = (): Locator => page.locator("#pulsar-ws-endpoint-test-result");

  /** Clicks Test connection and waits for its verdict. */
  async function testConnection(expected: "ok" | "error"): Promise<string> {
    await page.click("#pulsar-ws-endpoint-test");
    await page.waitForSelector(`#pulsar-ws-endpoint-test-result:not([data-state='running'])[data-state]`, { timeout: STEP_MS });
    const text = await testResult().innerText();
    assert.equal(await testResult().getAttribute("data-state"), expected, text);
    return text;
  }

  async function expectMarked(selector: string, marked: boolean): Promise<void> {
    // Node-RED validates a field when it changes, i.e. when the user leaves it.
    await page.locator(selector).dispatchEvent("change");
    await page.waitForSelector(marked ? `${selector}.input-error` : `${selector}:not(.input-error)`, { timeout: STEP_MS });
  }

  /** Opens the topic suggestions with the lookup button and picks `item`; resolves with all offered. */
  async function pickSuggestion(button: string, item: string): Promise<string[]> {
    await page.click(button);
    const menu = page.locator(".red-ui-autoComplete-container");
    await menu.getByText(item, { exact: true }).waitFor({ timeout: STEP_MS });
    const offered = await menu.locator("li").allInnerTexts();
    await menu.getByText(item, { exact: true }).click();
    return offered;
  }

  /** Opens pulsar out's dialog unless it is open already (a case before may have left it open). */
  async function editOut(): Promise<void> {
    if (!(await page.locator("#node-input-topic").isVisible())) await editor.edit(ids.out, "#node-input-topic");
  }

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: the browser test needs Debian's chromium (apt-get install chromium; .ci/run installs it), or CHROMIUM_PATH`);
    }
    for (const dir of [OUT_DIR, REVIEW_DIR]) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-ws-browser-"));

    const userDir = path.join(work, "userdir");
    prepareUserDir(userDir, packTarball(work));
    pulsar = await startPulsar({ line: "4.2", auth: true });
    token = pulsar.tokens!.admin;
    // The topic exists before the user looks for it, as in a real namespace.
    const created = await pulsar.admin("PUT", `/admin/v2/persistent/public/default/${TOPIC}`);
    assert.equal(created.status, 204, `creating ${TOPIC}: HTTP ${created.status} ${created.body}`);

    // The MQTT example's broker: port through MQTT_PORT, as the example expects.
    broker = await Aedes.createBroker();
    mqttServer = net.createServer(broker.handle);
    const mqttPort = await freePort();
    await new Promise<void>((resolve) => mqttServer!.listen(mqttPort, "127.0.0.1", resolve));

    runtime = await startNodeRed({ userDir, logFile: path.join(OUT_DIR, "node-red.log"), env: { PULSAR_TOKEN: token, MQTT_PORT: String(mqttPort) } });
    context = await chromium.launchPersistentContext(path.join(work, "chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    // A script error in an editor page is what keeps a dialog from opening: say it where it happens.
    page.on("pageerror", (err) => console.error(`      page error: ${err.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") console.error(`      console error: ${m.text()}`);
    });
    page.setDefaultTimeout(STEP_MS);
    recorder = await TrafficRecorder.attach(context, page);
    editor = new Editor(page);
    await editor.open(runtime.url);
  });

  after(async function () {
    this.timeout(120000);
    await context?.close().catch(() => undefined);
    await runtime?.stop();
    if (broker) await new Promise<void>((resolve) => broker!.close(() => resolve()));
    if (mqttServer) await new Promise<void>((resolve) => mqttServer!.close(() => resolve()));
    await pulsar?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (screenshots.length) console.log(`      screenshots (${screenshots.length}): ${screenshots.join(", ")}`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed") {
      await shot(`failed-${(this.currentTest.title).replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60).toLowerCase()}`).catch(() => undefined);
      await editor.closeDialogs().catch(() => undefined);
    }
  });

  it("the palette shows pulsar in, then pulsar out, with the package's icon", async () => {
    // The palette filter reacts to key presses: type, and wait until other nodes are filtered out.
    try {
      await filterPalette("pulsar", "pulsar-in", "inject");
      for (const [type, label] of [["pulsar-in", "pulsar in"], ["pulsar-out", "pulsar out"]]) {
        const node = editor.paletteNode(type);
        await node.waitFor({ state: "visible" });
        assert.equal((await node.innerText()).replace(/\s+/g, " ").trim(), label);
        const icon = await node.locator(".red-ui-palette-icon").getAttribute("style");
        assert.match(icon ?? "", /icons\/@pulsar-ws\/node-red-pulsar\/pulsar\.svg/);
      }
      await shot("palette", page.locator("#red-ui-palette"), true);
      // In before out, as core's mqtt in / mqtt out.
      const inBox = (await editor.paletteNode("pulsar-in").boundingBox())!;
      const outBox = (await editor.paletteNode("pulsar-out").boundingBox())!;
      assert.ok(inBox.y < outBox.y, `pulsar in (y ${inBox.y}) should come before pulsar out (y ${outBox.y})`);
      // The icon is served (not a broken image).
      const svg = await context!.request.get(`${runtime!.url}icons/@pulsar-ws/node-red-pulsar/pulsar.svg`);
      assert.equal(svg.status(), 200);
      assert.match(svg.headers()["content-type"] ?? "", /svg/);
      assert.match(await svg.text(), /<svg/);
    } finally {
      // Whatever failed, the next tests need the whole palette back (a failure here must not hide
      // the first one: it is logged, and thrown only when the checks above passed).
      await filterPalette("", "inject").catch((err: unknown) => {
        console.error(`      clearing the palette filter failed: ${String(err)}`);
        paletteCleared = false;
      });
    }
    assert.ok(paletteCleared, "the palette filter could not be cleared");
  });

  it("the help panel shows each node's help", async () => {
    await editor.showSidebar("help");
    for (const type of ["pulsar-in", "pulsar-out"]) {
      const text = await editor.paletteHelp(type, "Inputs");
      assert.match(text, /Apache Pulsar/);
      assert.match(text, /Outputs/);
      assert.match(text, /Details/);
      assert.match(text, /pulsar\.messageId/);
      await shot(`help-${type}`, page.locator("#red-ui-sidebar"));
      assert.deepEqual(await codeOffTheEdge(), [], `${type} help: code running off the sidebar`);
    }
  });

  it("builds inject → pulsar out and pulsar in → debug on the canvas", async () => {
    ids.inject = await editor.addNode("inject", 120, 100);
    ids.out = await editor.addNode("pulsar-out", 360, 100);
    ids.in = await editor.addNode("pulsar-in", 120, 200);
    ids.debug = await editor.addNode("debug", 400, 200);
    await editor.wire(ids.inject, ids.out);
    await editor.wire(ids.in, ids.debug);
  });

  it("the endpoint config dialog marks invalid input, and Test connection reports success and, for a wrong URL, the failure", async () => {
    await editor.edit(ids.out, "#node-input-topic");
    await page.click("#node-input-btn-endpoint-add");
    await page.waitForSelector("#node-config-input-serviceUrl", { state: "visible" });
    await page.fill("#node-config-input-name", "browser Pulsar");

    await page.fill("#node-config-input-serviceUrl", "ftp://pulsar.example");
    await expectMarked("#node-config-input-serviceUrl", true);
    await shot("dialog-endpoint-invalid-url");
    await page.fill("#node-config-input-serviceUrl", pulsar!.httpUrl);
    await expectMarked("#node-config-input-serviceUrl", false);

    // The token is typed as an environment reference: only the runtime knows its value.
    await editor.openTab("pulsar-ws-endpoint-tab-security");
    // A new endpoint starts with Authentication "none"; the token field shows once "token" is chosen.
    await page.selectOption("#node-config-input-authType", "token");
    await page.fill("#node-config-input-token", "${PULSAR_TOKEN}");
    await shot("dialog-endpoint-security");
    await editor.openTab("pulsar-ws-endpoint-tab-advanced");
    await shot("dialog-endpoint-advanced");
    await editor.openTab("pulsar-ws-endpoint-tab-connection");

    // Test connection never resolves a reference typed in the dialog (the runtime would send its
    // environment to whatever URL the dialog names): before deploy it says so, and sends nothing.
    // The same endpoint, deployed, is tested with its token below ("after deploy").
    const refused = await testConnection("error");
    assert.match(refused, /reference: Test connection resolves those only as deployed/);
    await shot("dialog-endpoint-test-reference");

    // Without a token: the admin API of this Pulsar (with auth) is reached and refuses.
    await editor.openTab("pulsar-ws-endpoint-tab-security");
    await page.selectOption("#node-config-input-authType", "none");
    await editor.openTab("pulsar-ws-endpoint-tab-connection");
    const unauthorized = await testConnection("error");
    assert.match(unauthorized, /401|unauthori[sz]ed|not authorized/i);
    const closed = await freePort();
    await page.fill("#node-config-input-serviceUrl", `http://127.0.0.1:${closed}`);
    const failed = await testConnection("error");
    assert.match(failed, new RegExp(`Cannot reach 127\\.0\\.0\\.1:${closed}: ECONNREFUSED`));
    await shot("dialog-endpoint-test-failure");

    await page.fill("#node-config-input-serviceUrl", pulsar!.httpUrl);
    await editor.openTab("pulsar-ws-endpoint-tab-security");
    await page.selectOption("#node-config-input-authType", "token");
    await page.fill("#node-config-input-token", "${PULSAR_TOKEN}");
    await editor.openTab("pulsar-ws-endpoint-tab-connection");
    // The endpoint's help, from the dialog's help button.
    await page.click(".red-ui-tray-footer button:has(i.fa-book)");
    await page.locator(".red-ui-help", { hasText: "Test connection" }).first().waitFor();
    // The longest code spans of all (the v1 and v2 URL forms) are in the endpoint's help.
    await page.locator("#red-ui-sidebar .red-ui-help code", { hasText: "{cluster}" }).first().scrollIntoViewIfNeeded();
    await shot("help-pulsar-ws-endpoint", page.locator("#red-ui-sidebar"), true);
    assert.deepEqual(await codeOffTheEdge(), [], "endpoint help: code running off the sidebar");
    await page.click("#node-config-dialog-ok");
    await page.waitForSelector("#node-config-input-serviceUrl", { state: "detached" });
  });

  it("pulsar out: an invalid topic is marked", async () => {
    await page.fill("#node-input-topic", "a/b");
    await expectMarked("#node-input-topic", true);
    await shot("dialog-pulsar-out-invalid-topic");
    await page.fill("#node-input-topic", TOPIC);
    await expectMarked("#node-input-topic", false);
    await shot("dialog-pulsar-out");
    await editor.openTab("pulsar-out-tab-advanced");
    await shot("dialog-pulsar-out-advanced");
    await editor.done();
  });

  it("pulsar in: the endpoint is chosen from the list; a missing subscription is marked", async () => {
    await editor.edit(ids.in, "#node-input-topic");
    // The node was placed before the endpoint existed: choose it, as a user does.
    await page.selectOption("#node-input-endpoint", { label: "browser Pulsar" });
    await page.fill("#node-input-topic", TOPIC);
    await page.fill("#node-input-subscription", "");
    await expectMarked("#node-input-subscription", true);
    await shot("dialog-pulsar-in-invalid-subscription");
    await page.fill("#node-input-subscription", TOPIC);
    await expectMarked("#node-input-subscription", false);
    await page.selectOption("#node-input-initialPosition", "Earliest");
    await shot("dialog-pulsar-in");
    await editor.openTab("pulsar-in-tab-advanced");
    await shot("dialog-pulsar-in-advanced", undefined, true);
    // A checkbox's text sits right of the box on one line, not wrapped under the label column.
    const box = (await page.locator("#node-input-durable").boundingBox())!;
    const text = (await page.locator("#pulsar-in-tab-advanced").getByText(/^Durable subscription/).last().boundingBox())!;
    const oneLine = (await page.locator("label[for='node-input-consumerName']").boundingBox())!;
    assert.ok(text.x >= box.x + box.width, `Durable text starts at x ${text.x}, the checkbox ends at ${box.x + box.width}`);
    assert.ok(text.height < oneLine.height * 1.5, `Durable text is ${text.height}px high, one line is ${oneLine.height}px`);
    await editor.done();
  });

  it("deploys: pulsar out and pulsar in show the green connected status", async () => {
    await editor.deploy();
    await editor.waitForStatus(ids.out, "green", /connected/);
    await editor.waitForStatus(ids.in, "green", /connected/);
    await shot("flow-running");
  });

  it("an inject click produces a message that reaches the debug sidebar", async () => {
    await editor.showSidebar("debug");
    await editor.clickInject(ids.inject);
    const message = page.locator("#red-ui-sidebar .red-ui-debug-msg", { hasText: `persistent://public/default/${TOPIC}` });
    await message.first().waitFor({ timeout: STEP_MS });
    await shot("flow-debug-message");
  });

  it("Test connection after deploy uses the stored token (shown only as a placeholder)", async () => {
    await editor.edit(ids.out, "#node-input-topic");
    await page.click("#node-input-btn-endpoint-edit");
    await page.waitForSelector("#node-config-input-serviceUrl", { state: "visible" });
    assert.equal(await page.inputValue("#node-config-input-token"), "__PWRD__");
    assert.match(await testConnection("ok"), /Admin API/);
    await page.click("#node-config-dialog-cancel");
    await page.waitForSelector("#node-config-input-serviceUrl", { state: "detached" });
    await page.click("#node-dialog-cancel");
    await page.waitForSelector("#node-dialog-cancel", { state: "detached" });
  });

  // Topic suggestions go out for the deployed endpoint, with its stored token: a ${PULSAR_TOKEN} typed
  // in a dialog is never resolved by the runtime (it would send its environment to any URL the
  // dialog names), so before the deploy they would only say so.
  it("pulsar out: topic suggestions from Pulsar (tenants → namespaces → topics), never internal topics", async () => {
    await editOut();
    // The deployed node has a topic; the suggestions for an empty field come first.
    await page.fill("#node-input-topic", "");
    const top = await lookupList("#pulsar-out-topic-lookup");
    assert.ok(top.includes(TOPIC) && top.includes("pulsar/"), `offered for an empty field: ${top.join(", ")}`);
    assert.deepEqual(top.filter((item) => /(^|\/)__/.test(item)), [], "internal topics offered");
    const tenants = await pickSuggestion("#pulsar-out-topic-lookup", "public/");
    assert.ok(tenants.includes("pulsar/"), `tenants offered: ${tenants.join(", ")}`);
    await page.locator(".red-ui-autoComplete-container").getByText("public/default/", { exact: true }).waitFor();
    await page.locator(".red-ui-autoComplete-container").getByText("public/default/", { exact: true }).click();
    const topics = page.locator(".red-ui-autoComplete-container");
    await topics.getByText(`public/default/${TOPIC}`, { exact: true }).waitFor();
    await slidDown(topics);
    assert.deepEqual((await topics.locator("li").allInnerTexts()).filter((item) => item.includes("__")), [], "internal topics offered");
    await shot("dialog-pulsar-out-suggestions", undefined, true);
    await page.keyboard.press("Escape");
  });

  it("pulsar out: the lookup button next to a filled Topic field lists what starts with it, the exact name too", async () => {
    await editOut();
    await page.fill("#node-input-topic", TOPIC);
    assert.deepEqual(await lookupList("#pulsar-out-topic-lookup"), [TOPIC]);
    await shot("dialog-pulsar-out-suggestions-filled", undefined, true);
    await page.keyboard.press("Escape");
    await page.fill("#node-input-topic", "no-such-topic-prefix");
    assert.deepEqual(await lookupList("#pulsar-out-topic-lookup"), []);
    const hint = page.locator("#pulsar-out-topic-lookup-status");
    assert.match(await hint.innerText(), /no-such-topic-prefix/);
    await shot("dialog-pulsar-out-suggestions-none", undefined, true);
    // Looked at, not changed: the deployed flow stays as it is.
    await page.click("#node-dialog-cancel");
    await page.waitForSelector("#node-dialog-cancel", { state: "detached" });
  });

  for (const example of EXAMPLES) {
    it(`imports "${example}" from Import → Examples and deploys it without errors`, async function () {
      if (example === "End-to-end encryption") {
        // Its keys node reads key files the user makes first (its comment says how): deployed as
        // imported it reports their absence by design. test/examples runs it with real keys.
        console.log("      skipped: the encryption example needs the key files its comment tells the user to make");
        this.skip();
      }
      const flow = JSON.parse(fs.readFileSync(path.join(root, "examples", `${example}.json`), "utf8")) as Record<string, unknown>[];
      await editor.showSidebar("info");
      const tab = await editor.importExample(MODULE, example);
      assert.deepEqual(await editor.invalidNodes(tab), [], "the editor marks nodes of the example invalid");
      assert.deepEqual(await editor.unknownProperties(flow), [], "the example sets properties its node types do not have");
      const logBefore = runtime!.log().length;
      await editor.deploy();
      // The deployed flow starts: its pulsar nodes show a status (they reach for http://localhost:8080).
      const pulsarNode = flow.find((n) => n.type === "pulsar-in" || n.type === "pulsar-out")!;
      await editor.node(String(pulsarNode.id)).locator(".red-ui-flow-node-status-label").waitFor();
      await shot(`example-${example.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}`);
      const errors = runtime!.log().slice(logBefore).split("\n").filter((line) => /\[error\]/.test(line));
      assert.deepEqual(errors, [], "the runtime logged errors after the deploy");
    });
  }

  it("the token never crossed the browser's network (requests, responses, WebSocket frames)", async () => {
    await recorder.settle();
    fs.writeFileSync(path.join(OUT_DIR, "traffic-summary.json"), JSON.stringify({
      requests: recorder.count("request"),
      responses: recorder.count("response"),
      wsFrames: recorder.count("ws-sent") + recorder.count("ws-received"),
    }, null, 2));
    // The recording saw the calls that matter, with their bodies.
    assert.ok(recorder.count("response", "/pulsar-ws-endpoint/test") >= 3, "Test connection answers recorded");
    assert.ok(recorder.count("response", "/pulsar-ws-endpoint/lookup") >= 2, "topic suggestion answers recorded");
    assert.ok(recorder.count("ws-received", "/comms") > 10, "status and debug frames recorded");
    assert.ok(recorder.containing("${PULSAR_TOKEN}").some((e) => e.direction === "request" && e.url.endsWith("/flows")), "the deploy body (with the typed reference) was recorded");
    const leaks = recorder.containing(token);
    assert.deepEqual(leaks.map((e) => `${e.direction} ${e.url}`), [], "the token appeared in the browser's traffic");
  });
});
