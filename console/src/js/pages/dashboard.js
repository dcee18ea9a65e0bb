// KPIs and charts, from the reports API only. The API has no per-day series: each day's issued, redeemed
// and expired points come from one /kpis call with from = to = that day, and liability over time from one
// /liability call per day. The tier distribution is the period's KPI report's members_by_tier (members per
// tier at the end of today, counted by the backend as members move: no member is read for it).
import { get, inBatches } from "../api.js";
import { daysEndingOn } from "../format.js";
import { errorBox, h, load, loading, pageTitle, replace, section, table } from "../ui.js";

const RANGES = [7, 14, 30];
const PARALLEL_CALLS = 4;
const charts = new Set();

function destroyCharts() {
  for (const chart of charts) chart.destroy();
  charts.clear();
}

function chartFigure(id, label, caption) {
  const canvas = h("canvas", { id, role: "img", "aria-label": label });
  return { canvas, figure: h("figure", {}, h("div", { class: "chart" }, canvas), h("figcaption", {}, caption)) };
}

function draw(canvas, config) {
  if (!window.Chart) throw new Error("Chart.js did not load (vendor/chart.umd.min.js)");
  // No animation: the chart is complete as soon as it is drawn (and screenshots show it whole).
  const chart = new window.Chart(canvas, {
    ...config,
    options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options },
  });
  charts.add(chart);
  return chart;
}

function kpiList(items) {
  return h(
    "dl",
    { class: "kpis" },
    items.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))),
  );
}

// The data behind a chart, as a table, for readers who cannot see the canvas.
function dataTable(caption, columns, rows) {
  return h("details", {}, h("summary", {}, "Show the data as a table"), table(caption, columns, rows));
}

