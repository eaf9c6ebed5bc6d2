// Job payloads arrive as unknown JSON: check them before anything touches the database.
export class PayloadError extends Error {
  readonly code = "BAD_PAYLOAD";
}

const USER_HASH = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function record(payload: unknown): Record<string, unknown> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw new PayloadError("payload must be an object");
  return payload as Record<string, unknown>;
}

function userHashOf(p: Record<string, unknown>): string {
  if (typeof p.userHash !== "string" || !USER_HASH.test(p.userHash)) throw new PayloadError("payload.userHash must be 64 lowercase hex digits");
  return p.userHash;
}

export function tenantPayload(payload: unknown): { userHash: string } {
  return { userHash: userHashOf(record(payload)) };
}

export function chunkPayload(payload: unknown): { userHash: string; id: string } {
  const p = record(payload);
  if (typeof p.id !== "string" || !UUID.test(p.id)) throw new PayloadError("payload.id must be a uuid");
  return { userHash: userHashOf(p), id: p.id };
}

export function erasurePayload(payload: unknown): { userHash: string; erasureId: string } {
  const p = record(payload);
  if (typeof p.erasureId !== "string" || !UUID.test(p.erasureId)) throw new PayloadError("payload.erasureId must be a uuid");
  return { userHash: userHashOf(p), erasureId: p.erasureId };
}
