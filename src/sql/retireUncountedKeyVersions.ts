import type pg from "pg";
import { RETIRED_RESERVATION } from "./retiredReservation.ts";

/**
 * After key_seal_reservations was created afresh by its migration (000007, first applied or
 * applied again after a rollback below it) over chunks already sealed: their versions' counts
 * are unknown, so those versions are retired the same way. Returns them.
 */
export async function retireUncountedKeyVersions(client: pg.ClientBase): Promise<number[]> {
  const { rows } = await client.query<{ v: number }>(
    `insert into memvault.key_seal_reservations as r (key_version, reserved)
     select distinct c.key_version, ${RETIRED_RESERVATION}::bigint from memvault.memory_chunks c
     where c.key_version > 0 and not exists (select 1 from memvault.key_seal_reservations x where x.key_version = c.key_version)
     on conflict on constraint key_seal_reservations_pkey do nothing
     returning r.key_version as v`,
  );
  return rows.map((r) => r.v).sort((a, b) => a - b);
}
