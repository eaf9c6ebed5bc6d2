/** memvault.key_seal_reservations' bound (2^32): a key version reserved up to it can seal no more. */
export const RETIRED_RESERVATION = "4294967296";
