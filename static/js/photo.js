// Phone photos made smaller in the browser before upload.
//
// An <input type="file" data-downscale data-max-bytes="8388608" data-max-side="2560"> gets
// each chosen JPEG or PNG redrawn on a canvas (its longest side at most data-max-side pixels)
// and saved as JPEG when it is over data-max-bytes or over that size in pixels; PDFs and
// small images are sent as they are. The server keeps its own limits: this only spares a
// weak network from sending 12 MB of camera output, and the person from a "too large" page.
// Messages come from the input's data-msg-* attributes (translated by the template) and are
// shown in the element named by data-status (aria-live).
(function () {
  "use strict";

  var QUALITIES = [0.85, 0.75, 0.6];
  var SHRINKABLE = /^image\/(jpeg|png)$/;

  function say(input, text) {
    var status = document.getElementById(input.getAttribute("data-status") || "");
    if (status) status.textContent = text || "";
  }

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  function toJpeg(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  // The file redrawn smaller, or the file itself when it needs no change (or cannot be read).
  async function shrink(file, maxBytes, maxSide) {
    if (!SHRINKABLE.test(file.type)) return file;
    var img;
    try { img = await loadImage(file); } catch (e) { return file; }
    var longest = Math.max(img.naturalWidth, img.naturalHeight);
    if (file.size <= maxBytes && longest <= maxSide) return file;
    var side = Math.min(maxSide, longest);
    for (var attempt = 0; attempt < 4; attempt++) {
      var scale = side / longest;
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
      canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff"; // a PNG's transparency becomes white, not black
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      for (var i = 0; i < QUALITIES.length; i++) {
        var blob = await toJpeg(canvas, QUALITIES[i]);
        if (blob && blob.size <= maxBytes) {
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          return new File([blob], name, { type: "image/jpeg", lastModified: Date.now() });
        }
      }
      side = Math.round(side * 0.7);
    }
    return file;
  }

  async function onChange(event) {
    var input = event.target;
    if (!input.files || !input.files.length || input.hasAttribute("data-shrinking")) return;
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10) || 8 * 1024 * 1024;
    var maxSide = parseInt(input.getAttribute("data-max-side"), 10) || 2560;
    var files = Array.prototype.slice.call(input.files);
    if (!files.some(function (f) { return SHRINKABLE.test(f.type); })) return;
    input.setAttribute("data-shrinking", "");
    say(input, input.getAttribute("data-msg-working"));
    var form = input.form;
    var buttons = form ? form.querySelectorAll("button[type=submit], input[type=submit]") : [];
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    try {
      var out = [];
      var changed = false;
      for (var i = 0; i < files.length; i++) {
        var smaller = await shrink(files[i], maxBytes, maxSide);
        changed = changed || smaller !== files[i];
        out.push(smaller);
      }
      if (changed && typeof DataTransfer !== "undefined") {
        var transfer = new DataTransfer();
        out.forEach(function (f) { transfer.items.add(f); });
        input.files = transfer.files;
      }
      var tooBig = out.some(function (f) { return f.size > maxBytes; });
      if (tooBig) say(input, input.getAttribute("data-msg-too-large"));
      else if (changed) say(input, (input.getAttribute("data-msg-done") || "")
        .replace("%(size)s", (out[0].size / 1048576).toFixed(1) + " MB"));
      else say(input, "");
    } finally {
      input.removeAttribute("data-shrinking");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
    }
  }

  document.addEventListener("change", function (event) {
    var t = event.target;
    if (t && t.matches && t.matches("input[type=file][data-downscale]")) onChange(event);
  });
})();
