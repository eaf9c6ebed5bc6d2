// GET /export costs its rows and runs one at a time per tenant: each page of 100 is paid
// from the tenant's reads before it is read (past the limit the export ends with an error
// line RATE_LIMITED, a code only), and a second export of the same tenant while one runs is
// 429 with rateClass export. Another tenant exports meanwhile.
import { describe, expect, it } from "vitest";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { useApiFixture } from "../support/apiFixture.ts";
import { keyringFrom } from "../support/keyrings.ts";
import { seedChunks } from "../support/seedChunks.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx, { rateLimits: { writes: 100, searches: 100, reranks: 10, reads: 250, subscriptions: 10 } });

const lines = (text: string) => text.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; code?: string });

describe("export limits", () => {
  it("costs its rows, page by page: past the tenant's reads it ends with RATE_LIMITED", async () => {
    const client = await fx.root.connect();
    try {
      await seedChunks(client, [{ userHash: hmacUser(keyringFrom(fx.doc), "bulky"), count: 350 }], { dims: 384 });
    } finally {
      client.release();
    }
    const res = await fetch(`${t.api.url}/export`, { headers: { authorization: `Bearer ${await t.token("bulky")}` } });
    expect(res.status).toBe(200);
    const got = lines(await res.text());
    // 250 reads a minute: two pages of 100, then the third is refused.
    expect(got.filter((l) => l.kind === "memory")).toHaveLength(200);
    expect(got.at(-1)).toEqual({ kind: "error", code: "RATE_LIMITED" });
  });

  it("one export at a time per tenant; another tenant is not held back", async () => {
    const client = await fx.root.connect();
    try {
      await seedChunks(client, [{ userHash: hmacUser(keyringFrom(fx.doc), "twice"), count: 150 }], { dims: 384 });
    } finally {
      client.release();
    }
    const auth = `Bearer ${await t.token("twice")}`;
    // The first export is held at its first page (a lock on the table) while the second comes.
    const holder = await fx.root.connect();
    let first: Response;
    try {
      await holder.query("begin");
      await holder.query("lock table memvault.memory_chunks in access exclusive mode");
      first = await fetch(`${t.api.url}/export`, { headers: { authorization: auth } });
      expect(first.status).toBe(200);
      const second = await fetch(`${t.api.url}/export`, { headers: { authorization: auth } });
      expect(second.status).toBe(429);
      expect(((await second.json()) as { errors: { extensions: { code: string; rateClass: string } }[] }).errors[0]!.extensions).toMatchObject({ code: "RATE_LIMITED", rateClass: "export" });
    } finally {
      await holder.query("commit");
      holder.release();
    }
    expect(lines(await first.text()).at(-1)).toMatchObject({ kind: "end", memories: 150 });
    const other = await fetch(`${t.api.url}/export`, { headers: { authorization: `Bearer ${await t.token("someone-else")}` } });
    expect(other.status).toBe(200);
    expect(lines(await other.text()).at(-1)).toMatchObject({ kind: "end", memories: 0 });
  });
});
