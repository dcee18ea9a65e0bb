// The widget's one door to the loyalty API. With a member token (`api` + `token` or `tokenProvider`) it
// calls `<api>/v1/me...` with `Authorization: Bearer <token>` and no cookies; through a Shopify App Proxy
// (`proxy`) it calls the shop's own `/apps/<prefix>/...` with the shop's cookies and no token (Shopify
// names the customer). Nothing else is ever fetched.

export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || (status ? `HTTP ${status}` : "network error"));
    this.status = status;
    this.code = problem.code || (status ? `http_${status}` : "network");
  }

  // Worth trying again with the same client id: the answer never came, or the server was busy.
  get retryable() {
    return this.status === 0 || this.status >= 500 || this.code === "rate_limited";
  }
}

async function body(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export class MemberApi {
  // base: where the member's views live (https://api.example.com/v1/me, or /apps/loyalty through the
  // proxy); tokens: { current(), renew(stale) } from the element, both promises of a token or null.
  constructor(base, tokens, { proxy = false } = {}) {
    this.base = base.replace(/\/+$/, "");
    this.tokens = tokens;
    this.proxy = proxy;
  }

  get(path, query = {}) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== null && value !== undefined) params.set(name, value);
    const search = params.toString();
    return this.request("GET", search ? `${path}?${search}` : path);
  }

  post(path, payload) {
    return this.request("POST", path, payload);
  }

  // The member's own view is /v1/me itself; through the App Proxy it is <prefix>/me (a proxy path has a name).
  url(path) {
    const [route, query = ""] = path.split("?");
    const named = this.proxy && route === "" ? "/me" : route;
    return this.base + named + (query ? `?${query}` : "");
  }

  async request(method, path, payload) {
    let token = this.proxy ? null : await this.tokens.current();
    for (let attempt = 0; ; attempt += 1) {
      const headers = { Accept: "application/json" };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (payload !== undefined) headers["Content-Type"] = "application/json";
      let response;
      try {
        response = await fetch(this.url(path), {
          method,
          headers,
          body: payload === undefined ? undefined : JSON.stringify(payload),
          credentials: this.proxy ? "same-origin" : "omit",
          cache: "no-store",
          referrerPolicy: "no-referrer",
        });
      } catch {
        throw new ApiError(0);
      }
      const answer = await body(response);
      if (response.ok) return answer;
      const problem = answer && typeof answer === "object" ? answer : {};
      // An expired token is asked for again once, without a reload; the request then goes again as it was
      // (a redemption keeps its redemption_id, so it cannot be applied twice).
      if (response.status === 401 && problem.code === "token_expired" && attempt === 0 && !this.proxy) {
        const fresh = await this.tokens.renew(token);
        if (fresh && fresh !== token) {
          token = fresh;
          continue;
        }
      }
      throw new ApiError(response.status, problem);
    }
  }
}
