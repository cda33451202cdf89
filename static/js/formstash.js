// A form that could not be sent (its session ended, it expired, a rule refused it on a bare
// error page) is given back filled: the error page hands over what was typed (text fields
// only, never passwords or files: expo.errors.form_stash) and this script keeps it in the
// tab's sessionStorage, keyed by the form's action, until that form is on a page again.
(function () {
  "use strict";
  var PREFIX = "expo.stash:", MAX_AGE = 60 * 60 * 1000;  // an hour: then it is stale
  var script = document.currentScript || document.querySelector("script[data-kept]");
  var keptText = (script && script.dataset.kept) || "";

  function store() {
    var el = document.getElementById("form-stash");
    if (!el) { return; }
    try {
      var stash = JSON.parse(el.textContent);
      stash.at = Date.now();
      sessionStorage.setItem(PREFIX + stash.action, JSON.stringify(stash));
    } catch (e) { /* no storage (private mode): nothing to keep */ }
  }

  function take(path) {
    var raw = null;
    try { raw = sessionStorage.getItem(PREFIX + path); } catch (e) { return null; }
    if (!raw) { return null; }
    sessionStorage.removeItem(PREFIX + path);
    try {
      var stash = JSON.parse(raw);
      return !stash.pending && Date.now() - stash.at <= MAX_AGE ? stash : null;
    } catch (e) { return null; }
  }

  var SKIP = { hidden: true, file: true, password: true, submit: true, button: true, reset: true, image: true };
  var SECRET = /pass|secret|token|otp|pin$|cvv|card/i;  // as expo.errors keeps them out
  var MAX_VALUE = 10000, MAX_TOTAL = 32000;

  function actionOf(form) {
    return new URL(form.getAttribute("action") || location.href, location.href).pathname;
  }

  // A form being sent is noted too ("pending"), for the answers the server cannot hand the
  // fields back with (a body too large is refused unread): kept if the next page is an error
  // page, dropped on any other.
  function note(form) {
    var fields = [], total = 0;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.type] || el.disabled || SECRET.test(el.name)) { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      var values = el.tagName === "SELECT" && el.multiple
        ? Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; })
        : [el.value];
      values.forEach(function (v) {
        if (v.length > MAX_VALUE || total + v.length > MAX_TOTAL) { return; }
        total += v.length; fields.push([el.name, v]);
      });
    });
    if (!fields.length) { return; }
    try {
      sessionStorage.setItem(PREFIX + actionOf(form), JSON.stringify(
        { action: actionOf(form), fields: fields, at: Date.now(), pending: true }));
    } catch (e) { /* no storage: nothing to keep */ }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    note(form);
  });

  function settlePending(errorPage) {
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var key = sessionStorage.key(i);
        if (!key || key.indexOf(PREFIX) !== 0) { continue; }
        var stash = JSON.parse(sessionStorage.getItem(key) || "null");
        if (!stash || !stash.pending) { continue; }
        if (errorPage && stash.action === location.pathname) {
          stash.pending = false; sessionStorage.setItem(key, JSON.stringify(stash));
        } else { sessionStorage.removeItem(key); }
      }
    } catch (e) { /* no storage */ }
  }

  function fill(form, fields) {
    var values = {}, used = {};
    fields.forEach(function (f) { (values[f[0]] = values[f[0]] || []).push(f[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      var name = el.name, list = values[name];
      if (!name || !list || SKIP[el.type]) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = list.indexOf(el.value) >= 0;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = list.indexOf(o.value) >= 0; });
      } else {
        var i = used[name] || 0;  // fields sharing a name get their values in order
        if (i >= list.length) { return; }
        used[name] = i + 1;
        el.value = list[i];
      }
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
    var note = document.createElement("p");
    note.className = "alert alert-info form-kept";
    note.setAttribute("role", "status");
    note.textContent = keptText;
    form.insertBefore(note, form.firstChild);
  }

  function refill() {
    var errorPage = !!document.querySelector(".error-page");
    settlePending(errorPage);
    if (errorPage) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      if ((form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
      var stash = take(actionOf(form));
      if (stash && stash.fields) { fill(form, stash.fields); }
    });
  }

  store();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", refill);
  } else { refill(); }
})();
