// The lead scanner: the gate scanner's camera technique (native BarcodeDetector or the
// vendored ZXing wasm), a handheld scanner or typed code, and an offline queue kept in
// localStorage and replayed with the same nonce (the server counts a nonce once).
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("lead-scanner-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var queueKey = "expo.leads.queue." + cfg.slug;
  var lastCode = "", lastAt = 0;

  function queue() { try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; } }
  function setQueue(items) {
    localStorage.setItem(queueKey, JSON.stringify(items));
    $("queue").hidden = items.length === 0; $("queue-n").textContent = items.length;
  }
  function show(state, text, url) {
    var box = $("answer"); box.dataset.state = state;
    $("answer-text").textContent = text;
    var link = $("answer-link");
    if (url) { link.href = url; link.hidden = false; } else { link.hidden = true; }
    if (navigator.vibrate) { navigator.vibrate(state === "bad" ? [200, 100, 200] : 80); }
  }
  function post(item) {
    return fetch(cfg.scan, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(item) });
  }
  function send(item) {
    return post(item).then(function (r) {
      if (r.status >= 500) { throw new Error("server"); }
      return r.json().then(function (data) {
        if (r.ok) { show("ok", data.message, data.url); } else { show("bad", data.message || cfg.messages.error); }
      });
    }).catch(function () {
      setQueue(queue().concat([item]));
      show("offline", cfg.messages.offline);
    });
  }
  function sync() {
    var items = queue(); if (!items.length) { return; }
    var item = items[0];
    post(item).then(function (r) {
      if (r.status >= 500) { return; }
      setQueue(queue().filter(function (x) { return x.nonce !== item.nonce; }));
      sync();
    }).catch(function () { /* still offline */ });
  }
  function handle(text) {
    var code = (text || "").replace(/\s+/g, "").toUpperCase();
    if (!code) { return; }
    var now = Date.now();
    if (code === lastCode && now - lastAt < 4000) { return; }
    lastCode = code; lastAt = now;
    send({ code: code, nonce: (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + now) });
  }
  $("manual").addEventListener("submit", function (e) {
    e.preventDefault(); lastCode = ""; handle($("manual-code").value); $("manual-code").value = "";
  });

  var stream = null, detector = null, running = false;
  function makeDetector() {
    if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
      return window.BarcodeDetector.getSupportedFormats().then(function (f) {
        return f.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
      }).catch(function () { return null; }).then(function (d) { return d || polyfill(); });
    }
    return Promise.resolve(polyfill());
  }
  function polyfill() {
    var lib = window.BarcodeDetectionAPI;
    lib.prepareZXingModule({ overrides: { locateFile: function (path, prefix) {
      return path.endsWith(".wasm") ? cfg.wasm : prefix + path;
    } } });
    return new lib.BarcodeDetector({ formats: ["qr_code"] });
  }
  function loop() {
    if (!running) { return; }
    var video = $("video"), next = function () { setTimeout(loop, 150); };
    if (video.readyState < 2) { next(); return; }
    detector.detect(video).then(function (found) {
      if (found && found.length) { handle(found[0].rawValue); }
    }).catch(function () { /* unreadable frame */ }).then(next);
  }
  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      $("camera-status").textContent = "camera unavailable (needs HTTPS)"; return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) { stream = s; $("video").srcObject = s; $("video").classList.add("on"); return $("video").play(); })
      .then(makeDetector)
      .then(function (d) { detector = d; running = true; document.body.dataset.camera = "on"; loop(); })
      .catch(function (err) { $("camera-status").textContent = String(err && err.message || err); });
  }
  function stopCamera() {
    running = false;
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    $("video").classList.remove("on");
  }
  $("camera-toggle").addEventListener("click", function () { if (running) { stopCamera(); } else { startCamera(); } });
  window.addEventListener("online", sync);
  setQueue(queue()); sync();
  setInterval(sync, 10000);
  document.body.dataset.ready = "1";
  if (new URLSearchParams(location.search).get("camera") !== "off") { startCamera(); }
})();
