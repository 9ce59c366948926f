// Unit tests of the UI's pure modules (API client, stored state), without a browser.
import assert from "node:assert/strict";
import { test } from "node:test";

const mem = new Map();
globalThis.localStorage = {
  getItem: (k) => (mem.has(k) ? mem.get(k) : null),
  setItem: (k, v) => mem.set(k, String(v)),
  removeItem: (k) => mem.delete(k),
};
globalThis.window = { _env_: { API_BASE_URL: "https://api.example.test/prod/" } };

const { api, apiBase, normalizeMovie, ApiError } = await import("../js/api.js");
const { store } = await import("../js/store.js");

test("API base comes from env-config (trailing slash dropped)", () => {
  assert.equal(apiBase(), "https://api.example.test/prod");
  assert.equal(api.placeholderUrl(7), "https://api.example.test/prod/api/v1/movies/7/poster?placeholder=true");
});

test("movies normalise: display title, genres, because", () => {
  const m = normalizeMovie({ id: "12", title: "American President, The", display_title: "The American President", year: 1995, genres: ["Comedy"], poster: "", because: { id: 3, title: "X, The", display_title: "The X" } });
  assert.equal(m.id, 12);
  assert.equal(m.title, "The American President");
  assert.equal(m.poster, null);
  assert.deepEqual(m.because, { id: 3, title: "The X" });
  assert.deepEqual(normalizeMovie({ id: 1, title: "A", genres: "Action|Drama" }).genres, ["Action", "Drama"]);
  assert.equal(normalizeMovie(null), null);
});

test("API errors carry the server's message, code and field", async () => {
  globalThis.fetch = async () => new Response(JSON.stringify({ error: { code: "invalid", message: "k must be at least 1", field: "k" } }), { status: 422 });
  await assert.rejects(api.recommend({ k: 0 }), (e) => e instanceof ApiError && e.status === 422 && e.field === "k" && e.message === "k must be at least 1");
  globalThis.fetch = async () => {
    throw new TypeError("fetch failed");
  };
  await assert.rejects(api.genres(), (e) => e.code === "network" && /Cannot reach/.test(e.message));
  let sent;
  globalThis.fetch = async (url, init) => {
    sent = { url, body: JSON.parse(init.body) };
    return new Response(JSON.stringify({ items: [], model_version: 0, strategy: "popular" }), { status: 200 });
  };
  const r = await api.recommend({ liked: [1], disliked: [2], k: 5, filters: { genres: [], year_min: 1990, year_max: null }, exclude: [3] });
  assert.equal(sent.url, "https://api.example.test/prod/api/v1/recommendations");
  assert.deepEqual(sent.body, { liked: [1], disliked: [2], k: 5, exclude: [3], filters: { year_min: 1990 } });
  assert.equal(r.modelVersion, 0);
});

test("ratings, hidden ids and filters persist in localStorage", async () => {
  store.reset();
  store.rate({ id: 5, title: "Five", year: 2000, genres: ["Drama"] }, 1);
  store.rate({ id: 6, title: "Six" }, -1);
  store.hide(9);
  store.hide(9);
  store.rate({ id: 9, title: "Nine" }, 1); // rating a hidden movie un-hides it
  store.setFilters({ genres: ["Drama"] });
  assert.deepEqual(store.liked(), [5, 9]);
  assert.deepEqual(store.disliked(), [6]);
  const saved = JSON.parse(mem.get("reelgraph.v1"));
  assert.deepEqual(saved.hidden, []);
  assert.equal(saved.ratings[5].title, "Five");
  assert.deepEqual(saved.filters, { genres: ["Drama"], year_min: null, year_max: null });
  store.rate({ id: 5 }, 0);
  assert.deepEqual(store.liked(), [9]);
  mem.set("reelgraph.v1", "{not json");
  const fresh = await import("../js/store.js?again");
  assert.deepEqual(fresh.store.rated(), [], "corrupt storage starts empty instead of failing");
});

