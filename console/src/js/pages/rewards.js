// The rewards catalog: every reward (inactive ones too), created and edited with PUT, stock included.
import { ApiError, enc, put } from "../api.js";
import {
  announce,
  button,
  clearFieldErrors,
  field,
  h,
  intOrNull,
  okBox,
  pagedTable,
  pageTitle,
  replace,
  section,
  sending,
  showFieldErrors,
} from "../ui.js";

const KINDS = [
  ["discount_fixed", "Fixed discount"],
  ["discount_percent", "Percent discount"],
  ["free_product", "Free product"],
  ["voucher", "Voucher"],
];

// datetime-local shows the reader's local time; the API wants RFC 3339 with an offset.
function toLocalInput(value) {
  if (!value) return "";
  const date = new Date(value);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

function fromLocalInput(value) {
  return value ? new Date(value).toISOString().replace(/\.\d{3}Z$/, "Z") : null;
}

export async function render(main, context) {
  const f = context.formats;
  const listBox = h("div", {});
  const formBox = h("div", {});
  main.append(pageTitle("Rewards"), section("Create or edit a reward", formBox), section("Catalog", listBox));

  const tiers = (context.program?.tiers || []).map((tier) => [tier.name, tier.name]);

  function showForm(reward) {
    const editing = Boolean(reward);
    const r = reward || { active: true, kind: "discount_fixed" };
    const result = h("div", { "aria-live": "polite" });
    const form = h(
      "form",
      { method: "post", "aria-label": editing ? `Edit reward ${r.reward_id}` : "New reward" },
      h(
        "div",
        { class: "fields" },
        field("Reward id", "reward_id", {
          value: r.reward_id,
          required: true,
          hint: editing ? "Editing replaces this reward." : "1-128 of A-Z a-z 0-9 _ . : -",
          attrs: { readonly: editing, pattern: "[A-Za-z0-9_.:\\-]{1,128}" },
        }),
        field("Name", "name", { value: r.name, required: true }),
        field("Kind", "kind", { type: "select", value: r.kind, options: KINDS }),
        field("Cost (points)", "cost_points", {
          type: "number",
          value: r.cost_points,
          required: true,
          attrs: { min: "1", step: "1" },
        }),
        field(`Value (${f.currency}, minor units)`, "value_minor", {
          type: "number",
          value: r.value_minor,
          hint: `For fixed discounts and vouchers; e.g. 500 = ${f.minor(500)}.`,
          attrs: { min: "1", step: "1" },
        }),
        field("Percent", "percent", {
          type: "number",
          value: r.percent,
          hint: "For percent discounts (1-100).",
          attrs: { min: "1", max: "100", step: "1" },
        }),
        field("SKU", "sku", { value: r.sku, hint: "For free products." }),
        field("Stock", "stock", {
          type: "number",
          value: editing ? r.stock_remaining : "",
          hint: "Empty: unlimited.",
          attrs: { min: "0", step: "1" },
        }),
        field("Limit per member", "per_member_limit", {
          type: "number",
          value: r.per_member_limit,
          hint: "Empty: no limit.",
          attrs: { min: "1", step: "1" },
        }),
        field("Minimum tier", "min_tier", {
          type: "select",
          value: r.min_tier || "",
          options: [["", "Any tier"], ...tiers],
        }),
        field("Available from", "available_from", {
          type: "datetime-local",
          value: toLocalInput(r.available_from),
          hint: "Your local time.",
        }),
        field("Available until", "available_until", {
          type: "datetime-local",
          value: toLocalInput(r.available_until),
          hint: "Your local time.",
        }),
        field("Early access tier", "early_access.0.tier", {
          type: "select",
          value: r.early_access?.[0]?.tier || "",
          options: [["", "No early access"], ...tiers],
          hint: "This tier and higher ones may redeem before Available from.",
        }),
        field("Early access from", "early_access.0.from", {
          type: "datetime-local",
          value: toLocalInput(r.early_access?.[0]?.from),
          hint: "Your local time; before Available from.",
        }),
      ),
      field("Active", "active", { type: "checkbox", value: r.active !== false }),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit" }, editing ? "Save reward" : "Create reward"),
        editing ? button("New reward instead", () => showForm(null)) : null,
      ),
      result,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFieldErrors(form);
      const e = form.elements;
      const id = e.reward_id.value.trim();
      const body = {
        name: e.name.value,
        kind: e.kind.value,
        cost_points: intOrNull(e.cost_points.value),
        active: e.active.checked,
        stock: intOrNull(e.stock.value),
        per_member_limit: intOrNull(e.per_member_limit.value),
        min_tier: e.min_tier.value || null,
        available_from: fromLocalInput(e.available_from.value),
        available_until: fromLocalInput(e.available_until.value),
      };
      // One early-access entry is edited here; further ones (set through the API) are kept.
      const earlyTier = e["early_access.0.tier"].value;
      const earlyFrom = fromLocalInput(e["early_access.0.from"].value);
      const more = (r.early_access || []).slice(1);
      if (earlyTier) body.early_access = [{ tier: earlyTier, from: earlyFrom }, ...more];
      else if (more.length) body.early_access = more;
      // Only the fields the kind uses: the API refuses, say, a percent on a fixed discount.
      if (body.kind === "discount_fixed" || body.kind === "voucher") body.value_minor = intOrNull(e.value_minor.value);
      if (body.kind === "discount_percent") body.percent = intOrNull(e.percent.value);
      if (body.kind === "free_product") body.sku = e.sku.value.trim() || null;
      if (!id) {
        showFieldErrors(form, new ApiError(422, { errors: [{ loc: ["reward_id"], msg: "A reward id is required." }] }));
        return;
      }
      await sending(form, result, "Not saved", async () => {
        const saved = await put(`/v1/admin/rewards/${enc(id)}`, body);
        replace(
          result,
          okBox(
            `Saved reward ${saved.reward_id} (${saved.stock_remaining === null ? "unlimited stock" : `${f.points(saved.stock_remaining)} in stock`}).`,
          ),
        );
        announce("Reward saved");
        list.reload();
      });
    });
    replace(formBox, form);
    if (editing) form.elements.name.focus();
  }

  function value(reward) {
    if (reward.kind === "discount_percent") return f.percent((reward.percent || 0) / 100);
    if (reward.value_minor) return f.minor(reward.value_minor);
    return reward.sku || "—";
  }

  const list = pagedTable(listBox, "the rewards", "/v1/admin/rewards", {
    caption: "Every reward, inactive ones included",
    columns: [
      { label: "Id", value: (row) => row.reward_id },
      { label: "Name", value: (row) => row.name },
      { label: "Kind", value: (row) => KINDS.find(([kind]) => kind === row.kind)?.[1] || row.kind },
      { label: "Cost (points)", num: true, value: (row) => f.points(row.cost_points) },
      { label: "Value", num: true, value },
      {
        label: "Stock",
        num: true,
        value: (row) => (row.stock_remaining === null ? "Unlimited" : f.points(row.stock_remaining)),
      },
      { label: "Active", value: (row) => (row.active ? "Yes" : "No") },
      {
        label: "Available",
        value: (row) =>
          `${row.available_from ? f.dateTime(row.available_from) : "always"} – ${row.available_until ? f.dateTime(row.available_until) : "open"}`,
      },
      {
        label: "Action",
        value: (row) => button("Edit", () => showForm(row), { "aria-label": `Edit ${row.name}` }),
      },
    ],
    empty: "No rewards yet.",
  });
  showForm(null);
}
