// <loyalty-panel>: a shopper's points, tier, rewards, activity, ways to earn, challenges and badges,
// referral code and member card, from the loyalty API's /v1/me routes. One <script> and one element;
// see docs/shop.md.
//
//   <loyalty-panel api="https://loyalty.example.com" token="..." lang="de"></loyalty-panel>
//   panel.tokenProvider = () => fetch("/loyalty-token").then((r) => r.json()).then((b) => b.token);
//
// Events (bubbling, composed): loyalty:ready {member}, loyalty:redeemed {redemption, reward},
// loyalty:error {code, status, message}, loyalty:token-expired {} (no tokenProvider: set a new `token`).
import { ApiError, MemberApi } from "./api.js";
import { challenges } from "./challenges.js";
import { clientId, copy, el, swap } from "./dom.js";
import { resolveLocale, translator } from "./i18n.js";
import css from "./style.css";
import * as views from "./views.js";

const SECTIONS = ["vouchers", "activity", "earn", "challenges", "referral", "card"];
const PAGE = 10;

let sheet = null;

function styles(root) {
  // One constructed sheet shared by every panel on the page; adopted sheets need no 'unsafe-inline'.
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    sheet ??= new CSSStyleSheet();
    if (!sheet.cssRules.length) sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(el("style", {}, css));
  }
}

class LoyaltyPanel extends HTMLElement {
  static observedAttributes = ["api", "token", "lang", "proxy"];

