// deploy's backups: two taken of one database at one migration in quick succession (a
// deploy retried at once, as after a failed validation) are two files, each 0600, and the
// newest is listed first.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { config } from "../../src/config.ts";
import { backupDatabase, listBackups } from "../../src/db/backupDatabase.ts";
import { useTestDatabase } from "../support/testDatabase.ts";

const fx = useTestDatabase();

describe("backupDatabase", () => {
  it("never collides with a backup taken in the same second", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvbak-"));
    try {
      const first = backupDatabase({ pgBin: config.pgBin(), superuserUrl: fx.db.url("root"), dir, head: 12 });
      const second = backupDatabase({ pgBin: config.pgBin(), superuserUrl: fx.db.url("root"), dir, head: 12 });
      expect(second.file).not.toBe(first.file);
      for (const m of [first, second]) expect(fs.statSync(m.file).mode & 0o777).toBe(0o600);
      expect(listBackups(dir, fx.db.name).map((m) => m.file)).toEqual([second.file, first.file]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
