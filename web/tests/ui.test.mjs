// Browser tests of the web UI against a real `reelgraph serve` (see run-tests.sh).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { closePage, freePort, launch, newPage, overflowX, screenshot, Server, stored, tileIds, unlabelled } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await new Server(await freePort()).start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const noErrors = (page) => assert.deepEqual(page.errors, [], "no console errors or uncaught exceptions");

/** Rate the card on screen with `how`; returns the rated movie id. */
async function rateCard(page, how) {
  const card = page.locator(".stage .card");
  await card.waitFor();
  const id = Number(await card.getAttribute("data-id"));
  switch (how) {
    case "like-button":
      await page.getByRole("button", { name: "Like", exact: true }).click();
      break;
    case "dislike-button":
      await page.getByRole("button", { name: "Dislike", exact: true }).click();
      break;
    case "skip-button":
      await page.getByRole("button", { name: "Skip", exact: true }).click();
      break;
    case "ArrowRight":
    case "ArrowLeft":
    case "Space":
      await page.locator("#main").focus();
      await page.keyboard.press(how);
      break;
    case "swipe-right":
    case "swipe-left": {
      const box = await card.boundingBox();
      const y = box.y + box.height / 2;
      const x = box.x + box.width / 2;
      const dx = how === "swipe-right" ? 140 : -140;
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x + dx / 2, y, { steps: 4 });
      await page.mouse.move(x + dx, y, { steps: 4 });
      await page.mouse.up();
      break;
    }
    default:
      throw new Error(how);
  }
  // the next card (or the end of the round) replaces this one
  await page.waitForFunction((old) => {
    const c = document.querySelector(".stage .card");
    return !c || Number(c.dataset.id) !== old;
  }, id);
  return id;
}

