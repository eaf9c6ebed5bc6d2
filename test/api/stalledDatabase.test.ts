// A transaction shed after admission (a stalled database: no share frees up within
// MEMORY_QUEUE_TIMEOUT_MS) is a shed like one at the door: 503 OVERLOADED with Retry-After,
// counted in admissions_total{class="memory",outcome="shed"}, nothing written.
import { describe, expect, it } from "vitest";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { keyringFrom } from "../support/keyrings.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx, { memoryBucket: { poolSize: 4, connections: 1, maxWaitMs: 300, maxInflight: 10 } });

const post = (auth: string, query: string, variables: Record<string, unknown> = {}) =>
  fetch(`${t.api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: auth }, body: JSON.stringify({ query, variables }) });
const shedCount = async () => Number((await (await fetch(t.api.metricsUrl!)).text()).match(/memvault_api_admissions_total\{class="memory",outcome="shed"\} (\d+)/)?.[1] ?? 0);

describe("a stalled database", () => {
  it("a request whose transaction finds no share in time gets 503 OVERLOADED with Retry-After, counted, nothing written", async () => {
    // The only share is held by a forget that waits on its tenant's write lock, held here.
    const holder = await fx.root.connect();
    let stuck: Promise<Response> | undefined;
    try {
      await holder.query("select pg_advisory_lock(hashtextextended('memvault:tenant:' || $1::text, 0))", [hmacUser(keyringFrom(fx.doc), "stuck")]);
      stuck = post(`Bearer ${await t.token("stuck")}`, `mutation { forget(id: "00000000-0000-4000-8000-000000000000") }`);
      await waitFor("the forget to wait on the lock", async () => (await fx.root.query("select 1 from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()")).rowCount);
      const before = await shedCount();
      const res = await post(`Bearer ${await t.token("other")}`, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, { i: [{ text: "waits", embedding: vec(1) }] });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors.map((e) => e.extensions.code)).toEqual(["OVERLOADED"]);
      expect(await shedCount()).toBe(before + 1);
      expect((await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n).toBe(0);
      await holder.query("select pg_advisory_unlock_all()");
      expect((await stuck).status).toBe(200);
    } finally {
      await holder.query("select pg_advisory_unlock_all()");
      holder.release();
      await stuck?.catch(() => undefined);
    }
  });
});
