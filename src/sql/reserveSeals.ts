import type pg from "pg";
import { SealError } from "../crypto/sealError.ts";

/**
 * Reserves `seals` seals under a key version (memvault.reserve_seals, autocommit on its
 * own connection: a reservation must outlive any transaction that rolls back); returns
 * the total reserved. SEAL_KEY_EXHAUSTED once 2^32 would be passed.
 */
export async function reserveSeals(db: pg.Pool | pg.ClientBase, version: number, seals: number): Promise<number> {
  try {
    const { rows } = await db.query<{ total: string }>("select memvault.reserve_seals($1::integer, $2::integer)::text as total", [version, seals]);
    return Number(rows[0]!.total);
  } catch (err) {
    if ((err as { code?: string }).code === "54000") {
      throw new SealError("SEAL_KEY_EXHAUSTED", `key version ${version} can seal no more (2^32 seals reserved, or retired after a restore or a rollback): rotate the keyring (memvault keys rotate)`, { cause: err });
    }
    throw err;
  }
}
