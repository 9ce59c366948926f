// Writes a small synthetic dataset in reelgraph's generic format, deterministic:
//   interactions.csv  user,item,rating,timestamp
//   items.csv         item,title,genres,year      (genres separated by '|')
//   movie_info.dat    ID::{OMDb-style JSON}       (for `train --metadata`: plot, director,
//                     actors, runtime, release date, IMDb rating and votes; a poster URL for
//                     every fifth movie that points at a closed loopback port, so the browser's
//                     image load fails as with no network, or at `--posters BASE` when given)
// Movies come in genre clusters and every user mostly rates one or two clusters,
// so a trained model has real structure to find.
//
//   node tests/make-dataset.mjs DIR [--items N] [--users N] [--posters BASE]
import fs from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) {
  console.error("usage: make-dataset.mjs DIR [--items N] [--users N]");
  process.exit(2);
}
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N_ITEMS = opt("--items", 160);
const N_USERS = opt("--users", 300);
const POSTERS = args.includes("--posters") ? args[args.indexOf("--posters") + 1] : "https://127.0.0.1:9/posters";

// mulberry32: small deterministic PRNG
let seed = 0x5eed;
function rnd() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];

const GENRES = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Animation", "Documentary"];
const ADJ = ["Silent", "Crimson", "Last", "Hidden", "Golden", "Broken", "Electric", "Midnight", "Wild", "Frozen", "Lost", "Velvet", "Iron", "Paper", "Burning", "Quiet", "Distant", "Secret", "Neon", "Little"];
const NOUN = ["Harbor", "Garden", "Signal", "Empire", "River", "Machine", "Summer", "Letters", "Kingdom", "Station", "Orchard", "Frontier", "Dream", "Circus", "Lighthouse", "Comet", "Island", "Mirror", "Voyage", "Parade"];

const items = [];
const used = new Set();
for (let id = 1; id <= N_ITEMS; id++) {
  const g = GENRES[(id - 1) % GENRES.length];
  const genres = [g];
  if (rnd() < 0.3) {
    const g2 = pick(GENRES);
    if (g2 !== g) genres.push(g2);
  }
  let title;
  do {
    title = `${rnd() < 0.25 ? "The " : ""}${pick(ADJ)} ${pick(NOUN)}`;
    if (used.has(title)) title = `${title} ${id}`;
  } while (used.has(title));
  used.add(title);
  const year = 1950 + Math.floor(rnd() * 71);
  items.push({ id, title, genres, year });
}

const byGenre = new Map(GENRES.map((g) => [g, items.filter((m) => m.genres[0] === g)]));
const lines = [];
let ts = 1_000_000_000;
for (let u = 1; u <= N_USERS; u++) {
  const fav = [pick(GENRES)];
  if (rnd() < 0.5) fav.push(pick(GENRES));
  const n = 12 + Math.floor(rnd() * 18);
  const seen = new Set();
  for (let k = 0; k < n; k++) {
    const pool = rnd() < 0.85 ? byGenre.get(pick(fav)) : items;
    // popularity skew: low ids of each cluster are picked more often
    const m = pool[Math.floor(Math.pow(rnd(), 1.6) * pool.length)];
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    const rating = fav.includes(m.genres[0]) ? 3 + Math.floor(rnd() * 3) : 1 + Math.floor(rnd() * 3);
    ts += 1 + Math.floor(rnd() * 5000);
    lines.push(`${u},${m.id},${rating},${ts}`);
  }
}

fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, "interactions.csv"), `user,item,rating,timestamp\n${lines.join("\n")}\n`);
fs.writeFileSync(path.join(dir, "items.csv"), `item,title,genres,year\n${items.map((m) => `${m.id},${m.title},${m.genres.join("|")},${m.year}`).join("\n")}\n`);
const FIRST = ["Ada", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kwame", "Lena"];
const LAST = ["Moreau", "Okafor", "Lindqvist", "Tanaka", "Alvarez", "Novak", "Byrne", "Costa", "Weber", "Haddad"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const person = () => `${pick(FIRST)} ${pick(LAST)}`;
const info = items.map((m) => {
  const omdb = {
    Title: m.title,
    Year: String(m.year),
    Rated: pick(["G", "PG", "PG-13", "R"]),
    Runtime: `${80 + Math.floor(rnd() * 70)} min`,
    Genre: m.genres.join(", "),
    Director: person(),
    Actors: [person(), person(), person()].join(", "),
    Plot: `A ${m.genres[0].toLowerCase()} story about ${pick(NOUN).toLowerCase()}s and ${pick(ADJ).toLowerCase()} ${pick(NOUN).toLowerCase()}s.`,
    Language: "English",
    Poster: m.id % 5 === 0 ? `${POSTERS}/${m.id}.jpg` : "N/A",
    // derived from the id alone, so the random draws (and the other tests' data) stay as they were
    Released: m.id % 7 === 0 ? "N/A" : `${String(1 + (m.id % 28)).padStart(2, "0")} ${MONTHS[m.id % 12]} ${m.year}`,
    imdbRating: m.id % 7 === 0 ? "N/A" : (4 + ((m.id * 37) % 55) / 10).toFixed(1),
    imdbVotes: m.id % 7 === 0 ? "N/A" : (m.id * 1237).toLocaleString("en-US"),
    imdbID: `tt${String(9000000 + m.id)}`,
    Type: "movie",
    Response: "True",
  };
  return `${m.id}::${JSON.stringify(omdb)}`;
});
fs.writeFileSync(path.join(dir, "movie_info.dat"), `${info.join("\n")}\n`);
console.log(`make-dataset: ${items.length} items, ${N_USERS} users, ${lines.length} interactions in ${dir}`);
