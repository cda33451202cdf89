// The gate scanner: camera and handheld scanners (scankit.js), search fallback, offline checks
// with the Ed25519 public key, an IndexedDB queue synced in batches, and live counters.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("scanner-config").textContent);
  var M = cfg.messages;
  var $ = function (id) { return document.getElementById(id); };
  var tokenKey = "expo.scanner.token." + cfg.slug;
  var bundleKey = "expo.scanner.bundle." + cfg.slug;
  var seenKey = "expo.scanner.seen." + cfg.slug;
  var token = null;
  var bundle = null;
  var publicKey = null;
  var online = navigator.onLine;
  var guard = ExpoScan.repeatGuard(2500);

  // ---- token ------------------------------------------------------------------------------
  if (location.hash.indexOf("#token=") === 0) {
    localStorage.setItem(tokenKey, decodeURIComponent(location.hash.slice(7)));
    history.replaceState(null, "", location.pathname + location.search);
  }
  token = localStorage.getItem(tokenKey);
  if (!token) { $("no-token").hidden = false; return; }

  function api(path, options) {
    options = options || {};
    var headers = { "Authorization": "Bearer " + token, "Accept": "application/json",
      "Accept-Language": document.documentElement.lang || "id" };
    if (options.body) { headers["Content-Type"] = "application/json"; }
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, options.timeout || 6000);
    return fetch(cfg.api + path, { method: options.method || "GET", headers: headers,
      body: options.body, credentials: "omit", signal: controller.signal })
      .finally(function () { clearTimeout(timer); });
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : values[k]; });
  }

  function setOnline(value) {
    online = value;
    var net = $("net");
    net.textContent = value ? net.dataset.online : net.dataset.offline;
    net.className = "net " + (value ? "net-online" : "net-offline");
  }
  window.addEventListener("online", function () { setOnline(true); sync(); });
  window.addEventListener("offline", function () { setOnline(false); });

  // ---- feedback: big answer, sound, vibration -----------------------------------------------
  function show(kind, text) {
    var box = $("answer");
    box.className = "answer answer-" + kind;
    box.dataset.state = kind;
    $("answer-text").textContent = text;
    ExpoScan.feedback(kind !== "bad");
  }
  function hhmm(iso) {
    var tz = (bundle && bundle.timezone) || undefined;
    var parts = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false,
      timeZone: tz }).format(new Date(iso));
    return document.documentElement.lang === "id" ? parts.replace(":", ".") : parts;
  }

  // ---- offline verification -----------------------------------------------------------------
  var B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  function base32(text) {
    var bits = 0, value = 0, out = [];
    for (var i = 0; i < text.length; i++) {
      var idx = B32.indexOf(text[i]);
      if (idx < 0) { return null; }
      value = (value << 5) | idx; bits += 5;
      if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
    }
    return new Uint8Array(out);
  }
  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function loadBundle(data) {
    bundle = data;
    $("gate-name").textContent = data.gate || "";
    $("direction").hidden = !data.track_exit;
    var raw = Uint8Array.from(atob(data.public_key), function (c) { return c.charCodeAt(0); });
    return crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"])
      .then(function (key) { publicKey = key; })
      .catch(function () { publicKey = null; });
  }
  function localHours(now) {
    var tz = bundle.timezone;
    var fmt = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
    var p = {}; fmt.formatToParts(now).forEach(function (x) { p[x.type] = x.value; });
    return { day: p.year + "-" + p.month + "-" + p.day, minutes: (+p.hour % 24) * 60 + (+p.minute) };
  }
  function isOpen(now) {
    if (!bundle.enforce_hours) { return true; }
    var t = localHours(now), span = bundle.hours[t.day];
    if (!span) { return false; }
    var toMin = function (s) { return +s.slice(0, 2) * 60 + (+s.slice(3, 5)); };
    return t.minutes >= toMin(span[0]) - bundle.early_minutes && t.minutes <= toMin(span[1]);
  }
  function seen() {
    try { return JSON.parse(localStorage.getItem(seenKey) || "{}"); } catch (e) { return {}; }
  }
  function checkOffline(code, direction, now) {
    if (!bundle || !publicKey) { return Promise.resolve({ ok: false, reason: "invalid" }); }
    var raw = code.length === 120 ? base32(code) : null;
    if (!raw || raw.length !== 75 || raw[0] !== 1) { return Promise.resolve({ ok: false, reason: "invalid" }); }
    var payload = raw.slice(0, 11), sig = raw.slice(11);
    return crypto.subtle.verify({ name: "Ed25519" }, publicKey, sig, payload).then(function (good) {
      if (!good) { return { ok: false, reason: "invalid" }; }
      var eventId = (payload[1] << 16) | (payload[2] << 8) | payload[3];
      if (eventId !== bundle.event_id) { return { ok: false, reason: "wrong_event" }; }
      var key = hex(payload.slice(4));
      if (bundle.revoked.indexOf(key) >= 0) { return { ok: false, reason: "revoked" }; }
      if (!isOpen(now)) { return { ok: false, reason: "closed" }; }
      var day = localHours(now).day, log = seen(), mine = log[key];
      if (direction === "in" && mine && mine.day === day && mine.inside) {
        return { ok: false, reason: "already_inside", at: mine.at };
      }
      log[key] = { day: day, inside: direction === "in", at: now.toISOString() };
      localStorage.setItem(seenKey, JSON.stringify(log));
      return { ok: true };
    });
  }

  // ---- the queue (IndexedDB) -----------------------------------------------------------------
  var pending = ExpoScan.queue("expo-scanner", cfg.slug);
  function enqueue(item) { return pending.put(item).then(showQueue); }
  function showQueue() {
    return pending.all().then(function (all) {
      $("queue").hidden = all.length === 0;
      $("queue-n").textContent = all.length;
      document.body.dataset.queued = all.length;
    });
  }
  var syncing = false;
  function sync() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    return pending.all().then(function (all) {
      if (!all.length) { return null; }
      var batch = all.slice(0, 1000);
      var payload = batch.map(function (x) {
        return { code: x.code, direction: x.direction, nonce: x.nonce, scanned_at: x.scanned_at, offline: true };
      });
      return api("/scans/batch", { method: "POST", body: JSON.stringify({ scans: payload }), timeout: 20000 })
        .then(function (r) { if (!r.ok) { throw new Error("sync " + r.status); } return r.json(); })
        .then(function (data) {
          setOnline(true);
          report(data.results || []);
          return pending.remove(batch.map(function (x) { return x.nonce; }));
        });
    }).then(showQueue).then(refreshCounters).catch(function () { setOnline(navigator.onLine && false); })
      .finally(function () { syncing = false; });
  }

  // The server has the last word on scans taken offline: say where it disagreed (someone
  // already inside through another gate, a ticket revoked meanwhile), and that a forced entry
  // was recorded as such.
  function report(results) {
    var box = $("sync-report"), list = $("sync-conflicts");
    var conflicts = results.filter(function (r) { return r.status !== "ok"; });
    $("sync-summary").textContent = fill(M.synced, { n: results.length }) +
      (conflicts.length ? " · " + fill(M.conflicts, { n: conflicts.length }) : "");
    list.innerHTML = "";
    conflicts.forEach(function (r) {
      var li = document.createElement("li");
      li.textContent = (r.visitor ? r.visitor.name + ": " : "") + (r.message || M.invalid) +
        (r.forced ? " · " + M.forced : "");
      list.appendChild(li);
    });
    box.hidden = false;
    box.dataset.conflicts = conflicts.length;
  }

  // ---- one scan --------------------------------------------------------------------------------
  function direction() {
    var picked = document.querySelector("input[name=direction]:checked");
    return picked && !$("direction").hidden ? picked.value : "in";
  }
  function handle(text) {
    var code = ExpoScan.normalize(text);
    if (!code || guard.seen(code)) { return; }
    var now = new Date();
    var item = { code: code, direction: direction(), nonce: ExpoScan.nonce(),
      scanned_at: now.toISOString() };
    var body = JSON.stringify({ code: item.code, direction: item.direction, nonce: item.nonce,
      scanned_at: item.scanned_at });
    var attempt = online ? api("/scans", { method: "POST", body: body }) : Promise.reject(new Error("offline"));
    return attempt.then(function (r) {
      if (r.status >= 500 || r.status === 0) { throw new Error("server " + r.status); }
      return r.json().then(function (data) {
        setOnline(true);
        if (r.status !== 200) { show("bad", data.message || M.invalid); return; }
        rememberOnline(code, data);
        show(data.status === "ok" ? "ok" : "bad", data.message);
        refreshCounters();
      });
    }).catch(function () {
      setOnline(false);
      return checkOffline(code, item.direction, now).then(function (verdict) {
        if (!verdict.ok) {
          var text = verdict.reason === "already_inside" && verdict.at
            ? fill(M.already_inside_at, { time: hhmm(verdict.at) }) : M[verdict.reason];
          show("bad", text);
          return;
        }
        show("offline", M.offline_ok + " · " + M.queued);
        return enqueue(item);
      });
    });
  }
  function rememberOnline(code, data) {
    // Keep the offline memory of who is inside in step with the server's answers.
    var raw = code.length === 120 ? base32(code) : null;
    if (!raw || data.status !== "ok" || !bundle) { return; }
    var log = seen(), now = new Date();
    log[hex(raw.slice(4, 11))] = { day: localHours(now).day, inside: data.direction === "in", at: data.at };
    localStorage.setItem(seenKey, JSON.stringify(log));
  }

  // ---- counters ----------------------------------------------------------------------------------
  function refreshCounters() {
    if (!online) { return Promise.resolve(); }
    return api("/counters").then(function (r) { return r.ok ? r.json() : null; }).then(function (c) {
      if (!c) { return; }
      var set = function (name, text) {
        var el = document.querySelector("[data-counter=" + name + "]"); if (el) { el.textContent = text; }
      };
      set("checked_in", c.checked_in); set("inside", c.inside);
      set("per_gate", c.per_gate.map(function (g) { return g.gate + " " + g.entries; }).join(" · ") || "—");
      set("per_hour", c.per_hour.map(function (h) { return ("0" + h.hour).slice(-2) + ": " + h.entries; }).join(" · ") || "—");
    }).catch(function () { /* offline: keep the last numbers */ });
  }

  // ---- inputs: handheld scanner, search, camera ----------------------------------------------
  $("manual").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("manual-code");
    guard.reset();
    handle(input.value);
    input.value = "";
    input.focus();
  });
  var searchTimer = null;
  $("search").addEventListener("submit", function (e) { e.preventDefault(); search(); });
  $("search-q").addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(search, 350); });
  function search() {
    var q = $("search-q").value.trim(), list = $("search-results");
    if (q.length < 3) { list.innerHTML = ""; return; }
    api("/search?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (data) {
      list.innerHTML = "";
      (data.results || []).forEach(function (v) {
        var li = document.createElement("li"), b = document.createElement("button");
        b.type = "button"; b.className = "button secondary";
        b.textContent = v.name + " · " + v.phone + " · " + v.type;
        b.addEventListener("click", function () { guard.reset(); handle(v.code); list.innerHTML = ""; $("search-q").value = ""; });
        li.appendChild(b); list.appendChild(li);
      });
    }).catch(function () { list.innerHTML = ""; });
  }

  ExpoScan.camera({ video: $("video"), toggle: $("camera-toggle"), status: $("camera-status"),
    wasm: cfg.wasm, unavailable: M.no_camera, onCode: handle });

  // ---- start -------------------------------------------------------------------------------------
  // The offline bundle (public key, rules, hours, revoked tickets) is fetched at start and
  // again every two minutes, so a ticket revoked (or reinstated) meanwhile is known offline.
  function fetchBundle() {
    return api("/offline").then(function (r) {
      if (r.status === 401) { localStorage.removeItem(tokenKey); $("no-token").hidden = false; throw new Error("token"); }
      if (!r.ok) { throw new Error("bundle " + r.status); }
      return r.json();
    }).then(function (data) {
      localStorage.setItem(bundleKey, JSON.stringify(data));
      document.body.dataset.bundleAt = new Date().toISOString();
      return loadBundle(data);
    });
  }
  var cached = localStorage.getItem(bundleKey);
  var ready = (cached ? loadBundle(JSON.parse(cached)) : Promise.resolve());
  fetchBundle().catch(function () { return ready; }).then(function () {
    document.body.dataset.ready = "1";
    showQueue(); sync(); refreshCounters();
  });
  setInterval(function () { if (navigator.onLine) { sync(); } }, 5000);
  setInterval(refreshCounters, 10000);
  setInterval(function () { if (navigator.onLine) { fetchBundle().catch(function () {}); } },
    cfg.bundleSeconds * 1000);
  window.addEventListener("online", function () { fetchBundle().catch(function () {}); });
  $("manual-code").focus();
  ExpoScan.keepOffline();
})();
