// Copies the files expo serves from node_modules into static/vendor/<name>/.
import { copyFileSync, mkdirSync } from "node:fs";

const files = [
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["htmx.org/LICENSE", "htmx/LICENSE"],
];
for (const [from, to] of files) {
  mkdirSync(to.split("/").slice(0, -1).join("/"), { recursive: true });
  copyFileSync(`node_modules/${from}`, to);
  console.log(`vendored ${to}`);
}
