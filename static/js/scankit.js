// What every scanner page shares (the gate's scanner and the exhibitors' lead scanner):
// the camera reader (native BarcodeDetector or the vendored ZXing wasm), a handheld scanner or
// typed code, a guard against the same code read many times a second, feedback by sound and
// vibration, a queue kept in IndexedDB for scans taken offline, and the service worker that
// lets the page reopen without a network.
(function () {
  "use strict";

  function normalize(text) { return (text || "").replace(/\s+/g, "").toUpperCase(); }

  // ---- ticket codes (expo.visitors.codes) ---------------------------------------------------
  // 122 characters: version 2 | event id (3 bytes) | key id (1) | ticket key (7) | signature
  // (64), the key id naming which of the event's keys signed it. 120 characters: version 1,
  // made before per-event keys, without a key id (the legacy key, id ""). Unverified: null if
  // the text is no ticket code at all.
  var B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  var FORMATS = { 120: { version: 1, head: 11, idBytes: 0 }, 122: { version: 2, head: 12, idBytes: 1 } };
  function base32(text) {
    var bits = 0, value = 0, out = [];
    for (var i = 0; i < text.length; i++) {
      var idx = B32.indexOf(text[i]);
      if (idx < 0) { return null; }
      value = ((value << 5) | idx) & 0xffff; bits += 5;
      if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
    }
    if (value & ((1 << bits) - 1)) { return null; }  // spare bits are zero in a real code
    return new Uint8Array(out);
  }
  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function ticketCode(text) {
    var format = FORMATS[text.length], raw = format ? base32(text) : null;
    if (!raw || raw.length !== format.head + 64 || raw[0] !== format.version) { return null; }
    var at = 4 + format.idBytes;
    return { eventId: (raw[1] << 16) | (raw[2] << 8) | raw[3], keyId: hex(raw.slice(4, at)),
      ticket: hex(raw.slice(at, format.head)), payload: raw.slice(0, format.head),
      signature: raw.slice(format.head) };
  }

  function nonce() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return String(Math.random()).slice(2) + Date.now();
  }

  // A ticket held in front of the camera is read many times a second: answer it once, and
  // again only after it has been out of view for `ms`.
  function repeatGuard(ms) {
    var last = "", at = 0;
    return {
      seen: function (code) {
        var now = Date.now(), again = code === last && now - at < ms;
        last = code; at = now;
        return again;
      },
      reset: function () { last = ""; }
    };
  }

  var audio = null;
  function feedback(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = ok ? "sine" : "square";
      osc.frequency.value = ok ? 1320 : 220;
      gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + (ok ? 0.15 : 0.5));
    } catch (e) { /* no audio: the colour is enough */ }
    if (navigator.vibrate) { navigator.vibrate(ok ? 80 : [200, 100, 200]); }
  }

  // ---- the camera --------------------------------------------------------------------------
  function makeDetector(wasm) {
    function polyfill() {
      var lib = window.BarcodeDetectionAPI;
      lib.prepareZXingModule({ overrides: { locateFile: function (path, prefix) {
        return path.endsWith(".wasm") ? wasm : prefix + path;
      } } });
      return new lib.BarcodeDetector({ formats: ["qr_code"] });
    }
    if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
      }).catch(function () { return null; }).then(function (native) { return native || polyfill(); });
    }
    return Promise.resolve(polyfill());
  }

  // opts: video, toggle (button), status (element), wasm (url), onCode(text),
  // unavailable (message), interval (ms between frames)
  function camera(opts) {
    var stream = null, detector = null, running = false;
    function loop() {
      if (!running) { return; }
      var next = function () { setTimeout(loop, opts.interval || 120); };
      if (opts.video.readyState < 2) { next(); return; }
      detector.detect(opts.video).then(function (found) {
        if (found && found.length) { opts.onCode(found[0].rawValue); }
      }).catch(function () { /* a frame that could not be read */ }).then(next);
    }
    // The browser's error names, as the page words them (data-* on the status element:
    // templates/visitors/_camera_messages.html); never the raw name ("NotFoundError").
    var KINDS = { NotFoundError: "notFound", DevicesNotFoundError: "notFound", OverconstrainedError: "notFound",
      NotAllowedError: "notAllowed", PermissionDeniedError: "notAllowed", SecurityError: "notAllowed",
      NotReadableError: "notReadable", TrackStartError: "notReadable", AbortError: "notReadable" };
    function failure(err) {
      var texts = opts.status.dataset, kind = KINDS[err && err.name];
      if (!window.isSecureContext) { kind = "insecure"; }
      return (kind && texts[kind]) || texts.failed || opts.unavailable;
    }
    function start() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        opts.status.textContent = window.isSecureContext ? opts.unavailable : failure(null);
        document.body.dataset.camera = "unavailable"; return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s; opts.video.srcObject = s; opts.video.classList.add("on");
          return opts.video.play();
        })
        .then(function () { return makeDetector(opts.wasm); })
        .then(function (d) { detector = d; running = true; document.body.dataset.camera = "on"; loop(); })
        .catch(function (err) {
          if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
          opts.video.classList.remove("on");
          opts.status.textContent = failure(err);
          document.body.dataset.camera = "failed";
          document.body.dataset.cameraError = String(err && err.name || "");
        });
    }
    function stop() {
      running = false;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      opts.video.classList.remove("on");
      document.body.dataset.camera = "off";
    }
    opts.toggle.addEventListener("click", function () { if (running) { stop(); } else { start(); } });
    if (new URLSearchParams(location.search).get("camera") !== "off") { start(); }
    return { start: start, stop: stop };
  }

  // ---- a queue of scans in IndexedDB, keyed by nonce ---------------------------------------
  // Each database holds one store, "queue"; items carry `slug` so one device can serve
  // several events. Writes resolve on the transaction's `complete` event (asked to be strict
  // where the browser knows durability): before it, a page closed at that instant would lose a
  // scan that the staff were told was queued.
  function queue(dbName, slug) {
    var opened = new Promise(function (resolve, reject) {
      var req = indexedDB.open(dbName, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("queue", { keyPath: "nonce" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    function read() {
      return opened.then(function (db) {
        return new Promise(function (resolve, reject) {
          var req = db.transaction("queue", "readonly").objectStore("queue").getAll();
          req.onsuccess = function () { resolve(req.result); };
          req.onerror = function () { reject(req.error); };
        });
      });
    }
    function write(change) {
      return opened.then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction("queue", "readwrite", { durability: "strict" });
          tx.oncomplete = function () { resolve(); };
          tx.onabort = function () { reject(tx.error || new Error("aborted")); };
          change(tx.objectStore("queue"));
        });
      });
    }
    return {
      put: function (item) {
        item.slug = slug;
        return write(function (s) { s.put(item); });
      },
      all: function () {
        return read().then(function (items) {
          return items.filter(function (x) { return x.slug === slug; })
            .sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : a.scanned_at > b.scanned_at ? 1 : 0; });
        });
      },
      remove: function (nonces) {
        if (!nonces.length) { return Promise.resolve(); }
        return write(function (s) { nonces.forEach(function (n) { s.delete(n); }); });
      }
    };
  }

  // ---- the service worker: the scanner page and its assets stay available offline ------------
  function keepOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) { return Promise.resolve(false); }
    return navigator.serviceWorker.register("/sw.js", { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        // This page was loaded before the worker controlled it: keep a copy now.
        return caches.open("expo-pages").then(function (cache) { return cache.add(location.pathname); });
      })
      .then(function () { document.body.dataset.offlineReady = "1"; return true; })
      .catch(function () { return false; });
  }

  window.ExpoScan = { normalize: normalize, ticketCode: ticketCode, nonce: nonce, repeatGuard: repeatGuard,
    feedback: feedback, camera: camera, queue: queue, keepOffline: keepOffline };
})();