describe("web UI against reelgraph serve", () => {
  const liked = [];
  const disliked = [];
  let page;

  test("rate movies by buttons, keyboard and swipe; progress and storage follow", async () => {
    page = await newPage(browser);
    await page.goto(`${server.base}/#/rate`);
    await page.locator(".stage .card").waitFor();
    assert.match(await page.locator("#rate-progress").textContent(), /^0 of \d+ done/);
    const genres = await page.locator("#rate-genre option").allTextContents();
    assert.ok(genres.length > 1, `genre choice offers the catalogue's genres: ${genres}`);
    await screenshot(page, "rate");

    liked.push(await rateCard(page, "like-button"));
    liked.push(await rateCard(page, "ArrowRight"));
    disliked.push(await rateCard(page, "ArrowLeft"));
    await rateCard(page, "Space");
    liked.push(await rateCard(page, "swipe-right"));
    disliked.push(await rateCard(page, "dislike-button"));
    await rateCard(page, "skip-button");
    disliked.push(await rateCard(page, "swipe-left"));
    liked.push(await rateCard(page, "like-button"));

    assert.match(await page.locator("#rate-progress").textContent(), /^9 of \d+ done · 4 liked, 3 disliked in total/);
    assert.equal(await page.locator("#liked-count").textContent(), "4");
    const s = await stored(page);
    assert.deepEqual(Object.keys(s.ratings).map(Number).sort((a, b) => a - b), [...liked, ...disliked].sort((a, b) => a - b));
    for (const id of liked) assert.equal(s.ratings[id].v, 1);
    for (const id of disliked) assert.equal(s.ratings[id].v, -1);
    noErrors(page);
  });

  test("recommendations appear, exclude rated movies, match the API and explain themselves", async () => {
    await page.getByRole("link", { name: /See recommendations/ }).first().click();
    await page.locator("#recs-grid").waitFor();
    assert.match(await page.locator("#recs-summary").textContent(), /Based on 4 liked and 3 disliked movies/);
    const ids = await tileIds(page, "#recs-grid");
    assert.ok(ids.length > 0, "some recommendations");
    for (const id of [...liked, ...disliked]) assert.ok(!ids.includes(id), `rated movie ${id} is not recommended`);
    const direct = await server.api("/api/v1/recommendations", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ liked, disliked, k: 20, filters: {}, exclude: [] }),
    });
    assert.deepEqual(ids, direct.items.map((m) => Number(m.id)), "the grid shows the API's ranking");
    const because = await page.$$eval("#recs-grid .because a", (as) => as.map((a) => Number(a.getAttribute("href").split("/").pop())));
    assert.ok(because.length > 0, "explanations are shown");
    for (const b of because) assert.ok(liked.includes(b), `"because you liked" names a liked movie (${b})`);
    await screenshot(page, "recommendations");
    noErrors(page);
  });

  test("genre and year filters, dislike and hide refine the list at once", async () => {
    const firstGenre = (await page.locator("#recs-grid .tile .genres li").first().textContent()).trim();
    let req = page.waitForRequest((r) => r.url().endsWith("/api/v1/recommendations") && r.method() === "POST");
    await page.locator(".genre-filter label", { hasText: new RegExp(`^${firstGenre.replace(/[-]/g, "\\-")}$`) }).click();
    const body = (await req).postDataJSON();
    assert.deepEqual(body.filters.genres, [firstGenre]);
    await page.locator("#recs-grid").waitFor();
    const genresPerTile = await page.$$eval("#recs-grid .tile", (ts) => ts.map((t) => [...t.querySelectorAll(".genres li")].map((l) => l.textContent)));
    assert.ok(genresPerTile.length > 0, `some ${firstGenre} movies`);
    for (const gs of genresPerTile) assert.ok(gs.includes(firstGenre), `every tile is ${firstGenre}: ${gs}`);

    // hide the first recommendation: it goes away and stays away
    const before = await tileIds(page, "#recs-grid");
    const hidden = before[0];
    await page.locator(`#recs-grid .tile[data-id="${hidden}"]`).getByRole("button", { name: /^Hide/ }).click();
    await page.waitForFunction((id) => document.querySelector("#recs-grid") && !document.querySelector(`#recs-grid .tile[data-id="${id}"]`), hidden);
    assert.ok(!(await tileIds(page, "#recs-grid")).includes(hidden));
    assert.ok((await stored(page)).hidden.includes(hidden));

    // "not for me" records a dislike and refreshes
    const after1 = await tileIds(page, "#recs-grid");
    if (after1.length) {
      const dis = after1[0];
      req = page.waitForRequest((r) => r.url().endsWith("/api/v1/recommendations") && r.method() === "POST");
      await page.locator(`#recs-grid .tile[data-id="${dis}"]`).getByRole("button", { name: /^Not for me/ }).click();
      const b2 = (await req).postDataJSON();
      assert.ok(b2.disliked.includes(dis) && b2.exclude.includes(hidden));
      await page.waitForFunction((id) => document.querySelector("#recs-grid") && !document.querySelector(`#recs-grid .tile[data-id="${id}"]`), dis);
      disliked.push(dis);
    }

    // year range
    await page.locator(".genre-filter label", { hasText: new RegExp(`^${firstGenre.replace(/[-]/g, "\\-")}$`) }).click();
    await page.locator("#recs-grid").waitFor();
    const years = await page.$$eval("#recs-grid .tile .meta", (ps) => ps.map((p) => Number(p.textContent)).filter(Number.isFinite));
    years.sort((a, b) => a - b);
    const lo = years[Math.floor(years.length / 4)];
    const hi = years[Math.floor((3 * years.length) / 4)];
    req = page.waitForRequest((r) => r.url().endsWith("/api/v1/recommendations") && r.method() === "POST" && r.postDataJSON().filters.year_max === hi);
    await page.locator("#year-min").fill(String(lo));
    await page.locator("#year-max").fill(String(hi));
    const b3 = (await req).postDataJSON();
    assert.equal(b3.filters.year_min, lo);
    await page.locator("#recs-grid").waitFor();
    const inRange = await page.$$eval("#recs-grid .tile .meta", (ps) => ps.map((p) => Number(p.textContent)));
    assert.ok(inRange.length > 0);
    for (const y of inRange) assert.ok(y >= lo && y <= hi, `${y} within ${lo}..${hi}`);

    // a reversed range is refused in the form, not sent
    await page.locator("#year-min").fill(String(hi + 1));
    await page.locator("#year-error").filter({ hasText: /must not be after/ }).waitFor();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.locator("#recs-grid").waitFor();
    assert.deepEqual((await stored(page)).filters.genres, []);
    noErrors(page);
  });

  let movieId;
  let movieTitle;
  test("movie page: details, similar movies, like, back, shareable URL", async () => {
    const tile = page.locator("#recs-grid .tile").first();
    movieId = Number(await tile.getAttribute("data-id"));
    movieTitle = (await tile.locator(".tile-title").textContent()).trim();
    await tile.locator(".tile-link").click();
    await page.waitForURL(new RegExp(`#/movie/${movieId}$`));
    await page.locator("#movie-title").filter({ hasText: movieTitle }).waitFor();
    const m = await server.api(`/api/v1/movies/${movieId}`);
    const meta = await page.locator(".movie .meta").textContent();
    if (m.year) assert.ok(meta.includes(String(m.year)), `year shown: ${meta}`);
    assert.deepEqual(await page.locator(".movie .genres li").allTextContents(), m.genres);
    const info = await page.locator(".movie-info").textContent();
    for (const v of [m.director, m.plot, ...(m.actors || []), m.runtime ? `${m.runtime} min` : null]) if (v) assert.ok(info.includes(v), `movie page shows ${v}`);
    await page.locator("#similar-grid").waitFor();
    const sim = await tileIds(page, "#similar-grid");
    assert.ok(sim.length > 0 && !sim.includes(movieId), "similar movies, not the movie itself");
    const direct = await server.api(`/api/v1/movies/${movieId}/similar?k=12`);
    assert.deepEqual(sim, (direct.items || direct).map((x) => Number(x.id)));
    assert.equal(await page.locator(".movie img").getAttribute("alt"), `Poster of ${movieTitle}${m.year ? ` (${m.year})` : ""}`);
    await screenshot(page, "movie");

    // like from the page
    await page.locator("#movie-like").click();
    assert.equal(await page.locator("#movie-like").getAttribute("aria-pressed"), "true");
    assert.equal((await stored(page)).ratings[movieId].v, 1);
    liked.push(movieId);

    // a similar movie opens its own page; back returns
    const simTitle = (await page.locator("#similar-grid .tile-title").first().textContent()).trim();
    await page.locator("#similar-grid .tile-link").first().click();
    await page.waitForURL(new RegExp(`#/movie/${sim[0]}$`));
    await page.locator("#movie-title").filter({ hasText: simTitle }).waitFor();
    await page.goBack();
    await page.locator("#movie-title").filter({ hasText: movieTitle }).waitFor();
    await page.goBack();
    await page.locator("#recs-grid").waitFor();
    assert.ok(!(await tileIds(page, "#recs-grid")).includes(movieId), "the movie liked on its page left the recommendations");

    // the URL is shareable: a fresh browser context opens the same movie
    const other = await newPage(browser);
    await other.goto(`${server.base}/#/movie/${movieId}`);
    await other.locator("#movie-title").filter({ hasText: movieTitle }).waitFor();
    await other.locator("#similar-grid").waitFor();
    noErrors(other);
    await closePage(other);
    noErrors(page);
  });

  test("search by title from any page", async () => {
    // a part of the title, typed in another case, finds it
    const fold = (t) => t.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
    const word = movieTitle.length > 6 ? movieTitle.slice(1, -1) : movieTitle;
    await page.getByRole("searchbox", { name: "Search movies by title" }).fill(word.toUpperCase());
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/#\/search\?q=/);
    await page.locator("#search-grid").waitFor();
    const titles = await page.locator("#search-grid .tile-title").allTextContents();
    assert.ok(titles.length > 0);
    for (const t of titles) assert.ok(fold(t).includes(fold(word)) || t === movieTitle, `${t} matches ${word}`);
    assert.ok((await tileIds(page, "#search-grid")).includes(movieId));
    noErrors(page);
  });

  test("reload keeps the ratings", async () => {
    await page.goto(`${server.base}/#/recommendations`);
    await page.reload();
    await page.locator("#recs-grid").waitFor();
    assert.equal(await page.locator("#liked-count").textContent(), String(liked.length));
    assert.match(await page.locator("#recs-summary").textContent(), new RegExp(`Based on ${liked.length} liked and ${disliked.length} disliked`));
    const s = await stored(page);
    assert.equal(Object.keys(s.ratings).length, liked.length + disliked.length);
    const ids = await tileIds(page, "#recs-grid");
    for (const id of [...liked, ...disliked]) assert.ok(!ids.includes(id));
    assert.deepEqual(await unlabelled(page), [], "every control has a name, every image alt text");
    noErrors(page);
  });

  test("start over clears everything", async () => {
    await page.getByRole("button", { name: "Start over" }).click();
    await page.locator("#recs-summary").filter({ hasText: /Popular movies/ }).waitFor();
    assert.deepEqual((await stored(page)).ratings, {});
    assert.equal(await page.locator("#liked-count").textContent(), "");
    await page.locator("#recs-grid").waitFor();
    noErrors(page);
    await closePage(page);
  });

  test("poster falls back to the API's placeholder when the image fails", async () => {
    const p = await newPage(browser);
    // a movie whose catalogue poster URL cannot load (make-dataset.mjs), or else one
    // whose answer is rewritten to carry such a URL
    const id = 5;
    const m = await server.api(`/api/v1/movies/${id}`);
    if (!m.poster) {
      const broken = `https://127.0.0.1:9/posters/${id}.jpg`;
      await p.route(new RegExp(`/api/v1/movies/${id}$`), async (route) => {
        const res = await route.fetch();
        await route.fulfill({ response: res, json: { ...(await res.json()), poster: broken } });
      });
    }
    await p.goto(`${server.base}/#/movie/${id}`);
    const img = p.locator(".movie img");
    await p.waitForFunction(() => {
      const i = document.querySelector(".movie img");
      return i && i.complete && i.naturalWidth > 0 && i.src.includes("placeholder=true");
    });
    assert.match(await img.getAttribute("src"), /\/api\/v1\/movies\/\d+\/poster\?placeholder=true$/);
    const r = await fetch(`${server.base}/api/v1/movies/${id}/poster?placeholder=true`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type"), /image\/svg\+xml/);
    noErrors(p);
    await closePage(p);
  });

  test("a slow API shows a loading state, then the answer", async () => {
    const p = await newPage(browser);
    let release;
    const gate = new Promise((r) => (release = r));
    await p.route("**/api/v1/recommendations", async (route) => {
      await gate;
      await route.continue();
    });
    await p.goto(`${server.base}/#/recommendations`);
    const status = p.getByRole("status").filter({ hasText: "Finding movies for you" });
    await status.waitFor();
    assert.equal(await p.locator(".grid-wrap").getAttribute("aria-busy"), "true");
    release();
    await p.locator("#recs-grid").waitFor();
    assert.equal(await status.count(), 0);
    noErrors(p);
    await closePage(p);
  });

  test("unknown movie shows a not-found message, not a blank page", async () => {
    const p = await newPage(browser);
    p.allow.push({ text: /status of 404/, url: /\/api\/v1\/movies\/999999999/ });
    await p.goto(`${server.base}/#/movie/999999999`);
    await p.getByRole("alert").filter({ hasText: "Not found" }).waitFor();
    noErrors(p);
    await closePage(p);
  });

  test("360 px viewport: rate, recommendations and movie page fit and work", async () => {
    const p = await newPage(browser, { viewport: { width: 360, height: 740 }, mobile: true });
    await p.goto(`${server.base}/#/rate`);
    await p.locator(".stage .card").waitFor();
    assert.ok((await overflowX(p)) <= 0, "no horizontal scroll on the rate page");
    await screenshot(p, "rate-360");
    await rateCard(p, "swipe-right");
    await rateCard(p, "like-button");
    await rateCard(p, "swipe-left");
    await p.getByRole("link", { name: /See recommendations/ }).first().click();
    await p.locator("#recs-grid").waitFor();
    assert.ok((await overflowX(p)) <= 0, "no horizontal scroll on the recommendations");
    await screenshot(p, "recommendations-360");
    await p.locator("#recs-grid .tile-link").first().click();
    await p.locator("#similar-grid").waitFor();
    assert.ok((await overflowX(p)) <= 0, "no horizontal scroll on the movie page");
    await screenshot(p, "movie-360");
    noErrors(p);
    await closePage(p);
  });

  test("API stopped: an error with a retry, which recovers once the API is back", async () => {
    const p = await newPage(browser);
    p.allow.push({ text: /Failed to load resource: net::ERR_CONNECTION_REFUSED/, url: new RegExp(`^${server.base}/api/`) });
    await p.goto(`${server.base}/#/rate`);
    await p.locator(".stage .card").waitFor();
    await server.stop();
    await p.getByRole("link", { name: "For you" }).click();
    const alert = p.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.textContent(), /Cannot reach the reelgraph server/);
    await screenshot(p, "error");
    await alert.getByRole("button", { name: "Retry" }).click();
    await p.getByRole("alert").waitFor();
    await server.start();
    await p.getByRole("alert").getByRole("button", { name: "Retry" }).click();
    await p.locator("#recs-grid").waitFor();
    noErrors(p);
    await closePage(p);
  });
});

