// pgvector's text form, written so that nothing is rounded: a float4 printed by
// JavaScript's shortest round-trip formatting parses back (strtof) to the same float4.
// (String(-0) is "0": negative zero is spelled out so that its sign bit survives too.)

/** Float values (e.g. an embedder's Float32Array) as pgvector text. */
export const vectorLiteral = (v: ArrayLike<number>): string => `[${Array.from(v, (x) => (Object.is(x, -0) ? "-0" : String(x))).join(",")}]`;

/** pgvector's binary form (vector_send: int16 dimensions, int16 unused, big-endian float4s) as its text form. */
export function vectorText(binary: Buffer): string {
  const dims = binary.readUInt16BE(0);
  const values = new Float32Array(dims);
  for (let i = 0; i < dims; i++) values[i] = binary.readFloatBE(4 + i * 4);
  return vectorLiteral(values);
}
