// The what-if simulator: a proposed program (the current one prefilled, edited as JSON) and a file of past
// orders, replayed under both programs; the answer shows them side by side. The API hands out a presigned
// URL for the orders file, as for imports: this page uploads the chosen file to it (../upload.js) and
// follows the run.
import { ApiError, enc, get, post } from "../api.js";
import { announce, errorBox, field, h, pageTitle, replace, section, sending, table } from "../ui.js";
import { upload } from "../upload.js";

const POLL_MS = 2000;

function sideBySide(f, result) {
  const { current, proposed, difference } = result;
  const signed = (text, value) => (value > 0 ? `+${text}` : text);
  const rows = [
    [
      "Points issued",
      f.points(current.points_issued),
      f.points(proposed.points_issued),
      signed(f.points(difference.points_issued), difference.points_issued),
    ],
    [
      "Value",
      f.minor(current.value_minor),
      f.minor(proposed.value_minor),
      signed(f.minor(difference.value_minor), difference.value_minor),
    ],
    [
      "Cost rate (of revenue)",
      f.percent(current.cost_rate),
      f.percent(proposed.cost_rate),
      signed(f.percent(difference.cost_rate), difference.cost_rate),
    ],
    ...Object.keys(difference.members_by_tier).map((tier) => [
      `Members in ${tier}`,
      f.points(current.members_by_tier[tier] ?? 0),
      f.points(proposed.members_by_tier[tier] ?? 0),
      signed(f.points(difference.members_by_tier[tier]), difference.members_by_tier[tier]),
    ]),
  ];
  const columns = [
    { label: "Figure", value: (row) => row[0] },
    { label: "Current", num: true, value: (row) => row[1] },
    { label: "Proposed", num: true, value: (row) => row[2] },
    { label: "Difference", num: true, value: (row) => row[3] },
  ];
  const months = Object.keys(difference.liability_minor_by_month).map((month) => [
    f.month(month),
    f.minor(current.liability_minor_by_month[month]),
    f.minor(proposed.liability_minor_by_month[month]),
    signed(f.minor(difference.liability_minor_by_month[month]), difference.liability_minor_by_month[month]),
  ]);
  const people = [
    { label: "Member", value: (row) => h("a", { href: `#/members/${enc(row.member_id)}` }, row.member_id) },
    { label: "Current", num: true, value: (row) => f.points(row.current) },
    { label: "Proposed", num: true, value: (row) => f.points(row.proposed) },
    { label: "Difference", num: true, value: (row) => signed(f.points(row.difference), row.difference) },
  ];
  return h(
    "div",
    { id: "simulation-result" },
    h(
      "p",
      {},
      `${f.points(result.orders)} orders of ${f.points(result.members)} members, revenue ${f.minor(result.revenue_minor)}` +
        (result.skipped ? `; ${f.points(result.skipped)} orders left out (guests, unpaid)` : ""),
    ),
    table("The two programs side by side", columns, rows),
    table("Liability at each month's end", [{ ...columns[0], label: "Month" }, ...columns.slice(1)], months),
    table("Members who gain most", people, difference.top_gainers, "Nobody gains."),
    table("Members who lose most", people, difference.top_losers, "Nobody loses."),
  );
}

export async function render(main, context) {
  const f = context.formats;
  const created = h("div", { "aria-live": "polite" });
  const progress = h("div", { "aria-live": "polite" });
  const prefilled = context.program ? JSON.stringify(context.program, null, 2) : "";
  const start = h(
    "form",
    { method: "post", "aria-label": "Start a simulation" },
    field("Simulation id", "simulation_id", { required: true, hint: "Starting the same id again gives a fresh URL." }),
    field("Proposed program (JSON)", "program", {
      type: "textarea",
      value: prefilled,
      required: true,
      hint: "The current program, prefilled: change what you would try.",
      attrs: { rows: 16, spellcheck: false },
    }),
    field("Orders file", "orders", {
      type: "file",
      required: true,
      hint: "Past orders: JSON lines, or a Shopify orders export (CSV).",
      attrs: { accept: ".jsonl,.ndjson,.json,.csv,.txt" },
    }),
    h("button", { type: "submit" }, "Start simulation"),
  );
  let timer = null;

  async function watch(simulationId) {
    window.clearTimeout(timer);
    try {
      const report = await get(`/v1/admin/simulations/${enc(simulationId)}`);
      replace(
        progress,
        h("h3", {}, `Simulation ${report.simulation_id}: ${report.status}`),
        report.status === "failed"
          ? h("p", { class: "status error", role: "alert" }, `Failed: ${report.reason}`)
          : null,
        report.status === "done" ? sideBySide(f, report.result) : null,
      );
      const settled = report.status === "done" || report.status === "failed";
      if (document.body.contains(progress) && !settled) timer = window.setTimeout(() => watch(simulationId), POLL_MS);
      else if (report.status === "done") announce(`Simulation ${simulationId} done`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      replace(progress, errorBox(error, "Could not load the simulation"));
    }
  }

  start.addEventListener("submit", async (event) => {
    event.preventDefault();
    const simulationId = start.elements.simulation_id.value.trim();
    const [file] = start.elements.orders.files;
    let program;
    try {
      program = JSON.parse(start.elements.program.value);
    } catch (error) {
      replace(created, h("p", { class: "status error", role: "alert" }, `The program is not JSON: ${error.message}`));
      return;
    }
    await sending(start, created, "Not started", async () => {
      const answer = await post("/v1/admin/simulations", { simulation_id: simulationId, program });
      watch(answer.simulation_id);
      await upload(created, answer.upload_url, file, `simulation ${answer.simulation_id}`);
    });
  });
  main.append(
    pageTitle("Simulator"),
    section("What would a proposed program have done with past orders?", start, created),
    section("Result", progress),
  );
}
