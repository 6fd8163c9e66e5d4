// sw.js: the field page's service worker (scope /field/). It keeps the page and its scripts so
// the page opens with no signal; data lives in IndexedDB, not here. Navigations and assets go
// to the network first (an update reaches the phone as soon as it has signal) and fall back to
// the kept copy; API calls are never cached.
const CACHE = "salur-field-v2";
const SHELL = [
  "/field/",
  "/assets/web/css/salur.css",
  "/assets/web/js/field.js",
  "/assets/web/js/custody.js",
  "/assets/web/js/store.js",
  "/assets/web/js/tlog.js",
  "/assets/web/js/scan.js",
  "/assets/web/field.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const shell = url.pathname === "/field/" || SHELL.includes(url.pathname);
  if (!shell) return; // API calls and everything else: straight to the network
  const key = url.pathname === "/field/" ? "/field/" : url.pathname;
  event.respondWith(
    fetch(request)
      .then((response) => {
        // Never keep a redirect (an expired session sends /field/ to the sign-in page).
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(key, copy));
        }
        return response;
      })
      .catch(() => caches.match(key).then((hit) => hit || Response.error()))
  );
});
