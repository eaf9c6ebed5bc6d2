// Load shedding with the production defaults (config.memoryBucket()): a burst the server
// serves in well under a second is served whole, from a cold pool too, while the worker
// seals what it stores on the same cores. The burst comes from its own process, as real
// clients' would (one sharing the server's event loop would arrive one by one).
import { spawn } from "node:child_process";
import path from "node:path";
import { text } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx);
const models = makeModelDirs(["wordhash"]);

const REMEMBER = `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id status } }`;
type Reply = { status: number; retryAfter: string | null; body: { data?: { rememberMany: unknown[] }; errors?: { extensions?: { code?: string } }[] } };

/** Sends every request at once from a child process; the replies in order. */
async function burst(requests: { auth: string; body: unknown }[]): Promise<Reply[]> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, "../support/burstClient.ts")], { stdio: ["pipe", "pipe", "inherit"] });
  child.stdin.end(JSON.stringify({ url: `${t.api.url}/graphql`, requests }));
  const [out, code] = await Promise.all([text(child.stdout), new Promise((resolve) => child.once("exit", resolve))]);
  expect(code).toBe(0);
  return JSON.parse(out) as Reply[];
}
const shedCount = async () => Number((await (await fetch(t.api.metricsUrl!)).text()).match(/memvault_api_admissions_total\{class="memory",outcome="shed"\} (\d+)/)?.[1] ?? 0);

describe("a burst below capacity", () => {
  it("60 concurrent rememberMany calls (one per tenant) on an idle server are all served, three times over", async () => {
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, EMBEDDER_MODEL_DIR: models.dir("wordhash") });
    try {
      const auths = await Promise.all(Array.from({ length: 60 }, async (_, i) => `Bearer ${await t.token(`burst-${i}`)}`));
      for (let round = 0; round < 3; round++) {
        const replies = await burst(
          auths.map((auth, i) => ({
            auth,
            body: { query: REMEMBER, variables: { i: [{ text: `burst ${round} ${i} a`, tags: ["burst"] }, { text: `burst ${round} ${i} b`, embedding: vec(round * 1000 + i) }] } },
          })),
        );
        const refused = replies.flatMap((r) => (r.body.errors ? [`${r.status} ${r.body.errors.map((e) => e.extensions?.code).join(",")}`] : []));
        expect(refused, `round ${round}`).toEqual([]);
        expect(replies.every((r) => r.status === 200 && r.body.data?.rememberMany.length === 2)).toBe(true);
      }
      expect(await shedCount()).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});
