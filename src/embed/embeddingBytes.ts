// The sealed copy of an embedding is its float32 values, little-endian. pgvector hands a
// stored vector out in its binary form (vector_send: int16 dimensions, int16 unused, then
// big-endian float4s); these convert between the two without rounding.

/** pgvector's binary form as the sealed embedding copy's bytes. */
export function embeddingToBytes(binary: Buffer): Buffer {
  const dims = binary.readUInt16BE(0);
  if (binary.length !== 4 + dims * 4) throw new Error("malformed vector_send output");
  const out = Buffer.allocUnsafe(dims * 4);
  for (let i = 0; i < dims; i++) out.writeFloatLE(binary.readFloatBE(4 + i * 4), i * 4);
  return out;
}

/** A float32 vector in pgvector's binary form (what vector_send gives for a stored one). */
export function vectorBinary(v: Float32Array): Buffer {
  const out = Buffer.alloc(4 + v.length * 4);
  out.writeUInt16BE(v.length, 0);
  for (let i = 0; i < v.length; i++) out.writeFloatBE(v[i]!, 4 + i * 4);
  return out;
}

/** The sealed copy's bytes back as numbers. */
export function embeddingFromBytes(bytes: Buffer): number[] {
  return Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
}
