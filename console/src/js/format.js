// Every number the console shows goes through here: money in the program's currency, points and rates in
// the reader's locale (the program stores a currency and a timezone, not a locale), dates in the program's
// timezone, as the API computes day boundaries.
export class Formats {
  constructor(currency, timezone, locale = navigator.language) {
    this.currency = currency;
    this.timezone = timezone || "UTC";
    this.locale = locale;
    this.money = new Intl.NumberFormat(locale, { style: "currency", currency });
    // Minor units per unit, from ISO 4217 as Intl knows it: 2 for USD, 0 for JPY, 3 for KWD.
    this.fractionDigits = this.money.resolvedOptions().maximumFractionDigits;
    this.integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    this.decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    this.percentage = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
    this.dateTimes = new Intl.DateTimeFormat(locale, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: this.timezone,
    });
    // A bare date (expires_on, a report day) is a calendar day: shown as is, never shifted by a zone.
    this.days = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
    this.shortDays = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
    this.months = new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" });
  }

  minor(value) {
    if (value === null || value === undefined) return "—";
    return this.money.format(value / 10 ** this.fractionDigits);
  }

  majorFromMinor(value) {
    return value / 10 ** this.fractionDigits;
  }

  points(value) {
    return value === null || value === undefined ? "—" : this.integer.format(value);
  }

  number(value) {
    return value === null || value === undefined ? "—" : this.decimal.format(value);
  }

  percent(value) {
    return value === null || value === undefined ? "—" : this.percentage.format(value);
  }

  dateTime(value) {
    return value ? this.dateTimes.format(new Date(value)) : "—";
  }

  day(value) {
    return value ? this.days.format(new Date(`${value}T00:00:00Z`)) : "—";
  }

  shortDay(value) {
    return this.shortDays.format(new Date(`${value}T00:00:00Z`));
  }

  month(value) {
    return this.months.format(new Date(`${value}-01T00:00:00Z`));
  }

  // Today's date (YYYY-MM-DD) in the program's timezone.
  today() {
    return new Intl.DateTimeFormat("en-CA", {
      timeZone: this.timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(new Date());
  }
}

// The calendar days from `last` back `count` days, oldest first, as YYYY-MM-DD.
export function daysEndingOn(last, count) {
  const end = new Date(`${last}T00:00:00Z`);
  return Array.from({ length: count }, (_, index) => {
    const day = new Date(end);
    day.setUTCDate(end.getUTCDate() - (count - 1 - index));
    return day.toISOString().slice(0, 10);
  });
}
