// The public map's zoom buttons: the plan grows inside its scrolling frame, so booth labels
// become readable on a phone (pinch-zoom works too: the plan does not capture touches). A phone
// opens the plan zoomed in as far as the labels need; "Whole hall" shows all of it.
"use strict";
(function () {
  var LEVELS = [1, 1.5, 2, 3, 4, 6], READABLE = 11;
  function setup(section) {
    var bar = section.querySelector(".zoom"), frame = section.querySelector(".plan-wrap");
    var plan = frame && frame.querySelector("svg.plan");
    if (!bar || !plan) { return; }
    var level = 0;
    function apply(next) {
      next = Math.max(0, Math.min(LEVELS.length - 1, next));
      // Keep the middle of what is in view in the middle.
      var cx = (frame.scrollLeft + frame.clientWidth / 2) / frame.scrollWidth;
      var cy = (frame.scrollTop + frame.clientHeight / 2) / frame.scrollHeight;
      level = next;
      var z = LEVELS[level];
      plan.style.width = z === 1 ? "" : (z * 100) + "%";
      plan.classList.toggle("zoomed", z !== 1);
      frame.scrollLeft = cx * frame.scrollWidth - frame.clientWidth / 2;
      frame.scrollTop = cy * frame.scrollHeight - frame.clientHeight / 2;
      bar.querySelector("[data-zoom=in]").disabled = level === LEVELS.length - 1;
      bar.querySelector("[data-zoom=out]").disabled = level === 0;
      bar.querySelector("[data-zoom=fit]").disabled = level === 0;
      section.setAttribute("data-zoom-level", String(z));
    }
    bar.addEventListener("click", function (e) {
      var button = e.target.closest("[data-zoom]");
      if (!button) { return; }
      var how = button.getAttribute("data-zoom");
      apply(how === "in" ? level + 1 : how === "out" ? level - 1 : 0);
    });
    bar.hidden = false;
    apply(0);
    // On a phone, start close enough that the booth codes can be read (about 11 px high).
    var label = plan.querySelector("text"), height = label ? label.getBoundingClientRect().height : 0;
    var start = 0;
    while (height && start < LEVELS.length - 1 && height * LEVELS[start] < READABLE) { start++; }
    if (start) { apply(start); frame.scrollLeft = 0; frame.scrollTop = 0; }
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".hall-map"), setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
