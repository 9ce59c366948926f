// The original client's whole flow in Chromium against `reelgraph serve` (run.sh sets
// the environment): the client's build on its own origin (http://localhost:C, with the
// API URL as its only setting, as the original env.sh writes it), the API on another
// (http://127.0.0.1:P), OMDb-style posters on a third (http://127.0.0.1:Q).
//
//   home: 16 random movies (one shown at a time) -> open one's detail -> back
//   -> LIKE / DISLIKE through all 16 -> recommendations (what POST /getSimilarUser
//   answered, in the client's order) -> a recommendation's detail (every field the
//   client shows, as GET /getInfo answers it) -> back to the recommendations.
//
// Every poster must load: no failed request at all, no image answered >= 400, and the
// client's own origin never asked for an API path (the bug of issue 16: relative
// /getImage links sent the browser to the client's server).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { chromium } from "playwright-core";

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run web/seed-client/run.sh BIN`);
  return v;
};
const BIN = need("REELGRAPH_BIN");
const BUILD = need("SEED_BUILD");
const ART = need("SEED_ARTIFACTS");
const POSTER_PORT = Number(need("SEED_POSTER_PORT"));

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const listen = (server, port) =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });

const TYPES = { ".html": "text/html", ".js": "application/javascript", ".css": "text/css", ".json": "application/json", ".png": "image/png", ".ico": "image/x-icon", ".txt": "text/plain" };

/** The client's build as its nginx served it (try_files $uri $uri/ /index.html), plus
 * the env-config.js its env.sh writes; every path asked is recorded. */
function clientServer(apiUrl, asked) {
  return http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    asked.push(url.pathname + url.search);
    if (url.pathname === "/env-config.js") {
      res.writeHead(200, { "content-type": "application/javascript" });
      res.end(`window._env_ = {\n  API_URL: "${apiUrl}",\n}\n`);
      return;
    }
    let file = path.join(BUILD, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ""));
    if (!file.startsWith(BUILD) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(BUILD, "index.html");
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
}

/** The posters' own origin (OMDb's CDN in production): a picture per movie. */
function posterServer(asked) {
  return http.createServer((req, res) => {
    asked.push(req.url);
    const m = /^\/posters\/(\d+)\.jpg$/.exec(req.url);
    if (m) {
      res.writeHead(200, { "content-type": "image/svg+xml" });
      res.end(`<svg xmlns="http://www.w3.org/2000/svg" width="300" height="450"><rect width="300" height="450" fill="#345"/><text x="20" y="200" fill="#fff">poster ${m[1]}</text></svg>`);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
}

async function startApi(port, clientOrigin) {
  const log = path.join(ART, "serve.log");
  const out = fs.openSync(log, "a");
  const args = ["serve", "--port", String(port), "--from", need("SEED_MODELS"), "--vectors", "embedded", "--db", need("SEED_DB"), "--no-web", "--cors-origins", clientOrigin];
  const proc = spawn(BIN, args, { stdio: ["ignore", out, out] });
  fs.closeSync(out);
  let exited = null;
  proc.once("exit", (code, sig) => (exited = `exited with ${code ?? sig}`));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return proc;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill("SIGKILL");
  throw new Error(`reelgraph serve ${exited || "did not answer /health within 60 s"}; log ${log}:\n${fs.readFileSync(log, "utf8").slice(-3000)}`);
}

/** [{id, name, year, imgUrl}] as the client's getMoviesFromRes reads an answer. */
const moviesOf = (data) => Object.entries(data).map(([id, [name, year, imgUrl]]) => ({ id: Number(id), name, year, imgUrl }));

async function shot(page, name) {
  await page.screenshot({ path: path.join(ART, `${name}.png`), fullPage: true });
}

/** Wait until every <img> on the page has loaded with a real picture. */
async function imagesLoaded(page, selector) {
  await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].every((i) => i.complete && i.naturalWidth > 0), selector, { timeout: 15_000 });
}

const apiPort = await freePort();
const clientPort = await freePort();
const API = `http://127.0.0.1:${apiPort}`;
const CLIENT = `http://localhost:${clientPort}`;
const clientAsked = [];
const posterAsked = [];
const client = clientServer(API, clientAsked);
const posters = posterServer(posterAsked);
await listen(client, clientPort);
await listen(posters, POSTER_PORT);
const api = await startApi(apiPort, CLIENT);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
});

