// The seal move sends each embedding back as text (a multi-row INSERT ... VALUES, which
// Citus can route), where it used to copy it inside the database. Any float4 must survive
// that: pgvector parses vectorText's output back to the very same bits.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { vectorText } from "../../src/sql/vectorText.ts";
import { useTestDatabase } from "../support/testDatabase.ts";

const fx = useTestDatabase();

/** pgvector's binary form (vector_send): int16 dims, int16 unused, big-endian float4s. */
function vectorSend(values: Float32Array): Buffer {
  const buf = Buffer.alloc(4 + values.length * 4);
  buf.writeUInt16BE(values.length, 0);
  values.forEach((v, i) => buf.writeFloatBE(v, 4 + i * 4));
  return buf;
}

describe("vectorText", () => {
  it("round-trips every finite float4 through pgvector bit for bit (subnormals, extremes, negative zero)", async () => {
    const floats = fc.float32Array({ minLength: 1, maxLength: 64, noNaN: true, noDefaultInfinity: true });
    await fc.assert(
      fc.asyncProperty(floats, async (values) => {
        const binary = vectorSend(values);
        const { rows } = await fx.pool.query<{ back: Buffer }>("select public.vector_send($1::public.vector) as back", [vectorText(binary)]);
        expect(rows[0]!.back.equals(binary)).toBe(true);
      }),
      { numRuns: 300 },
    );
    // The edges by name, not only by chance.
    const edges = Float32Array.of(1.4e-45, -1.4e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, -0, 0.1, 1 / 3);
    const { rows } = await fx.pool.query<{ back: Buffer }>("select public.vector_send($1::public.vector) as back", [vectorText(vectorSend(edges))]);
    expect(rows[0]!.back.equals(vectorSend(edges))).toBe(true);
  });
});
