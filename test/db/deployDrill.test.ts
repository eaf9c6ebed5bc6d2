// The deploy drill on a real cluster (Liquibase's update-testing-rollback): at head, data
// written through the real write path (ingest rows sealed by a worker process), roll back
// to the previous migration with `memvault deploy rollback`, check data and checks, apply
// again with `memvault deploy apply`, check again; then the refusals, the automatic
// rollback of a failed validation, and the last resort, a backup restored.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import pg from "pg";
import { roleUrl } from "../../src/db/localCluster.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { committedMigrations } from "../../src/db/reverseMigrations.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker } from "../support/workerProcess.ts";
import { dropTenantKeys, resealAsBeforeTenantKeys } from "../support/beforeTenantKeys.ts";
import { kekEnv } from "../support/kekEnv.ts";
import { tenantSealer } from "../support/tenantSealer.ts";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";

const fx = useKeyringDatabase();
const TENANTS = ["drill a", "drill b", "drill c"].map(tenantHash);
const HEAD = committedMigrations().at(-1)!.number;
const PREVIOUS = committedMigrations().at(-2)!.number;
let backupDir: string;

/** A deploy that must exit with `code`; its whole output is the failure message otherwise. */
const expectDeploy = async (code: number, ...args: string[]) => {
  const res = await deploy(...args);
  expect(res.code, res.out).toBe(code);
  return res;
};

const deploy = (...args: string[]) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "deploy", ...args], {
      env: {
        PATH: process.env.PATH,
        ...kekEnv(),
        DATABASE_URL: fx.db.url("owner"),
        ROOT_DATABASE_URL: roleUrl(inject("cluster"), "root", "postgres"),
        MEMVAULT_KEYRING_FILE: fx.keyringFile,
        MEMVAULT_BACKUP_DIR: backupDir,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });

const applied = async () => (await fx.root.query("select max(filename) as f from graphile_migrate.migrations")).rows[0].f as string;
/** Every sealed row, exactly: ids, tenants, ciphers, embeddings. */
// The columns every migration has: a rollback below 000011 drops the label and expiry
// columns (and their contents) by design; the memories themselves must come through whole.
const fingerprint = async () =>
  (await fx.root.query("select count(*)::int as n, md5(string_agg((t.user_hash, t.id, t.created_at, t.key_version, t.text_cipher, t.meta_cipher, t.emb_cipher, t.embedding)::text, ',' order by t.user_hash, t.id)) as h from memvault.memory_chunks t")).rows[0] as { n: number; h: string };

/**
 * n memories per tenant through the real write path (a worker seals them under each
 * tenant's own key); then, unless underTenantKeys, put back as a database from before
 * per-tenant keys holds them (beforeTenantKeys.ts): 000025's reverse is refused once
 * anything is sealed under a tenant's key, and the drill rolls back past it.
 */
async function remember(n: number, label: string, opts: { underTenantKeys?: boolean } = {}) {
  await rememberUnderTenantKeys(n, label);
  if (opts.underTenantKeys) return;
  await resealAsBeforeTenantKeys({ root: fx.root, workerUrl: fx.db.url("worker"), keyringFile: fx.keyringFile });
  await dropTenantKeys(fx.root);
}

async function rememberUnderTenantKeys(n: number, label: string) {
  for (const tenant of TENANTS) {
    await asIdentity(fx.root, { role: "memvault_user", userHash: tenant }, (c) =>
      c.query("insert into memvault.chunk_ingest (text, embedding) select $1 || ' ' || g, array_fill((0.1 + g / 100.0)::real, array[384])::public.vector from generate_series(1, $2::int) g", [label, n]),
      { commit: true });
  }
  const w = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile });
  try {
    await waitFor("every row sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0, 60_000);
  } finally {
    await w.stop();
  }
}

beforeAll(async () => {
  backupDir = fs.mkdtempSync(path.join(os.tmpdir(), "mvbak-"));
  await remember(5, "before the drill");
});
afterAll(() => fs.rmSync(backupDir, { recursive: true, force: true }));

