// Deploy-time configuration of the reelgraph web UI (no rebuild needed).
//
// This file is loaded before the application. Replace it when deploying, e.g.
//   printf 'window._env_ = { API_BASE_URL: "https://api.example.org" };\n' > env-config.js
// API_BASE_URL: origin (and optional path prefix) of the reelgraph API, without a
// trailing slash. Empty means "same origin as the page" (`reelgraph serve` serves both).
window._env_ = Object.assign({ API_BASE_URL: "" }, window._env_ || {});
