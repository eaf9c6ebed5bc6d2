// deploy's backups: two taken of one database at one migration in quick succession (a
// deploy retried at once, as after a failed validation) are two files, each 0600, and the
// newest is listed first; the row counts a manifest promises are the dump's own, however
// many writes land while it is taken.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pgBinDir } from "../../src/config/dbConfig.ts";
import { backupDatabase, listBackups } from "../../src/db/backupDatabase.ts";
import { tenantHash } from "../support/tenant.ts";
import { useTestDatabase } from "../support/testDatabase.ts";

const fx = useTestDatabase();

describe("backupDatabase", () => {
  it("never collides with a backup taken in the same second", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvbak-"));
    try {
      const first = await backupDatabase({ pgBin: pgBinDir(), superuserUrl: fx.db.url("root"), dir, head: 12 });
      const second = await backupDatabase({ pgBin: pgBinDir(), superuserUrl: fx.db.url("root"), dir, head: 12 });
      expect(second.file).not.toBe(first.file);
      for (const m of [first, second]) expect(fs.statSync(m.file).mode & 0o777).toBe(0o600);
      expect(listBackups(dir, fx.db.name).map((m) => m.file)).toEqual([second.file, first.file]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("promises the row counts of the dump's own snapshot while writes go on (what a restore is checked against)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvbak-"));
    const count = async () => (await fx.pool.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n as number;
    let writing = true;
    const writer = (async () => {
      while (writing) await fx.pool.query("insert into memvault.chunk_ingest (user_hash, text) values ($1::text, 'written during the backup')", [tenantHash("live")]);
    })();
    try {
      while ((await count()) < 20) await new Promise((r) => setTimeout(r, 10));
      const manifest = await backupDatabase({ pgBin: pgBinDir(), superuserUrl: fx.db.url("root"), dir, head: 12 });
      writing = false;
      await writer;
      // The rows pg_dump wrote for the table: its COPY block, one line per row up to "\.".
      const script = spawnSync(path.join(pgBinDir(), "pg_restore"), ["--data-only", "--schema=memvault", "--table=chunk_ingest", "--file=-", manifest.file], { encoding: "utf8" });
      expect(script.status, script.stderr).toBe(0);
      const copy = script.stdout.slice(script.stdout.indexOf("COPY memvault.chunk_ingest"));
      const dumped = copy.split("\n").slice(1).findIndex((line) => line === "\\.");
      expect(dumped).toBeGreaterThan(0);
      expect(manifest.rows!.chunk_ingest).toBe(dumped);
      expect(await count()).toBeGreaterThan(dumped); // the writes went on past it
    } finally {
      writing = false;
      await writer;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
