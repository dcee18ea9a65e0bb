// The one place that talks to the loyalty API. The admin key lives in sessionStorage only: it dies with
// the tab, is never written to localStorage or a cookie, and never goes into a URL (it travels in the
// Authorization header alone).
const KEY_NAME = "loyalty.console.admin_key";

let apiBase = "";
let onAuthLost = () => {};

export function configure(base, authLost) {
  apiBase = (base || "").replace(/\/+$/, "");
  onAuthLost = authLost;
}

export const session = {
  key: () => sessionStorage.getItem(KEY_NAME),
  signIn: (key) => sessionStorage.setItem(KEY_NAME, key),
  // Signing out (or a refused key) forgets everything the tab kept, the ids of issued keys included.
  signOut: () => sessionStorage.clear(),
};

// A failed call: the problem+json body when there is one (code, detail, errors with loc).
export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem?.detail || problem?.title || problem?.message;
    super(status === 0 ? "The API could not be reached." : detail || `The API answered ${status}.`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || null;
    this.errors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

function url(path, query) {
  const target = new URL(apiBase + path, window.location.href);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") target.searchParams.set(name, String(value));
  }
  return target;
}

// `key` signs a call with a key that is not (yet) the session's: the sign-in check.
export async function call(method, path, { body, query, key, accept } = {}) {
  const bearer = key ?? session.key();
  const headers = { Accept: accept || "application/json" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, null);
  }
  const type = response.headers.get("Content-Type") || "";
  let data = null;
  if (response.status !== 204) {
    const text = await response.text();
    data = text && type.includes("json") ? JSON.parse(text) : text || null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, typeof data === "object" ? data : null);
    // A revoked or expired key (or one without the admin scope) ends the session, wherever it happens.
    if ((response.status === 401 || response.status === 403) && key === undefined) onAuthLost(error);
    throw error;
  }
  return data;
}

export const get = (path, query) => call("GET", path, { query });
export const put = (path, body) => call("PUT", path, { body });
export const post = (path, body) => call("POST", path, { body });
export const patch = (path, body) => call("PATCH", path, { body });
export const del = (path) => call("DELETE", path);

export const enc = encodeURIComponent;

// A client id for a write: one per intent, kept across retries of that intent so a retry is a replay.
export function clientId(prefix) {
  return `${prefix}-${crypto.randomUUID()}`;
}

// Runs `work` over `items` with at most `limit` calls in flight (the dashboard's per-day series).
export async function inBatches(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
