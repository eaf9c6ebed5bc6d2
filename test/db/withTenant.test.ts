// The one tenant-transaction function: settings are transaction-local, quoted (a hostile
// value is data, never SQL), and a failed transaction leaves the connection clean.
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { withTenant, withTenantFrom } from "../../src/db/withTenant.ts";
import { useTestDatabase } from "../support/testDatabase.ts";
import { tenantHash } from "../support/tenant.ts";

const fx = useTestDatabase();

const settingsOf = (tx: pg.ClientBase) =>
  tx.query("select current_user as role, current_setting('app.user_hash', true) as h").then((r) => r.rows[0] as { role: string; h: string });

describe("withTenant", () => {
  it("sets role and tenant for the transaction only", async () => {
    const client = await fx.pool.connect();
    try {
      expect(await withTenant(client, { userHash: tenantHash("a"), role: "memvault_user" }, settingsOf)).toEqual({ role: "memvault_user", h: tenantHash("a") });
      const after = await settingsOf(client);
      expect(after.role).not.toBe("memvault_user");
      expect(after.h ?? "").toBe("");
    } finally {
      client.release();
    }
  });

  it("a value with quotes, backslashes and semicolons is set verbatim, never run", async () => {
    const hostile = `x'); drop table memvault.memory_chunks; --\\' E'\\\\`;
    expect((await withTenantFrom(fx.pool, { userHash: hostile })(settingsOf)).h).toBe(hostile);
    const { rows } = await fx.pool.query("select to_regclass('memvault.memory_chunks') is not null as present");
    expect(rows[0].present).toBe(true);
  });

  it("a role that does not exist fails the transaction with its code, and the connection is usable after", async () => {
    const client = await fx.pool.connect();
    try {
      await expect(withTenant(client, { userHash: tenantHash("a"), role: "no_such_role" }, settingsOf)).rejects.toMatchObject({ code: "22023" });
      expect((await client.query("select 1 as one")).rows[0].one).toBe(1);
      await expect(withTenant(client, { userHash: tenantHash("a") }, async (tx) => tx.query("select 1/0"))).rejects.toMatchObject({ code: "22012" });
      expect((await client.query("select txid_current_if_assigned() is null as idle")).rows[0].idle).toBe(true);
    } finally {
      client.release();
    }
  });
});
