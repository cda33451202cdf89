// Copies the files expo serves from node_modules into static/vendor/<name>/.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";

// barcode-detector fetches its wasm from a CDN by default: serve the exact build it pins.
const zxingDir = "node_modules/barcode-detector/node_modules/zxing-wasm";
let zxing = "node_modules/zxing-wasm";
try { readFileSync(`${zxingDir}/package.json`); zxing = zxingDir; } catch { /* hoisted */ }

const files = [
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["htmx.org/LICENSE", "htmx/LICENSE"],
  ["barcode-detector/dist/iife/ponyfill.js", "barcode-detector/barcode-detector.js"],
  ["barcode-detector/LICENSE", "barcode-detector/LICENSE"],
  [`${zxing.replace("node_modules/", "")}/dist/reader/zxing_reader.wasm`, "barcode-detector/zxing_reader.wasm"],
  [`${zxing.replace("node_modules/", "")}/LICENSE`, "barcode-detector/LICENSE.zxing-wasm"],
  // The offline ticket check where WebCrypto has no Ed25519 (older Android WebViews): one
  // dependency-free ES module; its verifyAsync hashes with WebCrypto's SHA-512.
  ["@noble/ed25519/index.js", "noble-ed25519/ed25519.js"],
  ["@noble/ed25519/LICENSE", "noble-ed25519/LICENSE"],
  // Accessibility checks in the browser tests (tests/browser/test_accessibility.py): no page
  // loads it, so it lives beside the tests (not served, not in the wheel).
  ["axe-core/axe.min.js", "../../tests/browser/vendor/axe-core/axe.min.js"],
  ["axe-core/LICENSE", "../../tests/browser/vendor/axe-core/LICENSE"],
];
for (const [from, to] of files) {
  mkdirSync(to.split("/").slice(0, -1).join("/"), { recursive: true });
  copyFileSync(`node_modules/${from}`, to);
  console.log(`vendored ${to}`);
}
