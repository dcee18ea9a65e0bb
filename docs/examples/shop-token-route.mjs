// A shop's token route: POST /loyalty-token gives the signed-in shopper a member token for <loyalty-panel>.
import { createServer } from "node:http";

const API = process.env.LOYALTY_API; // https://<api id>.execute-api.<region>.amazonaws.com
const KEY = process.env.LOYALTY_STOREFRONT_KEY; // a storefront key: it never leaves the server
const PAIRS = (process.env.SESSIONS ?? "").split(",").filter(Boolean);
const SESSIONS = new Map(PAIRS.map((pair) => pair.split("="))); // your session store: session id -> member id

createServer(async (request, response) => {
  const session = /(?:^|;\s*)session=([^;]+)/.exec(request.headers.cookie ?? "")?.[1];
  const memberId = SESSIONS.get(session); // who is signed in: the shop knows
  if (request.method !== "POST" || request.url !== "/loyalty-token") return response.writeHead(404).end();
  if (!memberId) return response.writeHead(401).end();
  const answer = await fetch(`${API}/v1/members/${encodeURIComponent(memberId)}/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify({ ttl_seconds: 900 }),
  });
  response.writeHead(answer.ok ? 200 : 502, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  response.end(answer.ok ? await answer.text() : "{}"); // {"token": "...", "expires_at": "..."}
}).listen(Number(process.env.PORT ?? 8080), "127.0.0.1");
