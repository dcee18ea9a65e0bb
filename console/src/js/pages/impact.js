// Does the program pay? The experiments report's comparisons as bars with their 95% intervals (SVG: a
// whisker per bar, which Chart.js draws only with a plugin), and the retention report's cohorts as a heat
// map (a table whose cells are shaded by the share active). Each figure has its numbers as a table too.
import { get } from "../api.js";
import { errorBox, h, load, loading, pageTitle, replace, section, table } from "../ui.js";

const SVG = "http://www.w3.org/2000/svg";
const METRICS = {
  revenue_minor: "Revenue per customer",
  purchase_frequency: "Purchase frequency",
  repeat_purchase_rate: "Repeat purchase rate",
  average_order_value_minor: "Average order value",
};
const COMPARISONS = {
  members_vs_non_members: "Members against non-members (observational: not proof of cause)",
  treatment_vs_holdout: "Treatment against holdout (randomised: causal)",
};
const HEAT_LEVELS = 6;

function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child instanceof Node ? child : document.createTextNode(child));
  return element;
}

// YYYY-MM of `count` months before this one, in the program's timezone.
function monthsBack(today, count) {
  const [year, month] = today.split("-").map(Number);
  const index = year * 12 + month - 1 - count;
  return `${String(Math.floor(index / 12)).padStart(4, "0")}-${String((index % 12) + 1).padStart(2, "0")}`;
}

// Horizontal bars: one per metric, the lift from 0, its interval as a whisker.
export function liftChart(name, rows, f) {
  const width = 640;
  const rowHeight = 34;
  const left = 190;
  const right = 20;
  const top = 24;
  const height = top + rows.length * rowHeight + 10;
  const values = rows.flatMap((row) => [row.lift, row.ci95_low, row.ci95_high]).filter((v) => v !== null);
  const low = Math.min(-0.1, ...values);
  const high = Math.max(0.1, ...values);
  const x = (value) => left + ((value - low) / (high - low)) * (width - left - right);
  const described = rows
    .map(
      (row) =>
        `${METRICS[row.metric]}: ${f.percent(row.lift)} (95% interval ${f.percent(row.ci95_low)} to ${f.percent(row.ci95_high)})`,
    )
    .join("; ");
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `${COMPARISONS[name]}: relative lift by metric. ${described}`,
    class: "lift-chart",
    "data-comparison": name,
  });
  chart.append(svg("line", { x1: x(0), x2: x(0), y1: top - 8, y2: height - 6, class: "zero" }));
  chart.append(svg("text", { x: x(0), y: 14, "text-anchor": "middle", class: "axis" }, "0%"));
  rows.forEach((row, index) => {
    const y = top + index * rowHeight;
    const middle = y + rowHeight / 2;
    chart.append(svg("text", { x: left - 8, y: middle + 4, "text-anchor": "end" }, METRICS[row.metric]));
    if (row.lift === null) {
      chart.append(svg("text", { x: x(0) + 6, y: middle + 4, class: "axis" }, "not enough data"));
      return;
    }
    const start = Math.min(x(0), x(row.lift));
    const bar = svg("rect", {
      x: start,
      y: y + 8,
      width: Math.max(Math.abs(x(row.lift) - x(0)), 1),
      height: rowHeight - 16,
      class: row.lift >= 0 ? "bar up" : "bar down",
      "data-metric": row.metric,
    });
    chart.append(bar);
    if (row.ci95_low !== null && row.ci95_high !== null) {
      const whisker = { class: "whisker", "data-metric": row.metric };
      chart.append(svg("line", { x1: x(row.ci95_low), x2: x(row.ci95_high), y1: middle, y2: middle, ...whisker }));
      for (const end of [row.ci95_low, row.ci95_high]) {
        chart.append(svg("line", { x1: x(end), x2: x(end), y1: middle - 6, y2: middle + 6, class: "whisker" }));
      }
    }
  });
  return chart;
}

// The shade of a share active: HEAT_LEVELS classes, from none to all.
export function heatClass(rate) {
  return `heat-${Math.min(HEAT_LEVELS - 1, Math.floor(rate * HEAT_LEVELS))}`;
}

function heatMap(report, f) {
  const width = Math.max(1, ...report.cohorts.map((c) => c.active.length));
  const offsets = [...Array(width).keys()];
  if (!report.cohorts.length) return h("p", { class: "hint" }, "No cohort in this period.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "heat" },
      h("caption", {}, "Share of each enrollment cohort with an order, by month since enrollment"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Cohort"),
          h("th", { scope: "col", class: "num" }, "Members"),
          offsets.map((offset) => h("th", { scope: "col", class: "num" }, `Month ${offset}`)),
        ),
      ),
      h(
        "tbody",
        {},
        report.cohorts.map((cohort) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, f.month(cohort.cohort)),
            h("td", { class: "num" }, f.points(cohort.members)),
            offsets.map((offset) =>
              offset < cohort.active.length && cohort.members
                ? h("td", { class: `num ${heatClass(cohort.active[offset])}` }, f.percent(cohort.active[offset]))
                : h("td", { class: "num" }, ""),
            ),
          ),
        ),
      ),
    ),
  );
}

