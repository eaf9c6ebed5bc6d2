// What a GraphQL operation may ask for, checked before grafserv parses, validates or plans
// it, on HTTP and on websockets alike. In order: size and nesting on the raw text (so the
// parser can neither run long nor overflow the stack), a token-limited parse, depth and
// field count (fragments measured once each, so doubling fragments cost nothing to
// measure), introspection, then a cost cap per operation that counts across aliases and
// fragments: memories written, searches, reranks, memories read, subscriptions. It also
// validates the document and coerces the variables against the schema, so that GraphQL's own
// refusals reach the client with a stable code (grafserv would pass them on uncoded, and
// report variable coercion failures as execution errors).
import { getVariableValues, GraphQLError, Kind, Lexer, parse, Source, TokenKind, validate, type DocumentNode, type GraphQLSchema, type FieldNode, type OperationDefinitionNode, type SelectionSetNode } from "postgraphile/graphql";
import { CodedError } from "../codedError.ts";
import { costOf, type OperationCost } from "./operationCost.ts";


export type GateCode =
  | "BAD_REQUEST"
  | "BATCH_NOT_SUPPORTED"
  | "QUERY_TOO_LARGE"
  | "QUERY_TOO_DEEP"
  | "QUERY_TOO_COSTLY"
  | "INTROSPECTION_DISABLED"
  | "OPERATION_QUOTA"
  | "GRAPHQL_VALIDATION_FAILED"
  | "TEXT_NOT_UNICODE";

/** A request refused before execution: a client error, with the HTTP status to answer. */
export class GateError extends CodedError<GateCode> {
  override readonly name = "GateError";
  readonly status: number;
  constructor(code: GateCode, message: string, status = 400) {
    super(code, message);
    this.status = status;
  }
}

export interface OperationLimits {
  maxQueryBytes: number;
  maxTokens: number;
  /** Brackets nested in the raw text ({, [, ( together). */
  maxNesting: number;
  maxDepth: number;
  maxFields: number;
  introspection: boolean;
  maxCost: OperationCost;
}


export interface CheckedOperation {
  /** The operation's root fields, sorted and distinct: a label from a bounded set when `known` filters it. */
  rootFields: string[];
  /** query, mutation or subscription: which transports may carry it. */
  kind: "query" | "mutation" | "subscription";
  cost: OperationCost;
}

export interface OperationRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

interface AnalysedDocument {
  operations: OperationDefinitionNode[];
  fragments: Map<string, SelectionSetNode>;
}

/**
 * The checks that depend on the document alone (size, nesting, tokens, parse, shape,
 * introspection, validation), remembered per query text: clients repeat a handful of
 * documents with new variables, and a refused document stays refused at the cost of a lookup.
 */
function analyse(query: string, limits: OperationLimits, schema: GraphQLSchema): AnalysedDocument {
  if (Buffer.byteLength(query, "utf8") > limits.maxQueryBytes) throw new GateError("QUERY_TOO_LARGE", `query is longer than ${limits.maxQueryBytes} bytes`);
  if (maxNesting(query) > limits.maxNesting) throw new GateError("QUERY_TOO_DEEP", `query nests brackets deeper than ${limits.maxNesting}`);
  if (tokenCount(query, limits.maxTokens) > limits.maxTokens) {
    throw new GateError("QUERY_TOO_LARGE", `query has more than ${limits.maxTokens} tokens (send values as variables)`);
  }
  let doc: DocumentNode;
  try {
    doc = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (err) {
    throw invalid([err instanceof GraphQLError ? err : new GraphQLError("query is not valid GraphQL")]);
  }
  const operations = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = new Map(doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])));
  const shape = measure(operations, fragments);
  if (shape.depth > limits.maxDepth) throw new GateError("QUERY_TOO_DEEP", `query depth ${shape.depth} exceeds ${limits.maxDepth}`);
  if (shape.fields > limits.maxFields) throw new GateError("QUERY_TOO_COSTLY", `query selects ${shape.fields} fields, more than ${limits.maxFields}`);
  if (shape.introspection && !limits.introspection) throw new GateError("INTROSPECTION_DISABLED", "introspection is disabled");
  const errors = validate(schema, doc, undefined, { maxErrors: 10 });
  if (errors.length > 0) throw invalid(errors);
  return { operations, fragments };
}

const CACHEABLE_QUERY_CHARS = 16_384;

export type OperationChecker = (request: OperationRequest) => CheckedOperation;

