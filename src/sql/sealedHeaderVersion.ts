// A sealed value's key version in SQL: bytes 1-4 of its header, big-endian (src/crypto/seal.ts).
export const sealedHeaderVersion = (column: string) => `('x' || pg_catalog.encode(pg_catalog.substr(${column}, 2, 4), 'hex'))::bit(32)::bigint`;
