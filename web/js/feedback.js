// Feedback: every mark the visitor makes (like, dislike, skip) is sent to the server
// under a random visitor id kept in this browser, so the model can learn from the
// site's visitors; a returning visitor's marks are restored from the server. The
// visitor can opt out: then nothing is sent and the server forgets what it had.
//
// localStorage "reelgraph.visitor": { id: UUID, share: bool, pending: [[id, signal]…] }
// The id is the visitor's only key on the server: it never leaves this browser except
// in feedback requests.
import { api, normalizeMovie } from "./api.js";
import { store } from "./store.js";

const KEY = "reelgraph.visitor";
const SIGNALS = new Set(["like", "dislike", "skip"]);
const listeners = new Set();

/** A random (version 4) UUID; crypto.randomUUID needs a secure context, this does not. */
export function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function read() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || "null");
    if (s && typeof s.id === "string" && UUID.test(s.id)) {
      const pending = Array.isArray(s.pending) ? s.pending.filter((p) => Array.isArray(p) && Number.isInteger(p[0]) && SIGNALS.has(p[1])) : [];
      return { id: s.id, share: s.share !== false, pending: new Map(pending) };
    }
  } catch {
    // unreadable: start again
  }
  return { id: uuid(), share: true, pending: new Map() };
}

const state = read();

function save() {
  try {
    localStorage.setItem(KEY, JSON.stringify({ id: state.id, share: state.share, pending: [...state.pending] }));
  } catch {
    // storage full or disabled: keep working in memory
  }
  for (const fn of listeners) fn();
}

// a new visitor's id is kept at once: it is the same on every page from now on
save();

// Sending: one request at a time, oldest mark first (the server orders a visitor's
// marks by arrival); a movie marked again before its mark went keeps only the newest.
let sending = false;
let retryTimer = 0;
let backoff = 0;

function later(seconds) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => {
    retryTimer = 0;
    flush();
  }, seconds * 1000);
}

async function flush() {
  if (sending || retryTimer || !state.share) return;
  sending = true;
  try {
    while (state.share && state.pending.size) {
      const [movie, signal] = state.pending.entries().next().value;
      try {
        await api.sendFeedback(state.id, movie, signal);
      } catch (e) {
        if (e.status === 429 || e.status === 503 || e.status === 0 || e.status >= 500) {
          // rate limited, the store is down, or no connection: try again later
          backoff = Math.min(60, Math.max(2, backoff * 2));
          later(e.retryAfter ?? backoff);
          return;
        }
        // refused for good (a movie this catalogue no longer has): drop that mark
      }
      backoff = 0;
      // a newer mark of the same movie may have arrived while this one was sent
      if (state.pending.get(movie) === signal) state.pending.delete(movie);
      save();
    }
  } finally {
    sending = false;
  }
}

function queue(movie, signal) {
  state.pending.delete(movie);
  state.pending.set(movie, signal);
  save();
  flush();
}

store.onMark((movie, signal) => {
  if (!state.share) return;
  if (signal === "forget") {
    state.pending.clear();
    save();
    api.forgetFeedback(state.id).catch(() => {});
    return;
  }
  queue(movie, signal);
});

/**
 * Bring the server's marks into this browser: a movie the server saw marked later than
 * this browser did (on another device, or before local storage was cleared) takes the
 * server's mark; local marks not yet sent win.
 */
export async function restore() {
  if (!state.share) return 0;
  const marks = await api.feedback(state.id);
  const changes = [];
  for (const m of marks) {
    if (state.pending.has(m.movie)) continue;
    const local = store.state.ratings[m.movie];
    if (local && (local.at ?? 0) >= m.at) continue;
    if (m.signal === "skip") {
      if (local) changes.push([m.movie, null]);
    } else {
      const v = m.signal === "like" ? 1 : -1;
      if (!local || local.v !== v) changes.push([m.movie, { v, at: m.at, base: local }]);
    }
  }
  // titles, years and posters of the restored movies, a few requests at a time
  const entries = [];
  for (let i = 0; i < changes.length; i += 6) {
    const batch = await Promise.all(
      changes.slice(i, i + 6).map(async ([id, r]) => {
        if (!r) return [id, null];
        let m = r.base;
        if (!m) m = await api.movie(id).catch(() => null);
        if (!m) return null;
        const n = normalizeMovie({ ...m, id });
        return [id, { v: r.v, title: n.title, year: n.year, genres: n.genres, poster: n.poster, at: r.at }];
      }),
    );
    entries.push(...batch.filter(Boolean));
  }
  if (entries.length) store.restore(entries);
  return entries.length;
}

export const feedback = {
  get visitor() {
    return state.id;
  },
  get sharing() {
    return state.share;
  },
  subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
  /**
   * Opt in (the marks this browser holds are sent) or out (nothing more is sent and the
   * server forgets this visitor's marks). Resolves once the server was told.
   */
  async setSharing(on) {
    if (on === state.share) return;
    state.share = on;
    clearTimeout(retryTimer);
    retryTimer = 0;
    backoff = 0;
    state.pending.clear();
    if (on) {
      const rated = Object.entries(store.state.ratings).sort(([, a], [, b]) => (a.at ?? 0) - (b.at ?? 0));
      for (const [id, r] of rated) state.pending.set(Number(id), r.v > 0 ? "like" : "dislike");
      save();
      flush();
    } else {
      save();
      await api.forgetFeedback(state.id);
    }
  },
  flush,
};