/** A checker with its own bounded cache of analysed documents (oldest evicted first). */
export function createOperationChecker(limits: OperationLimits, schema: GraphQLSchema, cacheSize = 500): OperationChecker {
  const cache = new Map<string, AnalysedDocument | GateError>();
  const analysed = (query: string): AnalysedDocument => {
    let entry = cache.get(query);
    if (entry === undefined) {
      try {
        entry = analyse(query, limits, schema);
      } catch (err) {
        if (!(err instanceof GateError)) throw err;
        entry = err;
      }
      // Only small documents are kept (what clients repeat), so the cache stays within cacheSize x 16 KiB.
      if (query.length <= CACHEABLE_QUERY_CHARS) {
        cache.set(query, entry);
        if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
      }
    }
    if (entry instanceof GateError) throw entry;
    return entry;
  };
  return (request) => {
    const { query } = request;
    if (typeof query !== "string") throw new GateError("BAD_REQUEST", "query must be a string");
    // Ill-formed UTF-16 (a lone surrogate, which JSON's \ud800 escapes can carry) would be
    // stored altered (U+FFFD), refused late by jsonb, or hash two different tags alike: it is
    // refused here, for every string of every transport, before anything parses it.
    if (!wellFormed(query) || !wellFormed(request.variables) || !wellFormed(request.operationName)) {
      throw new GateError("TEXT_NOT_UNICODE", "a string in the request is not well-formed Unicode (a lone surrogate)");
    }
    const { operations, fragments } = analysed(query);
    const variables = isObject(request.variables) ? request.variables : {};
    const operationName = typeof request.operationName === "string" ? request.operationName : undefined;
    const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
    if (!operation) throw invalid([new GraphQLError(operationName ? `no operation named ${operationName}` : "name the operation to run (operationName)")]);
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 10 });
    if (coerced.errors) throw invalid(coerced.errors);
    const roots = rootFieldsOf(operation.selectionSet, fragments);
    // Costed from the coerced variables, as the executor will run them: a variable's default
    // (`$q: String = "x"`) counts like a value sent.
    const cost = costOf([...roots.values()], coerced.coerced, operation.operation === "subscription");
    for (const key of Object.keys(limits.maxCost) as (keyof OperationCost)[]) {
      if (cost[key] > limits.maxCost[key]) {
        throw new GateError("OPERATION_QUOTA", `this operation asks for ${cost[key]} ${key}, more than the ${limits.maxCost[key]} one operation may`);
      }
    }
    return { rootFields: [...new Set([...roots.values()].map((f) => f.name.value))].sort(), kind: operation.operation, cost };
  };
}

/**
 * Whether every string in value (deeply: arrays, object keys and values) is well-formed
 * UTF-16. Iterative: a 1 MB body can nest far deeper than the call stack.
 */
function wellFormed(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === "string") {
      if (!v.isWellFormed()) return false;
    } else if (Array.isArray(v)) {
      pending.push(...v);
    } else if (typeof v === "object" && v !== null) {
      for (const [k, inner] of Object.entries(v)) {
        if (!k.isWellFormed()) return false;
        pending.push(inner);
      }
    }
  }
  return true;
}

/** GraphQL's own refusals, as one coded error; messages cut (they may quote the document back at length). */
function invalid(errors: readonly GraphQLError[]): GateError {
  const message = errors.map((e) => (e.message.length > 300 ? `${e.message.slice(0, 300)}…` : e.message)).join("; ");
  return new GateError("GRAPHQL_VALIDATION_FAILED", message.length > 2_000 ? `${message.slice(0, 2_000)}…` : message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Tokens in the text, counting stops just past `limit` (a lexing error is the parser's to report). */
function tokenCount(text: string, limit: number): number {
  const lexer = new Lexer(new Source(text));
  let n = 0;
  while (n <= limit && lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

/** Deepest nesting of {, [ and ( outside strings and comments: what the parser would recurse on. */
function maxNesting(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === '"') {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        i = end < 0 ? text.length : end + 2;
      } else {
        for (i++; i < text.length && text[i] !== '"' && text[i] !== "\n"; i++) if (text[i] === "\\") i++;
      }
    } else if (c === "{" || c === "[" || c === "(") {
      max = Math.max(max, ++depth);
    } else if (c === "}" || c === "]" || c === ")") {
      depth--;
    }
  }
  return max;
}

interface Shape {
  depth: number;
  fields: number;
  introspection: boolean;
}

/** Depth and field count with every fragment measured once (fields may multiply: counted, never walked). */
function measure(operations: OperationDefinitionNode[], fragments: Map<string, SelectionSetNode>): Shape {
  const memo = new Map<string, Shape>();
  const visiting = new Set<string>();
  const ofSet = (set: SelectionSetNode): Shape => {
    const out: Shape = { depth: 0, fields: 0, introspection: false };
    for (const sel of set.selections) {
      let s: Shape;
      if (sel.kind === Kind.FIELD) {
        const child = sel.selectionSet ? ofSet(sel.selectionSet) : { depth: 0, fields: 0, introspection: false };
        s = { depth: child.depth + 1, fields: child.fields + 1, introspection: child.introspection || sel.name.value === "__schema" || sel.name.value === "__type" };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        s = ofSet(sel.selectionSet);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || visiting.has(name)) continue; // unknown or cyclic: validation refuses it
        let m = memo.get(name);
        if (!m) {
          visiting.add(name);
          m = ofSet(frag);
          visiting.delete(name);
          memo.set(name, m);
        }
        s = m;
      }
      out.depth = Math.max(out.depth, s.depth);
      out.fields += s.fields;
      out.introspection ||= s.introspection;
    }
    return out;
  };
  const total: Shape = { depth: 0, fields: 0, introspection: false };
  for (const op of operations) {
    const s = ofSet(op.selectionSet);
    total.depth = Math.max(total.depth, s.depth);
    total.fields += s.fields;
    total.introspection ||= s.introspection;
  }
  return total;
}

/** Root fields by response key, as GraphQL merges them (fragments spread twice execute once). */
function rootFieldsOf(set: SelectionSetNode, fragments: Map<string, SelectionSetNode>): Map<string, FieldNode> {
  const out = new Map<string, FieldNode>();
  const seen = new Set<string>();
  const walk = (s: SelectionSetNode) => {
    for (const sel of s.selections) {
      if (sel.kind === Kind.FIELD) {
        const key = sel.alias?.value ?? sel.name.value;
        if (!out.has(key)) out.set(key, sel);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const frag = fragments.get(sel.name.value);
        if (frag) walk(frag);
      }
    }
  };
  walk(set);
  return out;
}

