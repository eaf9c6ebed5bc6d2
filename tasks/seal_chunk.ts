// seal_chunk { userHash, id }: seal one ingest row (a single-row insert).
import type { Task } from "graphile-worker";
import { chunkPayload } from "../src/worker/payloads.ts";
import { sealChunk } from "../src/worker/sealIngest.ts";
import type { WorkerContext } from "../src/worker/workerContext.ts";

export default (ctx: WorkerContext): Task =>
  async (payload, helpers) => {
    const { userHash, id } = chunkPayload(payload);
    await helpers.withPgClient((client) => sealChunk(ctx, client, userHash, id));
  };
