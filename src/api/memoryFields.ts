// A memory's fields as every transport shows them (GraphQL, /export): times as ISO 8601
// text, the labels, the text. Each adds meta in its own form and the opening error.
import type { Memory } from "./openMemory.ts";

export const memoryFields = (m: Memory) => ({
  id: m.id,
  createdAt: m.createdAt.toISOString(),
  updatedAt: m.updatedAt?.toISOString() ?? null,
  expiresAt: m.expiresAt?.toISOString() ?? null,
  occurredAt: m.occurredAt?.toISOString() ?? null,
  keyVersion: m.keyVersion,
  scope: m.scope,
  tags: m.tags,
  text: m.text,
});