test("feedback: marks are sent in order, coalesced, retried, dropped when refused, restored, and opting out forgets", async () => {
  const KEY = "reelgraph.visitor";
  mem.delete(KEY);
  store.reset(); // before feedback.js listens: nothing to forget yet
  const calls = [];
  const answers = [];
  const json = (status, body, headers = {}) => new Response(body === null ? null : JSON.stringify(body), { status, headers });
  globalThis.fetch = async (url, init = {}) => {
    const call = { url, method: init.method || "GET", body: init.body ? JSON.parse(init.body) : null };
    calls.push(call);
    const a = answers.findIndex((x) => x.when(call));
    if (a >= 0) return answers.splice(a, 1)[0].answer(call);
    if (call.method === "POST") return json(202, { movie: call.body.movie, signal: call.body.signal, at: new Date().toISOString() });
    if (call.method === "DELETE") return json(204, null);
    throw new Error(`unexpected ${call.method} ${url}`);
  };
  const idle = async () => {
    for (let i = 0; i < 200 && JSON.parse(mem.get(KEY)).pending.length; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(JSON.parse(mem.get(KEY)).pending, [], "every mark was sent");
  };
  const posts = () => calls.filter((c) => c.method === "POST").map((c) => [c.body.movie, c.body.signal]);
  const { feedback, restore } = await import("../js/feedback.js");
  const visitor = feedback.visitor;
  assert.match(visitor, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, "a random version-4 UUID");
  assert.equal(JSON.parse(mem.get(KEY)).id, visitor, "kept in localStorage");
  assert.equal(feedback.sharing, true, "sharing is on until the visitor turns it off");

  // in order; a movie marked twice before its mark went is sent once, with the newest signal
  store.rate({ id: 5, title: "Five" }, 1);
  store.rate({ id: 8, title: "Eight" }, 1);
  store.rate({ id: 8, title: "Eight" }, -1);
  store.skip({ id: 7 });
  store.hide(4);
  await idle();
  assert.deepEqual(posts(), [[5, "like"], [8, "dislike"], [7, "skip"], [4, "skip"]]);
  for (const c of calls) {
    assert.equal(c.url, "https://api.example.test/prod/api/v1/feedback");
    assert.equal(c.body.visitor, visitor);
  }

  // rate limited (429 with Retry-After) or the store down (503): sent again later
  calls.length = 0;
  answers.push({ when: (c) => c.body?.movie === 9, answer: () => json(429, { error: { code: "rate_limited", message: "slow down" } }, { "retry-after": "0" }) });
  answers.push({ when: (c) => c.body?.movie === 9, answer: () => json(503, { error: { code: "unavailable", message: "down" } }, { "retry-after": "0" }) });
  store.rate({ id: 9, title: "Nine" }, 1);
  await idle();
  assert.deepEqual(posts(), [[9, "like"], [9, "like"], [9, "like"]]);

  // refused for good (a movie the catalogue no longer has): dropped, not retried
  calls.length = 0;
  answers.push({ when: (c) => c.body?.movie === 10, answer: () => json(404, { error: { code: "not_found", message: "unknown movie 10", field: "movie" } }) });
  store.rate({ id: 10, title: "Ten" }, -1);
  store.rate({ id: 6, title: "Six" }, -1);
  await idle();
  assert.deepEqual(posts(), [[10, "dislike"], [6, "dislike"]]);

  // restore: a mark the server saw later than this browser wins; older ones do not
  calls.length = 0;
  const future = new Date(Date.now() + 60_000).toISOString();
  const past = new Date(Date.now() - 3_600_000).toISOString();
  answers.push({
    when: (c) => c.method === "GET" && c.url.includes("/api/v1/feedback?"),
    answer: (c) => {
      assert.equal(c.url, `https://api.example.test/prod/api/v1/feedback?visitor=${visitor}`);
      return json(200, {
        items: [
          { movie: 11, signal: "like", at: future },
          { movie: 5, signal: "skip", at: future },
          { movie: 9, signal: "dislike", at: future },
          { movie: 6, signal: "like", at: past },
        ],
      });
    },
  });
  answers.push({ when: (c) => c.url.endsWith("/api/v1/movies/11"), answer: () => json(200, { id: 11, title: "Eleven, The", display_title: "The Eleven", year: 1999, genres: ["Drama"] }) });
  assert.equal(await restore(), 3);
  assert.equal(store.rating(11), 1);
  assert.deepEqual(
    { ...store.state.ratings[11], at: 0 },
    { v: 1, title: "The Eleven", year: 1999, genres: ["Drama"], poster: null, at: 0 },
    "a restored movie's details come from the API",
  );
  assert.equal(store.rating(5), 0, "the server's newer skip removes the like");
  assert.equal(store.rating(9), -1, "the server's newer dislike replaces the like");
  assert.equal(store.state.ratings[9].title, "Nine", "details of a movie held here are kept");
  assert.equal(store.rating(6), -1, "this browser's newer dislike stays");
  assert.deepEqual(posts(), [], "restoring sends nothing back");

  // opting out: the server forgets, nothing more is sent, the choice is kept
  calls.length = 0;
  await feedback.setSharing(false);
  assert.deepEqual(calls.map((c) => [c.method, c.url]), [["DELETE", `https://api.example.test/prod/api/v1/feedback?visitor=${visitor}`]]);
  store.rate({ id: 12, title: "Twelve" }, 1);
  store.skip({ id: 13 });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, 1, "nothing sent while sharing is off");
  assert.equal(JSON.parse(mem.get(KEY)).share, false);
  assert.equal(await restore(), 0, "nothing restored while sharing is off");

  // opting in again: every rating held here is sent, oldest first
  calls.length = 0;
  await feedback.setSharing(true);
  await idle();
  const held = Object.entries(store.state.ratings)
    .sort(([, a], [, b]) => a.at - b.at)
    .map(([id, r]) => [Number(id), r.v > 0 ? "like" : "dislike"]);
  assert.deepEqual(posts(), held);
  assert.ok(held.some(([id]) => id === 12));

  // starting over forgets on the server too
  calls.length = 0;
  store.reset();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(calls.map((c) => c.method), ["DELETE"]);
});
