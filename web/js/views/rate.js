// Rate: random movies one card at a time; like / dislike / skip by buttons,
// swipe and keyboard (← dislike, → like, space skip).
import { api } from "../api.js";
import { store } from "../store.js";
import { h, poster, genreList, yearText, load, toast } from "../ui.js";

const DECK = 16;
let genresCache = null;

export function renderRate(root) {
  let deck = [];
  let i = 0;
  let busy = false;

  const genreSelect = h("select", { id: "rate-genre", name: "genre" }, h("option", { value: "" }, "Any genre"));
  const progressText = h("p", { class: "progress-text", id: "rate-progress", "aria-live": "polite" });
  const progressBar = h("progress", { max: DECK, value: 0, "aria-labelledby": "rate-progress" });
  const stage = h("div", { class: "stage" });
  const btnDislike = h("button", { type: "button", class: "btn dislike", "aria-keyshortcuts": "ArrowLeft", onclick: () => decide(-1) }, h("span", { "aria-hidden": "true" }, "✕ "), "Dislike");
  const btnSkip = h("button", { type: "button", class: "btn", "aria-keyshortcuts": "Space", onclick: () => decide(0) }, "Skip");
  const btnLike = h("button", { type: "button", class: "btn like", "aria-keyshortcuts": "ArrowRight", onclick: () => decide(1) }, h("span", { "aria-hidden": "true" }, "♥ "), "Like");
  const actions = h("div", { class: "rate-actions", role: "group", "aria-label": "Rate this movie" }, btnDislike, btnSkip, btnLike);
  const recsLink = h("a", { class: "btn primary", href: "#/recommendations", id: "to-recs" }, "See recommendations");
  const more = h("button", { type: "button", class: "btn", id: "more-movies", onclick: () => loadDeck() }, "More movies");

  root.append(
    h(
      "section",
      { class: "rate", "aria-labelledby": "rate-title" },
      h(
        "div",
        { class: "rate-head" },
        h("h1", { id: "rate-title" }, "Rate movies"),
        h("p", { class: "hint" }, "Like or dislike what you have seen; skip the rest. Keys: ← dislike, → like, space skip. On a phone, swipe the card."),
        h("div", { class: "field" }, h("label", { for: "rate-genre" }, "Start with a genre"), genreSelect),
      ),
      h("div", { class: "progress" }, progressText, progressBar),
      stage,
      actions,
      h("div", { class: "rate-foot" }, more, recsLink),
    ),
  );

  genreSelect.addEventListener("change", () => {
    store.setGenre(genreSelect.value);
    loadDeck();
  });

  (genresCache || api.genres())
    .then((gs) => {
      genresCache = Promise.resolve(gs);
      for (const g of gs) genreSelect.append(h("option", { value: g }, g));
      genreSelect.value = gs.includes(store.state.genre) ? store.state.genre : "";
    })
    .catch(() => {
      genreSelect.disabled = true;
    });

  function updateProgress() {
    const liked = store.liked().length;
    const disliked = store.disliked().length;
    const shown = Math.min(i, deck.length);
    progressText.textContent = deck.length ? `${shown} of ${deck.length} done · ${liked} liked, ${disliked} disliked in total` : `${liked} liked, ${disliked} disliked in total`;
    progressBar.max = Math.max(deck.length, 1);
    progressBar.value = shown;
    recsLink.textContent = liked ? `See recommendations (${liked} liked)` : "See popular movies";
  }

  function setActions(enabled) {
    for (const b of [btnDislike, btnSkip, btnLike]) b.disabled = !enabled;
  }

  function show() {
    updateProgress();
    if (i >= deck.length) {
      setActions(false);
      stage.replaceChildren(
        h(
          "div",
          { class: "done" },
          h("h2", {}, deck.length ? "That's all of this round" : "No new movies here"),
          h("p", {}, store.liked().length ? "Your recommendations are ready — or rate some more." : "Get more movies, or pick another genre."),
          h("div", { class: "row" }, h("button", { type: "button", class: "btn", onclick: () => loadDeck() }, "More movies"), h("a", { class: "btn primary", href: "#/recommendations" }, "See recommendations")),
        ),
      );
      return;
    }
    setActions(true);
    const m = deck[i];
    const card = h(
      "article",
      { class: "card", dataset: { id: m.id }, "aria-label": `${m.title}, ${yearText(m)}` },
      poster(m, { eager: true }),
      h("div", { class: "card-body" }, h("h2", { class: "card-title" }, h("a", { href: `#/movie/${m.id}` }, m.title)), h("p", { class: "meta" }, yearText(m)), genreList(m.genres)),
    );
    attachSwipe(card);
    stage.replaceChildren(card);
  }

  function decide(v) {
    if (busy || i >= deck.length) return;
    const m = deck[i];
    if (v !== 0) store.rate(m, v);
    else store.skip(m);
    const card = stage.querySelector(".card");
    i += 1;
    if (card && v !== 0 && !matchMedia("(prefers-reduced-motion: reduce)").matches) {
      busy = true;
      card.classList.add(v > 0 ? "out-right" : "out-left");
      setTimeout(() => {
        busy = false;
        show();
      }, 160);
    } else {
      show();
    }
    if (v > 0) toast(`Liked ${m.title}`);
    else if (v < 0) toast(`Disliked ${m.title}`);
  }

  function attachSwipe(card) {
    let startX = null;
    let dx = 0;
    let moved = false;
    card.addEventListener("pointerdown", (e) => {
      if (e.pointerType === "mouse" && e.button !== 0) return;
      startX = e.clientX;
      dx = 0;
      moved = false;
      try {
        card.setPointerCapture(e.pointerId);
      } catch {
        // pointer already gone
      }
    });
    card.addEventListener("dragstart", (e) => e.preventDefault());
    card.addEventListener("pointermove", (e) => {
      if (startX === null) return;
      dx = e.clientX - startX;
      if (Math.abs(dx) > 8) {
        card.style.transform = `translateX(${dx}px) rotate(${dx / 20}deg)`;
        card.classList.toggle("hint-like", dx > 60);
        card.classList.toggle("hint-dislike", dx < -60);
      }
    });
    const end = () => {
      if (startX === null) return;
      startX = null;
      moved = Math.abs(dx) > 8;
      card.style.transform = "";
      card.classList.remove("hint-like", "hint-dislike");
      if (Math.abs(dx) > 80) decide(dx > 0 ? 1 : -1);
      dx = 0;
    };
    card.addEventListener("pointerup", end);
    card.addEventListener("pointercancel", end);
    card.addEventListener("click", (e) => {
      if (moved) e.preventDefault();
    });
  }

  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t && t.closest && t.closest("input, select, textarea, [contenteditable]")) return;
    if (e.key === "ArrowLeft") {
      e.preventDefault();
      decide(-1);
    } else if (e.key === "ArrowRight") {
      e.preventDefault();
      decide(1);
    } else if (e.key === " " || e.code === "Space") {
      if (t && t.closest && t.closest("button, a")) return; // let Space press the focused control
      e.preventDefault();
      decide(0);
    }
  }
  document.addEventListener("keydown", onKey);

  function loadDeck() {
    setActions(false);
    return load(
      stage,
      () => api.random(DECK, store.state.genre),
      (movies) => {
        deck = movies.filter((m) => !store.rating(m.id));
        i = 0;
        show();
      },
      "Picking movies…",
    );
  }

  updateProgress();
  loadDeck();
  document.title = "Rate movies · reelgraph";
  return () => document.removeEventListener("keydown", onKey);
}
