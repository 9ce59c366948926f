// reelgraph web UI: hash router and shell (header search, liked count).
import { store } from "./store.js";
import { feedback, restore } from "./feedback.js";
import { h, toast } from "./ui.js";
import { renderRate } from "./views/rate.js";
import { renderRecs } from "./views/recs.js";
import { renderMovie } from "./views/movie.js";
import { renderSearch } from "./views/search.js";

const view = document.getElementById("view");
const main = document.getElementById("main");
let cleanup = null;
let first = true;

function parseHash() {
  const hash = decodeURI(location.hash.replace(/^#/, "")) || "/rate";
  const qi = hash.indexOf("?");
  const path = qi >= 0 ? hash.slice(0, qi) : hash;
  const params = new URLSearchParams(qi >= 0 ? location.hash.slice(location.hash.indexOf("?") + 1) : "");
  return { parts: path.split("/").filter(Boolean), params };
}

function notFound(root) {
  root.append(
    h("section", { class: "error", role: "alert" }, h("h1", {}, "Page not found"), h("p", {}, "There is nothing at this address."), h("a", { class: "btn primary", href: "#/rate" }, "Rate movies")),
  );
  document.title = "Not found · reelgraph";
}

function route() {
  if (cleanup) cleanup();
  cleanup = null;
  const { parts, params } = parseHash();
  const name = parts[0] || "rate";
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (a.dataset.nav === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const search = document.getElementById("search-input");
  if (name !== "search" && search && document.activeElement !== search) search.value = "";
  view.replaceChildren();
  switch (name) {
    case "rate":
      cleanup = renderRate(view);
      break;
    case "recommendations":
      cleanup = renderRecs(view);
      break;
    case "movie": {
      const id = Number(parts[1]);
      if (Number.isInteger(id) && id >= 0) cleanup = renderMovie(view, id);
      else notFound(view);
      break;
    }
    case "search":
      if (search) search.value = params.get("q") || "";
      cleanup = renderSearch(view, params.get("q") || "");
      break;
    default:
      notFound(view);
  }
  if (!first) {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
  first = false;
}

function updateCount() {
  const el = document.getElementById("liked-count");
  const n = store.liked().length;
  el.textContent = n ? String(n) : "";
  el.setAttribute("aria-label", `${n} liked movie${n === 1 ? "" : "s"}`);
}

document.getElementById("search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = document.getElementById("search-input").value.trim();
  if (q) location.hash = `#/search?q=${encodeURIComponent(q)}`;
});

// The one sentence about feedback, and the switch to opt out of it.
const shareBox = document.getElementById("feedback-share");
function updateSharing() {
  shareBox.checked = feedback.sharing;
  document.getElementById("feedback-text").textContent = feedback.sharing
    ? "Your likes, dislikes and skips are sent to reelgraph under a random id kept in this browser, so the recommendations can learn from them."
    : "Your likes and dislikes stay in this browser: nothing is sent.";
}
shareBox.addEventListener("change", async () => {
  const on = shareBox.checked;
  try {
    await feedback.setSharing(on);
    toast(on ? "Sharing your marks" : "Not sharing: the server forgot your marks");
  } catch {
    toast("Sharing is off here; the server could not be told to forget your marks yet — try again later");
  }
  updateSharing();
});
feedback.subscribe(updateSharing);
updateSharing();

store.subscribe(updateCount);
updateCount();
window.addEventListener("hashchange", route);
route();

// A returning visitor's marks (from another device, or an emptied browser storage).
restore()
  .then((n) => {
    if (!n) return;
    toast(`Restored ${n} of your marks`);
    const name = parseHash().parts[0] || "rate";
    if (name === "recommendations" || name === "movie") route();
  })
  .catch(() => {
    // the server keeps no feedback or cannot be reached: the marks here still work
  });
feedback.flush();
