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
