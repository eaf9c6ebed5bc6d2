// The KEK's failures, through real worker processes on a SoftHSM2 token of this file's own
// (so the run's token is never broken): a wrong PIN and a missing key stop the start with
// their codes, and the PIN appears nowhere; a token removed mid-run fails the writes that
// need it with KEK_UNAVAILABLE while keys already unwrapped keep sealing; nothing is lost.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PKCS11_SKIP_REASON } from "../support/kekEnv.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { createSoftHsm, type SoftHsm } from "../../scripts/softHsmToken.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
let hsm: SoftHsm;
beforeAll(() => void (inject("kek") && (hsm = createSoftHsm())));
afterAll(() => hsm?.remove());

const write = (userHash: string, n: number) =>
  asIdentity(fx.root, { role: "memvault_user", userHash }, (c) =>
    c.query("insert into memvault.chunk_ingest (text, embedding) select 'kek ' || g, array_fill((0.2 + g / 50.0)::real, array[384])::public.vector from generate_series(1, $1::int) g", [n]),
  { commit: true });
const count = async (sql: string, params: unknown[] = []) => (await fx.root.query(sql, params)).rows[0].n as number;
const sealed = (userHash: string) => count("select count(*)::int as n from memvault.memory_chunks where user_hash = $1", [userHash]);

/** A worker that must refuse to start: its exit code and output. */
function refusedWorker(env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "worker"], {
    env: { PATH: process.env.PATH, ...hsm.env, ...env, WORKER_DATABASE_URL: fx.db.url("worker"), MEMVAULT_KEYRING_FILE: fx.keyringFile, METRICS_PORT: "0" },
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe.skipIf(!inject("kek"))(inject("kek") ? "the key-encryption key on a PKCS#11 token" : `the KEK on a PKCS#11 token: skipped, ${PKCS11_SKIP_REASON}`, () => {
  it("a wrong PIN or a missing key stops the worker's start with its code, never showing the PIN; the writes wait", async () => {
    const E = tenantHash("kek wrong pin");
    await write(E, 2);
    const wrongPin = path.join(hsm.dir, "wrong.pin");
    fs.writeFileSync(wrongPin, "31415926", { mode: 0o600 });
    const pinRefused = refusedWorker({ PKCS11_PIN_FILE: wrongPin });
    expect(pinRefused.status).toBe(1);
    expect(pinRefused.stderr + pinRefused.stdout).toMatch(/KEK_PIN_INCORRECT/);
    const realPin = fs.readFileSync(hsm.env.PKCS11_PIN_FILE, "utf8");
    expect(pinRefused.stderr + pinRefused.stdout).not.toContain("31415926");
    expect(pinRefused.stderr + pinRefused.stdout).not.toContain(realPin);

    const keyRefused = refusedWorker({ PKCS11_KEY_LABEL: "no-such-key" });
    expect(keyRefused.status).toBe(1);
    expect(keyRefused.stderr + keyRefused.stdout).toMatch(/KEK_KEY_MISSING/);

    expect(await count("select count(*)::int as n from memvault.chunk_ingest where user_hash = $1", [E])).toBe(2);
    expect(await sealed(E)).toBe(0);
  });

  it("a token removed mid-run: keys already unwrapped keep sealing, a new tenant's writes wait with KEK_UNAVAILABLE, and all are sealed once it is back", async () => {
    const warm = tenantHash("kek warm tenant");
    const cold = tenantHash("kek cold tenant");
    const tokens = path.join(hsm.dir, "tokens");
    let worker = await startWorker(fx.db, { ...hsm.env, MEMVAULT_KEYRING_FILE: fx.keyringFile });
    try {
      await write(warm, 2);
      await waitFor("the warm tenant sealed", async () => (await sealed(warm)) === 2, 30_000);

      fs.renameSync(tokens, `${tokens}.away`);
      await write(cold, 2);
      await waitFor("the cold tenant's writes parked with the code", async () =>
        (await count("select count(*)::int as n from memvault.chunk_ingest where user_hash = $1 and last_error = 'KEK_UNAVAILABLE'", [cold])) === 2, 30_000);
      await write(warm, 1);
      await waitFor("the warm tenant's new write sealed, from its cached key", async () => (await sealed(warm)) === 3, 30_000);
      expect(worker.logs()).not.toContain(fs.readFileSync(hsm.env.PKCS11_PIN_FILE, "utf8"));
    } finally {
      if (fs.existsSync(`${tokens}.away`)) fs.renameSync(`${tokens}.away`, tokens);
      await worker.stop();
    }
    // The token is back: a worker started now seals what waited; nothing was lost.
    worker = await startWorker(fx.db, { ...hsm.env, MEMVAULT_KEYRING_FILE: fx.keyringFile });
    try {
      await waitFor("the cold tenant sealed", async () => (await sealed(cold)) === 2, 60_000);
      expect(await sealed(warm)).toBe(3);
      expect(await count("select count(*)::int as n from memvault.chunk_ingest where user_hash = any($1)", [[warm, cold]])).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});
