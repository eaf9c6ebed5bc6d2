// What an operation costs, per class, across aliases and fragments: memories written,
// searches, reranks (searches with a query), memories read, subscriptions. Each root field
// of the schema has its price here, and only here.
import { Kind, type FieldNode, type ValueNode } from "postgraphile/graphql";

export interface OperationCost {
  /** Memories written (remember, each rememberMany input, forget, forgetAll). */
  writes: number;
  searches: number;
  /** Searches with a query (each a rerank job). */
  reranks: number;
  /** Memories a read may return (memories.first, search.k, memory). */
  reads: number;
  subscriptions: number;
}

function valueOf(node: ValueNode | undefined, variables: Record<string, unknown>): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name.value];
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values; // only the length is used
    case Kind.OBJECT:
      return {};
  }
}

const arg = (field: FieldNode, name: string, variables: Record<string, unknown>) => valueOf(field.arguments?.find((a) => a.name.value === name)?.value, variables);
/** A count argument as the field will see it; an invalid value is left for validation and costs the default. */
const countArg = (field: FieldNode, name: string, variables: Record<string, unknown>, fallback: number) => {
  const v = arg(field, name, variables);
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.ceil(v) : fallback;
};

type CostOf = (f: FieldNode, variables: Record<string, unknown>, cost: OperationCost) => void;
const oneWrite: CostOf = (_f, _v, cost) => void (cost.writes += 1);
const oneRead: CostOf = (_f, _v, cost) => void (cost.reads += 1);
const aSearch: CostOf = (f, variables, cost) => {
  cost.searches += 1;
  cost.reads += countArg(f, "k", variables, 8);
  const q = arg(f, "query", variables);
  if (q !== undefined && q !== null && q !== "" && arg(f, "rerank", variables) !== false) cost.reranks += 1;
};

/**
 * Every root field of the schema and what it costs: the one list of root fields (the
 * metrics' operation label is drawn from it, and the schema test checks the schema has
 * exactly these).
 */
export const ROOT_FIELD_COSTS: Readonly<Record<string, CostOf>> = {
  memory: oneRead,
  count: oneRead,
  memories: (f, variables, cost) => void (cost.reads += countArg(f, "first", variables, 20)),
  search: aSearch,
  remember: oneWrite,
  // GraphQL coerces a single object into a list of one.
  rememberMany: (f, variables, cost) => {
    const inputs = arg(f, "inputs", variables);
    cost.writes += Array.isArray(inputs) ? inputs.length : 1;
  },
  upsert: oneWrite,
  update: oneWrite,
  forget: oneWrite,
  forgetMatching: oneWrite,
  forgetAll: oneWrite,
  erase: oneWrite,
  erasures: oneRead,
  searchProgress: aSearch,
  memorySealed: () => {},
};

export function costOf(fields: FieldNode[], variables: Record<string, unknown>, subscription: boolean): OperationCost {
  const cost: OperationCost = { writes: 0, searches: 0, reranks: 0, reads: 0, subscriptions: subscription ? 1 : 0 };
  for (const f of fields) if (Object.hasOwn(ROOT_FIELD_COSTS, f.name.value)) ROOT_FIELD_COSTS[f.name.value]!(f, variables, cost);
  return cost;
}
