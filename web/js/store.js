// What the person did, kept in localStorage so it survives reloads (no account).
//
// ratings: id -> { v: 1 (liked) | -1 (disliked), title, year, genres, poster, at (ms) }
// hidden:  ids removed from the recommendations without a rating
// filters: recommendation filters { genres: [], year_min, year_max }
// genre:   genre chosen before rating ("" = any)

const KEY = "reelgraph.v1";
const listeners = new Set();
// Told of every mark the person makes (feedback.js sends them): (id, signal) with
// signal "like" | "dislike" | "skip", and (null, "forget") when they start over.
const markListeners = new Set();
const mark = (id, signal) => {
  for (const fn of markListeners) fn(id, signal);
};

function empty() {
  return { ratings: {}, hidden: [], filters: { genres: [], year_min: null, year_max: null }, genre: "" };
}

function read() {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return empty();
    const s = JSON.parse(raw);
    const base = empty();
    return {
      ratings: s && typeof s.ratings === "object" && s.ratings ? s.ratings : base.ratings,
      hidden: Array.isArray(s.hidden) ? s.hidden.map(Number).filter(Number.isFinite) : base.hidden,
      filters: { ...base.filters, ...(s.filters || {}) },
      genre: typeof s.genre === "string" ? s.genre : "",
    };
  } catch {
    return empty();
  }
}

let state = read();

function save() {
  try {
    localStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    // storage full or disabled: keep working in memory
  }
  for (const fn of listeners) fn(state);
}

export const store = {
  get state() {
    return state;
  },
  subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
  onMark(fn) {
    markListeners.add(fn);
    return () => markListeners.delete(fn);
  },
  rating(id) {
    const r = state.ratings[id];
    return r ? r.v : 0;
  },
  /** v: 1 like, -1 dislike, 0 remove the rating. */
  rate(movie, v) {
    if (v === 0) {
      delete state.ratings[movie.id];
    } else {
      state.ratings[movie.id] = { v, title: movie.title, year: movie.year ?? null, genres: movie.genres || [], poster: movie.poster || null, at: Date.now() };
      state.hidden = state.hidden.filter((h) => h !== movie.id);
    }
    save();
    mark(movie.id, v > 0 ? "like" : v < 0 ? "dislike" : "skip");
  },
  /** Passed over without an opinion (the rating deck's skip). */
  skip(movie) {
    mark(movie.id, "skip");
  },
  /**
   * Marks restored from the server (feedback.js): id -> rating entry, or null to drop
   * the local rating. Nothing is sent back.
   */
  restore(entries) {
    for (const [id, r] of entries) {
      if (r) {
        state.ratings[id] = r;
        state.hidden = state.hidden.filter((h) => h !== Number(id));
      } else delete state.ratings[id];
    }
    save();
  },
  liked() {
    return Object.entries(state.ratings).filter(([, r]) => r.v > 0).map(([id]) => Number(id));
  },
  disliked() {
    return Object.entries(state.ratings).filter(([, r]) => r.v < 0).map(([id]) => Number(id));
  },
  rated() {
    return Object.keys(state.ratings).map(Number);
  },
  hide(id) {
    if (!state.hidden.includes(id)) state.hidden.push(id);
    save();
    mark(id, "skip");
  },
  setFilters(f) {
    state.filters = { ...state.filters, ...f };
    save();
  },
  setGenre(g) {
    state.genre = g || "";
    save();
  },
  reset() {
    state = empty();
    save();
    mark(null, "forget");
  },
};