function groupsTable(report, f) {
  const names = [
    ["members", "Members"],
    ["non_members", "Non-members"],
    ["treatment", "Treatment"],
    ["holdout", "Holdout"],
  ];
  return table(
    "Groups over the period",
    [
      { label: "Group", value: ([, label]) => label },
      { label: "Customers", num: true, value: ([key]) => f.points(report.groups[key].customers) },
      { label: "Orders", num: true, value: ([key]) => f.points(report.groups[key].orders) },
      { label: "Revenue", num: true, value: ([key]) => f.minor(report.groups[key].revenue_minor) },
      { label: "Average order", num: true, value: ([key]) => f.minor(report.groups[key].average_order_value_minor) },
      { label: "Frequency", num: true, value: ([key]) => f.number(report.groups[key].purchase_frequency) },
      { label: "Repeat rate", num: true, value: ([key]) => f.percent(report.groups[key].repeat_purchase_rate) },
    ],
    names,
  );
}

function comparisons(report, f) {
  return Object.keys(COMPARISONS).map((name) => {
    const rows = report.comparisons.filter((row) => row.name === name);
    return section(
      COMPARISONS[name],
      h("figure", {}, liftChart(name, rows, f), h("figcaption", {}, "Bars: relative lift; whiskers: 95% interval.")),
      table(
        `${COMPARISONS[name]}: the figures`,
        [
          { label: "Metric", value: (row) => METRICS[row.metric] },
          { label: "Lift", num: true, value: (row) => f.percent(row.lift) },
          {
            label: "95% interval",
            num: true,
            value: (row) => (row.ci95_low === null ? "—" : `${f.percent(row.ci95_low)} to ${f.percent(row.ci95_high)}`),
          },
        ],
        rows,
      ),
    );
  });
}

export async function render(main, context) {
  const { formats: f, program } = context;
  main.append(pageTitle("Impact"));
  if (!program) {
    main.append(h("p", { class: "status error", role: "alert" }, "No program is stored yet: nothing to compare."));
    return;
  }
  const current = f.today().slice(0, 7);
  const fromField = h("input", {
    id: "impact-from",
    name: "from",
    type: "month",
    value: monthsBack(`${current}-01`, 2),
  });
  const toField = h("input", { id: "impact-to", name: "to", type: "month", value: current });
  const controls = h(
    "form",
    { class: "inline", method: "post", "aria-label": "Report months" },
    h("div", { class: "field" }, h("label", { for: "impact-from" }, "From"), fromField),
    h("div", { class: "field" }, h("label", { for: "impact-to" }, "To"), toField),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Show")),
    h("p", { class: "hint" }, `Whole months in the program's timezone (${f.timezone}); money in ${f.currency}.`),
  );
  const body = h("div", {});
  main.append(controls, body);
  controls.addEventListener("submit", (event) => {
    event.preventDefault();
    show(fromField.value, toField.value);
  });

  function show(from, to) {
    const experimentsBox = h("div", {}, loading("Loading the experiments report…"));
    const retentionBox = h("div", {}, loading("Loading the retention report…"));
    replace(body, experimentsBox, section("Retention by enrollment cohort", retentionBox));
    load(
      experimentsBox,
      "the experiments report",
      () => get("/v1/admin/reports/experiments", { from, to }),
      (report) => [
        section(
          "Does the program pay?",
          h(
            "dl",
            { class: "kpis" },
            h("div", {}, h("dt", {}, "Program cost"), h("dd", {}, f.minor(report.program_cost_minor))),
            h("div", {}, h("dt", {}, "Incremental margin"), h("dd", {}, f.minor(report.incremental_margin_minor))),
          ),
          report.warnings.length
            ? h(
                "ul",
                { class: "warnings" },
                report.warnings.map((warning) => h("li", {}, warning)),
              )
            : null,
          groupsTable(report, f),
        ),
        ...comparisons(report, f),
      ],
    );
    get("/v1/admin/reports/retention", { from, to })
      .then((report) =>
        replace(
          retentionBox,
          h("p", {}, `Churn rate: ${f.percent(report.churn_rate)} (no order in ${report.dormant_after_days} days).`),
          heatMap(report, f),
        ),
      )
      .catch((error) => replace(retentionBox, errorBox(error, "Could not load the retention report")));
  }
  show(fromField.value, toField.value);
}
