// rerank_search { userHash, id }: score a search request's candidates and write the order back.
import type { Task } from "graphile-worker";
import { rerankSearch } from "../src/worker/rerankSearch.ts";
import { chunkPayload } from "../src/worker/payloads.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash, id } = chunkPayload(payload);
    await helpers.withPgClient((client) => rerankSearch(ctx, client, userHash, id));
  };
