/**
 * The Node-RED editor as a user works it, for the browser test: palette, canvas, edit dialogs,
 * deploy, the sidebars and the import dialog. Every step waits for what it needs on screen
 * (bounded), never for a fixed time. The page's `RED` object is read only to find what a user sees
 * (a new node's id, a node's validity), never to act in the user's place.
 */
import assert from "node:assert/strict";
import type { Locator, Page } from "playwright-core";

/** A generous bound for one step on a loaded 2-core machine (Pulsar, Node-RED and Chromium). */
export const STEP_MS = 30000;

/** What the page's global `RED` offers to these helpers (the editor's own API). */
interface EditorNode {
  id: string;
  type: string;
  z?: string;
  valid?: boolean;
  validationErrors?: string[];
  [prop: string]: unknown;
}
interface EditorApi {
  nodes: {
    filterNodes(filter: { type?: string; z?: string }): EditorNode[];
    filterLinks(filter: { source?: { id: string }; target?: { id: string } }): unknown[];
    eachConfig(cb: (node: EditorNode) => void): void;
    getType(type: string): { defaults: Record<string, unknown>; credentials?: Record<string, unknown> } | undefined;
  };
  workspaces: { active(): string };
}
declare const RED: EditorApi;

export class Editor {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.waitForSelector(".red-ui-palette-node[data-palette-type='pulsar-in']", { timeout: 60000 });
  }

  paletteNode(type: string): Locator {
    return this.page.locator(`.red-ui-palette-node[data-palette-type='${type}']`);
  }

  /** Drags a node from the palette onto the canvas at (x, y) of the workspace; returns its id. */
  async addNode(type: string, x: number, y: number): Promise<string> {
    const before = await this.page.evaluate((t) => RED.nodes.filterNodes({ type: t }).map((n) => n.id), type);
    const source = this.paletteNode(type);
    await source.scrollIntoViewIfNeeded();
    const from = (await source.boundingBox())!;
    const canvas = (await this.page.locator("#red-ui-workspace-chart").boundingBox())!;
    await this.page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(canvas.x + x, canvas.y + y, { steps: 12 });
    await this.page.mouse.up();
    const id = await this.page.waitForFunction(
      ({ t, known }) => RED.nodes.filterNodes({ type: t }).map((n) => n.id).find((nid) => !known.includes(nid)),
      { t: type, known: before },
      { timeout: STEP_MS },
    );
    return (await id.jsonValue()) as string;
  }

  node(id: string): Locator {
    return this.page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id='${id}']`);
  }

  /** Opens a node's edit dialog by double-clicking it; resolves once `field` shows. */
  async edit(id: string, field: string): Promise<void> {
    await this.node(id).locator("rect.red-ui-flow-node").dblclick();
    await this.page.waitForSelector(field, { state: "visible", timeout: STEP_MS });
  }

  /** Shows a tab of an edit dialog (RED.tabs): its label is clicked until its content shows. */
  async openTab(contentId: string): Promise<void> {
    const content = this.page.locator(`#${contentId}`);
    for (let attempt = 0; attempt < 3 && !(await content.isVisible()); attempt++) {
      await this.page.click(`#red-ui-tab-${contentId} a.red-ui-tab-label`);
      await content.waitFor({ state: "visible", timeout: 5000 }).catch(() => undefined);
    }
    await content.waitFor({ state: "visible", timeout: STEP_MS });
  }

  /** Cancels whatever edit dialogs are open (after a failed step, so the next one starts clean). */
  async closeDialogs(): Promise<void> {
    for (const cancel of ["#node-config-dialog-cancel", "#node-dialog-cancel", "#red-ui-clipboard-dialog-cancel"]) {
      const button = this.page.locator(cancel);
      if (await button.isVisible()) {
        await button.click();
        await button.waitFor({ state: "hidden", timeout: STEP_MS });
      }
    }
  }

  /** Clicks the node dialog's Done and waits until the tray is gone. */
  async done(): Promise<void> {
    await this.page.click("#node-dialog-ok");
    await this.page.waitForSelector("#node-dialog-ok", { state: "detached", timeout: STEP_MS });
  }

  /** Wires the output port of `from` to the input port of `to` by dragging. */
  async wire(from: string, to: string): Promise<void> {
    const out = (await this.node(from).locator(".red-ui-flow-port-output").boundingBox())!;
    const inp = (await this.node(to).locator(".red-ui-flow-port-input").boundingBox())!;
    await this.page.mouse.move(out.x + out.width / 2, out.y + out.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(inp.x + inp.width / 2, inp.y + inp.height / 2, { steps: 12 });
    await this.page.mouse.up();
    await this.page.waitForFunction(({ f, t }) => RED.nodes.filterLinks({ source: { id: f }, target: { id: t } }).length === 1, { f: from, t: to }, { timeout: STEP_MS });
  }

  /** Deploys and waits for the success notification; fails on any dialog Node-RED opens instead. */
  async deploy(): Promise<void> {
    await this.page.click("#red-ui-header-button-deploy");
    const success = this.page.locator(".red-ui-notification", { hasText: "Successfully deployed" });
    const dialog = this.page.locator(".ui-dialog:visible");
    await Promise.race([success.first().waitFor({ timeout: STEP_MS }), dialog.first().waitFor({ timeout: STEP_MS })]);
    if (await dialog.count()) assert.fail(`deploy opened a dialog: ${await dialog.first().innerText()}`);
    // Let the notification go, so it does not cover the next screenshot or click.
    await success.first().waitFor({ state: "detached", timeout: STEP_MS }).catch(() => undefined);
  }

  /** Waits until the node's status shows `text` with a dot/ring of `fill`. */
  async waitForStatus(id: string, fill: string, text: RegExp): Promise<void> {
    await this.node(id).locator(`.red-ui-flow-node-status-dot-${fill}, .red-ui-flow-node-status-ring-${fill}`).waitFor({ timeout: STEP_MS });
    await this.node(id).locator(".red-ui-flow-node-status-label", { hasText: text }).waitFor({ timeout: STEP_MS });
  }

  /** The inject node's button. */
  async clickInject(id: string): Promise<void> {
    await this.node(id).locator(".red-ui-flow-node-button").click();
  }

  async showSidebar(tab: "debug" | "help" | "info"): Promise<void> {
    await this.page.click(`#red-ui-tab-${tab}-link-button`);
    await this.page.waitForSelector(`#red-ui-tab-${tab}.active, #red-ui-tab-${tab}-link-button.selected`, { timeout: STEP_MS });
  }

  /** Hovers a palette node and opens its help from the popover's book button; returns the help text. */
  async paletteHelp(type: string, heading: string): Promise<string> {
    await this.paletteNode(type).hover();
    const book = this.page.locator(`.red-ui-popover button:has(i.fa-book)`);
    await book.first().waitFor({ timeout: STEP_MS });
    await book.first().click();
    const panel = this.page.locator(".red-ui-help", { hasText: heading });
    await panel.first().waitFor({ timeout: STEP_MS });
    await this.page.mouse.move(5, 5); // away from the palette: the popover closes
    return panel.first().innerText();
  }

  /** Menu → Import → Examples → module → example, into a new flow tab; places and returns the tab id. */
  async importExample(module: string, example: string): Promise<string> {
    const tabBefore = await this.page.evaluate(() => RED.workspaces.active());
    await this.page.click("#red-ui-header-button-sidemenu");
    await this.page.click("#menu-item-import");
    await this.page.waitForSelector("#red-ui-clipboard-dialog", { state: "visible", timeout: STEP_MS });
    await this.page.click("#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples");
    const tree = this.page.locator("#red-ui-clipboard-dialog-import-tab-examples");
    const item = tree.getByText(example, { exact: true });
    if (!(await item.isVisible())) await tree.getByText(module, { exact: true }).click();
    await item.click();
    await this.page.click("#red-ui-clipboard-dialog-import-opt-new");
    await this.page.click("#red-ui-clipboard-dialog-ok");
    await this.page.waitForSelector("#red-ui-clipboard-dialog", { state: "hidden", timeout: STEP_MS });
    const tab = await this.page.waitForFunction((before) => {
      const active = RED.workspaces.active();
      return active !== before ? active : undefined;
    }, tabBefore, { timeout: STEP_MS });
    // Imported nodes follow the mouse until a click drops them: click without moving, so they
    // stay where the example placed them.
    await this.page.mouse.down();
    await this.page.mouse.up();
    return (await tab.jsonValue()) as string;
  }

  /** The nodes of a tab, and all config nodes, that the editor marks invalid, with its reasons. */
  async invalidNodes(tab: string): Promise<string[]> {
    return this.page.evaluate((z) => {
      const nodes: EditorNode[] = RED.nodes.filterNodes({ z });
      RED.nodes.eachConfig((n) => nodes.push(n));
      return nodes.filter((n) => n.valid === false).map((n) => `${n.type} ${n.id}: ${(n.validationErrors ?? []).join("; ")}`);
    }, tab);
  }

  /** Properties of flow nodes (as in a flow file) that their type, as registered in this editor, does not define. */
  async unknownProperties(flow: Record<string, unknown>[]): Promise<string[]> {
    const nodes = flow.map((n) => ({ type: String(n.type), keys: Object.keys(n) }));
    return this.page.evaluate((list) => {
      // Every node has these beside its type's defaults (position, tab, wires).
      const layout = ["id", "type", "z", "x", "y", "wires"];
      const unknown: string[] = [];
      for (const { type, keys } of list) {
        const def = RED.nodes.getType(type);
        if (!def) {
          unknown.push(`${type}: type not registered`);
          continue;
        }
        for (const key of keys) if (!layout.includes(key) && !(key in def.defaults)) unknown.push(`${type}.${key}`);
      }
      return unknown;
    }, nodes);
  }
}
