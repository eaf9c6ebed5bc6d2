// Bodies trickled a byte at a time: they hold their own tenant's in-flight share, never the
// process's in-service slots (the body is read before the bucket is entered), past the
// tenant's cap more are refused at once (429 in_flight), and a body that does not arrive
// within the request deadline is cut (408). Another tenant is served throughout.
import net from "node:net";
import { describe, expect, it } from "vitest";
import { useApiFixture } from "../support/apiFixture.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { waitFor } from "../support/waitFor.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx, {
  memoryBucket: { poolSize: 4, connections: 2, maxWaitMs: 1_000, maxInflight: 3 },
  maxInflightPerTenant: 2,
  requestTimeoutMs: 2_000,
});

/** A POST whose headers promise 1,000 bytes, of which it sends 10: the server waits for the rest. */
function trickle(auth: string): Promise<{ socket: net.Socket; response: Promise<string>; received: () => string }> {
  const { hostname, port } = new URL(t.api.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`POST /graphql HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\nauthorization: ${auth}\r\ncontent-length: 1000\r\n\r\n{"query":`);
      let text = "";
      const response = new Promise<string>((done) => {
        socket.on("data", (d: Buffer) => (text += d.toString()));
        socket.on("close", () => done(text));
        socket.on("error", () => done(text));
      });
      resolve({ socket, response, received: () => text });
    });
    socket.on("error", reject);
  });
}

describe("slow bodies", () => {
  it("hold only their own tenant's share: past it 429 in_flight, at the deadline 408; another tenant is served", async () => {
    const slow = `Bearer ${await t.token("slowpoke")}`;
    // More trickling requests than the whole process has slots in service (3).
    const trickles = await Promise.all(Array.from({ length: 5 }, () => trickle(slow)));
    // The server has taken all five in once it refused the three past the tenant's cap.
    await waitFor("the refusals past the tenant's cap", () => trickles.filter((tr) => tr.received().startsWith("HTTP/1.1 429")).length === 3);
    const other = await t.gql(`Bearer ${await t.token("punctual")}`, "{ count }");
    expect(other.status).toBe(200);
    expect(other.body.data.count).toBe(0);
    const answers = await Promise.all(trickles.map((tr) => tr.response));
    const statuses = answers.map((a) => Number(/^HTTP\/1\.1 (\d{3})/.exec(a)?.[1]));
    // Two waited for their bodies until the deadline; the other three were refused at once.
    expect(statuses.filter((s) => s === 408)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    for (const a of answers.filter((x) => x.startsWith("HTTP/1.1 429"))) {
      expect(a).toMatch(/"code":"RATE_LIMITED"/);
      expect(a).toMatch(/"rateClass":"in_flight"/);
      expect(a.toLowerCase()).toMatch(/retry-after: \d+/);
    }
    for (const tr of trickles) tr.socket.destroy();
  });
});
