// A connection the server ends while it is checked out (SQLSTATE 57P01: a restart,
// pg_terminate_backend, a database dropped WITH (FORCE)) is logged by its code and does
// not become an uncaught exception, which would end an API or worker process.
import { describe, expect, it } from "vitest";
import { createPool } from "../../src/db/createPool.ts";
import { useTestDatabase } from "../support/testDatabase.ts";
import { waitFor } from "../support/waitFor.ts";

const fx = useTestDatabase();

describe("createPool", () => {
  it("survives the server ending a checked-out connection, logging only its code", async () => {
    const logged: unknown[][] = [];
    const pool = createPool({ connectionString: fx.db.url("root"), max: 1 }, { error: (...args: unknown[]) => void logged.push(args) } as never, "test");
    try {
      const client = await pool.connect();
      const pid = (await client.query("select pg_backend_pid() as pid")).rows[0].pid as number;
      // Held, idle, as a request holds its tenant transaction's connection between statements.
      await fx.pool.query("select pg_terminate_backend($1)", [pid]);
      await waitFor("the connection's error", async () => logged.length > 0, 10_000);
      client.release(true);
      expect(logged[0]).toEqual([{ code: "57P01" }, "test: database connection failed"]);
      expect(JSON.stringify(logged)).not.toMatch(/password|postgres:\/\//);
      // The pool opens a new connection for the next request.
      expect((await pool.query("select 1 as one")).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