const failed = [];
const images = [];
const errors = [];
let ok = false;
try {
  const context = await browser.newContext({ viewport: { width: 480, height: 860 } });
  const page = await context.newPage();
  page.on("requestfailed", (r) => failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.request().resourceType() === "image") images.push({ url: r.url(), status: r.status() });
    else if (r.status() >= 400) failed.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
  });
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && errors.push(`console.error: ${m.text()}`));

  // Home: 16 random movies from POST /getRandom, one on screen.
  const randomAnswer = page.waitForResponse((r) => r.url().startsWith(`${API}/getRandom`));
  await page.goto(CLIENT + "/");
  const random = moviesOf((await (await randomAnswer).json())[0]);
  assert.equal(random.length, 16, "getRandom answers 16 movies");
  await page.locator(".movie-wrapper").nth(15).waitFor({ state: "attached" });
  assert.equal(await page.locator(".movie-wrapper").count(), 16);
  for (const m of random) assert.match(m.imgUrl, /^http:\/\/127\.0\.0\.1:\d+\//, `absolute poster link of ${m.id}: ${m.imgUrl}`);
  const shown = page.locator(".movie-wrapper:visible");
  assert.equal(await shown.locator(".movie-title").innerText(), `${random[0].name} (${random[0].year})`);
  await imagesLoaded(page, ".movie-wrapper:not([style*='none']) img.movie-poster");
  await shot(page, "1-home");

  // Its detail, and back to the same movie.
  await shown.locator("img.movie-poster").click();
  await page.waitForURL(`${CLIENT}/detail`);
  await page.locator(".detail-title").waitFor();
  assert.equal(await page.locator(".detail-title").innerText(), `${random[0].name} (${random[0].year})`);
  await page.locator(".detail-wrapper button").first().click();
  await page.waitForURL(`${CLIENT}/`);
  await page.locator(".movie-wrapper:visible .movie-title").waitFor();
  assert.equal(await page.locator(".movie-wrapper:visible .movie-title").innerText(), `${random[0].name} (${random[0].year})`);

  // LIKE the even positions, DISLIKE the odd ones; the 16th answer opens the recommendations.
  const liked = [];
  let similarAnswer;
  for (let i = 0; i < 16; i++) {
    await page.locator(".movie-wrapper:visible .movie-title").waitFor();
    assert.equal(await page.locator(".movie-wrapper:visible .movie-title").innerText(), `${random[i].name} (${random[i].year})`, `movie ${i + 1} of 16`);
    await imagesLoaded(page, ".movie-wrapper:not([style*='none']) img.movie-poster");
    if (i === 15) similarAnswer = page.waitForResponse((r) => r.url().startsWith(`${API}/getSimilarUser`));
    if (i % 2 === 0) liked.push(random[i].id);
    await page.getByRole("button", { name: i % 2 === 0 ? "LIKE" : "DISLIKE", exact: true }).click();
  }
  const similar = await similarAnswer;
  assert.deepEqual(JSON.parse(similar.request().postData()), liked, "the liked ids are sent");
  const recommended = moviesOf((await similar.json())[0]);
  assert.equal(recommended.length, 16);
  for (const m of recommended) assert.ok(!liked.includes(m.id), `liked movie ${m.id} is not recommended back`);
  await page.waitForURL(`${CLIENT}/recommend`);
  const cards = page.locator(".cards-wrapper .MuiCard-root");
  await cards.nth(15).waitFor();
  assert.deepEqual(await cards.allInnerTexts(), recommended.map((m) => `${m.name} (${m.year})`), "the cards are the answer of getSimilarUser");
  // Card posters are CSS backgrounds: each link must load as a picture from this page
  // (from the browser's cache when the card already fetched it).
  assert.deepEqual(
    await page.evaluate(
      (urls) => Promise.all(urls.map((u) => new Promise((done) => {
        const img = new Image();
        img.onload = () => done(img.naturalWidth > 0 ? "ok" : `${u}: empty`);
        img.onerror = () => done(`${u}: failed`);
        img.src = u;
      }))),
      recommended.map((m) => m.imgUrl),
    ),
    recommended.map(() => "ok"),
    "every recommendation's poster loads",
  );
  await shot(page, "2-recommendations");

  // A recommendation with an IMDb rating: its detail shows what GET /getInfo answers.
  const infos = await Promise.all(recommended.map(async (m) => (await (await fetch(`${API}/getInfo?ids=${m.id}`)).json())[0]));
  const at = infos.findIndex(([info]) => info.imdbRating !== "N/A" && info.Released !== "N/A");
  assert.ok(at >= 0, "a recommendation has an IMDb rating and a release date");
  const [info, imgUrl] = infos[at];
  assert.match(imgUrl, /^http:\/\/127\.0\.0\.1:\d+\//, `absolute detail image: ${imgUrl}`);
  await cards.nth(at).click();
  await page.waitForURL(`${CLIENT}/detail`);
  await page.locator(".detail-plot").waitFor();
  assert.equal(await page.locator(".detail-title").innerText(), `${info.Title} (${info.Year})`);
  assert.equal(await page.locator(".detail-rating-point").innerText(), info.imdbRating);
  assert.equal(await page.locator(".detail-rating-votes").innerText(), `${info.imdbVotes} votes`);
  const items = await page.locator(".detail-item-wrapper").allInnerTexts();
  assert.ok(items.some((t) => t.replace(/\s+/g, " ").trim() === `Runtime: ${info.Runtime}`), `Runtime shown: ${items}`);
  assert.ok(items.some((t) => t.replace(/\s+/g, " ").trim() === `Release Date: ${info.Released}`), `Release Date shown: ${items}`);
  for (const v of [info.imdbRating, info.imdbVotes, info.Runtime, info.Released, info.Plot]) assert.notEqual(v, "N/A");
  assert.equal(await page.locator(".detail-plot").innerText(), info.Plot);
  assert.deepEqual((await page.locator(".detail-genre .MuiChip-label").allInnerTexts()).map((g) => g.trim()), info.Genre.split(",").map((g) => g.trim()));
  assert.equal(await page.locator("img.detail-img").getAttribute("src"), imgUrl);
  await imagesLoaded(page, "img.detail-img");
  await shot(page, "3-detail");

  // Back: the recommendations again.
  await page.locator(".detail-wrapper button").first().click();
  await page.waitForURL(`${CLIENT}/recommend`);
  await cards.nth(15).waitFor();
  assert.equal(await cards.count(), 16);
  await shot(page, "4-back");
  await context.close();

  assert.deepEqual(errors, [], "no uncaught exception or console error");
  assert.deepEqual(failed, [], "no failed request");
  const bad = images.filter((i) => i.status >= 400);
  assert.deepEqual(bad, [], "no image answered with an error");
  const own = clientAsked.filter((p) => /^\/(getImage|getInfo|getRandom|getSimilarUser|countTable)/.test(p));
  assert.deepEqual(own, [], "the client's own origin was never asked for an API path");
  const fromApi = images.filter((i) => i.url.startsWith(`${API}/getImage?img=`)).length;
  const fromCdn = images.filter((i) => i.url.startsWith(`http://127.0.0.1:${POSTER_PORT}/posters/`)).length;
  assert.ok(fromApi > 0 && fromCdn > 0, `posters from the API (${fromApi}) and from their own origin (${fromCdn})`);
  console.log(`seed-client: the original client's flow passed: ${images.length} image loads (${fromApi} from ${API}/getImage, ${fromCdn} from the posters' origin), 0 failed; ${clientAsked.length} requests to the client's origin, none for the API`);
  ok = true;
} finally {
  await browser.close();
  api.kill("SIGTERM");
  client.close();
  posters.close();
  fs.writeFileSync(path.join(ART, "requests.log"), [...clientAsked.map((p) => `client ${p}`), ...images.map((i) => `image ${i.status} ${i.url}`), ...failed.map((f) => `failed ${f}`)].join("\n") + "\n");
  if (!ok) console.error(`seed-client: failed; screenshots and logs in ${ART}`);
}
