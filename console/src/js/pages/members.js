// Member lookup (by id, or by email through the admin search) and the member page: balance, tier,
// expiring points, activity and vouchers with paging, and the admin's writes on a member.
import { ApiError, clientId, enc, get, patch, post } from "../api.js";
import {
  announce,
  busy,
  errorBox,
  field,
  h,
  load,
  okBox,
  pagedTable,
  pageTitle,
  replace,
  section,
  sending,
  table,
} from "../ui.js";

const PAGE_SIZE = 10;

export async function renderSearch(main, context) {
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "inline", method: "post", role: "search", "aria-label": "Find a member" },
    field("Member id or email", "query", {
      required: true,
      hint: "An id (e.g. m-1001) or an email address, any case.",
      attrs: { autocomplete: "off" },
    }),
    h("button", { type: "submit" }, "Find"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = form.elements.query.value.trim();
    if (!query) return;
    await busy(form, async () => {
      replace(result, h("p", { class: "status loading", role: "status" }, "Searching…"));
      try {
        if (query.includes("@")) {
          // The email goes in the query string of an API call only, never into the console's URL.
          const page = await get("/v1/admin/members", { email: query });
          if (!page.items.length) {
            replace(result, errorBox(new Error("No member has this email.")));
            return;
          }
          context.navigate(`/members/${enc(page.items[0].member_id)}`);
        } else {
          const member = await get(`/v1/members/${enc(query)}`);
          context.navigate(`/members/${enc(member.member_id)}`);
        }
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        replace(result, errorBox(error.code === "member_not_found" ? new Error("No member has this id.") : error));
      }
    });
  });
  main.append(pageTitle("Members"), section("Find a member", form, result));
}

function summary(member, f) {
  const points = member.points || {};
  return h(
    "div",
    {},
    h(
      "dl",
      { class: "summary" },
      [
        ["Member id", member.member_id],
        ["Name", member.name || "—"],
        ["Email", member.email || "—"],
        ["Status", member.status],
        ["Group", member.group === "holdout" ? "Holdout" : "Treatment"],
        ["Available points", f.points(points.available)],
        ["Pending points", f.points(points.pending)],
        ["Lifetime earned", f.points(points.lifetime_earned)],
        ["Qualifying points", f.points(points.qualifying)],
        ["Tier", member.tier ? `${member.tier.name} (×${f.number(member.tier.multiplier)})` : "—"],
        [
          "Next tier",
          member.next_tier
            ? `${member.next_tier.name}: ${f.points(member.next_tier.points_needed)} points to go`
            : "Top tier",
        ],
        ["Marketing emails", member.marketing_opt_in ? "Opted in" : "Opted out"],
        ["Enrolled", f.dateTime(member.enrolled_at)],
        ["Last activity", f.dateTime(member.last_activity_at)],
      ].map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", { dataset: { field: term } }, value))),
    ),
    h("h3", {}, "Expiring points"),
    table(
      "Next expiry dates",
      [
        { label: "Expires on", value: (row) => f.day(row.expires_on) },
        { label: "Points", num: true, value: (row) => f.points(row.points) },
      ],
      member.expiring || [],
      "No points are due to expire.",
    ),
  );
}

