// Floor plan editor: drag a booth to move it, drag its corner to resize. Snaps to 0.5 m;
// the server checks the hall bounds and overlaps and the booth snaps back when refused.
(function () {
  "use strict";
  const svg = document.getElementById("plan-editor");
  if (!svg) return;
  const msg = document.getElementById("plan-msg");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const snap = (v) => Math.round(v * 2) / 2;

  function point(evt) {
    const p = svg.createSVGPoint();
    p.x = evt.clientX; p.y = evt.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }

  function read(g) {
    const r = g.querySelector("rect.body");
    return { x: +r.getAttribute("x"), y: +r.getAttribute("y"),
             w: +r.getAttribute("width"), h: +r.getAttribute("height") };
  }

  function draw(g, b) {
    const r = g.querySelector("rect.body"), t = g.querySelector("text"), hd = g.querySelector("rect.handle");
    r.setAttribute("x", b.x); r.setAttribute("y", b.y);
    r.setAttribute("width", b.w); r.setAttribute("height", b.h);
    t.setAttribute("x", b.x + b.w / 2); t.setAttribute("y", b.y + b.h / 2);
    hd.setAttribute("x", b.x + b.w - 0.6); hd.setAttribute("y", b.y + b.h - 0.6);
  }

  async function save(g, b, before) {
    const body = new URLSearchParams({ x: b.x, y: b.y, w: b.w, h: b.h });
    try {
      const res = await fetch(g.dataset.move, { method: "POST", body,
        headers: { "X-CSRF-Token": token, "Accept": "application/json" } });
      const data = await res.json();
      if (!res.ok) { draw(g, before); msg.textContent = data.message; return; }
      draw(g, data); msg.textContent = "";
      g.dispatchEvent(new CustomEvent("booth-saved", { bubbles: true }));
    } catch (e) { draw(g, before); msg.textContent = String(e); }
  }

  let drag = null;
  svg.addEventListener("pointerdown", (evt) => {
    const g = evt.target.closest("g.booth");
    if (!g) return;
    const start = point(evt);
    drag = { g, start, before: read(g), resize: evt.target.classList.contains("handle") };
    g.classList.add("dragging");
    svg.setPointerCapture(evt.pointerId);
    evt.preventDefault();
  });
  svg.addEventListener("pointermove", (evt) => {
    if (!drag) return;
    const p = point(evt), b = { ...drag.before };
    const dx = p.x - drag.start.x, dy = p.y - drag.start.y;
    if (drag.resize) { b.w = Math.max(0.5, snap(b.w + dx)); b.h = Math.max(0.5, snap(b.h + dy)); }
    else { b.x = snap(b.x + dx); b.y = snap(b.y + dy); }
    draw(drag.g, b);
  });
  svg.addEventListener("pointerup", () => {
    if (!drag) return;
    const { g, before } = drag, now = read(g);
    drag = null;
    g.classList.remove("dragging");
    if (now.x !== before.x || now.y !== before.y || now.w !== before.w || now.h !== before.h) save(g, now, before);
  });
})();
