// The console's shell: configuration, sign-in, the program (currency and timezone for every number shown)
// and a hash router. Routes carry ids only: never the key, never an email.
import { ApiError, call, configure, get, session } from "./api.js";
import { Formats } from "./format.js";
import * as dashboard from "./pages/dashboard.js";
import * as impact from "./pages/impact.js";
import * as imports from "./pages/imports.js";
import * as keys from "./pages/keys.js";
import * as members from "./pages/members.js";
import * as program from "./pages/program.js";
import * as rewards from "./pages/rewards.js";
import * as simulator from "./pages/simulator.js";
import * as webhooks from "./pages/webhooks.js";
import { busy, errorBox, field, h, loading, pageTitle, replace } from "./ui.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signOutButton = document.getElementById("sign-out");

const routes = [
  [/^\/dashboard$/, dashboard.render, "Dashboard"],
  [/^\/impact$/, impact.render, "Impact"],
  [/^\/members$/, members.renderSearch, "Members"],
  [/^\/members\/([A-Za-z0-9_.:-]{1,128})$/, members.renderMember, "Member"],
  [/^\/rewards$/, rewards.render, "Rewards"],
  [/^\/program$/, program.render, "Program"],
  [/^\/keys$/, keys.render, "API keys"],
  [/^\/webhooks$/, webhooks.render, "Webhooks"],
  [/^\/imports$/, imports.render, "Imports"],
  [/^\/simulator$/, simulator.render, "Simulator"],
];

// What every page gets: the program (null until one is stored) and its formats.
const context = {
  program: null,
  formats: new Formats("USD", "UTC"),
  navigate: (path) => {
    window.location.hash = `#${path}`;
  },
  async refreshProgram() {
    try {
      context.program = await get("/v1/admin/program");
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "program_not_configured") throw error;
      context.program = null;
    }
    context.formats = context.program
      ? new Formats(context.program.currency, context.program.timezone)
      : new Formats("USD", "UTC");
  },
};

let notice = null;
// The page asked for before sign-in (a bookmarked #/members/m-1), opened once the key is accepted.
let wanted = null;

function signedOut(message) {
  session.signOut();
  context.program = null;
  notice = message;
  nav.hidden = true;
  signOutButton.hidden = true;
  if (window.location.hash !== "#/signin") window.location.hash = "#/signin";
  else renderSignIn();
}

function renderSignIn() {
  nav.hidden = true;
  signOutButton.hidden = true;
  document.title = "Sign in · Loyalty console";
  const keyField = field("Admin key", "admin_key", {
    type: "password",
    required: true,
    hint: "Kept in this tab only (session storage); it is gone when the tab closes.",
    attrs: { autocomplete: "off", spellcheck: "false" },
  });
  const result = h("div", { "aria-live": "polite" });
  // method=post: were the script to fail, a GET submission would put the key in the URL.
  const form = h(
    "form",
    { method: "post", "aria-labelledby": "page-title", novalidate: true },
    keyField,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = form.elements.admin_key.value.trim();
    if (!key) {
      replace(result, errorBox(new Error("Enter an admin key.")));
      return;
    }
    await busy(form, async () => {
      replace(result, loading("Checking the key…"));
      try {
        await call("GET", "/v1/admin/program", { key });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.code !== "program_not_configured") {
          const refused = error.status === 401 || error.status === 403;
          replace(
            result,
            errorBox(refused ? new Error("This key was refused: it is unknown, revoked, or not an admin key.") : error),
          );
          return;
        }
      }
      session.signIn(key);
      form.reset();
      notice = null;
      window.location.hash = `#${wanted || "/dashboard"}`;
      wanted = null;
    });
  });
  replace(
    main,
    h(
      "div",
      { class: "signin" },
      pageTitle("Sign in"),
      notice ? h("p", { class: "status error", role: "alert" }, notice) : null,
      h("section", { class: "panel" }, form),
    ),
  );
  form.elements.admin_key.focus();
}

async function route() {
  const path = window.location.hash.replace(/^#/, "") || "/dashboard";
  if (!session.key()) {
    if (path !== "/signin") {
      wanted = path;
      window.location.hash = "#/signin";
      return;
    }
    renderSignIn();
    return;
  }
  if (path === "/signin") {
    window.location.hash = "#/dashboard";
    return;
  }
  nav.hidden = false;
  signOutButton.hidden = false;
  const match = routes.map(([pattern, render, title]) => [path.match(pattern), render, title]).find(([found]) => found);
  for (const link of nav.querySelectorAll("a")) {
    const target = link.getAttribute("href").slice(1);
    if (path === target || path.startsWith(`${target}/`)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!match) {
    replace(
      main,
      pageTitle("Not found"),
      h("p", {}, "No such page. ", h("a", { href: "#/dashboard" }, "Go to the dashboard.")),
    );
    return;
  }
  const [found, render, title] = match;
  document.title = `${title} · Loyalty console`;
  replace(main, loading());
  try {
    if (context.program === null) await context.refreshProgram();
  } catch (error) {
    if (!session.key()) return; // the key was refused: already back at sign-in
    replace(main, pageTitle(title), errorBox(error, "Could not load the program"));
    return;
  }
  replace(main);
  await render(main, context, ...found.slice(1).map(decodeURIComponent));
  if (session.key()) document.getElementById("page-title")?.focus();
}

async function start() {
  let base = "";
  try {
    const response = await fetch("./config.json", { cache: "no-store" });
    if (response.ok) base = (await response.json()).api_base || "";
  } catch {
    // No config: the API is on the console's own origin (the local stack).
  }
  configure(base, (error) => {
    signedOut(
      error.status === 403
        ? "The API refused the key (revoked, or not an admin key). Sign in again."
        : "Your key is no longer valid (revoked or expired). Sign in again.",
    );
  });
  signOutButton.addEventListener("click", () => signedOut(null));
  // The routes live in the hash, so the skip link moves focus itself instead of changing the hash.
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  window.addEventListener("hashchange", route);
  await route();
}

start();
