// A burst of GraphQL requests sent at once from its own process (a client sharing the
// server's event loop would serialise them): reads {url, requests: [{auth, body}]} on
// stdin, prints [{status, retryAfter, body}] in request order on stdout.
import { text } from "node:stream/consumers";

const { url, requests } = JSON.parse(await text(process.stdin)) as { url: string; requests: { auth: string; body: unknown }[] };
const responses = await Promise.all(
  requests.map(async ({ auth, body }) => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: auth }, body: JSON.stringify(body) });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
  }),
);
process.stdout.write(JSON.stringify(responses));
