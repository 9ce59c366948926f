// Client of the reelgraph v1 API. Every call resolves to plain data or rejects with
// an ApiError carrying a message meant for a person.

const TIMEOUT_MS = 12000;

/** Base URL of the API from env-config.js ("" = same origin), without trailing slash. */
export function apiBase() {
  const env = (typeof window !== "undefined" && window._env_) || {};
  return String(env.API_BASE_URL || "").replace(/\/+$/, "");
}

export class ApiError extends Error {
  constructor(message, { status = 0, code = "", field = null, retryAfter = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    /** Seconds the server asked to wait (429, 503), when it said. */
    this.retryAfter = retryAfter;
  }
}

async function request(path, { method = "GET", body, timeoutMs = TIMEOUT_MS } = {}) {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort();
  }, timeoutMs);
  let res;
  try {
    res = await fetch(apiBase() + path, {
      method,
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctrl.signal,
    });
  } catch {
    throw timedOut
      ? new ApiError("The server is taking too long to answer.", { code: "timeout" })
      : new ApiError("Cannot reach the reelgraph server. Check your connection and try again.", { code: "network" });
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    const text = await res.text();
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = data && data.error;
    const message = (e && e.message) || `The server answered with an error (HTTP ${res.status}).`;
    const after = Number(res.headers.get("retry-after"));
    throw new ApiError(message, {
      status: res.status,
      code: (e && e.code) || "http",
      field: (e && e.field) || null,
      retryAfter: Number.isFinite(after) && after >= 0 ? after : null,
    });
  }
  if (res.status === 204) return null;
  if (data === null) {
    throw new ApiError("The server sent an unreadable answer.", { status: res.status, code: "parse" });
  }
  return data;
}

function list(data, ...keys) {
  if (Array.isArray(data)) return data;
  for (const k of keys) if (data && Array.isArray(data[k])) return data[k];
  return [];
}

/** Movie as the UI uses it, whatever optional fields the server filled. */
export function normalizeMovie(m) {
  if (!m || typeof m !== "object") return null;
  const genres = Array.isArray(m.genres) ? m.genres : typeof m.genres === "string" ? m.genres.split(/[|,]\s*/).filter(Boolean) : [];
  const actors = Array.isArray(m.actors) ? m.actors : Array.isArray(m.cast) ? m.cast : [];
  return {
    id: Number(m.id),
    title: m.display_title || m.title || `Movie ${m.id}`,
    year: m.year ?? null,
    genres,
    poster: typeof m.poster === "string" && m.poster ? m.poster : null,
    runtime: m.runtime ?? null,
    director: m.director || null,
    actors,
    plot: m.plot || null,
    rated: m.rated || null,
    score: typeof m.score === "number" ? m.score : null,
    because: m.because && m.because.id != null ? { id: Number(m.because.id), title: m.because.display_title || m.because.title || "" } : null,
  };
}

const q = (v) => encodeURIComponent(v);

export const api = {
  async random(n = 16, genre = "") {
    const data = await request(`/api/v1/movies/random?n=${q(n)}${genre ? `&genre=${q(genre)}` : ""}`);
    return list(data, "items", "movies").map(normalizeMovie).filter(Boolean);
  },
  async movie(id) {
    const data = await request(`/api/v1/movies/${q(id)}`);
    return normalizeMovie(data.movie || data);
  },
  async similar(id, k = 12) {
    const data = await request(`/api/v1/movies/${q(id)}/similar?k=${q(k)}`);
    return list(data, "items", "movies").map(normalizeMovie).filter(Boolean);
  },
  async recommend({ liked = [], disliked = [], k = 20, filters = {}, exclude = [] }) {
    const body = { liked, disliked, k, exclude, filters: {} };
    if (filters.genres && filters.genres.length) body.filters.genres = filters.genres;
    if (filters.year_min != null) body.filters.year_min = filters.year_min;
    if (filters.year_max != null) body.filters.year_max = filters.year_max;
    const data = await request("/api/v1/recommendations", { method: "POST", body });
    return {
      items: list(data, "items").map(normalizeMovie).filter(Boolean),
      modelVersion: data.model_version ?? null,
      strategy: data.strategy || null,
    };
  },
  async search(text) {
    const data = await request(`/api/v1/movies/search?q=${q(text)}`);
    return list(data, "items", "movies", "results").map(normalizeMovie).filter(Boolean);
  },
  async genres() {
    const data = await request("/api/v1/genres");
    return list(data, "genres", "items")
      .map((g) => (typeof g === "string" ? g : g && (g.name || g.genre)))
      .filter(Boolean);
  },
  /** Record a visitor's signal ("like" | "dislike" | "skip") for a movie. */
  async sendFeedback(visitor, movie, signal) {
    return request("/api/v1/feedback", { method: "POST", body: { visitor, movie, signal } });
  },
  /** A visitor's signals, newest first: [{ movie, signal, at (ms) }]. */
  async feedback(visitor) {
    const data = await request(`/api/v1/feedback?visitor=${q(visitor)}`);
    return list(data, "items")
      .map((m) => ({ movie: Number(m.movie), signal: m.signal, at: Date.parse(m.at) }))
      .filter((m) => Number.isInteger(m.movie) && Number.isFinite(m.at));
  },
  /** Forget every signal of a visitor. */
  async forgetFeedback(visitor) {
    await request(`/api/v1/feedback?visitor=${q(visitor)}`, { method: "DELETE" });
  },
  posterUrl(id) {
    return `${apiBase()}/api/v1/movies/${q(id)}/poster`;
  },
  placeholderUrl(id) {
    return `${apiBase()}/api/v1/movies/${q(id)}/poster?placeholder=true`;
  },
};
