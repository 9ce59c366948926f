// Movie page: details, like/dislike, shareable URL, similar movies.
import { api } from "../api.js";
import { store } from "../store.js";
import { h, poster, genreList, load, movieTile, toast, yearText } from "../ui.js";

export function renderMovie(root, id) {
  let alive = true;
  load(
    root,
    () => api.movie(id),
    (m) => {
      if (!alive) return;
      document.title = `${m.title} · reelgraph`;
      const like = h("button", { type: "button", class: "btn like", id: "movie-like" }, h("span", { "aria-hidden": "true" }, "♥ "), "Like");
      const dislike = h("button", { type: "button", class: "btn dislike", id: "movie-dislike" }, h("span", { "aria-hidden": "true" }, "✕ "), "Dislike");
      const sync = () => {
        const r = store.rating(m.id);
        like.setAttribute("aria-pressed", String(r > 0));
        dislike.setAttribute("aria-pressed", String(r < 0));
      };
      like.addEventListener("click", () => {
        const v = store.rating(m.id) > 0 ? 0 : 1;
        store.rate(m, v);
        toast(v ? `Liked ${m.title}` : `Removed your rating of ${m.title}`);
        sync();
      });
      dislike.addEventListener("click", () => {
        const v = store.rating(m.id) < 0 ? 0 : -1;
        store.rate(m, v);
        toast(v ? `Disliked ${m.title}` : `Removed your rating of ${m.title}`);
        sync();
      });
      sync();

      const url = new URL(`#/movie/${m.id}`, location.href).href;
      const share = h("button", { type: "button", class: "btn", id: "share" }, "Copy link");
      const shareOut = h("input", { type: "text", readonly: true, value: url, class: "share-url", "aria-label": "Link to this movie", hidden: true });
      share.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(url);
          toast("Link copied");
        } catch {
          shareOut.hidden = false;
          shareOut.select();
          toast("Copy the link from the box");
        }
      });

      const meta = [yearText(m), m.runtime ? `${m.runtime} min` : null, m.rated].filter(Boolean).join(" · ");
      const facts = h("dl", { class: "facts" });
      if (m.director) facts.append(h("dt", {}, "Director"), h("dd", {}, m.director));
      if (m.actors.length) facts.append(h("dt", {}, "Cast"), h("dd", {}, m.actors.join(", ")));
      const similar = h("div", { class: "grid-wrap" });

      root.append(
        h(
          "article",
          { class: "movie", dataset: { id: m.id }, "aria-labelledby": "movie-title" },
          h("div", { class: "movie-poster" }, poster(m, { eager: true })),
          h(
            "div",
            { class: "movie-info" },
            h("h1", { id: "movie-title" }, m.title),
            h("p", { class: "meta" }, meta),
            genreList(m.genres),
            facts,
            h("p", { class: "plot" }, m.plot || "No plot summary available."),
            h("div", { class: "row", role: "group", "aria-label": "Your rating" }, like, dislike, share),
            shareOut,
          ),
        ),
        h("section", { class: "similar", "aria-labelledby": "similar-title" }, h("h2", { id: "similar-title" }, "Similar movies"), similar),
      );

      load(
        similar,
        () => api.similar(m.id, 12),
        (items) => {
          if (!alive) return;
          if (!items.length) similar.append(h("p", {}, "No similar movies found."));
          else similar.append(h("div", { class: "grid", id: "similar-grid" }, items.map((s, i) => movieTile(s, { eager: i < 10 }))));
        },
        "Finding similar movies…",
      );
    },
    "Loading movie…",
  );
  document.title = "Movie · reelgraph";
  return () => {
    alive = false;
  };
}