export async function renderMember(main, context, memberId) {
  const f = context.formats;
  const summaryBox = h("div", {});
  const activityBox = h("div", {});
  const redemptionsBox = h("div", {});
  main.append(pageTitle(`Member ${memberId}`), h("p", {}, h("a", { href: "#/members" }, "Find another member")));
  main.append(section("Balance and tier", summaryBox));

  const reloadMember = () =>
    load(
      summaryBox,
      "the member",
      () => get(`/v1/members/${enc(memberId)}`),
      (found) => {
        consent.querySelector("input[name=marketing_opt_in]").checked = Boolean(found.marketing_opt_in);
        return summary(found, f);
      },
    );

  // Adjust points: one adjustment_id per intent, kept until it succeeds, so a retried submit is a replay.
  let adjustmentId = clientId("console-adj");
  const adjustResult = h("div", { "aria-live": "polite" });
  const adjust = h(
    "form",
    { method: "post", "aria-label": "Adjust points" },
    h(
      "div",
      { class: "fields" },
      field("Points", "points", {
        type: "number",
        required: true,
        hint: "Positive credits, negative debits; not 0.",
        attrs: { step: "1" },
      }),
      field("Reason", "reason", { required: true, attrs: { maxlength: "500" } }),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Adjust points")),
    adjustResult,
  );
  adjust.addEventListener("submit", async (event) => {
    event.preventDefault();
    await sending(adjust, adjustResult, "Not adjusted", async () => {
      replace(adjustResult);
      const entry = await post(`/v1/admin/members/${enc(memberId)}/adjustments`, {
        adjustment_id: adjustmentId,
        points: Number(adjust.elements.points.value),
        reason: adjust.elements.reason.value,
      });
      adjustmentId = clientId("console-adj");
      adjust.reset();
      replace(
        adjustResult,
        okBox(`Adjusted by ${f.points(entry.points)} points; the balance is now ${f.points(entry.balance_after)}.`),
      );
      announce("Points adjusted");
      reloadMember();
      activity.reload();
    });
  });

  const consentResult = h("div", { "aria-live": "polite" });
  const consent = h(
    "form",
    { method: "post", "aria-label": "Marketing consent" },
    field("Opted in to marketing emails", "marketing_opt_in", {
      type: "checkbox",
      hint: "Record only what the member asked for: the change is kept with this key and the time.",
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save consent")),
    consentResult,
  );
  consent.addEventListener("submit", async (event) => {
    event.preventDefault();
    const optIn = consent.elements.marketing_opt_in.checked;
    await busy(consent, async () => {
      try {
        // consent_source "api": the member gave this consent now (it overrides an unsubscribe link's opt-out).
        await patch(
          `/v1/members/${enc(memberId)}`,
          optIn ? { marketing_opt_in: true, consent_source: "api" } : { marketing_opt_in: false },
        );
        replace(consentResult, okBox(optIn ? "Opted in." : "Opted out."));
        announce("Consent saved");
        reloadMember();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        replace(consentResult, errorBox(error, "Consent not saved"));
      }
    });
  });

  main.append(h("div", { class: "grid" }, section("Adjust points", adjust), section("Consent", consent)));
  main.append(section("Activity", activityBox), section("Vouchers", redemptionsBox));
  reloadMember();

  const activity = pagedTable(activityBox, "the activity", `/v1/members/${enc(memberId)}/activity`, {
    limit: PAGE_SIZE,
    caption: "Ledger entries, newest first",
    columns: [
      { label: "When", value: (row) => f.dateTime(row.occurred_at) },
      { label: "Kind", value: (row) => row.kind },
      { label: "Points", num: true, value: (row) => f.points(row.points) },
      { label: "Balance after", num: true, value: (row) => f.points(row.balance_after) },
      {
        label: "Reference",
        value: (row) => row.order_id || row.redemption_id || row.adjustment_id || row.refund_id || "",
      },
      { label: "Reason", value: (row) => row.reason || "" },
    ],
    empty: "No activity yet.",
  });

  const vouchers = pagedTable(redemptionsBox, "the vouchers", `/v1/members/${enc(memberId)}/redemptions`, {
    limit: PAGE_SIZE,
    caption: "Vouchers, newest first",
    columns: [
      { label: "Issued", value: (row) => f.dateTime(row.issued_at) },
      { label: "Reward", value: (row) => row.reward_id },
      { label: "Code", value: (row) => row.code },
      { label: "Points", num: true, value: (row) => f.points(row.points_spent) },
      { label: "Status", value: (row) => row.status },
      { label: "Action", value: (row) => (row.status === "issued" ? cancelButton(row) : "") },
    ],
    empty: "No vouchers.",
  });

  function cancelButton(redemption) {
    const button = h(
      "button",
      { type: "button", class: "danger", "aria-label": `Cancel voucher ${redemption.code}` },
      "Cancel",
    );
    button.addEventListener("click", async () => {
      if (
        !window.confirm(
          `Cancel voucher ${redemption.code}? Its ${redemption.points_spent} points go back to the member.`,
        )
      )
        return;
      button.disabled = true;
      try {
        await post(`/v1/redemptions/${enc(redemption.redemption_id)}/cancel`);
        announce("Voucher cancelled");
        vouchers.reload();
        activity.reload();
        reloadMember();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        button.disabled = false;
        button.after(errorBox(error, "Not cancelled"));
      }
    });
    return button;
  }
}
