// One tenant's own key rotated (`memvault tenant rotate-key`, after a suspected leak of it):
// every value of that tenant is re-sealed under the new key by a real worker, the old key is
// deleted once nothing uses it, the tenant's blind indexes keep working (their root key is
// not the leaked one), and another tenant's rows are not touched.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { openLabels } from "../../src/api/openMemory.ts";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import { sealedKeyVersion } from "../../src/crypto/seal.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { roleUrl } from "../../src/db/localCluster.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { kekEnv } from "../support/kekEnv.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { tenantSealer } from "../support/tenantSealer.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx);
const REMEMBER_MANY = `mutation($inputs: [RememberInput!]!) { rememberMany(inputs: $inputs) { id } }`;
const TAGGED = `query { count(filter: { tagsAll: ["kept"] }) }`;

async function gqlOk(auth: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await t.gql(auth, query, variables);
  if (res.body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(res.body.errors)}`);
  return res.body.data;
}

describe("memvault tenant rotate-key", () => {
  it("re-seals the tenant's values under a new key, deletes the old one, keeps its tags searchable, and touches no other tenant", async () => {
    const alice = `Bearer ${await t.token("rotate alice")}`;
    const bob = `Bearer ${await t.token("rotate bob")}`;
    const keyring = parseKeyring("test", JSON.stringify(fx.doc));
    const A = hmacUser(keyring, "rotate alice");
    const B = hmacUser(keyring, "rotate bob");
    await gqlOk(alice, REMEMBER_MANY, { inputs: Array.from({ length: 7 }, (_, i) => ({ text: `alice note ${i}`, embedding: vec(i), tags: ["kept", `n${i}`] })) });
    await gqlOk(bob, REMEMBER_MANY, { inputs: [{ text: "bob note", embedding: vec(50), tags: ["kept"] }] });
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, SEAL_BATCH_SIZE: "3" });
    let bobBefore: unknown[];
    let oldKeyId: string;
    try {
      await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0, 30_000);
      bobBefore = (await fx.root.query("select text_cipher, labels_cipher from memvault.memory_chunks where user_hash = $1", [B])).rows;
      oldKeyId = (await fx.root.query("select key_id from memvault.tenant_keys where user_hash = $1 and version = 1", [A])).rows[0].key_id as string;

      const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "tenant", "rotate-key", "--user", "rotate alice", "--timeout", "60"], {
        encoding: "utf8",
        env: { PATH: process.env.PATH, ...kekEnv(), DATABASE_URL: fx.db.url("owner"), ROOT_DATABASE_URL: roleUrl(inject("cluster"), "root", "postgres"), AUTHENTICATOR_DATABASE_URL: fx.db.url("authenticator"), MEMVAULT_KEYRING_FILE: fx.keyringFile },
      });
      expect(res.status, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/re-seal 7\/7 memories under version 2/);
      await waitFor("the old key deleted", async () => (await fx.root.query("select count(*)::int as n from memvault.tenant_keys where user_hash = $1 and version = 1", [A])).rows[0].n === 0, 30_000);
    } finally {
      await worker.stop();
    }
    expect((await fx.root.query("select version from memvault.tenant_keys where user_hash = $1 order by version", [A])).rows).toEqual([{ version: 0 }, { version: 2 }]);
    const sealer = await tenantSealer(fx.db.url("worker"), createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: fx.keyringFile }), A);
    for (const r of (await fx.root.query("select id, text_cipher, meta_cipher, labels_cipher from memvault.memory_chunks where user_hash = $1", [A])).rows) {
      for (const blob of [r.text_cipher, r.meta_cipher, r.labels_cipher]) expect(sealedKeyVersion(blob)).toBe(2);
      expect(sealer.openSealed(r.text_cipher, chunkContext(A, r.id, "text")).toString()).toMatch(/^alice note \d$/);
      expect(openLabels(sealer, A, r.id, r.labels_cipher).tags[0]).toBe("kept");
    }
    // The tag's blind index still finds them; bob's rows are byte for byte as they were.
    expect((await gqlOk(alice, TAGGED)).count).toBe(7);
    expect((await gqlOk(bob, TAGGED)).count).toBe(1);
    expect((await fx.root.query("select text_cipher, labels_cipher from memvault.memory_chunks where user_hash = $1", [B])).rows).toEqual(bobBefore);
    // New writes seal under the new key.
    await gqlOk(alice, REMEMBER_MANY, { inputs: [{ text: "after the rotation", embedding: vec(9) }] });
    expect((await fx.root.query("select count(*)::int as n from memvault.tenant_keys where key_id = $1", [oldKeyId])).rows[0].n).toBe(0);
  });
});
