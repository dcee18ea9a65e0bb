// Small DOM helpers. Text always goes in as text nodes (never innerHTML), so nothing the API returns is
// ever parsed as markup.
import { ApiError, get } from "./api.js";

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

const announcer = () => document.getElementById("announcer");

// Tells assistive technology what just happened (a saved form, a finished load).
export function announce(message) {
  const region = announcer();
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

export function loading(text = "Loading…") {
  return h("p", { class: "status loading", role: "status" }, text);
}

export function errorBox(error, what) {
  const message = what ? `${what}: ${error.message}` : error.message;
  return h("p", { class: "status error", role: "alert" }, message, error.code ? ` (${error.code})` : "");
}

export function okBox(text) {
  return h("p", { class: "status ok", role: "status" }, text);
}

// A button that acts in place (not a form's submit); `kind` is its look: secondary or danger.
export function button(label, onclick, { kind = "secondary", ...attrs } = {}) {
  return h("button", { type: "button", class: kind, onclick, ...attrs }, label);
}

// What the API shows once (a new key, a webhook's signing secret, an upload URL): `text`, then `value` in
// this element only, gone when the page changes; with `copy` (what the value is: "key"), a button copies it.
export function shownOnce(text, value, { id, copy } = {}) {
  const copyButton =
    copy &&
    button(`Copy the ${copy}`, async (event) => {
      try {
        await navigator.clipboard.writeText(value);
        event.target.textContent = "Copied";
      } catch {
        event.target.textContent = `Copy failed: select the ${copy} and copy it`;
      }
    });
  return h(
    "div",
    { class: "status ok", role: "status" },
    h("p", {}, text),
    h("code", { class: "secret", id }, value),
    copyButton && h("div", { class: "actions" }, copyButton),
  );
}

// Loads into `container`: a loading state first, then what `render` builds, or the error.
export async function load(container, what, fetcher, render) {
  replace(container, loading(`Loading ${what}…`));
  container.setAttribute("aria-busy", "true");
  try {
    const data = await fetcher();
    replace(container, render(data));
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    replace(container, errorBox(error, `Could not load ${what}`));
  } finally {
    container.removeAttribute("aria-busy");
  }
}

let fieldCount = 0;

// A labelled input; `name` is its path in the request body (tiers.0.threshold), used to place 422 errors.
export function field(label, name, { type = "text", value, hint, options, required, attrs = {} } = {}) {
  const id = `f-${++fieldCount}`;
  const described = [];
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) described.push(hintEl.id);
  const errorEl = h("span", { class: "field-error", id: `${id}-error`, hidden: true });
  described.push(errorEl.id);
  let control;
  const common = { id, name, required, "aria-describedby": described.join(" "), dataset: { path: name }, ...attrs };
  if (type === "select") {
    control = h(
      "select",
      common,
      options.map(([optionValue, text]) =>
        h("option", { value: optionValue, selected: String(optionValue) === String(value ?? "") }, text),
      ),
    );
  } else if (type === "textarea") {
    control = h("textarea", common);
    control.value = value ?? "";
  } else if (type === "checkbox") {
    control = h("input", { ...common, type: "checkbox", checked: Boolean(value) });
    return h("div", { class: "field check" }, control, h("label", { for: id }, label), hintEl, errorEl);
  } else {
    control = h("input", { ...common, type, value: value ?? "" });
  }
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl, errorEl);
}

export function clearFieldErrors(form) {
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  for (const message of form.querySelectorAll(".field-error")) {
    message.textContent = "";
    message.hidden = true;
  }
  form.querySelector(".form-errors")?.remove();
}

