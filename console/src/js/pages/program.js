// The program editor: the settings most often changed as fields, the rest (multipliers, campaigns, event
// rules, challenges, accounting) as JSON. PUT validates the program as a whole; each 422 error is shown next to the
// field its `loc` names.
import { ApiError, put } from "../api.js";
import {
  announce,
  clearFieldErrors,
  field,
  h,
  intOrNull,
  okBox,
  pageTitle,
  replace,
  section,
  sending,
  showFieldErrors,
} from "../ui.js";
import { holdoutFields, holdoutValue } from "./holdout.js";

const SCALARS = [
  ["Currency", "currency", "ISO 4217 code, e.g. USD. Every amount in the console is shown in it."],
  ["Timezone", "timezone", "IANA name, e.g. America/New_York: day boundaries and reports follow it."],
  ["Points per unit of currency", "points_per_unit", "A decimal, e.g. 1 or 0.5."],
  ["Point value (minor units)", "point_value_minor", "What one point is worth, for reports and emails."],
];
const INTEGERS = [
  ["Pending days", "pending_days", "Days before points become spendable (a return window)."],
  ["Expiry months", "expiry_months", "Empty: points never expire."],
  ["Tier window (days)", "tier_window_days", "Qualifying points are those earned in this window."],
  ["Maximum order age (days)", "max_order_age_days", "Older orders are refused."],
  ["Signup points", "signup_points", "Credited once at enrollment."],
  ["Maximum points per order", "max_points_per_order", "Empty: no limit beyond the API's."],
];
const EMAILS = [
  ["Sender", "sender", "text"],
  ["Expiring notice (days before)", "expiring_notice_days", "number"],
  ["Dormant after (days)", "dormant_after_days", "number"],
  ["Dormant minimum points", "dormant_min_points", "number"],
  ["Cooldown (days)", "cooldown_days", "number"],
];
// The settings the JSON box offers; besides these it keeps whatever else the stored program holds and no
// field of the form owns, so saving the form never drops a setting it does not show.
const ADVANCED = [
  "category_multipliers",
  "sku_multipliers",
  "excluded_categories",
  "campaigns",
  "event_rules",
  "referrals",
  "challenges",
  "memberships",
  "expiry_granularity",
  "accounting",
  "gross_margin_rate",
];
// Owned by the form's fields, or by the server (the time month expiry was set is its own).
const OWNED = new Set([
  ...["currency", "timezone", "points_per_unit", "point_value_minor", "tiers", "emails", "holdout"],
  "expiry_granularity_since",
]);
const STARTER = {
  currency: "USD",
  timezone: "America/New_York",
  points_per_unit: "1",
  pending_days: 0,
  expiry_months: 12,
  tier_window_days: 365,
  point_value_minor: 1,
  tiers: [{ name: "Member", threshold: 0, multiplier: 1 }],
  emails: {
    sender: "loyalty@example.com",
    expiring_notice_days: 14,
    dormant_after_days: 90,
    dormant_min_points: 100,
    cooldown_days: 7,
  },
};

// Decimal settings go as the text typed: the API takes decimal strings, so 0.1 stays exactly 0.1.
function numberOrText(value) {
  return String(value).trim();
}

function tierRow(tier, index, remove) {
  return h(
    "div",
    { class: "fields tier-row", role: "group", "aria-label": `Tier ${index + 1}` },
    field(`Tier ${index + 1} name`, `tiers.${index}.name`, { value: tier.name, required: true }),
    field(`Tier ${index + 1} threshold`, `tiers.${index}.threshold`, {
      type: "number",
      value: tier.threshold,
      hint: index === 0 ? "The first tier starts at 0." : null,
      attrs: { step: "1" },
    }),
    field(`Tier ${index + 1} multiplier`, `tiers.${index}.multiplier`, {
      type: "number",
      value: tier.multiplier,
      attrs: { step: "any" },
    }),
    field(`Tier ${index + 1} perks (JSON)`, `tiers.${index}.perks`, {
      type: "textarea",
      // As typed after a redraw (a string), else the stored list.
      value: typeof tier.perks === "string" ? tier.perks : JSON.stringify(tier.perks || []),
      hint: 'e.g. [{"perk_id": "ship", "kind": "free_shipping", "label": "Free shipping"}]',
    }),
    h(
      "div",
      { class: "field" },
      h("span", { class: "hint" }, " "),
      h(
        "button",
        { type: "button", class: "secondary", onclick: remove, "aria-label": `Remove tier ${index + 1}` },
        "Remove",
      ),
    ),
  );
}

