// The UI as infra/deploy.sh publishes it, under the headers template.yaml's CloudFront
// gives it: the files `infra/deploy.sh --dry-run web` stages (assets under r/HASH/, the
// rewritten index.html, the same-origin env-config.js), served with the Content-Type and
// Cache-Control that step would set and the response-headers policy of the template
// (Content-Security-Policy, nosniff, X-Frame-Options, Referrer-Policy), the API's paths
// proxied to `reelgraph serve` as CloudFront routes them. The UI must work there with no
// CSP violation but the blocking of plain-http poster images (which it replaces by the
// placeholder); /docs likewise under the docs policy.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { closePage, freePort, launch, newPage, ROOT, screenshot, Server } from "./harness.mjs";

/** The security headers of a response-headers policy of template.yaml, by resource name. */
function policyHeaders(template, resource) {
  const lines = template.split("\n");
  const start = lines.findIndex((l) => l === `  ${resource}:`);
  assert.ok(start >= 0, `${resource} in template.yaml`);
  const end = lines.findIndex((l, i) => i > start && /^  \S/.test(l));
  const block = lines.slice(start, end);
  const value = (key) => {
    // The key with a value (ContentSecurityPolicy and ReferrerPolicy are also the
    // names of the blocks that hold them).
    const i = block.findIndex((l) => l.trim().startsWith(`${key}:`) && l.trim().length > key.length + 1);
    assert.ok(i >= 0, `${key} in ${resource}`);
    const v = block[i].trim().slice(key.length + 1).trim();
    if (v !== ">-") return v;
    // A folded scalar: the following, more indented lines joined by spaces.
    const indent = block[i].search(/\S/);
    const parts = [];
    for (const l of block.slice(i + 1)) {
      if (l.search(/\S/) <= indent) break;
      parts.push(l.trim());
    }
    return parts.join(" ");
  };
  const csp = value("ContentSecurityPolicy");
  assert.match(csp, /default-src 'self'/, `${resource}: ${csp}`);
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "x-frame-options": value("FrameOption"),
    "referrer-policy": value("ReferrerPolicy"),
  };
}

/** Stages the site with deploy.sh's dry run; returns { dir, files: key -> {type, cache} }. */
function stageSite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reelgraph-deployed-"));
  const plan = execFileSync("bash", [path.join(ROOT, "infra/deploy.sh"), "--dry-run", "web"], {
    cwd: ROOT,
    env: { ...process.env, REELGRAPH_WEB_STAGE: dir },
    encoding: "utf8",
  });
  const files = new Map();
  const re = /s3:\/\/\{WebsiteBucketName\}\/(\S+) --content-type '([^']*)' --cache-control (?:'([^']*)'|(\S+))/;
  for (const line of plan.split("\n")) {
    const m = line.startsWith("+ aws ") && re.exec(line);
    if (m) files.set(m[1], { type: m[2], cache: m[3] ?? m[4] });
  }
  assert.ok(files.has("index.html") && files.has("env-config.js"), plan);
  return { dir, files };
}

const API = [/^\/api\//, /^\/health$/, /^\/ready$/, /^\/openapi\.json$/, /^\/docs/, /^\/(getRandom|getInfo|getSimilarUser|getImage|countTable)$/];

/** The distribution: the staged bucket, and the API's paths proxied to `api`. */
function edge(site, api, siteHeaders, docsHeaders) {
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://edge");
      if (API.some((r) => r.test(url.pathname))) {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const r = await fetch(api + req.url, {
          method: req.method,
          headers: { "content-type": req.headers["content-type"] || "application/json", accept: req.headers.accept || "*/*" },
          body: ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks),
          redirect: "manual",
        });
        const headers = Object.fromEntries([...r.headers].filter(([k]) => !["content-encoding", "content-length", "transfer-encoding", "connection"].includes(k)));
        res.writeHead(r.status, { ...headers, ...(url.pathname.startsWith("/docs") ? docsHeaders : siteHeaders) });
        res.end(Buffer.from(await r.arrayBuffer()));
        return;
      }
      const key = url.pathname === "/" ? "index.html" : decodeURIComponent(url.pathname.slice(1));
      const meta = site.files.get(key);
      if (!meta) {
        // S3 behind origin access control: a missing key is 403.
        res.writeHead(403, { "content-type": "application/xml", ...siteHeaders });
        res.end("<Error><Code>AccessDenied</Code></Error>");
        return;
      }
      res.writeHead(200, { "content-type": meta.type, "cache-control": meta.cache, ...siteHeaders });
      res.end(fs.readFileSync(path.join(site.dir, key)));
    } catch (e) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(String(e));
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() })));
}

