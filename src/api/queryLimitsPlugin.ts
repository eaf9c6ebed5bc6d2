// Per-operation limits, checked on the request body before validation and planning:
// selection depth, number of field selections (a cost bound: every field here is cheap
// or bounded by its own arguments), and introspection when it is switched off.
import type { IncomingMessage } from "node:http";
import { SafeError } from "postgraphile/grafast";
import { Kind, parse, type DocumentNode, type SelectionSetNode } from "postgraphile/graphql";

export interface QueryLimits {
  maxDepth: number;
  maxFields: number;
  introspection: boolean;
}

export interface QueryShape {
  depth: number;
  fields: number;
  introspection: boolean;
  /** The operation's root fields, e.g. "memories" or "remember": a bounded label for metrics. */
  rootFields: string;
}

export function measureQuery(doc: DocumentNode): QueryShape {
  const fragments = new Map(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d.selectionSet]));
  const shape: QueryShape = { depth: 0, fields: 0, introspection: false, rootFields: "" };
  const operation = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operation) {
    shape.rootFields = [...new Set(operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])))].sort().join(",");
  }
  const walk = (set: SelectionSetNode, depth: number, seen: Set<string>) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        shape.fields++;
        shape.depth = Math.max(shape.depth, depth);
        if (sel.name.value === "__schema" || sel.name.value === "__type") shape.introspection = true;
        if (sel.selectionSet) walk(sel.selectionSet, depth + 1, seen);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, depth, seen);
      } else {
        const frag = fragments.get(sel.name.value);
        if (frag && !seen.has(sel.name.value)) walk(frag, depth, new Set([...seen, sel.name.value])); // cycles are invalid anyway
      }
    }
  };
  for (const def of doc.definitions) if (def.kind === Kind.OPERATION_DEFINITION) walk(def.selectionSet, 1, new Set());
  return shape;
}

export function createQueryLimitsPlugin(limits: QueryLimits, onOperation?: (req: IncomingMessage | undefined, label: string) => void): GraphileConfig.Plugin {
  return {
    name: "MemvaultQueryLimitsPlugin",
    version: "1.0.0",
    grafserv: {
      middleware: {
        processGraphQLRequestBody(next, event) {
          const query = (event.body as { query?: unknown }).query;
          if (typeof query === "string") {
            let doc: DocumentNode | undefined;
            try {
              doc = parse(query);
            } catch {
              // grafserv reports the syntax error itself
            }
            if (doc) {
              const shape = measureQuery(doc);
              onOperation?.(event.request?.requestContext?.node?.req, shape.rootFields || "none");
              if (shape.depth > limits.maxDepth) throw new SafeError(`query depth ${shape.depth} exceeds ${limits.maxDepth}`, { code: "QUERY_TOO_DEEP" });
              if (shape.fields > limits.maxFields) throw new SafeError(`query selects ${shape.fields} fields, more than ${limits.maxFields}`, { code: "QUERY_TOO_COSTLY" });
              if (shape.introspection && !limits.introspection) throw new SafeError("introspection is disabled", { code: "INTROSPECTION_DISABLED" });
            }
          }
          return next();
        },
      },
    },
  };
}
