// Bulk imports: start one with its JSON lines file (the API answers a presigned upload URL, and this page
// uploads the chosen file to it: ../upload.js) and follow its progress. `make import` or any HTTP client
// can upload to the same URL.
import { ApiError, enc, get, post } from "../api.js";
import {
  announce,
  errorBox,
  field,
  h,
  pageTitle,
  remember,
  remembered,
  replace,
  section,
  sending,
  table,
} from "../ui.js";
import { upload } from "../upload.js";

const STARTED = "loyalty.console.imports";
const POLL_MS = 2000;

export async function render(main, context) {
  const f = context.formats;
  const created = h("div", { "aria-live": "polite" });
  const start = h(
    "form",
    { class: "inline", method: "post", "aria-label": "Start an import" },
    field("Import id", "import_id", { required: true, hint: "Starting the same id again answers the same upload." }),
    field("Members file", "members", {
      type: "file",
      required: true,
      hint: "JSON lines: one member per line.",
      attrs: { accept: ".jsonl,.ndjson,.json,.txt" },
    }),
    h("button", { type: "submit" }, "Start import"),
  );
  const follow = h(
    "form",
    { class: "inline", method: "post", "aria-label": "Follow an import" },
    field("Import id", "follow_id", { required: true }),
    h("button", { type: "submit" }, "Show progress"),
  );
  const progress = h("div", { "aria-live": "polite" });
  const startedBox = h("div", {});
  let timer = null;

  function drawStarted() {
    replace(
      startedBox,
      table(
        "Imports started in this tab",
        [
          { label: "Import id", value: (row) => row.import_id },
          {
            label: "Action",
            value: (row) =>
              h("button", { type: "button", class: "secondary", onclick: () => watch(row.import_id) }, "Progress"),
          },
        ],
        remembered(STARTED),
        "None started in this tab.",
      ),
    );
  }

  async function watch(importId) {
    window.clearTimeout(timer);
    replace(progress, h("p", { class: "status loading", role: "status" }, `Loading import ${importId}…`));
    try {
      const report = await get(`/v1/admin/imports/${enc(importId)}`);
      const done = report.imported + report.rejected;
      replace(
        progress,
        h("h3", {}, `Import ${report.import_id}: ${report.status}`),
        report.status === "failed"
          ? h("p", { class: "status error", role: "alert" }, `Failed: ${report.reason}`)
          : null,
        h(
          "label",
          { for: "import-progress" },
          `${f.points(done)} of ${f.points(report.rows)} lines (${f.points(report.imported)} imported, ${f.points(report.rejected)} rejected)`,
        ),
        h("progress", {
          id: "import-progress",
          max: Math.max(report.rows, 1),
          value: report.status === "done" ? Math.max(report.rows, 1) : done,
        }),
        table(
          "Rejected lines",
          [
            { label: "Line", num: true, value: (row) => f.points(row.line) },
            { label: "Problem", value: (row) => row.msg },
          ],
          report.errors || [],
          "No rejected lines.",
        ),
      );
      // A failed import's work has stopped (a redrive may still finish it: reload to look again).
      const settled = report.status === "done" || report.status === "failed";
      if (document.body.contains(progress) && !settled) timer = window.setTimeout(() => watch(importId), POLL_MS);
      else if (report.status === "done") announce(`Import ${importId} done`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      replace(progress, errorBox(error, "Could not load the import"));
    }
  }

  start.addEventListener("submit", async (event) => {
    event.preventDefault();
    const importId = start.elements.import_id.value.trim();
    const [file] = start.elements.members.files;
    await sending(start, created, "Not started", async () => {
      const answer = await post("/v1/admin/imports", { import_id: importId });
      remember(STARTED, { import_id: answer.import_id }, "import_id");
      drawStarted();
      watch(answer.import_id);
      await upload(created, answer.upload_url, file, `import ${answer.import_id}`);
    });
  });
  follow.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = follow.elements.follow_id.value.trim();
    if (id) watch(id);
  });
  main.append(
    pageTitle("Imports"),
    section("Start an import", start, created),
    section("Progress", follow, startedBox, progress),
  );
  drawStarted();
}