describe("deploy drill", () => {
  it("rolls back to the previous migration and forward again, data and checks intact", async () => {
    const before = await fingerprint();
    expect(before.n).toBeGreaterThanOrEqual(15); // beforeAll's 15, and what other tests of this file added
    expect(await applied()).toBe(`${String(HEAD).padStart(6, "0")}.sql`);

    const back = await deploy("rollback", "--database", fx.db.name);
    expect(back.code, back.out).toBe(0);
    expect(back.out).toMatch(new RegExp(`deploy rollback to ${String(PREVIOUS).padStart(6, "0")} \\(1 reversed\\): OK`));
    expect(back.out).toMatch(new RegExp(`memories opened\\s+PASS\\s+${Math.min(50, before.n)} of ${Math.min(50, before.n)} sampled memories open`));
    expect(back.out).toMatch(/row counts\s+PASS/);
    expect(back.out).toMatch(/sql\/leak_test.sql\s+PASS\s+RESULT: 0 leaked rows/);
    expect(back.out).toMatch(/reversed \d{6}-.*\(\d+\.\d+ s\)/); // each step with its duration
    expect(await applied()).toBe(`${String(PREVIOUS).padStart(6, "0")}.sql`);
    expect(await fingerprint()).toEqual(before);

    const check = await deploy("check");
    expect(check.out).toMatch(/migrations\s+PASS\s+at \d{6}; 1 pending/);
    expect(check.out).toMatch(/pending \d{6}.*PASS\s+reverse: yes/);

    const forward = await deploy("apply", "--database", fx.db.name);
    expect(forward.code, forward.out).toBe(0);
    expect(forward.out).toMatch(/backup: .*\.dump/);
    expect(forward.out).toMatch(/deploy apply: OK/);
    expect(forward.out).toMatch(/ANN plan vs baseline\s+PASS/);
    expect(await applied()).toBe(`${String(HEAD).padStart(6, "0")}.sql`);
    expect(await fingerprint()).toEqual(before);
    // Idempotent: nothing pending is a validation, not an error.
    await expectDeploy(0, "apply", "--database", fx.db.name);

    // 000025 onto memories from before it: each tenant's re-seal onto its own key is queued,
    // and the next worker does it in the background; every memory still opens.
    const queued = (await fx.root.query("select count(*)::int as n from graphile_worker.jobs where task_identifier = 'reseal_chunks'")).rows[0].n as number;
    expect(queued).toBeGreaterThanOrEqual(TENANTS.length);
    const w = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile });
    try {
      await waitFor("every row on its tenant's key", async () => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where key_version > 0")).rows[0].n === 0, 60_000);
    } finally {
      await w.stop();
    }
    const keyrings = createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: fx.keyringFile });
    for (const tenant of TENANTS) {
      const sealer = await tenantSealer(fx.db.url("worker"), keyrings, tenant);
      for (const r of (await fx.root.query("select id, text_cipher from memvault.memory_chunks where user_hash = $1", [tenant])).rows) {
        expect(sealer.openSealed(r.text_cipher, chunkContext(tenant, r.id, "text")).toString()).toMatch(/^\S.* \d+$/);
      }
    }
    // Back as they were, for the drill's other rollbacks.
    await resealAsBeforeTenantKeys({ root: fx.root, workerUrl: fx.db.url("worker"), keyringFile: fx.keyringFile });
    await dropTenantKeys(fx.root);
  });

  it("refuses to roll back past per-tenant keys once a memory is sealed under its tenant's key, and changes nothing", async () => {
    await remember(1, "under a tenant key", { underTenantKeys: true });
    const before = await fingerprint();
    try {
      const refused = await deploy("rollback", "--database", fx.db.name, "--yes");
      expect(refused.code, refused.out).toBe(1);
      expect(refused.out).toMatch(/refused: memories are sealed under tenants' own data keys/);
      expect(await applied()).toBe(`${String(HEAD).padStart(6, "0")}.sql`);
      expect(await fingerprint()).toEqual(before);
    } finally {
      await resealAsBeforeTenantKeys({ root: fx.root, workerUrl: fx.db.url("worker"), keyringFile: fx.keyringFile });
      await dropTenantKeys(fx.root);
    }
  });

  it("refuses another database's name and a deploy already running", async () => {
    const wrong = await deploy("rollback", "--database", "production");
    expect(wrong.code, wrong.out).toBe(1);
    expect(wrong.out).toMatch(/WRONG_DATABASE/);
    expect((await deploy("apply")).out).toMatch(/USAGE: --database .* is required/);
    const holder = new pg.Client({ connectionString: roleUrl(inject("cluster"), "root", "postgres") });
    await holder.connect();
    try {
      await holder.query("select pg_advisory_lock(hashtext('memvault deploy ' || $1::text))", [fx.db.name]);
      const busy = await deploy("rollback", "--database", fx.db.name);
      expect(busy.code, busy.out).toBe(1);
      expect(busy.out).toMatch(/DEPLOY_RUNNING/);
    } finally {
      await holder.end();
    }
    expect(await applied()).toBe(`${String(HEAD).padStart(6, "0")}.sql`);
    // A migration this checkout does not know (a newer release's): nothing is touched.
    const last = (await fx.root.query("select hash from graphile_migrate.migrations order by filename desc limit 1")).rows[0].hash;
    await fx.root.query("insert into graphile_migrate.migrations (hash, previous_hash, filename) values ('sha1:foreign', $1, '999999.sql')", [last]);
    try {
      for (const args of [["rollback", "--database", fx.db.name], ["apply", "--database", fx.db.name]]) {
        const foreign = await deploy(...args);
        expect(foreign.code, foreign.out).toBe(1);
        expect(foreign.out).toMatch(/FOREIGN_MIGRATIONS: .*999999/);
      }
      expect((await deploy("check")).out).toMatch(/migrations\s+FAIL\s+applied here but not in this checkout: 999999/);
    } finally {
      await fx.root.query("delete from graphile_migrate.migrations where filename = '999999.sql'");
    }
  });

  it("apply under live traffic (RUNBOOK §5): tenants' writes and deletes meanwhile do not fail the row counts", async () => {
    await expectDeploy(0, "rollback", "--database", fx.db.name);
    const live = tenantHash("live traffic");
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      while (writing) {
        await fx.root.query("insert into memvault.chunk_ingest (user_hash, text) select $1::text, 'during the deploy' from generate_series(1, 3)", [live]);
        await fx.root.query("delete from memvault.chunk_ingest where ctid = (select ctid from memvault.chunk_ingest where user_hash = $1::text limit 1)", [live]);
        writes++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      const res = await expectDeploy(0, "apply", "--database", fx.db.name);
      expect(res.out).toMatch(/row counts\s+PASS.*within the \d+ rows live traffic wrote and deleted meanwhile/);
      expect(await applied()).toBe(`${String(HEAD).padStart(6, "0")}.sql`);
      expect(writes).toBeGreaterThan(10);
    } finally {
      writing = false;
      await writer;
      await fx.root.query("delete from memvault.chunk_ingest where user_hash = $1::text", [live]);
    }
  });

  it("a migration whose validation fails is rolled back by apply itself", async () => {
    await expectDeploy(0, "rollback", "--database", fx.db.name);
    // Sabotage that only the post-deploy leak test can see: a policy that lets any tenant read.
    await fx.root.query("create policy sabotage on memvault.memory_chunks for select using (true)");
    try {
      const res = await deploy("apply", "--database", fx.db.name);
      expect(res.code, res.out).toBe(1);
      expect(res.out).toMatch(/validation FAILED: rolling back to \d{6} by itself/);
      expect(res.out).toMatch(/deploy apply \(validation failed; rolled back\)/);
      expect(await applied()).toBe(`${String(PREVIOUS).padStart(6, "0")}.sql`);
    } finally {
      await fx.root.query("drop policy if exists sabotage on memvault.memory_chunks");
    }
    await expectDeploy(0, "apply", "--database", fx.db.name);
  });

  it("a rollback that would destroy data names what, changes nothing, and runs only with --yes; nothing expired or updated comes back", async () => {
    // One label row: rolling back below 000011 drops memory_labels and the label columns.
    const m = (await fx.root.query("select user_hash, id from memvault.memory_chunks limit 1")).rows[0];
    await fx.root.query("insert into memvault.memory_labels (user_hash, label_hash, memory_id) values ($1, $2, $3)", [m.user_hash, Buffer.alloc(32, 7), m.id]);
    // A memory of its own that expired before the sweep ran, and a pending update of another:
    // the 000010 schema could neither hide the one nor apply the other.
    await remember(1, "expires");
    const expired = (await fx.root.query("update memvault.memory_chunks set expires_at = now() - interval '1 minute' where id = (select id from memvault.memory_chunks where user_hash = $1 order by created_at desc limit 1) returning id", [TENANTS[0]])).rows[0].id as string;
    const updated = (await fx.root.query("select id, user_hash from memvault.memory_chunks where id <> $1 order by created_at desc limit 1", [expired])).rows[0];
    await fx.root.query("insert into memvault.chunk_ingest (user_hash, id, text, replaces) values ($1, $2, 'a new version, still pending', true)", [updated.user_hash, updated.id]);
    try {
      // No terminal (a script): refused, named, nothing reversed.
      const refused = await expectDeploy(1, "rollback", "--database", fx.db.name, "--to", "10");
      expect(refused.out).toMatch(/DATA_LOSS: rolling back to 000010 would destroy .*table memvault\.memory_labels \(1 rows\)/);
      expect(refused.out).toMatch(/this rollback destroys table memvault\.memory_labels: 1 rows/);
      expect(await applied()).toBe(`${String(HEAD).padStart(6, "0")}.sql`);
      expect(refused.out).toMatch(/rows of memvault\.memory_chunks where expires_at <= pg_catalog\.now\(\) \(1 rows\)/);
      expect(refused.out).toMatch(/rows of memvault\.chunk_ingest where expires_at <= pg_catalog\.now\(\) or replaces \(1 rows\)/);
      const done = await expectDeploy(0, "rollback", "--database", fx.db.name, "--to", "10", "--yes");
      expect(done.out).toMatch(/this rollback destroys table memvault\.memory_labels: 1 rows/);
      expect(await applied()).toBe("000010.sql");
      expect((await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = $1", [expired])).rows[0].n).toBe(0);
      expect((await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n).toBe(0);
      expect((await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = $1", [updated.id])).rows[0].n).toBe(1);
      // Row-level security is forced again on both tables.
      const forced = (await fx.root.query("select relname, relforcerowsecurity as f from pg_class where oid in ('memvault.memory_chunks'::regclass, 'memvault.chunk_ingest'::regclass) order by 1")).rows;
      expect(forced).toEqual([{ relname: "chunk_ingest", f: true }, { relname: "memory_chunks", f: true }]);
    } finally {
      // Whatever happened above: nothing of this test left for the next (a pending update this
      // drill's worker, which has no embedder, could never seal).
      await expectDeploy(0, "apply", "--database", fx.db.name);
      await fx.root.query("delete from memvault.chunk_ingest where id = $1 and replaces", [updated.id]);
    }
  });

  it("the last resort: a backup restored, with the rows it held and memories that open", async () => {
    const taken = await deploy("backup", "--database", fx.db.name);
    expect(taken.code, taken.out).toBe(0);
    // The dump holds plaintext embeddings: it and its manifest are the operator's alone.
    const file = /backup: (\S+\.dump)/.exec(taken.out)![1]!;
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(`${file}.json`).mode & 0o777).toBe(0o600);
    const atBackup = await fingerprint();
    await remember(2, "after the backup");
    expect((await fingerprint()).n).toBe(atBackup.n + 6);
    // The restore ends every session on the database it replaces, this file's pool's too.
    const ignore = () => {};
    fx.root.on("error", ignore);
    // A key version created after the backup (no seal count in it): the restore must retire
    // that one too, and its row-count check must expect the row that adds.
    rotateKeyring();
    // From a script, without --yes: refused, and told what a restore does to erasure.
    const refused = await expectDeploy(1, "rollback", "--database", fx.db.name, "--from-backup");
    expect(refused.out).toMatch(/brings back every memory erased since \S+ \(forget, forgetMatching, forgetAll, expiry\)/);
    expect(refused.out).toMatch(/RESTORE_NOT_CONFIRMED: nothing was changed/);
    expect((await fingerprint()).n).toBe(atBackup.n + 6);
    const res = await deploy("rollback", "--database", fx.db.name, "--from-backup", "--yes");
    expect(res.code, res.out).toBe(0);
    expect(res.out).toMatch(/row counts\s+PASS.*as expected/);
    expect(res.out).toMatch(/memories opened\s+PASS/);
    expect(res.out).toMatch(/the replaced database is kept as (\S+)/);
    // A fresh pool: the restore ended every session on the old database.
    await waitFor("the old sessions gone", async () => (await fingerprint().catch(() => undefined)) !== undefined);
    expect(await fingerprint()).toEqual(atBackup);
    fx.root.off("error", ignore);
    const replaced = /the replaced database is kept as (\S+)/.exec(res.out)![1]!;
    const root = new pg.Client({ connectionString: roleUrl(inject("cluster"), "root", "postgres") });
    await root.connect();
    await root.query(`drop database if exists ${root.escapeIdentifier(replaced)}`);
    await root.end();
    // The seal counts went back to the backup's: every key version the keyring holds seals no
    // more until a rotation adds a fresh one.
    const primary = keyringPrimary();
    expect(res.out).toMatch(new RegExp(`key versions [\\d, ]*\\b${primary}\\b[\\d, ]* retired`));
    await expectRetiredUntilRotated(primary);
  });

  it("a rollback below 000007 (which drops the seal counts) and apply again: the versions that had sealed are retired until a rotation", async () => {
    const primary = keyringPrimary();
    await expectDeploy(0, "rollback", "--database", fx.db.name, "--to", "6", "--yes");
    const res = await expectDeploy(0, "apply", "--database", fx.db.name);
    expect(res.out).toMatch(new RegExp(`key versions [\\d, ]*\\b${primary}\\b[\\d, ]* sealed chunks this database kept no seal count of: retired`));
    await expectRetiredUntilRotated(primary);
  });
});

/** `memvault keys rotate --file`, as an operator runs it. */
function rotateKeyring() {
  // It rewraps the tenants' keys under the new version: the database is the drill's.
  const rotated = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "keys", "rotate", "--file", fx.keyringFile], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, ...kekEnv(), DATABASE_URL: fx.db.url("owner"), ROOT_DATABASE_URL: roleUrl(inject("cluster"), "root", "postgres") },
  });
  expect(rotated.status, rotated.stderr).toBe(0);
}

const keyringPrimary = () => (JSON.parse(fs.readFileSync(fx.keyringFile, "utf8")) as { primary: number }).primary;

/** reserve_seals refuses `version` (SEAL_KEY_EXHAUSTED's 54000); `keys rotate` adds one that seals, and a worker seals with it. */
async function expectRetiredUntilRotated(version: number) {
  const reserve = (v: number) => asIdentity(fx.root, { role: "memvault_worker" }, (c) => c.query("select memvault.reserve_seals($1::integer, 1)", [v]));
  await expect(reserve(version)).rejects.toMatchObject({ code: "54000" });
  rotateKeyring();
  expect(keyringPrimary()).toBe(version + 1);
  await reserve(version + 1);
  await remember(1, "after the rotation"); // sealed by a worker, under the new primary
}
