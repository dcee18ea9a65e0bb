// The program's holdout as fields of the program form: the share of new members held out (drawn at
// enrollment, kept for life) and what they are kept from. Empty percent: no holdout.
import { field, h, intOrNull } from "../ui.js";

const EXCLUDABLE = [
  ["campaigns", "Campaigns", "No campaign multiplier or bonus; ways to earn list none."],
  ["reengagement_emails", "Re-engagement emails", "No email when dormant."],
  ["expiry_reminders", "Expiry reminders", "No email before points expire."],
];
const DEFAULT_EXCLUDES = ["campaigns", "reengagement_emails"];

export function holdoutFields(holdout) {
  const excludes = holdout ? holdout.excludes : DEFAULT_EXCLUDES;
  return h(
    "fieldset",
    { dataset: { path: "holdout" } },
    h("legend", {}, "Holdout"),
    h(
      "div",
      { class: "fields" },
      field("Holdout (% of new members)", "holdout.percent", {
        type: "number",
        value: holdout?.percent ?? "",
        hint: "0 to 50; empty: no holdout. Each member's group is drawn at enrollment and kept for life.",
        attrs: { step: "1", min: "0", max: "50" },
      }),
      EXCLUDABLE.map(([name, label, hint]) =>
        field(`Held out of ${label.toLowerCase()}`, `holdout.excludes.${name}`, {
          type: "checkbox",
          value: excludes.includes(name),
          hint,
        }),
      ),
    ),
  );
}

export function holdoutValue(elements) {
  const percent = intOrNull(elements["holdout.percent"].value);
  if (percent === null) return null;
  const excludes = EXCLUDABLE.map(([name]) => name).filter((name) => elements[`holdout.excludes.${name}`].checked);
  return { percent, excludes };
}