// Puts each 422 error next to the field its `loc` names (the longest path that has a field), and the
// ones no field owns in a list at the top of the form. Focuses the first field in error.
export function showFieldErrors(form, error) {
  clearFieldErrors(form);
  const unplaced = [];
  let first = null;
  for (const item of error.errors) {
    const loc = (item.loc || []).filter((part) => part !== "body").map(String);
    let control = null;
    for (let length = loc.length; length > 0 && !control; length--) {
      const path = loc.slice(0, length).join(".");
      control = [...form.querySelectorAll("[data-path]")].find((each) => each.dataset.path === path) || null;
    }
    // A control may own whole settings (the program's JSON box owns campaigns, multipliers...).
    control ||=
      [...form.querySelectorAll("[data-owns]")].find((each) => each.dataset.owns.split(" ").includes(loc[0])) || null;
    if (!control) {
      unplaced.push(item);
      continue;
    }
    control.setAttribute("aria-invalid", "true");
    const message = document.getElementById(`${control.id}-error`);
    message.textContent = message.textContent ? `${message.textContent}; ${item.msg}` : item.msg;
    message.hidden = false;
    first ||= control;
  }
  const summary = h(
    "div",
    { class: "status error form-errors", role: "alert", tabindex: "-1" },
    h(
      "p",
      {},
      error.errors.length
        ? `The API refused this (${error.errors.length} problem${error.errors.length === 1 ? "" : "s"}).`
        : error.message,
    ),
    unplaced.length
      ? h(
          "ul",
          {},
          unplaced.map((item) => h("li", {}, `${(item.loc || []).join(".") || "request"}: ${item.msg}`)),
        )
      : null,
  );
  form.prepend(summary);
  (first || summary).focus();
}

// Disables the form's buttons while `work` runs, so a double click does not send twice.
export async function busy(form, work) {
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((button) => {
    button.disabled = true;
  });
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    buttons.forEach((button) => {
      button.disabled = false;
    });
    form.removeAttribute("aria-busy");
  }
}

// Runs `work` once the user confirms `question` (a revocation, a deletion); an API error goes into `result`
// as "`failed`: ...".
export async function confirmed(question, result, failed, work) {
  if (!window.confirm(question)) return;
  try {
    await work();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    replace(result, errorBox(error, failed));
  }
}

// Sends what a submitted form asks for: `work` runs with the form busy and its field errors cleared; a
// 422 puts its errors next to the fields, any other API error goes into `result` as "`failed`: ...".
export async function sending(form, result, failed, work) {
  clearFieldErrors(form);
  await busy(form, async () => {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 422) showFieldErrors(form, error);
      else replace(result, errorBox(error, failed));
    }
  });
}

export function table(caption, columns, rows, empty = "Nothing yet.") {
  if (!rows.length) return h("p", { class: "hint" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns.map((column) => h("th", { scope: "col", class: column.num ? "num" : null }, column.label)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            {},
            columns.map((column) => h("td", { class: column.num ? "num" : null }, column.value(row))),
          ),
        ),
      ),
    ),
  );
}

// A list the API pages with next_cursor: previous / next buttons over a stack of cursors.
export function pager(container, what, fetchPage, renderItems) {
  const cursors = [null];
  let index = 0;
  async function show() {
    await load(
      container,
      what,
      () => fetchPage(cursors[index]),
      (page) => {
        if (page.next_cursor) cursors[index + 1] = page.next_cursor;
        const turn = (by) => () => {
          index += by;
          show();
        };
        const previous = button("Previous page", turn(-1), { disabled: index === 0 });
        const next = button("Next page", turn(1), { disabled: !page.next_cursor });
        return [
          renderItems(page.items),
          h("div", { class: "actions" }, previous, next, h("span", { class: "hint" }, `Page ${index + 1}`)),
        ];
      },
    );
  }
  show();
  return {
    reload: () => {
      cursors.length = 1;
      index = 0;
      return show();
    },
  };
}

// A list the API pages (GET `path` with limit and cursor), drawn as a table of `columns`; the pager.
export function pagedTable(container, what, path, { limit = 25, caption, columns, empty }) {
  const fetchPage = (cursor) => get(path, { limit, cursor });
  return pager(container, what, fetchPage, (items) => table(caption, columns, items, empty));
}

export function section(title, ...children) {
  const id = `s-${++fieldCount}`;
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

export function pageTitle(text) {
  return h("h1", { tabindex: "-1", id: "page-title" }, text);
}

// Reads a form control's value as the API wants it: numbers as numbers, empty as null.
export function intOrNull(value) {
  const text = String(value ?? "").trim();
  return text === "" ? null : Number(text);
}

export function remembered(name) {
  try {
    return JSON.parse(sessionStorage.getItem(name) || "[]");
  } catch {
    return [];
  }
}

// Ids (never secrets) of what this tab created, for lists the API does not offer (keys, webhooks, imports).
export function remember(name, item, key) {
  const items = remembered(name).filter((each) => each[key] !== item[key]);
  items.unshift(item);
  sessionStorage.setItem(name, JSON.stringify(items.slice(0, 50)));
}

export function forget(name, id, key) {
  sessionStorage.setItem(name, JSON.stringify(remembered(name).filter((each) => each[key] !== id)));
}
