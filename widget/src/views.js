// What each part of the panel shows, built from the API's answers. Each function returns nodes and holds
// no state: the element (loyalty-panel.js) decides when to build them again.
import { el } from "./dom.js";
import { qrCode } from "./qr.js";

// A tier's progress as the API gives it: the next tier's threshold or the member's qualifying points
// (either one, with points_needed, places the bar); null when neither is there.
function progressOf(me) {
  const next = me.next_tier;
  if (!next) return null;
  if (Number.isFinite(next.threshold) && next.threshold > 0) {
    return { now: Math.max(0, next.threshold - next.points_needed), max: next.threshold };
  }
  if (Number.isFinite(me.points?.qualifying)) {
    return { now: me.points.qualifying, max: me.points.qualifying + next.points_needed };
  }
  return null;
}

export function summary(me, fmt) {
  const { t } = fmt;
  const points = me.points ?? {};
  const expiring = (me.expiring ?? [])[0];
  const balance = el(
    "section",
    { class: "card", "aria-labelledby": "h-balance", part: "balance-card" },
    el("h3", { id: "h-balance" }, t("balance")),
    el("p", { class: "balance", part: "balance" }, fmt.points(points.available ?? 0)),
    points.currency && Number.isFinite(points.value_minor)
      ? el(
          "p",
          { class: "worth", part: "value" },
          t("worth", { money: fmt.money(points.value_minor, points.currency) }),
        )
      : null,
    points.pending > 0 ? el("p", { class: "muted" }, t("pending", { points: fmt.points(points.pending) })) : null,
    el(
      "p",
      { class: "muted", part: "expiry" },
      expiring
        ? t("expires", { points: fmt.points(expiring.points), date: fmt.date(expiring.expires_on) }, expiring.points)
        : t("noExpiry"),
    ),
  );
  return el("div", { class: "summary" }, balance, tierCard(me, fmt));
}

function tierCard(me, fmt) {
  const { t } = fmt;
  const next = me.next_tier;
  const progress = progressOf(me);
  const toNext = next ? t("toNext", { points: fmt.points(next.points_needed), tier: next.name }) : t("topTier");
  let bar = null;
  if (progress) {
    const fill = el("div", { class: "progress-fill", part: "progress-fill" });
    // A CSSOM write, which a page's style-src does not govern (a style="" attribute it would).
    fill.style.width = `${Math.min(100, (100 * progress.now) / Math.max(1, progress.max)).toFixed(1)}%`;
    bar = el(
      "div",
      {
        class: "progress",
        part: "progress",
        role: "progressbar",
        "aria-label": t("progress", { tier: next.name }),
        "aria-valuemin": 0,
        "aria-valuemax": progress.max,
        "aria-valuenow": progress.now,
        "aria-valuetext": toNext,
      },
      fill,
    );
  }
  const perks = me.tier?.perks ?? [];
  // Paid memberships: what holds the member at its tier and gives it perks, and until when.
  const memberships = (me.memberships ?? []).map((held) =>
    el(
      "p",
      { class: "muted", part: "membership" },
      t("membership", { name: held.membership_id, date: fmt.date(held.until) }),
    ),
  );
  return el(
    "section",
    { class: "card", "aria-labelledby": "h-tier", part: "tier-card" },
    el("h3", { id: "h-tier" }, t("tier")),
    el("p", { class: "tier-name", part: "tier" }, me.tier?.name ?? ""),
    bar,
    el("p", { class: "muted" }, toNext),
    memberships,
    perks.length
      ? [
          el("p", { id: "h-perks" }, t("perks")),
          el(
            "ul",
            { "aria-labelledby": "h-perks", class: "perks" },
            perks.map((perk) => el("li", {}, perk.label)),
          ),
        ]
      : null,
  );
}

