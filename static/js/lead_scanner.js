// The lead scanner: the camera and handheld input of scankit.js, and scans taken offline kept
// in IndexedDB and replayed with the same nonce (the server counts a nonce once).
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("lead-scanner-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var guard = ExpoScan.repeatGuard(4000);
  var scans = ExpoScan.queue("expo-leads", cfg.slug);

  function showQueue() {
    return scans.all().then(function (items) {
      $("queue").hidden = items.length === 0;
      $("queue-n").textContent = items.length;
      document.body.dataset.queued = items.length;
    });
  }
  function show(state, text, url) {
    var box = $("answer"); box.dataset.state = state;
    $("answer-text").textContent = text;
    var link = $("answer-link");
    if (url) { link.href = url; link.hidden = false; } else { link.hidden = true; }
    ExpoScan.feedback(state !== "bad");
  }
  function post(item) {
    return fetch(cfg.scan, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ code: item.code, nonce: item.nonce }) });
  }
  function send(item) {
    return post(item).then(function (r) {
      if (r.status >= 500) { throw new Error("server"); }
      return r.json().then(function (data) {
        if (r.ok) { show("ok", data.message, data.url); } else { show("bad", data.message || cfg.messages.error); }
      });
    }).catch(function () {
      // Said only once the scan is stored (scankit's put waits for the commit).
      return scans.put(item).then(function () { show("offline", cfg.messages.offline); },
        function () { show("bad", cfg.messages.not_saved || cfg.messages.error); }).then(showQueue);
    });
  }
  var syncing = false;
  function sync() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    // One at a time, oldest first; a 4xx answer is final (the server will never take it), so
    // the scan leaves the queue either way; a network error or 5xx keeps it for the next try.
    function next() {
      return scans.all().then(function (items) {
        if (!items.length) { return null; }
        return post(items[0]).then(function (r) {
          if (r.status >= 500) { throw new Error("server"); }
          return scans.remove([items[0].nonce]).then(showQueue).then(next);
        });
      });
    }
    return next().catch(function () { /* still offline */ }).finally(function () { syncing = false; });
  }
  function handle(text) {
    var code = ExpoScan.normalize(text);
    if (!code || guard.seen(code)) { return; }
    send({ code: code, nonce: ExpoScan.nonce(), scanned_at: new Date().toISOString() });
  }
  $("manual").addEventListener("submit", function (e) {
    e.preventDefault(); guard.reset(); handle($("manual-code").value); $("manual-code").value = "";
  });
  ExpoScan.camera({ video: $("video"), toggle: $("camera-toggle"), status: $("camera-status"),
    wasm: cfg.wasm, unavailable: cfg.messages.no_camera, interval: 150, onCode: handle });

  // Scans queued by an older version of this page, in localStorage: move them to IndexedDB.
  var legacyKey = "expo.leads.queue." + cfg.slug, legacy = [];
  try { legacy = JSON.parse(localStorage.getItem(legacyKey) || "[]"); } catch (e) { legacy = []; }
  Promise.all(legacy.map(function (item) {
    return scans.put({ code: item.code, nonce: item.nonce, scanned_at: item.scanned_at || new Date().toISOString() });
  })).then(function () { localStorage.removeItem(legacyKey); })
    .then(showQueue).then(sync).then(function () { document.body.dataset.ready = "1"; });
  window.addEventListener("online", sync);
  setInterval(sync, 10000);
  ExpoScan.keepOffline();
})();