export async function render(main, context) {
  destroyCharts();
  const { formats: f, program } = context;
  main.append(pageTitle("Dashboard"));
  if (!program) {
    main.append(
      h(
        "p",
        { class: "status error", role: "alert" },
        "No program is stored yet, so there is nothing to report. ",
        h("a", { href: "#/program" }, "Set up the program first."),
      ),
    );
    return;
  }
  const rangeSelect = h(
    "select",
    { id: "range", name: "range" },
    RANGES.map((days) => h("option", { value: days, selected: days === 14 }, `Last ${days} days`)),
  );
  const controls = h(
    "form",
    { class: "inline", method: "post", "aria-label": "Report range" },
    h("div", { class: "field" }, h("label", { for: "range" }, "Period"), rangeSelect),
    h("p", { class: "hint" }, `Days in the program's timezone (${f.timezone}); money in ${f.currency}.`),
  );
  controls.addEventListener("submit", (event) => event.preventDefault());
  const body = h("div", {});
  main.append(controls, body);
  rangeSelect.addEventListener("change", () => show(Number(rangeSelect.value)));

  async function show(count) {
    destroyCharts();
    const today = f.today();
    const days = daysEndingOn(today, count);
    const kpiBox = h("div", {});
    const liabilityBox = h("div", {});
    const perDay = chartFigure(
      "chart-points",
      `Points issued, redeemed and expired per day, last ${count} days`,
      `One KPI report per day (from = to = the day): ${count} calls.`,
    );
    const overTime = chartFigure(
      "chart-liability",
      `Points liability per day, last ${count} days`,
      `One liability report per day (as of the day): ${count} calls.`,
    );
    const tiers = chartFigure(
      "chart-tiers",
      `Members per tier on ${f.day(today)}`,
      "From the period's KPI report (members_by_tier): the program's tiers in order, then any tier no longer in the program that still has members.",
    );
    const tiersBox = h("div", {}, loading("Loading the members per tier…"));
    const perDayBox = h("div", {}, loading("Loading the daily points…"));
    const overTimeBox = h("div", {}, loading("Loading the liability history…"));
    replace(
      body,
      section(`Key figures, ${f.day(days[0])} to ${f.day(today)}`, kpiBox),
      section(`Liability today (${f.day(today)})`, liabilityBox),
      h(
        "div",
        { class: "grid" },
        section("Points per day", perDay.figure, perDayBox),
        section("Liability over time", overTime.figure, overTimeBox),
      ),
      section("Members per tier", tiers.figure, tiersBox),
    );

    // One call for the figures and the tier chart: members_by_tier is as of `to` (today).
    const period = get("/v1/admin/reports/kpis", { from: days[0], to: today });
    period
      .then((k) => {
        const rows = k.members_by_tier || [];
        draw(tiers.canvas, {
          type: "bar",
          data: {
            labels: rows.map((row) => row.tier),
            datasets: [{ label: "Members", data: rows.map((row) => row.members), backgroundColor: "#7c3aed" }],
          },
          options: {
            plugins: { tooltip: { callbacks: { label: (item) => `${f.points(item.parsed.y)} members` } } },
            scales: { y: { beginAtZero: true, ticks: { precision: 0, callback: (value) => f.points(value) } } },
          },
        });
        replace(
          tiersBox,
          dataTable(
            "Members per tier",
            [
              { label: "Tier", value: (row) => row.tier },
              { label: "Members", num: true, value: (row) => f.points(row.members) },
            ],
            rows,
          ),
        );
      })
      .catch((error) => replace(tiersBox, errorBox(error, "Could not load the members per tier")));
    load(
      kpiBox,
      "the KPIs",
      () => period,
      (k) =>
        kpiList([
          ["Members", f.points(k.members_total)],
          ["New members", f.points(k.members_new)],
          ["Active members", f.points(k.members_active)],
          ["Orders", f.points(k.orders)],
          ["Revenue", f.minor(k.revenue_minor)],
          ["Average order value", f.minor(k.average_order_value_minor)],
          ["Purchase frequency", f.number(k.purchase_frequency)],
          ["Repeat purchase rate", f.percent(k.repeat_purchase_rate)],
          ["Points issued", f.points(k.points_issued)],
          ["Points redeemed", f.points(k.points_redeemed)],
          ["Points expired", f.points(k.points_expired)],
          ["Redemption rate", f.percent(k.redemption_rate)],
        ]),
    );
    load(
      liabilityBox,
      "the liability",
      () => get("/v1/admin/reports/liability", { as_of: today }),
      (l) => [
        kpiList([
          ["Outstanding points", f.points(l.outstanding_points)],
          ["Pending points", f.points(l.pending_points)],
          ["Liability", f.minor(l.liability_minor)],
          ["Deferred revenue", f.minor(l.deferred_revenue_minor)],
          ["Expected breakage", `${f.percent(l.expected_breakage_rate)} (${l.breakage_method})`],
        ]),
        table(
          "Outstanding points by expiry month",
          [
            { label: "Expires in", value: (row) => (row.month ? f.month(row.month) : "Never") },
            { label: "Points", num: true, value: (row) => f.points(row.points) },
            { label: "Liability", num: true, value: (row) => f.minor(row.liability_minor) },
          ],
          l.by_expiry_month || [],
          "No outstanding points.",
        ),
      ],
    );

    const labels = days.map((day) => f.shortDay(day));
    try {
      const daily = await inBatches(days, PARALLEL_CALLS, (day) =>
        get("/v1/admin/reports/kpis", { from: day, to: day }),
      );
      draw(perDay.canvas, {
        type: "bar",
        data: {
          labels,
          datasets: [
            { label: "Issued", data: daily.map((k) => k.points_issued), backgroundColor: "#1d4ed8" },
            { label: "Redeemed", data: daily.map((k) => k.points_redeemed), backgroundColor: "#059669" },
            { label: "Expired", data: daily.map((k) => k.points_expired), backgroundColor: "#b45309" },
          ],
        },
        options: {
          plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${f.points(item.parsed.y)}` } } },
          scales: { y: { beginAtZero: true, ticks: { callback: (value) => f.points(value) } } },
        },
      });
      replace(
        perDayBox,
        dataTable(
          "Points per day",
          [
            { label: "Day", value: (row) => f.day(row.day) },
            { label: "Issued", num: true, value: (row) => f.points(row.k.points_issued) },
            { label: "Redeemed", num: true, value: (row) => f.points(row.k.points_redeemed) },
            { label: "Expired", num: true, value: (row) => f.points(row.k.points_expired) },
          ],
          days.map((day, index) => ({ day, k: daily[index] })),
        ),
      );
    } catch (error) {
      replace(perDayBox, errorBox(error, "Could not load the daily points"));
    }
    try {
      const history = await inBatches(days, PARALLEL_CALLS, (day) =>
        get("/v1/admin/reports/liability", { as_of: day }),
      );
      draw(overTime.canvas, {
        type: "line",
        data: {
          labels,
          datasets: [
            {
              label: `Liability (${f.currency})`,
              data: history.map((l) => f.majorFromMinor(l.liability_minor)),
              borderColor: "#1d4ed8",
              backgroundColor: "#1d4ed8",
              tension: 0,
            },
          ],
        },
        options: {
          plugins: { tooltip: { callbacks: { label: (item) => f.money.format(item.parsed.y) } } },
          scales: { y: { beginAtZero: true, ticks: { callback: (value) => f.money.format(value) } } },
        },
      });
      replace(
        overTimeBox,
        dataTable(
          "Liability per day",
          [
            { label: "Day", value: (row) => f.day(row.as_of) },
            { label: "Outstanding points", num: true, value: (row) => f.points(row.outstanding_points) },
            { label: "Liability", num: true, value: (row) => f.minor(row.liability_minor) },
          ],
          history,
        ),
      );
    } catch (error) {
      replace(overTimeBox, errorBox(error, "Could not load the liability history"));
    }
  }
  await show(14);
}