function rewardDetail(reward, currency, fmt) {
  const { t } = fmt;
  if (reward.kind === "discount_fixed" && Number.isFinite(reward.value_minor) && currency) {
    return t("off", { amount: fmt.money(reward.value_minor, currency) });
  }
  if (reward.kind === "discount_percent" && Number.isFinite(reward.percent)) {
    return t("off", { amount: fmt.percent(reward.percent) });
  }
  return reward.kind === "free_product" ? t("free_product") : t("voucherKind");
}

// Open to this member before it opens to all: its tier's early access.
function earlyNow(reward) {
  const now = Date.now();
  return (
    Boolean(reward.available_from && reward.redeemable_from) &&
    Date.parse(reward.available_from) > now &&
    Date.parse(reward.redeemable_from) <= now
  );
}

export function affordable(reward, me) {
  return reward.affordable ?? reward.cost_points <= (me.points?.available ?? 0);
}

// Affordable rewards first, each group cheapest first.
export function ordered(rewards, me) {
  return [...rewards].sort(
    (a, b) => Number(affordable(b, me)) - Number(affordable(a, me)) || a.cost_points - b.cost_points,
  );
}

export function rewardItem(reward, view, fmt, actions) {
  const { t } = fmt;
  const { me, intent, rewardError } = view;
  const cost = fmt.points(reward.cost_points);
  const mine = intent?.rewardId === reward.reward_id ? intent : null;
  let action;
  if (mine) {
    const sending = mine.step === "sending";
    action = el(
      "div",
      {
        class: "confirm",
        role: "group",
        "aria-labelledby": "confirm-text",
        part: "confirm",
        on: { keydown: (event) => event.key === "Escape" && actions.cancel() },
      },
      el("p", { id: "confirm-text" }, t("confirm", { reward: reward.name, points: cost })),
      mine.error ? el("p", { class: "error", role: "alert" }, actions.message(mine.error)) : null,
      el(
        "div",
        { class: "actions" },
        // aria-disabled (not disabled) while sending: the button keeps the keyboard focus, and a second
        // press is ignored by the handler rather than lost with the focus.
        el(
          "button",
          {
            type: "button",
            class: "primary",
            "data-confirm": true,
            "aria-disabled": sending ? "true" : null,
            on: { click: actions.confirm },
          },
          sending ? t("working") : mine.error ? t("retry") : t("yes"),
        ),
        el(
          "button",
          {
            type: "button",
            "data-cancel": true,
            "aria-disabled": sending ? "true" : null,
            on: { click: actions.cancel },
          },
          t("cancel"),
        ),
      ),
    );
  } else if (reward.redeemable_from && Date.parse(reward.redeemable_from) > Date.now()) {
    // Early access for other tiers: this member may redeem from then (the API refuses it before).
    action = el("span", { class: "muted", part: "opens" }, t("opensOn", { date: fmt.date(reward.redeemable_from) }));
  } else if (affordable(reward, me)) {
    action = el(
      "button",
      {
        type: "button",
        class: "primary",
        part: "redeem",
        "data-redeem": reward.reward_id,
        "aria-label": t("redeemFor", { reward: reward.name, points: cost }),
        on: { click: () => actions.redeem(reward) },
      },
      t("redeem"),
    );
  } else {
    const missing = reward.points_missing ?? Math.max(0, reward.cost_points - (me.points?.available ?? 0));
    action = el("span", { class: "muted" }, t("missing", { points: fmt.points(missing) }));
  }
  const failure =
    rewardError?.rewardId === reward.reward_id
      ? el("p", { class: "error", role: "alert" }, actions.message(rewardError.error))
      : null;
  return el(
    "li",
    { class: "reward", part: "reward", "data-reward": reward.reward_id },
    el(
      "div",
      { class: "reward-main" },
      el("div", { class: "reward-name" }, reward.name),
      el("div", { class: "muted" }, rewardDetail(reward, me.points?.currency, fmt)),
      earlyNow(reward) ? el("div", { class: "early", part: "early" }, t("early")) : null,
    ),
    el("span", { class: "cost" }, cost),
    action,
    failure,
  );
}

