import type pg from "pg";

import { RETIRED_RESERVATION } from "./retiredReservation.ts";

/**
 * After a restore: every key version this database or the keyring knows of can seal no more
 * (reserve_seals refuses it, SEAL_KEY_EXHAUSTED) until `memvault keys rotate` adds a new one.
 * The restored seal counts are the backup's, below what those versions really sealed since:
 * random 96-bit nonces are safe for 2^32 encryptions per key only if none is forgotten.
 * `keyringVersions` covers versions created after the backup, which the dump cannot name.
 * Across every tenant: a superuser connection. Returns the versions retired and how many
 * rows that added to key_seal_reservations.
 */
export async function retireKeyVersions(client: pg.ClientBase, keyringVersions: readonly number[]): Promise<{ versions: number[]; added: number }> {
  const { rows } = await client.query<{ v: number; added: boolean }>(
    `insert into memvault.key_seal_reservations as r (key_version, reserved)
     select v, ${RETIRED_RESERVATION}::bigint from (
       select key_version as v from memvault.key_seal_reservations
       union select distinct key_version from memvault.memory_chunks where key_version > 0
       union select unnest($1::integer[])
     ) s where v > 0
     on conflict on constraint key_seal_reservations_pkey do update set reserved = excluded.reserved, updated_at = pg_catalog.now()
     returning r.key_version as v, (r.xmax = 0) as added`,
    [[...keyringVersions]],
  );
  // added: rows this created (versions with no count on record), which a restore's row-count check expects.
  return { versions: rows.map((r) => r.v).sort((a, b) => a - b), added: rows.filter((r) => r.added).length };
}
