import type pg from "pg";

/**
 * Reserves `seals` seals under a key version (memvault.reserve_seals, autocommit on its
 * own connection: a reservation must outlive any transaction that rolls back); returns
 * the total reserved. Fails with 54000 once 2^32 would be passed (the seal counter turns
 * that into SEAL_KEY_EXHAUSTED).
 */
export async function reserveSeals(db: pg.Pool | pg.ClientBase, version: number, seals: number): Promise<number> {
  const { rows } = await db.query<{ total: string }>("select memvault.reserve_seals($1::integer, $2::integer)::text as total", [version, seals]);
  return Number(rows[0]!.total);
}
