// Builds the admin console into build/console: the sources as they are (plain ES modules, no bundler)
// plus Chart.js vendored from node_modules, so the served site loads nothing from a CDN at run time.
// CONSOLE_API_BASE (an https origin, or empty for the console's own origin, as the local stack serves
// it) goes into config.json, the one file that differs between deployments.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const out = join(root, "build", "console");
const chart = join(root, "node_modules", "chart.js");

const apiBase = process.env.CONSOLE_API_BASE ?? "";
if (apiBase && !/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?$/.test(apiBase)) {
  console.error(`CONSOLE_API_BASE must be an https origin with no path (got ${apiBase})`);
  process.exit(2);
}
if (!existsSync(join(chart, "dist", "chart.umd.min.js"))) {
  console.error("node_modules/chart.js is missing: run npm ci (make does)");
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "vendor"), { recursive: true });
cpSync(join(here, "src"), out, { recursive: true });
cpSync(join(chart, "dist", "chart.umd.min.js"), join(out, "vendor", "chart.umd.min.js"));
cpSync(join(chart, "LICENSE.md"), join(out, "vendor", "chart.js-LICENSE.md"));
writeFileSync(join(out, "config.json"), `${JSON.stringify({ api_base: apiBase })}\n`);
console.log(`console built in ${out}${apiBase ? ` for ${apiBase}` : ""}`);
