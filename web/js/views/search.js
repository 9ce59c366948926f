// Search by title (the header's search box leads here).
import { api } from "../api.js";
import { h, load, movieTile } from "../ui.js";

export function renderSearch(root, q) {
  let alive = true;
  const results = h("div", { class: "grid-wrap", "aria-live": "polite" });
  root.append(h("section", { class: "search-page", "aria-labelledby": "search-title" }, h("h1", { id: "search-title" }, q ? `Search: “${q}”` : "Search"), results));
  document.title = q ? `${q} · Search · reelgraph` : "Search · reelgraph";
  if (!q) {
    results.append(h("p", {}, "Type a title in the search box above."));
  } else {
    load(
      results,
      () => api.search(q),
      (items) => {
        if (!alive) return;
        if (!items.length) results.append(h("p", { class: "empty" }, `No movie title matches “${q}”.`));
        else results.append(h("p", { class: "summary" }, `${items.length} movie${items.length === 1 ? "" : "s"} found.`), h("div", { class: "grid", id: "search-grid" }, items.map((m, i) => movieTile(m, { eager: i < 10 }))));
      },
      "Searching…",
    );
  }
  return () => {
    alive = false;
  };
}
