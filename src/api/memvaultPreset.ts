// The GraphQL schema's preset, one place for the server and the schema snapshot test: the
// amber preset with memvault's plugin, minus Relay's ways back to the root. `Query.query`
// (and `query` on mutation payloads) nests every root field one level down, and `node(id:
// "query")` does the same through the Node interface: a cost model reading the root selection
// would not see the searches below them. memvault has no Relay objects, so nothing needs them.
import type {} from "postgraphile";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

export const RELAY_ROOT_PLUGINS = [
  "QueryQueryPlugin",
  "MutationPayloadQueryPlugin",
  "NodePlugin",
  "AddNodeInterfaceToSuitableTypesPlugin",
  "RegisterQueryNodePlugin",
  "NodeAccessorPlugin",
];

export function memvaultSchemaPreset(plugin: GraphileConfig.Plugin): GraphileConfig.Preset {
  return { extends: [PostGraphileAmberPreset], plugins: [plugin], disablePlugins: RELAY_ROOT_PLUGINS };
}
