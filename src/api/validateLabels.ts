// Scopes, tags, timestamps and filters as clients send them, checked before anything is
// hashed or written: a stable code for each refusal, messages that quote no content.
import { InputError } from "./inputError.ts";

export const MAX_SCOPE_BYTES = 256;
export const MAX_SCOPE_LEVELS = 8;
export const MAX_TAGS = 16;
export const MAX_TAG_BYTES = 64;
/** Tags a filter may name in tagsAny and in tagsAll, each. */
export const MAX_FILTER_TAGS = 16;

// Control characters (NUL included) are refused: a label is a short human-readable name.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** "agent:planner/session:42": up to 8 non-empty levels separated by "/", 256 bytes in all. */
export function validateScope(scope: unknown): string {
  if (typeof scope !== "string" || scope.length === 0 || CONTROL.test(scope)) throw new InputError("SCOPE_INVALID", "scope must be a non-empty string without control characters");
  if (Buffer.byteLength(scope, "utf8") > MAX_SCOPE_BYTES) throw new InputError("SCOPE_TOO_LONG", `scope must be at most ${MAX_SCOPE_BYTES} bytes`);
  const levels = scope.split("/");
  if (levels.length > MAX_SCOPE_LEVELS || levels.some((l) => l.length === 0)) {
    throw new InputError("SCOPE_INVALID", `scope must be 1..${MAX_SCOPE_LEVELS} non-empty levels separated by "/"`);
  }
  return scope;
}

export function validateTag(tag: unknown): string {
  if (typeof tag !== "string" || tag.length === 0 || CONTROL.test(tag)) throw new InputError("TAG_INVALID", "a tag must be a non-empty string without control characters");
  if (Buffer.byteLength(tag, "utf8") > MAX_TAG_BYTES) throw new InputError("TAG_TOO_LONG", `a tag must be at most ${MAX_TAG_BYTES} bytes`);
  return tag;
}

/** A memory's tags, deduplicated, in the order first given. */
export function validateTags(tags: unknown, max = MAX_TAGS, code: "TOO_MANY_TAGS" | "FILTER_TOO_LARGE" = "TOO_MANY_TAGS"): string[] {
  if (!Array.isArray(tags)) throw new InputError("TAG_INVALID", "tags must be a list of strings");
  if (tags.length > max) throw new InputError(code, `at most ${max} tags`);
  return [...new Set(tags.map(validateTag))];
}

/** An ISO 8601 timestamp with a time zone (as GraphQL clients send dates), as an ISO string. */
export function validateTimestamp(value: unknown, field: string): Date {
  if (typeof value !== "string" || value.length > 40 || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d)$/.test(value)) {
    throw new InputError("BAD_TIMESTAMP", `${field} must be an ISO 8601 timestamp with a time zone, e.g. 2026-12-01T00:00:00Z`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 9999) throw new InputError("BAD_TIMESTAMP", `${field} is not a valid time`);
  return date;
}

/** expiresAt: a future time. */
export function validateExpiresAt(value: unknown, now = Date.now()): Date {
  const date = validateTimestamp(value, "expiresAt");
  if (date.getTime() <= now) throw new InputError("EXPIRES_IN_PAST", "expiresAt must be in the future");
  return date;
}

export interface MemoryFilter {
  /** The exact scope. */
  scope?: string;
  /** Any scope at or below this level ("agent:planner" matches "agent:planner/session:42"). */
  scopePrefix?: string;
  tagsAny?: string[];
  tagsAll?: string[];
  createdAfter?: Date;
  createdBefore?: Date;
  occurredAfter?: Date;
  occurredBefore?: Date;
}

/** A filter as GraphQL hands it over (absent and null fields alike mean "no condition"). */
export function validateFilter(raw: unknown): MemoryFilter {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new InputError("FILTER_TOO_LARGE", "filter must be an object");
  const f = raw as Record<string, unknown>;
  const given = (k: string) => f[k] !== undefined && f[k] !== null;
  const out: MemoryFilter = {};
  if (given("scope")) out.scope = validateScope(f.scope);
  if (given("scopePrefix")) out.scopePrefix = validateScope(f.scopePrefix);
  // An empty list is no condition: "any of none" would match nothing, which nobody means.
  if (given("tagsAny") && (f.tagsAny as unknown[]).length > 0) out.tagsAny = validateTags(f.tagsAny, MAX_FILTER_TAGS, "FILTER_TOO_LARGE");
  if (given("tagsAll") && (f.tagsAll as unknown[]).length > 0) out.tagsAll = validateTags(f.tagsAll, MAX_FILTER_TAGS, "FILTER_TOO_LARGE");
  if (given("createdAfter")) out.createdAfter = validateTimestamp(f.createdAfter, "createdAfter");
  if (given("createdBefore")) out.createdBefore = validateTimestamp(f.createdBefore, "createdBefore");
  if (given("occurredAfter")) out.occurredAfter = validateTimestamp(f.occurredAfter, "occurredAfter");
  if (given("occurredBefore")) out.occurredBefore = validateTimestamp(f.occurredBefore, "occurredBefore");
  return out;
}

export const isEmptyFilter = (f: MemoryFilter) => Object.keys(f).length === 0;