export function voucherResult(result, fmt, onCopy) {
  const { t } = fmt;
  const code = el("code", { class: "code", part: "code" }, result.redemption.code);
  return el(
    "div",
    { class: "result", tabindex: "-1", role: "group", "aria-labelledby": "result-label", part: "voucher" },
    el("p", { id: "result-label" }, t("voucher", { reward: result.name })),
    el("p", {}, code),
    el(
      "div",
      { class: "actions" },
      el("button", { type: "button", on: { click: () => onCopy(result.redemption.code, code) } }, t("copy")),
    ),
  );
}

function signed(points, fmt) {
  return `${points > 0 ? "+" : points < 0 ? "−" : ""}${fmt.number(Math.abs(points))}`;
}

export function entries(items, fmt) {
  const { t } = fmt;
  return el(
    "ul",
    { class: "entries" },
    items.map((entry) =>
      el(
        "li",
        {},
        el("span", {}, t(`kind_${entry.kind}`), el("br"), el("small", { class: "muted" }, fmt.date(entry.occurred_at))),
        el(
          "span",
          { class: entry.points >= 0 ? "plus" : "minus", "aria-label": fmt.points(entry.points) },
          signed(entry.points, fmt),
        ),
      ),
    ),
  );
}

export function vouchers(items, names, fmt) {
  const { t } = fmt;
  return el(
    "ul",
    { class: "vouchers" },
    items.map((redemption) =>
      el(
        "li",
        {},
        el(
          "span",
          {},
          names.get(redemption.reward_id) ?? redemption.reward_id,
          el("br"),
          el("small", { class: "muted" }, `${t(redemption.status)} · ${fmt.date(redemption.issued_at)}`),
        ),
        el("code", { class: "code" }, redemption.code),
      ),
    ),
  );
}

export function waysToEarn(ways, fmt) {
  const { t } = fmt;
  const perUnit = Number(ways.points_per_unit);
  const base =
    Number.isFinite(perUnit) && ways.currency
      ? el(
          "p",
          {},
          t("perUnit", {
            points: t("points", { n: fmt.number(perUnit) }, perUnit),
            money: fmt.money(10 ** digits(ways.currency), ways.currency),
          }),
        )
      : null;
  return [
    base,
    el(
      "ul",
      { class: "rules" },
      (ways.rules ?? []).map((rule) => {
        const what = [];
        if (Number.isFinite(rule.multiplier)) what.push(t("multiplier", { factor: fmt.number(rule.multiplier) }));
        if (Number.isFinite(rule.points)) what.push(t("bonus", { points: fmt.points(rule.points) }));
        if (rule.ends_at) what.push(t("until", { date: fmt.date(rule.ends_at) }));
        return el("li", {}, el("span", {}, rule.label), el("span", { class: "muted" }, what.join(" · ")));
      }),
    ),
  ];
}

// One unit of a currency in its minor units (100 for EUR): what "per 1.00 spent" costs.
function digits(currency) {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
}

export function referral(me, fmt, actions) {
  const { t } = fmt;
  const code = el("code", { class: "code", part: "code", id: "referral-code" }, me.referral_code);
  return [
    el("p", { class: "muted" }, t("referralHint")),
    el("p", {}, el("span", { id: "referral-label" }, `${t("referralCode")} `), code),
    el(
      "div",
      { class: "actions" },
      el("button", { type: "button", on: { click: () => actions.copy(me.referral_code, code) } }, t("copy")),
      typeof navigator.share === "function"
        ? el("button", { type: "button", on: { click: () => actions.share(me.referral_code) } }, t("share"))
        : null,
    ),
  ];
}

// The card code in groups of four, as a cashier reads it aloud; the QR code holds it unchanged.
export function memberCard(me, fmt) {
  const { t } = fmt;
  const grouped = me.card_code.match(/.{1,4}/g).join(" ");
  return el(
    "div",
    { class: "member-card" },
    qrCode(me.card_code, t("cardImage", { code: grouped })),
    el("div", {}, el("p", { class: "code", part: "card-code" }, grouped), el("p", { class: "muted" }, t("cardHint"))),
  );
}
