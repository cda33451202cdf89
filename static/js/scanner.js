// The gate scanner: camera and handheld scanners (scankit.js), search fallback, offline checks
// with the event's Ed25519 public keys, an IndexedDB queue synced in batches, and live counters.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("scanner-config").textContent);
  // Every text the scanner shows, in the page's language: expo.visitors.checkin.scanner_messages
  // (a refusal's text is M[reason]).
  var M = cfg.messages;
  var script = document.currentScript || document.querySelector("script[data-ed25519]");
  var fallbackUrl = script && script.dataset.ed25519;
  var $ = function (id) { return document.getElementById(id); };
  var tokenKey = "expo.scanner.token." + cfg.slug;
  var bundleKey = "expo.scanner.bundle." + cfg.slug;
  var seenKey = "expo.scanner.seen." + cfg.slug;
  var token = null;
  var bundle = null;
  var publicKeys = null;  // key id -> { key, until }: the bundle's keys, imported
  var online = navigator.onLine;
  var guard = ExpoScan.repeatGuard(2500);

  // ---- token ------------------------------------------------------------------------------
  if (location.hash.indexOf("#token=") === 0) {
    localStorage.setItem(tokenKey, decodeURIComponent(location.hash.slice(7)));
    history.replaceState(null, "", location.pathname + location.search);
  }
  token = localStorage.getItem(tokenKey);
  // No token (a bookmarked scanner, a token revoked): the page says why, points to choosing
  // a gate, and answers a typed or searched code with that refusal, never silently.
  function noToken() {
    token = null;
    $("no-token").hidden = false;
    document.body.dataset.token = "none";
    var box = $("answer");
    box.className = "answer answer-bad";
    box.dataset.state = "no_token";
    $("answer-text").textContent = $("no-token").dataset.answer;
  }
  function refuse(text) {
    noToken();
    var code = ExpoScan.normalize(text || "");
    if (code) {
      var shown = code.length > 12 ? "…" + code.slice(-6) : code;
      $("answer-text").textContent = fill($("no-token").dataset.refused, { code: shown });
    }
    ExpoScan.feedback(false);
    $("choose-gate").focus();
  }
  if (!token) {
    noToken();
    $("manual").addEventListener("submit", function (e) {
      e.preventDefault(); refuse($("manual-code").value); $("manual-code").value = "";
    });
    $("search").addEventListener("submit", function (e) { e.preventDefault(); refuse(""); });
    $("camera-toggle").addEventListener("click", function () { refuse(""); });
    return;
  }

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
  window.addEventListener("online", function () { setOnline(true); nextSync = 0; sync(); });
  window.addEventListener("offline", function () { setOnline(false); });

  // ---- feedback: big answer, sound, vibration -----------------------------------------------
  // check: for a scan accepted offline, "verified" or "unchecked" (no way to check it here).
  function show(kind, text, check) {
    var box = $("answer");
    box.className = "answer answer-" + kind;
    box.dataset.state = kind;
    box.dataset.check = check || "";
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
  // The signature is checked with WebCrypto's Ed25519 where the browser has it (found by trying
  // a known vector, not by the user agent), else with the vendored @noble/ed25519 (hashing with
  // WebCrypto's SHA-512), else not at all: scans taken offline are then queued unchecked, the
  // scanner says so, and the server decides when they sync. The bundle lists every key of the
  // event still valid, by id; a code names the key that signed it (ExpoScan.ticketCode).
  function b64(text) { return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); }); }

  // RFC 8032, section 7.1, test 2; and the same signature with one bit flipped.
  var VECTOR = { key: "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=", message: [0x72],
    sig: "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbadoIWsHkPhWZbkWPNhPQ8R2MOHsurrQwKu6wDSkWErsMAA==" };
  function selfTest(engine) {
    var good = b64(VECTOR.sig), bad = good.slice(), message = Uint8Array.from(VECTOR.message);
    bad[40] ^= 1;
    return engine.importKey(b64(VECTOR.key)).then(function (key) {
      return Promise.all([engine.verify(key, good, message), engine.verify(key, bad, message)]);
    }).then(function (answers) {
      if (answers[0] !== true || answers[1] !== false) { throw new Error("Ed25519 self-test failed"); }
      return engine;
    });
  }
  var webCrypto = {
    name: "webcrypto",
    importKey: function (raw) { return crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]); },
    verify: function (key, sig, message) { return crypto.subtle.verify({ name: "Ed25519" }, key, sig, message); }
  };
  function importModule(url) {
    // import() inside a Function: a browser without it fails here, not on parsing this file.
    try { return new Function("url", "return import(url);")(url); } catch (e) { return Promise.reject(e); }
  }
  function noble() {
    if (!fallbackUrl) { return Promise.reject(new Error("no fallback")); }
    return importModule(fallbackUrl).then(function (ed) {
      return { name: "fallback",
        importKey: function (raw) { return Promise.resolve(raw); },
        verify: function (key, sig, message) { return ed.verifyAsync(sig, message, key, { zip215: false }); } };
    });
  }
  function attempt(make) {
    return new Promise(function (resolve) { resolve(make()); }).then(selfTest);
  }
  var verifier = attempt(function () { return webCrypto; })
    .catch(function () { return attempt(noble); })
    .catch(function () { return null; })
    .then(function (engine) {
      document.body.dataset.offlineCheck = engine ? engine.name : "unavailable";
      if (!engine) { $("check-notice").textContent = M.check_unavailable; $("check-notice").hidden = false; }
      return engine;
    });

  function loadBundle(data) {
    bundle = data;
    $("gate-name").textContent = data.gate || "";
    $("direction").hidden = !data.track_exit;
    // A bundle kept from before per-event keys has only "public_key": the legacy key, id "".
    var listed = data.keys || [{ id: "", public_key: data.public_key, valid_until: null }];
    return verifier.then(function (engine) {
      if (!engine) { return null; }
      return Promise.all(listed.map(function (k) {
        return engine.importKey(b64(k.public_key)).then(function (key) {
          return { id: k.id, key: key, until: k.valid_until ? Date.parse(k.valid_until) : null };
        }, function () { return null; });
      }));
    }).catch(function () { return null; }).then(function (imported) {
      if (bundle !== data) { return; }
      publicKeys = imported ? {} : null;
      (imported || []).forEach(function (k) { if (k) { publicKeys[k.id] = k; } });
    });
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
  // true: the signature is good; false: it is not (or its key is unknown here, or no longer
  // valid: a key made after the last bundle is known once the scanner is online again); null:
  // this device cannot tell.
  function signature(code, now) {
    return verifier.then(function (engine) {
      if (!engine || !publicKeys) { return null; }
      var k = publicKeys[code.keyId];
      if (!k || (k.until !== null && now.getTime() > k.until)) { return false; }
      return engine.verify(k.key, code.signature, code.payload).then(function (good) { return good === true; },
        function () { return null; });
    });
  }
  // { ok: false, reason, at } or { ok: true, checked, remember() }: remember() notes the visitor
  // as inside, once the scan is safely queued.
  function checkOffline(code, direction, now) {
    var invalid = { ok: false, reason: "invalid" };
    if (!bundle) { return Promise.resolve(invalid); }
    var parsed = ExpoScan.ticketCode(code);
    if (!parsed) { return Promise.resolve(invalid); }
    // Another event's keys are not here: its tickets are refused as such, unverified.
    if (parsed.eventId !== bundle.event_id) { return Promise.resolve({ ok: false, reason: "wrong_event" }); }
    return signature(parsed, now).then(function (checked) {
      if (checked === false) { return invalid; }
      var verdict = rules(parsed, direction, now);
      verdict.checked = checked === true;
      return verdict;
    });
  }
  function rules(parsed, direction, now) {
    var key = parsed.ticket;
    var test = (bundle.test_tickets || []).indexOf(key) >= 0;  // a rehearsal's (gladi)
    if (bundle.rehearsal && !test) { return { ok: false, reason: "rehearsal_only" }; }
    if (test && !bundle.rehearsal) { return { ok: false, reason: "test_ticket" }; }
    if (bundle.revoked.indexOf(key) >= 0) { return { ok: false, reason: "revoked" }; }
    if (!isOpen(now)) { return { ok: false, reason: "closed" }; }
    var day = localHours(now).day, mine = seen()[key];
    if (direction === "in" && mine && mine.day === day && mine.inside) {
      return { ok: false, reason: "already_inside", at: mine.at };
    }
    return { ok: true, remember: function () {
      var log = seen();
      log[key] = { day: day, inside: direction === "in", at: now.toISOString() };
      localStorage.setItem(seenKey, JSON.stringify(log));
    } };
  }

  // ---- the queue (IndexedDB) -----------------------------------------------------------------
  var pending = ExpoScan.queue("expo-scanner", cfg.slug);
  function showQueue() {
    return pending.all().then(function (all) {
      $("queue").hidden = all.length === 0;
      $("queue-n").textContent = all.length;
      document.body.dataset.queued = all.length;
    });
  }

  // Sync: batches of up to 1,000, oldest first. An item with a result leaves the queue (an
  // "error" result too: the server will never take it; but "scan_failed", a fault on the
  // server's side, stays queued and is sent again); a whole batch refused as malformed
  // (400, 413, 422 with the server's JSON error) is halved until the item at fault is alone,
  // and then dropped and listed; a network failure or any other answer (5xx, 401, 403, 429)
  // keeps everything for a later try, backing off from 5 seconds to 2 minutes.
  var MAX_BATCH = 1000, SPLIT = { 400: true, 413: true, 422: true };
  var syncing = false, failures = 0, nextSync = 0;
  function later(response) {
    var error = new Error("sync " + (response ? response.status : "network"));
    error.retryAfter = response ? +response.headers.get("Retry-After") || 0 : 0;
    return error;
  }
  function sendBatch(batch, outcomes) {
    var body = JSON.stringify({ scans: batch.map(function (x) {
      return { code: x.code, direction: x.direction, nonce: x.nonce, scanned_at: x.scanned_at, offline: true };
    }) });
    return api("/scans/batch", { method: "POST", body: body, timeout: 20000 }).then(function (r) {
      if (r.ok) {
        return r.json().then(function (data) {
          var results = (data && data.results) || [], done = [];
          batch.forEach(function (item, i) {
            // "scan_failed" is the server's own fault, not the item's: keep it for a later try.
            var kept = results[i] && results[i].error === "scan_failed";
            if (results[i] && !kept) { done.push(item.nonce); outcomes.push({ item: item, result: results[i] }); }
          });
          return pending.remove(done).then(function () { if (done.length < batch.length) { throw later(r); } });
        });
      }
      if (!SPLIT[r.status]) { throw later(r); }
      return r.json().catch(function () { return null; }).then(function (data) {
        if (!data || !data.error) { throw later(r); }  // not the server's own answer (a proxy?)
        if (batch.length === 1) {
          outcomes.push({ item: batch[0], result: { status: "error", error: data.error, message: data.message } });
          return pending.remove([batch[0].nonce]);
        }
        var half = Math.ceil(batch.length / 2);
        return sendBatch(batch.slice(0, half), outcomes).then(function () {
          return sendBatch(batch.slice(half), outcomes);
        });
      });
    }, function () { throw later(null); });
  }
  function drain(outcomes) {
    return pending.all().then(function (all) {
      if (!all.length) { return null; }
      return sendBatch(all.slice(0, MAX_BATCH), outcomes).then(function () { return drain(outcomes); });
    });
  }
  function sync() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    var outcomes = [];
    return drain(outcomes).then(function () {
      failures = 0; nextSync = Date.now() + 5000;
      if (outcomes.length) { setOnline(true); }
    }, function (error) {
      failures += 1;
      var wait = Math.min(120000, 5000 * Math.pow(2, failures - 1)) + Math.random() * 1000;
      nextSync = Date.now() + Math.max(wait, (error && error.retryAfter || 0) * 1000);
      setOnline(false);
    }).then(function () {
      if (outcomes.length) { report(outcomes); }
      return showQueue();
    }).then(refreshCounters).catch(function () { /* the queue could not be read */ })
      .finally(function () { syncing = false; });
  }

  // The server has the last word on scans taken offline: say where it disagreed (someone
  // already inside through another gate, a ticket revoked meanwhile, a scan it refused as
  // malformed), and that a forced entry was recorded as such.
  function label(outcome) {
    var r = outcome.result, item = outcome.item, at = "";
    if (r.visitor) { return r.visitor.name; }
    try { at = hhmm(item.scanned_at) + " · "; } catch (e) { /* a time the server refused too */ }
    return at + "…" + String(item.code).slice(-6);
  }
  function report(outcomes) {
    var box = $("sync-report"), list = $("sync-conflicts");
    var conflicts = outcomes.filter(function (o) { return o.result.status !== "ok"; });
    $("sync-summary").textContent = fill(M.synced, { n: outcomes.length }) +
      (conflicts.length ? " · " + fill(M.conflicts, { n: conflicts.length }) : "");
    list.innerHTML = "";
    conflicts.forEach(function (o) {
      var r = o.result, li = document.createElement("li");
      li.dataset.status = r.status;
      if (r.error) { li.dataset.error = r.error; }
      li.textContent = label(o) + ": " +
        (r.message || (r.status === "error" ? M.refused : M.invalid)) +
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
    if (!token) { refuse(text); return; }
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
        if (r.status === 401) { localStorage.removeItem(tokenKey); refuse(code); return; }
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
        // "Queued" only once the scan is stored: a page closed before then would lose it.
        return pending.put(item).then(function () {
          verdict.remember();
          if (verdict.checked) { show("offline", M.offline_ok + " · " + M.queued, "verified"); } else {
            show("offline", M.offline_unchecked + " · " + M.queued_unchecked, "unchecked");
          }
        }, function () { show("bad", M.not_saved); }).then(showQueue);
      });
    });
  }
  function rememberOnline(code, data) {
    // Keep the offline memory of who is inside in step with the server's answers.
    var parsed = ExpoScan.ticketCode(code);
    if (!parsed || data.status !== "ok" || !bundle) { return; }
    var log = seen(), now = new Date();
    log[parsed.ticket] = { day: localHours(now).day, inside: data.direction === "in", at: data.at };
    localStorage.setItem(seenKey, JSON.stringify(log));
  }

  // ---- counters ----------------------------------------------------------------------------------
  // Only the newest answer is shown: an older request answered late must not put back a
  // count from before the last scan.
  var countersAsked = 0;
  function refreshCounters() {
    if (!online) { return Promise.resolve(); }
    var mine = ++countersAsked;
    return api("/counters").then(function (r) { return r.ok ? r.json() : null; }).then(function (c) {
      if (!c || mine !== countersAsked) { return; }
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
      if (r.status === 401) { localStorage.removeItem(tokenKey); noToken(); throw new Error("token"); }
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
  setInterval(function () { if (navigator.onLine && Date.now() >= nextSync) { sync(); } }, 1000);
  setInterval(refreshCounters, 10000);
  setInterval(function () { if (navigator.onLine) { fetchBundle().catch(function () {}); } },
    cfg.bundleSeconds * 1000);
  window.addEventListener("online", function () { fetchBundle().catch(function () {}); });
  $("manual-code").focus();
  ExpoScan.keepOffline();
})();