export async function render(main, context) {
  const current = context.program || STARTER;
  const result = h("div", { "aria-live": "polite" });
  main.append(pageTitle("Program"));
  if (!context.program)
    main.append(
      h(
        "p",
        { class: "status error", role: "status" },
        "No program is stored yet: member and order routes answer 409 until one is. The form starts from a minimal program.",
      ),
    );

  let tiers = (current.tiers || []).map((tier) => ({ ...tier }));
  const tierBox = h("div", {});
  const tierGroupError = h("span", { class: "field-error", id: "tiers-group-error", hidden: true });
  const tierGroup = h(
    "fieldset",
    { id: "tiers-group", dataset: { path: "tiers" }, "aria-describedby": "tiers-group-error" },
    h("legend", {}, "Tiers"),
    tierGroupError,
    tierBox,
    h(
      "button",
      {
        type: "button",
        class: "secondary",
        onclick: () => {
          readTiers();
          tiers.push({ name: "", threshold: "", multiplier: 1 });
          drawTiers();
        },
      },
      "Add a tier",
    ),
  );

  function readTiers() {
    tiers = tiers.map((_, index) => ({
      name: form.elements[`tiers.${index}.name`].value,
      threshold: form.elements[`tiers.${index}.threshold`].value,
      multiplier: form.elements[`tiers.${index}.multiplier`].value,
      perks: form.elements[`tiers.${index}.perks`].value,
    }));
  }
  function drawTiers() {
    replace(
      tierBox,
      tiers.map((tier, index) =>
        tierRow(tier, index, () => {
          readTiers();
          tiers.splice(index, 1);
          drawTiers();
        }),
      ),
    );
  }

  const advanced = {};
  const owned = new Set([...OWNED, ...INTEGERS.map(([, name]) => name)]);
  for (const [name, value] of Object.entries(current))
    if (!owned.has(name) && value !== undefined && value !== null) advanced[name] = value;
  const advancedField = field("Other settings (JSON)", "advanced", {
    type: "textarea",
    value: JSON.stringify(advanced, null, 2),
    hint: `An object with any of: ${ADVANCED.join(", ")}.`,
    attrs: { rows: "12" },
  });
  advancedField.querySelector("textarea").dataset.owns = [...new Set([...ADVANCED, ...Object.keys(advanced)])].join(
    " ",
  );

  const form = h(
    "form",
    { method: "post", "aria-label": "Program settings", novalidate: true },
    h(
      "fieldset",
      {},
      h("legend", {}, "Earning"),
      h(
        "div",
        { class: "fields" },
        SCALARS.map(([label, name, hint]) => field(label, name, { value: current[name], hint, required: true })),
        INTEGERS.map(([label, name, hint]) =>
          field(label, name, { type: "number", value: current[name], hint, attrs: { step: "1" } }),
        ),
      ),
    ),
    tierGroup,
    h(
      "fieldset",
      {},
      h("legend", {}, "Emails"),
      h(
        "div",
        { class: "fields" },
        EMAILS.map(([label, name, type]) =>
          field(label, `emails.${name}`, {
            type,
            value: current.emails?.[name],
            attrs: type === "number" ? { step: "1" } : {},
          }),
        ),
      ),
    ),
    holdoutFields(current.holdout),
    advancedField,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save program")),
    result,
  );
  drawTiers();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    replace(result);
    readTiers();
    const e = form.elements;
    const perks = [];
    for (const [index, tier] of tiers.entries()) {
      try {
        perks.push(JSON.parse(tier.perks || "[]"));
      } catch {
        const errors = [{ loc: ["tiers", index, "perks"], msg: "Not a JSON list." }];
        showFieldErrors(form, new ApiError(422, { errors }));
        return;
      }
    }
    let extra;
    try {
      extra = JSON.parse(e.advanced.value || "{}");
      if (typeof extra !== "object" || extra === null || Array.isArray(extra)) throw new Error("not an object");
    } catch {
      showFieldErrors(form, new ApiError(422, { errors: [{ loc: ["advanced"], msg: "Not a JSON object." }] }));
      return;
    }
    const body = {
      ...extra,
      currency: e.currency.value.trim(),
      timezone: e.timezone.value.trim(),
      points_per_unit: numberOrText(e.points_per_unit.value),
      point_value_minor: numberOrText(e.point_value_minor.value),
      tiers: tiers.map((tier, index) => ({
        name: tier.name,
        threshold: intOrNull(tier.threshold),
        multiplier: intOrNull(tier.multiplier),
        perks: perks[index],
      })),
      emails: Object.fromEntries(
        EMAILS.map(([, name, type]) => [
          name,
          type === "number" ? intOrNull(e[`emails.${name}`].value) : e[`emails.${name}`].value.trim(),
        ]),
      ),
    };
    for (const [, name] of INTEGERS) {
      const value = intOrNull(e[name].value);
      // Optional settings left empty take the API's default (or "none" for expiry and the order cap).
      if (value !== null || name === "expiry_months") body[name] = value;
    }
    const holdout = holdoutValue(e);
    if (holdout) body.holdout = holdout;
    await sending(form, result, "Not saved", async () => {
      context.program = await put("/v1/admin/program", body);
      await context.refreshProgram();
      replace(result, okBox("Program saved."));
      announce("Program saved");
    });
  });
  main.append(section("Settings", form));
}
