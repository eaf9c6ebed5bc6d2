// The GraphQL schema's types, queries, mutations and subscriptions (the plans are in
// memvaultApiPlugin.ts). The cipher columns and the embedding appear in no output type.
import { gql } from "postgraphile/utils";

export const memvaultTypeDefs = gql`
      """A memory: sealed at rest, opened for its owner. text and meta are null, and error set, if it failed to open."""
      type Memory {
        id: String!
        createdAt: String!
        """When an update or upsert last replaced it; null if never."""
        updatedAt: String
        """Past this time the memory is never returned and is deleted."""
        expiresAt: String
        """When the remembered thing happened, as the client said (createdAt is when memvault stored it); null if not given."""
        occurredAt: String
        keyVersion: Int!
        text: String
        """A JSON object."""
        meta: JSON
        scope: String
        tags: [String!]!
        error: String
      }
      """Conditions that must all hold. scope: exactly this scope; scopePrefix: this scope or any below it (levels split at /); tagsAny: at least one of these tags; tagsAll: every one of them; created*, occurred*: ISO 8601 times (occurred*: memories without occurredAt never match)."""
      input MemoryFilter {
        scope: String
        scopePrefix: String
        tagsAny: [String!]
        tagsAll: [String!]
        createdAfter: String
        createdBefore: String
        occurredAfter: String
        occurredBefore: String
      }
      type MemoryPage {
        nodes: [Memory!]!
        endCursor: String
        hasNextPage: Boolean!
      }
      type SearchHit {
        memory: Memory!
        """Cosine distance (0..2) to the query's embedding, when the vector leg found this memory; null otherwise."""
        distance: Float
        """BM25 score of the query's keywords, when the keyword leg found this memory; null otherwise."""
        keywordScore: Float
        """The cross-encoder's score, when the search was reranked."""
        score: Float
      }
      """VECTOR: nearest embeddings; KEYWORD: BM25 over the query's words (blind-indexed terms); HYBRID: both, fused by reciprocal rank."""
      enum SearchMode {
        VECTOR
        KEYWORD
        HYBRID
      }
      type SearchResult {
        hits: [SearchHit!]!
        reranked: Boolean!
        rerankSkipReason: String
      }
      input RememberInput {
        """A UUID; required by upsert. Default: a new one."""
        id: String
        text: String!
        """A JSON object (default {}); at most INGEST_MAX_META_BYTES as JSON, nesting at most 32 levels."""
        meta: JSON
        """Omit it and the server embeds the text."""
        embedding: [Float!]
        """e.g. agent:planner/session:42 (up to 8 levels split at /, 256 bytes); stored as blind indexes and sealed."""
        scope: String
        """Up to 16 tags of up to 64 bytes; stored as blind indexes and sealed."""
        tags: [String!]
        """ISO 8601, in the future."""
        expiresAt: String
        """ISO 8601: when the remembered thing happened (e.g. a conversation turn's time); default: not given."""
        occurredAt: String
      }
      """The fields an update changes; absent ones stay. scope, expiresAt or occurredAt set to null clear them; meta replaces the whole object."""
      input MemoryPatch {
        text: String
        meta: JSON
        embedding: [Float!]
        scope: String
        tags: [String!]
        expiresAt: String
        occurredAt: String
      }
      type RememberPayload {
        id: String!
        status: String!
      }
      """
      A memory by id: "sealed" (memory set) or "pending" (waiting for the worker: queuedAt,
      attempts, lastError). A sealed memory with an update or upsert still waiting has
      updatePending set, and queuedAt, attempts and lastError describe that update.
      """
      type MemoryState {
        id: String!
        status: String!
        memory: Memory
        updatePending: Boolean!
        queuedAt: String
        attempts: Int!
        """Error code of the last failed seal attempt, if any."""
        lastError: String
      }
      """What forgetAll deleted: sealed memories, memories still pending, search requests."""
      type ForgetAllPayload {
        sealed: Int!
        pending: Int!
        searches: Int!
      }
      """
      An erasure by key destruction: from erasedAt nothing of this user opens, for anyone, in this database or any backup of it. Its rows, terms and search vectors are then purged; purgedAt and the signed receipt (a JSON document: memvault tenant receipt --verify) come when the purge is done.
      """
      type Erasure {
        id: String!
        erasedAt: String!
        """Data keys destroyed."""
        keysDestroyed: Int!
        """Sealed memories the erasure made unreadable (the purge deletes them)."""
        memories: Int!
        purgedAt: String
        receipt: String
      }
      extend type Query {
        """This user's erasures, newest first; an erasure shows once its purge is done (until then this user sees nothing)."""
        erasures: [Erasure!]!
        """One memory by id (a UUID), sealed or still pending; null when this tenant has none with that id."""
        memory(id: String!): MemoryState
        memories(first: Int = 20, after: String, filter: MemoryFilter): MemoryPage!
        """Sealed, unexpired memories matching the filter (pending ones are not counted)."""
        count(filter: MemoryFilter): Int!
        """
        mode: default HYBRID for a query when a vector can be had (an embedding given, or the server's embedder), KEYWORD for a query otherwise, VECTOR for an embedding alone. Without embedding, the query is embedded on the server. maxDistance drops hits the vector leg found farther away (cosine distance, 0..2); minScore drops reranked hits scoring lower; rerank: false skips the cross-encoder (reason not_requested).
        """
        search(embedding: [Float!], query: String, mode: SearchMode, k: Int = 8, filter: MemoryFilter, maxDistance: Float, minScore: Float, rerank: Boolean = true): SearchResult!
      }
      type SearchProgress {
        """"ann": the retrieval order (vector, keyword or fused), at once; "reranked": the final order (reranked, or the retrieval order with the reason)."""
        phase: String!
        hits: [SearchHit!]!
        reranked: Boolean!
        rerankSkipReason: String
      }
      type MemorySealedEvent {
        memory: Memory!
      }
      extend type Subscription {
        """Progressive search (arguments as search): the retrieval order first, then the reranked one."""
        searchProgress(embedding: [Float!], query: String, mode: SearchMode, k: Int = 8, filter: MemoryFilter, maxDistance: Float, minScore: Float, rerank: Boolean = true): SearchProgress!
        """The tenant's memories as the worker seals them."""
        memorySealed: MemorySealedEvent!
      }
      extend type Mutation {
        remember(input: RememberInput!): RememberPayload!
        rememberMany(inputs: [RememberInput!]!): [RememberPayload!]!
        """Creates the memory with input.id, or replaces the one this user has with that id."""
        upsert(input: RememberInput!): RememberPayload!
        """Changes some fields of a memory; readers see the old version until the new one is sealed. NOT_FOUND if this user has no such memory."""
        update(id: String!, patch: MemoryPatch!): RememberPayload!
        forget(id: String!): Int!
        """Forgets the memories (pending and sealed) matching the filter; returns how many."""
        forgetMatching(filter: MemoryFilter!): Int!
        forgetAll: ForgetAllPayload!
        """
        Erases this user: destroys their data keys, so that from this call's return nothing of theirs opens for anyone, backups included; their memories, terms and search vectors are purged in the background, and until then they see nothing and cannot write (TENANT_ERASING). The receipt is in erasures once purged.
        """
        erase: Erasure!
      }
`;
