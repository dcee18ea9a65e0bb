// Webhook subscriptions (create or replace, delete) and their deliveries. The API has no list of
// webhooks: the page lists the ids this tab saved, and any id can be looked up.
import { ApiError, del, enc, get, put } from "../api.js";
import {
  announce,
  busy,
  clearFieldErrors,
  errorBox,
  field,
  forget,
  h,
  okBox,
  pager,
  pageTitle,
  remember,
  remembered,
  replace,
  section,
  showFieldErrors,
  table,
} from "../ui.js";

const SAVED = "loyalty.console.webhooks";
const TYPES = [
  "member.enrolled",
  "member.updated",
  "member.erased",
  "points.earned",
  "points.matured",
  "points.refunded",
  "points.redeemed",
  "points.expired",
  "points.adjusted",
  "points.bonus",
  "tier.changed",
  "redemption.issued",
  "redemption.used",
  "redemption.cancelled",
  "referral.completed",
];

export async function render(main, context) {
  const f = context.formats;
  const result = h("div", { "aria-live": "polite" });
  const typeBoxes = h(
    "fieldset",
    { dataset: { path: "events" }, id: "events-group", "aria-describedby": "events-group-error" },
    h("legend", {}, "Events"),
    h("span", { class: "field-error", id: "events-group-error", hidden: true }),
    field("Every event type (*)", "all_events", { type: "checkbox", value: true }),
    h(
      "div",
      { class: "fields" },
      TYPES.map((type) => field(type, `type:${type}`, { type: "checkbox" })),
    ),
  );
  const form = h(
    "form",
    { method: "post", "aria-label": "Create or replace a webhook" },
    h(
      "div",
      { class: "fields" },
      field("Webhook id", "webhook_id", { required: true }),
      field("URL", "url", {
        type: "url",
        required: true,
        hint: "https, a public address (the local stack also takes loopback http).",
      }),
    ),
    typeBoxes,
    field("Active", "active", { type: "checkbox", value: true }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save webhook")),
    result,
  );
  const savedBox = h("div", {});
  const deliveriesBox = h("div", {});
  const lookup = h(
    "form",
    { class: "inline", method: "post", "aria-label": "Show a webhook's deliveries" },
    field("Webhook id", "lookup_id", { required: true }),
    h("button", { type: "submit" }, "Show deliveries"),
  );

  function showDeliveries(webhookId) {
    replace(deliveriesBox, h("h3", {}, `Deliveries of ${webhookId}`), h("div", { id: "deliveries" }));
    pager(
      deliveriesBox.querySelector("#deliveries"),
      "the deliveries",
      (cursor) => get(`/v1/admin/webhooks/${enc(webhookId)}/deliveries`, { limit: 25, cursor }),
      (items) =>
        table(
          "Deliveries, newest first",
          [
            { label: "Event", value: (row) => `${row.type} (${row.event_id})` },
            { label: "Status", value: (row) => row.status },
            { label: "Attempts", num: true, value: (row) => f.points(row.attempts) },
            { label: "Last answer", value: (row) => row.last_status ?? row.last_error ?? "—" },
            { label: "Next attempt", value: (row) => f.dateTime(row.next_attempt_at) },
          ],
          items,
          "No deliveries yet.",
        ),
    );
  }

  async function remove(webhookId) {
    if (!window.confirm(`Delete webhook ${webhookId}? Nothing more is delivered to it.`)) return;
    try {
      await del(`/v1/admin/webhooks/${enc(webhookId)}`);
      forget(SAVED, webhookId, "webhook_id");
      announce("Webhook deleted");
      drawSaved();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      replace(result, errorBox(error, "Not deleted"));
    }
  }

  function drawSaved() {
    replace(
      savedBox,
      table(
        "Webhooks saved in this tab",
        [
          { label: "Id", value: (row) => row.webhook_id },
          { label: "URL", value: (row) => row.url },
          { label: "Events", value: (row) => row.events.join(", ") },
          { label: "Active", value: (row) => (row.active ? "Yes" : "No") },
          {
            label: "Actions",
            value: (row) =>
              h(
                "div",
                { class: "actions" },
                h(
                  "button",
                  { type: "button", class: "secondary", onclick: () => showDeliveries(row.webhook_id) },
                  "Deliveries",
                ),
                h(
                  "button",
                  {
                    type: "button",
                    class: "danger",
                    "aria-label": `Delete ${row.webhook_id}`,
                    onclick: () => remove(row.webhook_id),
                  },
                  "Delete",
                ),
              ),
          },
        ],
        remembered(SAVED),
        "None saved in this tab: look one up by id below.",
      ),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const e = form.elements;
    const events = e.all_events.checked ? ["*"] : TYPES.filter((type) => e[`type:${type}`].checked);
    const id = e.webhook_id.value.trim();
    await busy(form, async () => {
      try {
        const saved = await put(`/v1/admin/webhooks/${enc(id)}`, {
          url: e.url.value.trim(),
          events,
          active: e.active.checked,
        });
        remember(
          SAVED,
          { webhook_id: saved.webhook_id, url: saved.url, events: saved.events, active: saved.active },
          "webhook_id",
        );
        replace(
          result,
          saved.secret
            ? h(
                "div",
                { class: "status ok", role: "status" },
                h("p", {}, "Webhook created. Its signing secret is shown once: copy it now."),
                h("code", { class: "secret" }, saved.secret),
              )
            : okBox("Webhook replaced (its signing secret is unchanged)."),
        );
        announce("Webhook saved");
        drawSaved();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 422) showFieldErrors(form, error);
        else replace(result, errorBox(error, "Not saved"));
      }
    });
  });
  lookup.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = lookup.elements.lookup_id.value.trim();
    if (id) showDeliveries(id);
  });
  main.append(
    pageTitle("Webhooks"),
    section("Create or replace a webhook", form),
    section("Webhooks and deliveries", savedBox, lookup, deliveriesBox),
  );
  drawSaved();
}
