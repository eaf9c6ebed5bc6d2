import type pg from "pg";

/** Seals reserved per key version: an upper bound on encryptions under each key (NIST allows 2^32). */
export async function selectKeySealReservations(client: pg.Pool | pg.ClientBase): Promise<{ key_version: number; reserved: number }[]> {
  const { rows } = await client.query<{ key_version: number; reserved: string }>("select key_version, reserved::text from memvault.key_seal_reservations order by key_version");
  return rows.map((r) => ({ key_version: r.key_version, reserved: Number(r.reserved) }));
}
