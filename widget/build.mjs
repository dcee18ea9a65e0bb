// Builds the shoppers' widget into build/widget: one classic script, loyalty.js, that defines
// <loyalty-panel> (widget/src bundled by esbuild, pinned in package.json, with the QR code library and the
// styles inside), and the licence of what it bundles. A shop adds it with one <script> tag; it loads
// nothing else. Its gzipped size is held under 40 KB (tests/browser/widget/test_widget_build.py).
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const out = join(root, "build", "widget");

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.error("node_modules/esbuild is missing: run npm ci (make does)");
  process.exit(1);
}
const uqr = join(root, "node_modules", "uqr");
if (!existsSync(join(uqr, "package.json"))) {
  console.error("node_modules/uqr is missing: run npm ci (make does)");
  process.exit(1);
}
const { version } = JSON.parse(readFileSync(join(uqr, "package.json"), "utf8"));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: [join(here, "src", "loyalty-panel.js")],
  outfile: join(out, "loyalty.js"),
  bundle: true,
  minify: true,
  format: "iife",
  // Browsers of the last few years: class fields and private methods stay as they are (smaller).
  target: ["es2022", "chrome100", "firefox100", "safari16"],
  loader: { ".css": "text" },
  legalComments: "none",
  banner: { js: `/*! <loyalty-panel> | bundles uqr ${version} (MIT): loyalty.js.LICENSE.txt */` },
  logLevel: "warning",
});
copyFileSync(join(uqr, "LICENSE"), join(out, "loyalty.js.LICENSE.txt"));
const built = join(out, "loyalty.js");
const gzipped = gzipSync(readFileSync(built), { level: 9 }).length;
console.log(`widget built in ${out}: loyalty.js ${statSync(built).size} bytes, ${gzipped} gzipped`);