describe("feedback: marks go to the server, come back on another device, opting out forgets", () => {
  const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const visitorState = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("reelgraph.visitor") || "null"));
  /** Waits until the page has sent every mark it holds. */
  const allSent = (page) => page.waitForFunction(() => JSON.parse(localStorage.getItem("reelgraph.visitor")).pending.length === 0);
  const serverMarks = async (visitor) => (await server.api(`/api/v1/feedback?visitor=${visitor}`)).items.map((m) => [m.movie, m.signal]);
  const feedbackPosts = (page) => {
    const posts = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/api/v1/feedback") posts.push(r.postDataJSON());
    });
    return posts;
  };

  test("each mark is sent under the visitor's id; another browser with that id gets them back; opting out forgets them", async () => {
    const a = await newPage(browser);
    const postsA = feedbackPosts(a);
    await a.goto(`${server.base}/#/rate`);
    await a.locator(".stage .card").waitFor();
    assert.match(await a.locator("#feedback-text").textContent(), /sent to reelgraph under a random id kept in this browser/);
    const share = a.getByRole("checkbox", { name: "Share my marks" });
    assert.equal(await share.isChecked(), true);
    const { id: visitor } = await visitorState(a);
    assert.match(visitor, UUID4);

    const like = await rateCard(a, "like-button");
    const dislike = await rateCard(a, "dislike-button");
    const skip = await rateCard(a, "skip-button");
    const like2 = await rateCard(a, "ArrowRight");
    await allSent(a);
    assert.deepEqual(await serverMarks(visitor), [[like2, "like"], [skip, "skip"], [dislike, "dislike"], [like, "like"]], "the server holds the marks, newest first");
    assert.ok(postsA.length === 4 && postsA.every((p) => p.visitor === visitor));
    await a.reload();
    await a.locator(".stage .card").waitFor();
    assert.equal((await visitorState(a)).id, visitor, "the id survives a reload");
    noErrors(a);
    await closePage(a);

    // another browser (or this one with its storage emptied) holding the same id
    const b = await newPage(browser);
    await b.addInitScript((v) => {
      if (!localStorage.getItem("reelgraph.visitor")) localStorage.setItem("reelgraph.visitor", JSON.stringify({ id: v, share: true }));
    }, visitor);
    await b.goto(`${server.base}/#/recommendations`);
    await b.locator("#recs-summary").filter({ hasText: /^Based on 2 liked and 1 disliked movie\./ }).waitFor();
    await b.locator("#recs-grid").waitFor();
    const restored = (await stored(b)).ratings;
    assert.deepEqual(
      Object.fromEntries(Object.entries(restored).map(([id, r]) => [id, r.v])),
      { [like]: 1, [like2]: 1, [dislike]: -1 },
      "likes and dislikes restored; the skip is no rating",
    );
    const m = await server.api(`/api/v1/movies/${like}`);
    assert.equal(restored[like].title, m.display_title || m.title, "restored with the movie's title");
    assert.equal(await b.locator("#liked-count").textContent(), "2");
    const ids = await tileIds(b, "#recs-grid");
    for (const id of [like, like2, dislike]) assert.ok(!ids.includes(id), `restored mark ${id} is not recommended`);

    // opting out: the server forgets this visitor, and nothing more is sent
    const postsB = feedbackPosts(b);
    const forgotten = b.waitForResponse((r) => r.request().method() === "DELETE" && new URL(r.url()).pathname === "/api/v1/feedback");
    await b.getByRole("checkbox", { name: "Share my marks" }).uncheck();
    assert.equal((await forgotten).status(), 204);
    await b.locator("#feedback-text").filter({ hasText: /stay in this browser: nothing is sent/ }).waitFor();
    assert.deepEqual(await serverMarks(visitor), [], "the server forgot the visitor's marks");
    const dis = ids[0];
    await b.locator(`#recs-grid .tile[data-id="${dis}"]`).getByRole("button", { name: /^Not for me/ }).click();
    await b.waitForFunction((id) => !document.querySelector(`#recs-grid .tile[data-id="${id}"]`), dis);
    await b.reload();
    await b.locator("#recs-grid").waitFor();
    assert.equal(await b.getByRole("checkbox", { name: "Share my marks" }).isChecked(), false, "the choice is kept");
    assert.equal((await stored(b)).ratings[dis].v, -1, "marks still work in the browser");
    assert.deepEqual(postsB, [], "nothing was sent while sharing was off");
    assert.deepEqual(await serverMarks(visitor), []);

    // opting in again sends what this browser holds
    await b.getByRole("checkbox", { name: "Share my marks" }).check();
    await allSent(b);
    const held = Object.entries((await stored(b)).ratings).map(([id, r]) => [Number(id), r.v > 0 ? "like" : "dislike"]);
    const sorted = (xs) => [...xs].sort((x, y) => x[0] - y[0]);
    assert.deepEqual(sorted(await serverMarks(visitor)), sorted(held));

    // starting over forgets them on the server too
    const forgottenAgain = b.waitForResponse((r) => r.request().method() === "DELETE" && new URL(r.url()).pathname === "/api/v1/feedback");
    await b.getByRole("button", { name: "Start over" }).click();
    assert.equal((await forgottenAgain).status(), 204);
    assert.deepEqual(await serverMarks(visitor), []);
    noErrors(b);
    await closePage(b);
  });
});