let server;
let browser;
let site;
let cdn;
let headers;

before(async () => {
  const template = fs.readFileSync(path.join(ROOT, "template.yaml"), "utf8");
  headers = { site: policyHeaders(template, "SiteHeadersPolicy"), docs: policyHeaders(template, "DocsHeadersPolicy") };
  site = stageSite();
  server = await new Server(await freePort()).start();
  cdn = await edge(site, server.base, headers.site, headers.docs);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  cdn?.close();
  await server?.stop();
  if (site) fs.rmSync(site.dir, { recursive: true, force: true });
});

/** A page that records CSP violations (window.__csp). */
async function cspPage() {
  const page = await newPage(browser);
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
  });
  return page;
}

async function violations(page) {
  return page.evaluate(() => window.__csp);
}

describe("the UI as deployed, under the template's CloudFront headers", () => {
  test("the staged site: assets under the release, index.html and env-config.js not cached", () => {
    const release = [...site.files.keys()].find((k) => k.startsWith("r/")).split("/").slice(0, 2).join("/");
    const index = fs.readFileSync(path.join(site.dir, "index.html"), "utf8");
    assert.match(index, new RegExp(`<script type="module" src="${release}/js/app.js">`));
    assert.match(index, new RegExp(`href="${release}/style.css"`));
    assert.equal(site.files.get("index.html").cache, "no-cache");
    assert.equal(site.files.get("env-config.js").cache, "no-cache");
    assert.equal(site.files.get(`${release}/js/app.js`).cache, "public, max-age=31536000, immutable");
    assert.match(fs.readFileSync(path.join(site.dir, "env-config.js"), "utf8"), /API_BASE_URL: ""/);
  });

  test("rate, recommendations, a movie and search work with no CSP violation", async () => {
    const page = await cspPage();
    const doc = await page.goto(`${cdn.base}/#/rate`);
    assert.equal(doc.headers()["content-security-policy"], headers.site["content-security-policy"]);
    assert.equal(doc.headers()["x-frame-options"], "DENY");
    // The policy is in force: an inline script is refused (then forgotten, with its report).
    const ran = await page.evaluate(async () => {
      const s = document.createElement("script");
      s.textContent = "window.__inline = true";
      document.head.append(s);
      await new Promise((r) => setTimeout(r, 100));
      return window.__inline === true;
    });
    assert.equal(ran, false, "an inline script ran");
    assert.ok((await page.evaluate(() => window.__csp)).some((v) => v.directive === "script-src-elem" && v.blocked === "inline"));
    await page.evaluate(() => (window.__csp = []));
    page.errors.length = 0;
    for (let i = 0; i < 4; i++) {
      const card = page.locator(".stage .card");
      await card.waitFor();
      const id = await card.getAttribute("data-id");
      await page.getByRole("button", { name: i === 2 ? "Dislike" : "Like", exact: true }).click();
      await page.waitForFunction((old) => document.querySelector(".stage .card")?.dataset.id !== old, id);
    }
    await page.getByRole("link", { name: /See recommendations/ }).first().click();
    await page.locator("#recs-grid").waitFor();
    const tile = page.locator("#recs-grid .tile").first();
    const title = (await tile.locator(".tile-title").textContent()).trim();
    await tile.locator(".tile-link").click();
    await page.locator("#movie-title").filter({ hasText: title }).waitFor();
    await page.locator("#similar-grid").waitFor();
    await page.getByRole("searchbox", { name: "Search movies by title" }).fill(title);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/#\/search\?q=/);
    await page.locator("#search-grid").waitFor();
    assert.ok((await page.locator("#search-grid .tile-title").allTextContents()).includes(title));
    // Every poster shown is an image that loaded, or the text fallback.
    await page.waitForFunction(() => [...document.querySelectorAll(".poster img")].every((i) => i.complete));
    await screenshot(page, "deployed-search");
    assert.deepEqual(await violations(page), [], "CSP violations");
    assert.deepEqual(page.errors, [], "console errors");
    await closePage(page);
  });

  test("the API docs work under the docs policy", async () => {
    const page = await cspPage();
    const doc = await page.goto(`${cdn.base}/docs`);
    assert.equal(doc.headers()["content-security-policy"], headers.docs["content-security-policy"]);
    await page.locator(".swagger-ui .info .title").waitFor();
    await page.locator(".opblock").first().waitFor();
    assert.deepEqual(await violations(page), [], "CSP violations");
    assert.deepEqual(page.errors, [], "console errors");
    await closePage(page);
  });
});
