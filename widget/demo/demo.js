// The demo shop's own script: what a shop's page does around <loyalty-panel>. It names the member (the
// shop knows who is signed in; here ?member=demo-<id>, default demo-shopper), gives the panel a
// tokenProvider that asks the shop's server for a member token, lets the reader switch the language and
// lists the panel's events. ?ttl=<seconds> asks for short-lived tokens, to watch one being replaced.
const panel = document.querySelector("loyalty-panel");
const params = new URLSearchParams(window.location.search);
const member = params.get("member") || "demo-shopper";
const ttl = Number.parseInt(params.get("ttl") || "", 10);
const api = panel.getAttribute("api");
const counter = document.getElementById("token-count");
const log = document.getElementById("events");
const language = document.getElementById("lang");
let fetched = 0;

panel.tokenProvider = async () => {
  const body = Number.isInteger(ttl) ? { member_id: member, ttl_seconds: ttl } : { member_id: member };
  const response = await fetch(`${api}/widget/demo/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    credentials: "omit",
  });
  if (!response.ok) throw new Error(`the demo token route answered ${response.status}`);
  const { token } = await response.json();
  fetched += 1;
  counter.textContent = String(fetched);
  return token;
};

function note(text) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  log.prepend(item);
}

panel.addEventListener("loyalty:ready", (event) => note(`loyalty:ready ${event.detail.member.member_id}`));
panel.addEventListener("loyalty:redeemed", (event) =>
  note(`loyalty:redeemed ${event.detail.reward.name}: ${event.detail.redemption.code}`),
);
panel.addEventListener("loyalty:error", (event) => note(`loyalty:error ${event.detail.code}`));
panel.addEventListener("loyalty:token-expired", () => note("loyalty:token-expired"));

const chosen = params.get("lang");
if (chosen) panel.setAttribute("lang", chosen);
language.value = panel.getAttribute("lang") || "en";
language.addEventListener("change", () => {
  panel.setAttribute("lang", language.value);
  params.set("lang", language.value);
  window.history.replaceState(null, "", `?${params}`);
});
