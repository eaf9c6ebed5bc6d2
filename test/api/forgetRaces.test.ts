// Forget always wins: a forget of a memory racing an update of it, in one request or two sent
// together, never lets the worker seal the update afterwards and bring the memory back, old
// text and all. Each race runs many rounds through the real API and a real worker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker, type WorkerProcess } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx);
let worker: WorkerProcess;
beforeAll(async () => {
  worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile }, { scope: "file" });
});
afterAll(async () => {
  await worker.stop();
});

const ROUNDS = 10;
const REMEMBER = `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`;

/** What the database holds of these ids, pending and sealed, once the worker is idle. */
async function settledRows(ids: string[]): Promise<number> {
  const count = async () =>
    (await fx.root.query("select (select count(*)::int from memvault.chunk_ingest where id = any($1::uuid[])) as pending, (select count(*)::int from memvault.memory_chunks where id = any($1::uuid[])) as sealed", [ids])).rows[0] as { pending: number; sealed: number };
  await waitFor("the worker to finish with these memories", async () => (await count()).pending === 0, 60_000);
  // A seal job that was mid-way when the forget committed finishes (and finds nothing) first.
  await waitFor("no seal job running", async () => (await fx.root.query("select count(*)::int as n from graphile_worker.jobs where task_identifier like 'seal%' and locked_at is not null")).rows[0].n === 0, 60_000);
  const after = await count();
  return after.pending + after.sealed;
}

async function sealedMemories(auth: string, n: number, round: number, tags: string[] = ["old"]): Promise<{ ids: string[]; sealedAt: Date }> {
  const res = await t.gql(auth, REMEMBER, { i: Array.from({ length: n }, (_, i) => ({ text: `round ${round} memory ${i}`, tags, embedding: vec(round * 10 + i) })) });
  const ids = res.body.data.rememberMany.map((r: { id: string }) => r.id) as string[];
  await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = any($1::uuid[])", [ids])).rows[0].n === n);
  await new Promise((r) => setTimeout(r, 20)); // the update below comes strictly after the creation
  return { ids, sealedAt: new Date() };
}

describe("forget always wins over a pending update", () => {
  it("update then forgetMatching(createdBefore) in one request: the memory stays forgotten", async () => {
    const auth = `Bearer ${await t.token("race-created")}`;
    for (let round = 0; round < ROUNDS; round++) {
      const { ids, sealedAt } = await sealedMemories(auth, 1, round);
      const res = await t.gql(auth, `mutation($id: String!, $before: String!) { u: update(id: $id, patch: { tags: ["new"] }) { id } f: forgetMatching(filter: { createdBefore: $before }) }`, { id: ids[0], before: sealedAt.toISOString() });
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      expect(res.body.data.f).toBe(1);
      expect(await settledRows(ids), `round ${round}`).toBe(0);
    }
  });

  it("an update that changed the tags, then forgetMatching on the old tag: the memory stays forgotten", async () => {
    const auth = `Bearer ${await t.token("race-tags")}`;
    for (let round = 0; round < ROUNDS; round++) {
      const { ids } = await sealedMemories(auth, 1, round);
      const res = await t.gql(auth, `mutation($id: String!) { u: update(id: $id, patch: { tags: ["new"] }) { id } f: forgetMatching(filter: { tagsAny: ["old"] }) }`, { id: ids[0] });
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      if (res.body.data.f === 1) {
        // The update was still pending: the memory went whole, its pending version with it.
        expect(await settledRows(ids), `round ${round}`).toBe(0);
      } else {
        // The worker sealed the update between the two fields: the memory no longer has the
        // old tag, so nothing matched, and it stays, as updated (never the old version).
        expect(res.body.data.f, `round ${round}`).toBe(0);
        expect(await settledRows(ids), `round ${round}`).toBe(1);
        expect((await t.gql(auth, `query($id: String!) { memory(id: $id) { memory { tags } } }`, { id: ids[0] })).body.data.memory.memory.tags).toEqual(["new"]);
      }
    }
  });

  it("forgetMatching on the tag an update is setting takes the sealed version too", async () => {
    const auth = `Bearer ${await t.token("race-new-tag")}`;
    for (let round = 0; round < ROUNDS; round++) {
      const { ids } = await sealedMemories(auth, 1, round);
      const res = await t.gql(auth, `mutation($id: String!) { u: update(id: $id, patch: { tags: ["new"] }) { id } f: forgetMatching(filter: { tagsAny: ["new"] }) }`, { id: ids[0] });
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      expect(await settledRows(ids), `round ${round}`).toBe(0);
    }
  });

  it("update and forget(id) sent together: the memory is gone whichever ran first", async () => {
    const auth = `Bearer ${await t.token("race-forget")}`;
    for (let round = 0; round < ROUNDS * 2; round++) {
      const { ids } = await sealedMemories(auth, 1, round);
      const [u, f] = await Promise.all([
        t.gql(auth, `mutation($id: String!) { update(id: $id, patch: { text: "changed ${round}" }) { id } }`, { id: ids[0] }),
        t.gql(auth, `mutation($id: String!) { forget(id: $id) }`, { id: ids[0] }),
      ]);
      expect(f.body.data.forget, JSON.stringify(f.body)).toBe(1);
      // The update either ran first (and its version was forgotten) or found nothing.
      if (u.body.errors) expect(u.body.errors[0]!.extensions?.code).toBe("NOT_FOUND");
      expect(await settledRows(ids), `round ${round}`).toBe(0);
    }
  });

  it("forgetAll racing a dozen updates leaves nothing behind", async () => {
    const auth = `Bearer ${await t.token("race-all")}`;
    for (let round = 0; round < ROUNDS / 2; round++) {
      const { ids } = await sealedMemories(auth, 12, round);
      await Promise.all([
        ...ids.map((id) => t.gql(auth, `mutation($id: String!) { update(id: $id, patch: { tags: ["again"] }) { id } }`, { id })),
        t.gql(auth, `mutation { forgetAll { sealed pending } }`),
      ]);
      expect(await settledRows(ids), `round ${round}`).toBe(0);
    }
  });
});
