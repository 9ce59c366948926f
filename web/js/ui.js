// Small DOM helpers shared by the views.
import { api, apiBase } from "./api.js";

/** h("a", { href: "#", class: "x", onclick: fn }, "text", child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function yearText(m) {
  return m.year ? String(m.year) : "year unknown";
}

function posterSrc(movie) {
  const p = movie.poster;
  if (!p) return api.placeholderUrl(movie.id);
  if (/^https?:\/\//i.test(p) || p.startsWith("data:")) return p;
  if (p.startsWith("/")) return apiBase() + p;
  return p;
}

/**
 * Poster image: the OMDb URL when the browser can load it, otherwise the API's
 * generated placeholder, and if even that fails a text block, so the page always
 * looks complete.
 */
export function poster(movie, { eager = false } = {}) {
  const wrap = h("div", { class: "poster" });
  const img = h("img", {
    alt: `Poster of ${movie.title}${movie.year ? ` (${movie.year})` : ""}`,
    loading: eager ? "eager" : "lazy",
    decoding: "async",
    width: 300,
    height: 450,
  });
  const placeholder = api.placeholderUrl(movie.id);
  img.addEventListener("error", () => {
    if (img.dataset.fallback === "placeholder") {
      img.dataset.fallback = "text";
      img.replaceWith(
        h("div", { class: "poster-text", role: "img", "aria-label": img.alt }, h("span", {}, movie.title), movie.year ? h("span", {}, String(movie.year)) : null),
      );
      return;
    }
    img.dataset.fallback = "placeholder";
    img.src = placeholder;
  });
  const src = posterSrc(movie);
  if (src === placeholder) img.dataset.fallback = "placeholder";
  img.src = src;
  wrap.append(img);
  return wrap;
}

export function genreList(genres) {
  if (!genres || !genres.length) return null;
  return h("ul", { class: "genres", "aria-label": "Genres" }, genres.map((g) => h("li", {}, g)));
}

export function loading(text = "Loading…") {
  return h("div", { class: "loading", role: "status", "aria-live": "polite" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

/** Error block with a retry button; never a blank page. */
export function errorBox(err, retry) {
  const msg = (err && err.message) || "Something went wrong.";
  const box = h(
    "div",
    { class: "error", role: "alert" },
    h("h2", {}, err && err.status === 404 ? "Not found" : "Something went wrong"),
    h("p", {}, msg),
    retry ? h("button", { type: "button", class: "btn primary", onclick: retry }, "Retry") : null,
  );
  return box;
}

let toastTimer = 0;
export function toast(text) {
  const t = document.getElementById("toast");
  if (!t) return;
  t.textContent = text;
  t.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove("show"), 2500);
}

/**
 * Run an async loader into a container with loading and error-with-retry states.
 * Only the latest load of a container renders: an older answer arriving late is dropped.
 */
const current = new WeakMap();
export async function load(container, loader, render, loadingText) {
  const run = async () => {
    const token = {};
    current.set(container, token);
    container.replaceChildren(loading(loadingText));
    container.setAttribute("aria-busy", "true");
    let data;
    try {
      data = await loader();
    } catch (err) {
      if (current.get(container) !== token) return;
      container.removeAttribute("aria-busy");
      container.replaceChildren(errorBox(err, run));
      return;
    }
    if (current.get(container) !== token) return;
    container.removeAttribute("aria-busy");
    container.replaceChildren();
    render(data);
  };
  return run();
}

/** A movie tile for grids: poster + title + year + genres, linking to the movie page. */
export function movieTile(movie, { extra = null, headingLevel = "h3", eager = false } = {}) {
  return h(
    "article",
    { class: "tile", dataset: { id: movie.id } },
    h("a", { class: "tile-link", href: `#/movie/${movie.id}` }, poster(movie, { eager }), h(headingLevel, { class: "tile-title" }, movie.title)),
    h("p", { class: "meta" }, yearText(movie)),
    genreList(movie.genres),
    extra,
  );
}
