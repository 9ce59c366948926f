// Recommendations: grid with "because you liked …", genre and year filters,
// dislike / hide to refine at once, reset.
import { api } from "../api.js";
import { store } from "../store.js";
import { h, load, movieTile, toast } from "../ui.js";

const K = 20;
let genresCache = null;

function yearValue(input) {
  const v = input.value.trim();
  if (!v) return null;
  const n = Number(v);
  return Number.isInteger(n) ? n : null;
}

export function renderRecs(root) {
  let alive = true;
  const summary = h("p", { class: "summary", id: "recs-summary" });
  const grid = h("div", { class: "grid-wrap", "aria-live": "polite" });
  const genreBox = h("div", { class: "chips" });
  const genreFieldset = h("fieldset", { class: "genre-filter", hidden: true }, h("legend", {}, "Genres (any of)"), genreBox);
  const f = store.state.filters;
  const yearMin = h("input", { id: "year-min", type: "number", inputmode: "numeric", min: 1880, max: 2100, step: 1, placeholder: "any", value: f.year_min ?? "" });
  const yearMax = h("input", { id: "year-max", type: "number", inputmode: "numeric", min: 1880, max: 2100, step: 1, placeholder: "any", value: f.year_max ?? "" });
  const yearError = h("p", { class: "field-error", id: "year-error", "aria-live": "polite" });
  const yearFieldset = h(
    "fieldset",
    { class: "year-filter" },
    h("legend", {}, "Years"),
    h("div", { class: "row" }, h("label", { for: "year-min" }, "From"), yearMin, h("label", { for: "year-max" }, "to"), yearMax),
    yearError,
  );
  const clearBtn = h("button", { type: "button", class: "btn", id: "clear-filters", onclick: clearFilters }, "Clear filters");
  const resetBtn = h("button", { type: "button", class: "btn danger", id: "reset-ratings", onclick: resetAll }, "Start over");
  const ratedBox = h("details", { class: "rated" });

  root.append(
    h(
      "section",
      { class: "recs", "aria-labelledby": "recs-title" },
      h("div", { class: "recs-head" }, h("h1", { id: "recs-title" }, "Recommended for you"), summary),
      h("form", { class: "filters", "aria-label": "Filters", onsubmit: (e) => e.preventDefault() }, genreFieldset, yearFieldset, h("div", { class: "row buttons" }, clearBtn, resetBtn)),
      ratedBox,
      grid,
    ),
  );

  function renderGenres(gs) {
    genreFieldset.hidden = !gs.length;
    const selected = new Set(store.state.filters.genres || []);
    genreBox.replaceChildren(
      ...gs.map((g) => {
        const id = `genre-${g.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
        const box = h("input", { type: "checkbox", id, value: g, checked: selected.has(g) });
        box.addEventListener("change", () => {
          const cur = new Set(store.state.filters.genres || []);
          if (box.checked) cur.add(g);
          else cur.delete(g);
          store.setFilters({ genres: [...cur] });
          refresh();
        });
        return h("span", { class: "chip" }, box, h("label", { for: id }, g));
      }),
    );
  }

  function ensureGenres() {
    if (!genresCache) genresCache = api.genres().catch((e) => ((genresCache = null), Promise.reject(e)));
    return genresCache.then((gs) => {
      if (alive && !genreBox.childElementCount) renderGenres(gs);
    });
  }

  let yearTimer = 0;
  function onYear() {
    clearTimeout(yearTimer);
    yearTimer = setTimeout(() => {
      const a = yearValue(yearMin);
      const b = yearValue(yearMax);
      if ((yearMin.value && a === null) || (yearMax.value && b === null)) {
        yearError.textContent = "Years are whole numbers, like 1995.";
        return;
      }
      if (a !== null && b !== null && a > b) {
        yearError.textContent = "The first year must not be after the second.";
        return;
      }
      yearError.textContent = "";
      store.setFilters({ year_min: a, year_max: b });
      refresh();
    }, 350);
  }
  yearMin.addEventListener("input", onYear);
  yearMax.addEventListener("input", onYear);

  function clearFilters() {
    store.setFilters({ genres: [], year_min: null, year_max: null });
    yearMin.value = "";
    yearMax.value = "";
    yearError.textContent = "";
    for (const b of genreBox.querySelectorAll("input")) b.checked = false;
    refresh();
  }

  function resetAll() {
    store.reset();
    clearFilters();
    toast("Ratings and filters cleared");
  }

  function renderRated() {
    const ids = store.rated();
    ratedBox.replaceChildren(h("summary", {}, `Your ratings (${ids.length})`));
    if (!ids.length) {
      ratedBox.append(h("p", {}, "Nothing rated yet. ", h("a", { href: "#/rate" }, "Rate a few movies"), " to personalise this list."));
      return;
    }
    ratedBox.append(
      h(
        "ul",
        { class: "rated-list" },
        ids.map((id) => {
          const r = store.state.ratings[id];
          const undo = h("button", { type: "button", class: "link", "aria-label": `Remove rating of ${r.title}` }, "remove");
          undo.addEventListener("click", () => {
            store.rate({ id }, 0);
            refresh();
          });
          return h("li", {}, h("span", { class: r.v > 0 ? "tag like" : "tag dislike" }, r.v > 0 ? "liked" : "disliked"), " ", h("a", { href: `#/movie/${id}` }, r.title), " ", undo);
        }),
      ),
    );
  }

  function updateSummary() {
    const l = store.liked().length;
    const d = store.disliked().length;
    summary.textContent =
      l || d ? `Based on ${l} liked and ${d} disliked movie${d === 1 ? "" : "s"}. Dislike or hide a movie to refine the list.` : "Popular movies for now — rate a few to personalise this list.";
  }

  function tile(m, i) {
    const because = m.because ? h("p", { class: "because" }, "Because you liked ", h("a", { href: `#/movie/${m.because.id}` }, m.because.title)) : null;
    const dislike = h("button", { type: "button", class: "btn small dislike", "aria-label": `Not for me: ${m.title}` }, "Not for me");
    const hide = h("button", { type: "button", class: "btn small", "aria-label": `Hide ${m.title}` }, "Hide");
    dislike.addEventListener("click", () => {
      store.rate(m, -1);
      toast(`Disliked ${m.title}`);
      refresh();
    });
    hide.addEventListener("click", () => {
      store.hide(m.id);
      toast(`Hidden ${m.title}`);
      refresh();
    });
    return movieTile(m, { eager: i < 10, extra: [because, h("div", { class: "tile-actions" }, dislike, hide)] });
  }

  function refresh() {
    updateSummary();
    renderRated();
    const s = store.state;
    return load(
      grid,
      async () => {
        const [res] = await Promise.all([
          api.recommend({ liked: store.liked(), disliked: store.disliked(), k: K, filters: s.filters, exclude: s.hidden }),
          ensureGenres().catch(() => {}),
        ]);
        return res;
      },
      ({ items, modelVersion, strategy }) => {
        if (!alive) return;
        if (!items.length) {
          grid.append(h("div", { class: "empty" }, h("p", {}, "No movies match these filters."), h("button", { type: "button", class: "btn", onclick: clearFilters }, "Clear filters")));
          return;
        }
        grid.append(h("div", { class: "grid", id: "recs-grid" }, items.map(tile)));
        if (modelVersion !== null) grid.append(h("p", { class: "fineprint" }, `Model version ${modelVersion}${strategy ? ` · ${strategy.replace(/_/g, " ")}` : ""}`));
      },
      "Finding movies for you…",
    );
  }

  refresh();
  document.title = "Recommendations · reelgraph";
  return () => {
    alive = false;
    clearTimeout(yearTimer);
  };
}
