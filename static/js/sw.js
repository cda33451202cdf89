// expo's service worker (served as /sw.js by expo.offline with BUILD and PRECACHE filled in).
// It keeps the scanner pages usable when an expo hall loses its network:
// - static assets: from this build's cache first (a new build is a new worker and a new cache);
// - pages a scanner asked to keep ("expo-pages"): network first, the kept copy when offline;
// - the JSON API and everything else: never touched (the scanners queue their own scans).
// Signing out drops the kept pages.
"use strict";
var BUILD = "__BUILD__";
var PRECACHE = __PRECACHE__;
var STATIC = "expo-static-" + BUILD;
var PAGES = "expo-pages";
var NETWORK_TIMEOUT = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(PRECACHE); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("expo-static-") === 0 && n !== STATIC; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (r) { clearTimeout(timer); resolve(r); },
      function (e) { clearTimeout(timer); reject(e); });
  });
}

function fromCache(response) {
  var headers = new Headers(response.headers);
  headers.set("X-Expo-Offline", "cache");
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function page(request) {
  var key = new URL(request.url).pathname;
  // caches.match, not caches.open: opening would re-create the cache that signing out dropped.
  return caches.match(key, { cacheName: PAGES }).then(function (kept) {
    if (!kept) { return fetch(request); }
    return withTimeout(fetch(request), NETWORK_TIMEOUT).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) { return cache.put(key, copy); });
      }
      return response;
    }).catch(function () { return fromCache(kept); });
  });
}

function asset(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request, { ignoreSearch: true }).then(function (hit) {
      if (hit) { return hit; }
      return fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === "/logout") {
    // Drop the kept pages before the sign-out reaches the server.
    event.respondWith(caches.delete(PAGES).then(function () { return fetch(request); }));
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname.indexOf("/static/") === 0) { event.respondWith(asset(request)); return; }
  if (request.mode === "navigate") { event.respondWith(page(request)); }
});