  #provider = null;
  #token = null;
  #asking = null;
  #api = null;
  #generation = 0;
  #scheduled = false;
  #fmt = null;
  #body;
  #announcer;
  #boxes = {};
  #open = new Set();
  // phase: idle | signed-out | loading | failed | ready
  #view = { phase: "idle" };

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    styles(root);
    this.#body = el("div", { class: "panel", part: "panel" });
    this.#announcer = el("div", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    root.append(this.#body, this.#announcer);
  }

  get tokenProvider() {
    return this.#provider;
  }

  // A function returning a promise of a member token (a string, or {token}); asked when the panel has no
  // token and again whenever the API answers 401 token_expired.
  set tokenProvider(provider) {
    this.#provider = typeof provider === "function" ? provider : null;
    if (this.isConnected && this.#view.phase !== "ready") this.#schedule();
  }

  connectedCallback() {
    // A property set on the element before this script defined it is an own property that hides the
    // setter: take it over.
    if (Object.hasOwn(this, "tokenProvider")) {
      const provider = this.tokenProvider;
      delete this.tokenProvider;
      this.tokenProvider = provider;
    }
    this.#token = this.getAttribute("token") || this.#token;
    if (this.#view.phase === "idle" || this.#view.phase === "signed-out") this.#schedule();
  }

  attributeChangedCallback(name, previous, value) {
    if (previous === value) return;
    if (name === "token") this.#token = value || null;
    if (!this.isConnected) return;
    if (name === "lang") this.#render();
    else this.#schedule();
  }

  // Loads everything again (after the shop changed something the panel cannot see, for instance).
  refresh() {
    return this.#load();
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#load();
    });
  }

  #emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(`loyalty:${type}`, { detail, bubbles: true, composed: true }));
  }

  #announce(text) {
    this.#announcer.textContent = "";
    setTimeout(() => {
      this.#announcer.textContent = text;
    }, 50);
  }

  // Asks the provider once for all requests that need a token at the same moment; `stale` is the token
  // the API refused (a request that started with an older one gets the fresh one without asking again).
  #ask(stale) {
    if (!this.#provider) return Promise.resolve(null);
    if (this.#token && this.#token !== stale) return Promise.resolve(this.#token);
    this.#asking ??= Promise.resolve()
      .then(() => this.#provider())
      .then(
        (answer) => {
          this.#token = (typeof answer === "string" ? answer : answer?.token) || null;
          return this.#token;
        },
        () => {
          // The shop's token route failed (offline, its own error): shown as the service being unreachable.
          throw new ApiError(0);
        },
      )
      .finally(() => {
        this.#asking = null;
      });
    return this.#asking;
  }

  #client() {
    const tokens = {
      current: () => (this.#token ? Promise.resolve(this.#token) : this.#ask(null)),
      renew: (stale) => {
        if (this.#provider) return this.#ask(stale);
        this.#emit("token-expired");
        return Promise.resolve(null);
      },
    };
    const proxy = this.getAttribute("proxy");
    if (proxy) return new MemberApi(proxy, tokens, { proxy: true });
    const api = this.getAttribute("api");
    if (!api || !(this.#token || this.#provider)) return null;
    return new MemberApi(`${api.replace(/\/+$/, "")}/v1/me`, tokens);
  }

  async #load() {
    const generation = ++this.#generation;
    const api = this.#client();
    if (!api) {
      this.#view = { phase: "signed-out" };
      this.#render();
      return;
    }
    this.#api = api;
    if (this.#view.phase !== "ready") {
      this.#view = { phase: "loading" };
      this.#render();
    }
    try {
      const [me, rewards] = await Promise.all([api.get(""), api.get("/rewards", { limit: 100 })]);
      if (generation !== this.#generation) return;
      const kept = this.#view.phase === "ready" ? this.#view : {};
      this.#view = { ...kept, phase: "ready", me, rewards: rewards.items ?? [], activity: null, vouchers: null };
      this.#view.earn = null;
      this.#render();
      for (const name of this.#open) this.#loadSection(name);
      this.#emit("ready", { member: me });
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#view = { phase: "failed", error };
      this.#render();
      this.#failed(error);
    }
  }

  #failed(error) {
    this.#emit("error", { code: error.code ?? "error", status: error.status ?? 0, message: error.message });
  }

  #message(error) {
    const t = this.#fmt.t;
    if (!(error instanceof ApiError)) return t("error");
    if (error.code === "network") return t("network");
    if (error.status === 401 || error.status === 403) return t("session");
    const known = ["insufficient_points", "out_of_stock", "limit_reached", "reward_unavailable", "rate_limited"];
    return known.includes(error.code) ? t(error.code) : t("error");
  }

  // Builds the whole panel for the current phase, in the current language.
  #render() {
    const locale = resolveLocale(this);
    this.#fmt = translator(locale);
    const { t } = this.#fmt;
    const { phase } = this.#view;
    this.#body.setAttribute("lang", locale.locale);
    this.#body.setAttribute("aria-busy", phase === "loading" ? "true" : "false");
    const heading = el("h2", { id: "loyalty-title", part: "title" }, t("title"));
    const region = { role: "region", "aria-labelledby": "loyalty-title" };
    for (const [name, value] of Object.entries(region)) this.#body.setAttribute(name, value);
    if (phase === "ready") {
      swap(this.#body, heading, ...this.#ready());
      return;
    }
    let content;
    if (phase === "failed") {
      content = [
        el("p", { class: "error", role: "alert" }, t("failed"), " ", this.#message(this.#view.error)),
        el("button", { type: "button", on: { click: () => this.#load() } }, t("retry")),
      ];
    } else if (phase === "signed-out") {
      content = el("p", { class: "muted" }, t("signedOut"));
    } else {
      content = el("p", { class: "muted loading" }, t("loading"));
    }
    swap(this.#body, heading, content);
  }

  #ready() {
    const { t } = this.#fmt;
    const { me } = this.#view;
    this.#boxes = { summary: el("div"), rewards: el("ul", { class: "rewards" }), result: el("div") };
    const rewards = el(
      "section",
      { class: "section", "aria-labelledby": "h-rewards", part: "rewards" },
      el("h3", { id: "h-rewards" }, t("rewards")),
      this.#boxes.result,
      this.#boxes.rewards,
    );
    const sections = SECTIONS.filter((name) => name !== "referral" || me.referral_code)
      .filter((name) => name !== "card" || me.card_code)
      .map((name) => {
        const box = el("div");
        this.#boxes[name] = box;
        const details = el(
          "details",
          { part: `section-${name}`, "data-section": name, open: this.#open.has(name) },
          el("summary", {}, t(name)),
          box,
        );
        details.addEventListener("toggle", () => {
          if (details.open) {
            this.#open.add(name);
            this.#loadSection(name);
          } else {
            this.#open.delete(name);
          }
        });
        return details;
      });
    this.#renderSummary();
    this.#renderRewards();
    for (const name of SECTIONS) if (this.#boxes[name]) this.#renderSection(name);
    return [this.#boxes.summary, rewards, ...sections];
  }

  #renderSummary() {
    swap(this.#boxes.summary, views.summary(this.#view.me, this.#fmt));
  }

  #renderRewards() {
    const { t } = this.#fmt;
    const view = this.#view;
    const actions = {
      redeem: (reward) => this.#startRedeem(reward),
      confirm: () => this.#confirmRedeem(),
      cancel: () => this.#cancelRedeem(),
      message: (error) => this.#message(error),
    };
    swap(
      this.#boxes.result,
      view.result ? views.voucherResult(view.result, this.#fmt, (text, shown) => this.#copy(text, shown)) : null,
    );
    const items = views
      .ordered(view.rewards, view.me)
      .map((reward) => views.rewardItem(reward, view, this.#fmt, actions));
    if (items.length) swap(this.#boxes.rewards, items);
    else swap(this.#boxes.rewards, el("li", { class: "muted" }, t("noRewards")));
  }

  #focus(selector) {
    this.shadowRoot.querySelector(selector)?.focus();
  }

  #startRedeem(reward) {
    if (this.#view.intent?.step === "sending") return;
    // One redemption_id per intent: the confirmation, a retry after a lost answer and a renewed token all
    // send this id, so the API applies the redemption once however often it arrives.
    this.#view.intent = { rewardId: reward.reward_id, name: reward.name, id: clientId("w-"), step: "confirm" };
    this.#view.rewardError = null;
    this.#renderRewards();
    this.#focus("[data-confirm]");
  }

  #cancelRedeem() {
    const intent = this.#view.intent;
    if (!intent || intent.step === "sending") return;
    this.#view.intent = null;
    this.#renderRewards();
    this.#focus(`[data-reward="${CSS.escape(intent.rewardId)}"] [data-redeem]`);
  }

  async #confirmRedeem() {
    const intent = this.#view.intent;
    if (!intent || intent.step === "sending") return;
    intent.step = "sending";
    intent.error = null;
    this.#renderRewards();
    this.#focus("[data-confirm]");
    try {
      const redemption = await this.#api.post("/redemptions", {
        redemption_id: intent.id,
        reward_id: intent.rewardId,
      });
      this.#view.intent = null;
      this.#view.result = { name: intent.name, redemption };
      await this.#afterRedemption();
      this.#renderRewards();
      this.#focus(".result");
      this.#announce(`${this.#fmt.t("voucher", { reward: intent.name })}: ${redemption.code}`);
      this.#emit("redeemed", { redemption, reward: { reward_id: intent.rewardId, name: intent.name } });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.retryable) {
        // The answer never came or the server was busy: the same id goes again on "Try again".
        intent.step = "failed";
        intent.error = error;
      } else {
        this.#view.intent = null;
        this.#view.rewardError = { rewardId: intent.rewardId, error };
      }
      this.#renderRewards();
      this.#focus(error.retryable ? "[data-confirm]" : `[data-reward="${CSS.escape(intent.rewardId)}"] button`);
      this.#failed(error);
    }
  }

  // The balance, the rewards one can afford and the lists that show the redemption, read again.
  async #afterRedemption() {
    try {
      const [me, rewards] = await Promise.all([this.#api.get(""), this.#api.get("/rewards", { limit: 100 })]);
      Object.assign(this.#view, { me, rewards: rewards.items ?? [], activity: null, vouchers: null });
      this.#renderSummary();
      for (const name of ["activity", "vouchers"]) {
        this.#renderSection(name);
        if (this.#open.has(name)) this.#loadSection(name);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.#failed(error);
    }
  }

  async #copy(text, shown) {
    const done = await copy(text, shown);
    this.#announce(this.#fmt.t(done ? "copied" : "copyFailed"));
  }

  async #share(code) {
    const link = this.getAttribute("referral-url");
    try {
      await navigator.share({
        text: this.#fmt.t("shareText", { code }),
        url: link ? link.replace("{code}", encodeURIComponent(code)) : undefined,
      });
    } catch {
      // The shopper closed the share sheet: nothing to say.
    }
  }

  // The lists behind a closed <details> are read the first time it opens (and "Show more" pages on).
  async #loadSection(name, more = false) {
    const view = this.#view;
    if (view.phase !== "ready" || !this.#boxes[name]) return;
    const paths = { activity: "/activity", vouchers: "/redemptions", earn: "/ways-to-earn", challenges: "/challenges" };
    const whole = name === "earn" || name === "challenges"; // one answer, no pages
    if (!(name in paths) || (view[name] && !more) || view[name]?.loading) return;
    const current = view[name] ?? { items: [], next: null };
    view[name] = { ...current, loading: true, error: null };
    this.#renderSection(name);
    try {
      const query = whole ? {} : { limit: PAGE, cursor: more ? current.next : null };
      const answer = await this.#api.get(paths[name], query);
      if (view !== this.#view) return;
      view[name] = whole
        ? { data: answer, loading: false }
        : { items: [...current.items, ...(answer.items ?? [])], next: answer.next_cursor ?? null, loading: false };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      view[name] = { ...current, loading: false, error };
      this.#failed(error);
    }
    if (view !== this.#view) return;
    this.#renderSection(name);
    // "Show more" was replaced while the page loaded: the keyboard goes on from the new one (or the list).
    if (more)
      (this.#boxes[name].querySelector("[data-more]") ?? this.#boxes[name].querySelector("li:last-child"))?.focus();
  }

  #renderSection(name) {
    const box = this.#boxes[name];
    if (!box) return;
    const { t } = this.#fmt;
    const { me, rewards } = this.#view;
    if (name === "referral") {
      const actions = { copy: (text, shown) => this.#copy(text, shown), share: (code) => this.#share(code) };
      swap(box, views.referral(me, this.#fmt, actions));
      return;
    }
    if (name === "card") {
      swap(box, views.memberCard(me, this.#fmt));
      return;
    }
    const state = this.#view[name];
    const parts = [];
    if (name === "challenges" && state?.data) {
      parts.push(challenges(state.data, me, this.#fmt));
    } else if (state?.items?.length) {
      const names = new Map(rewards.map((reward) => [reward.reward_id, reward.name]));
      parts.push(
        name === "activity" ? views.entries(state.items, this.#fmt) : views.vouchers(state.items, names, this.#fmt),
      );
    } else if (state?.data) {
      parts.push(views.waysToEarn(state.data, this.#fmt));
    } else if (state && !state.loading && !state.error) {
      parts.push(el("p", { class: "muted" }, t(name === "activity" ? "noActivity" : "noVouchers")));
    }
    if (state?.loading) parts.push(el("p", { class: "muted loading" }, t("loading")));
    if (state?.error) parts.push(el("p", { class: "error", role: "alert" }, this.#message(state.error)));
    if (state?.next && !state.loading) {
      const more = { type: "button", "data-more": true, on: { click: () => this.#loadSection(name, true) } };
      parts.push(el("button", more, t("more")));
    }
    swap(box, parts);
  }
}

if (!customElements.get("loyalty-panel")) customElements.define("loyalty-panel", LoyaltyPanel);
