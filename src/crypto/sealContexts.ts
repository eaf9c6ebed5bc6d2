// Where each sealed value lives, as the AAD names it: a cipher copied to another tenant,
// table, field or row fails to open. Shared by the worker (sealing) and the API (opening).
import type { SealContext } from "./aad.ts";

export const CHUNK_TABLE = "memory_chunks";
/** labels: the scope and tags as JSON, sealed by the API (their blind indexes are separate columns). */
export type ChunkField = "text" | "meta" | "embedding" | "labels";

export const chunkContext = (userHash: string, rowId: string, field: ChunkField): SealContext => ({ userHash, table: CHUNK_TABLE, field, rowId });

/** A search request's query, sealed by the API and opened by the rerank job. */
export const searchQueryContext = (userHash: string, id: string): SealContext => ({ userHash, table: "search_requests", field: "query", rowId: id });
