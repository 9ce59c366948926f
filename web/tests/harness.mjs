// Test harness: starts `reelgraph serve` on the model that run-tests.sh trained and
// loaded, drives Debian's Chromium with playwright-core, tracks console errors and
// saves screenshots to test-artifacts/web/.
//
// Environment (set by run-tests.sh):
//   REELGRAPH_BIN         the reelgraph binary
//   REELGRAPH_WEB_MODELS  model root the version was trained into (`--from`)
//   REELGRAPH_WEB_DB      metadata store URL (`--db`)
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.resolve(WEB_DIR, "..");
export const ARTIFACTS = path.join(ROOT, "test-artifacts", "web");

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests through web/run-tests.sh BIN`);
  return v;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A running `reelgraph serve`; stop() and start() again on the same port. */
export class Server {
  constructor(port) {
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.log = path.join(ARTIFACTS, `serve-${port}.log`);
  }

  async start() {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const out = fs.openSync(this.log, "a");
    const args = ["serve", "--port", String(this.port), "--from", need("REELGRAPH_WEB_MODELS"), "--vectors", "embedded", "--db", need("REELGRAPH_WEB_DB"), "--web", WEB_DIR];
    this.proc = spawn(need("REELGRAPH_BIN"), args, { cwd: ROOT, stdio: ["ignore", out, out] });
    fs.closeSync(out);
    let exited = null;
    this.proc.once("exit", (code, sig) => (exited = `exited with ${code ?? sig}`));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (exited) break;
      try {
        const r = await fetch(`${this.base}/health`);
        if (r.ok) return this;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const tail = fs.existsSync(this.log) ? fs.readFileSync(this.log, "utf8").slice(-3000) : "";
    await this.stop();
    throw new Error(`reelgraph serve ${exited || "did not answer /health within 60 s"}; log ${this.log}:\n${tail}`);
  }

  async stop() {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise((resolve) => {
      const t = setTimeout(() => p.kill("SIGKILL"), 5000);
      p.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
      p.kill("SIGTERM");
    });
  }

  async api(pathname, init) {
    const r = await fetch(this.base + pathname, init);
    const body = await r.json();
    if (!r.ok) throw new Error(`${pathname}: HTTP ${r.status} ${JSON.stringify(body)}`);
    return body;
  }
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}

/**
 * A page that records console errors, page errors and failed requests.
 * `allow` lists what a test expects the browser itself to log as an error
 * (a failed network load it provoked on purpose), each as { text: RegExp, url: RegExp }.
 */
export async function newPage(browser, { viewport = { width: 1280, height: 900 }, mobile = false } = {}) {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: 1, reducedMotion: "reduce" });
  const page = await context.newPage();
  page.errors = [];
  // make-dataset.mjs gives some movies a poster URL on a closed loopback port: the
  // browser logs their failed loads, which the UI answers with the placeholder
  page.allow = [{ text: /^Failed to load resource: net::ERR_/, url: /^https:\/\/127\.0\.0\.1:9\/posters\// }];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const url = m.location().url || "";
    const text = m.text();
    if (page.allow.some((a) => a.text.test(text) && a.url.test(url))) return;
    page.errors.push(`console.error: ${text} (${url})`);
  });
  page.on("pageerror", (e) => page.errors.push(`uncaught: ${e.message}`));
  return page;
}

export async function closePage(page) {
  await page.context().close();
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // let toasts and transitions settle so the picture shows the page itself
  await page.evaluate(() => document.getElementById("toast")?.classList.remove("show"));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Ids of the movie tiles inside a grid, in order. */
export async function tileIds(page, selector) {
  return page.$$eval(`${selector} .tile`, (ts) => ts.map((t) => Number(t.dataset.id)));
}

/** The page's stored state (localStorage "reelgraph.v1"). */
export async function stored(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem("reelgraph.v1") || "null"));
}

/** The document must not be wider than the viewport (no horizontal scrolling). */
export async function overflowX(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Controls without an accessible name and images without alt text. */
export async function unlabelled(page) {
  return page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll("button, a[href], input, select, textarea")) {
      if (el.closest("[hidden]") || el.type === "hidden") continue;
      const name =
        el.getAttribute("aria-label") ||
        (el.getAttribute("aria-labelledby") && document.getElementById(el.getAttribute("aria-labelledby"))?.textContent) ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent) ||
        el.closest("label")?.textContent ||
        (el.tagName === "INPUT" || el.tagName === "SELECT" ? "" : el.textContent);
      if (!name || !name.trim()) bad.push(el.outerHTML.slice(0, 120));
    }
    for (const img of document.querySelectorAll("img")) if (!img.alt) bad.push(img.outerHTML.slice(0, 120));
    return bad;
  });
}
