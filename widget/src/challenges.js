// The member's challenges (GET <api>/v1/me/challenges) as progress bars, and its badges (from /v1/me).
// A native <progress> carries the value to assistive technology; the text beside it says the same.

import { el } from "./dom.js";

export function challenges(page, me, fmt) {
  const { t } = fmt;
  const items = page?.items ?? [];
  const badges = me?.badges ?? [];
  const parts = [];
  if (badges.length) {
    parts.push(
      el("h4", {}, t("badges")),
      el(
        "ul",
        { class: "badges", part: "badges" },
        badges.map((badge) =>
          el(
            "li",
            { class: "badge", title: t("awarded", { date: fmt.date(badge.awarded_at) }) },
            el("span", { class: "badge-name" }, badge.badge),
            badge.count > 1 ? el("span", { class: "muted" }, ` ×${fmt.number(badge.count)}`) : null,
          ),
        ),
      ),
    );
  }
  if (!items.length) {
    parts.push(el("p", { class: "muted" }, t("noChallenges")));
    return parts;
  }
  parts.push(
    el(
      "ul",
      { class: "challenges" },
      items.map((item) => {
        const id = `challenge-${item.challenge_id}`;
        const done = Boolean(item.completed_at) && item.progress >= item.goal;
        const status = done
          ? t("completed", { date: fmt.date(item.completed_at) })
          : t("ofGoal", { progress: fmt.number(item.progress), goal: fmt.number(item.goal) });
        return el(
          "li",
          { "data-challenge": item.challenge_id },
          el("span", { id }, item.label),
          el("progress", { max: item.goal, value: Math.min(item.progress, item.goal), "aria-labelledby": id }),
          el(
            "span",
            { class: "muted" },
            item.ends_at && !done ? `${status} · ${t("until", { date: fmt.date(item.ends_at) })}` : status,
          ),
        );
      }),
    ),
  );
  return parts;
}
