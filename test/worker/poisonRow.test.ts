// One memory the embedder refuses never stalls its tenant's ingest: the batch is retried
// text by text, the others are sealed, the refused one waits with its code (memory(id) says
// which), and it is claimed after every fresh row, so later memories are sealed too.
// The embedder is a fake text-embeddings-inference server that refuses one text (422).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useApiFixture } from "../support/apiFixture.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker, type WorkerProcess } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx);
let server: http.Server;
let worker: WorkerProcess;

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const { inputs } = JSON.parse(Buffer.concat(chunks).toString()) as { inputs: string[] };
    if (inputs.some((text) => text.includes("POISON"))) return void res.writeHead(422, { "content-type": "application/json" }).end('{"error":"input refused"}');
    const vector = (text: string) => Array.from({ length: 384 }, (_, i) => Math.cos(text.length * 3 + i * 0.1) + (i === 0 ? 2 : 0));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(inputs.map(vector)));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, EMBEDDER_URL: url }, { scope: "file" });
});
afterAll(async () => {
  await worker.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const REMEMBER = `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`;
const MEMORY = `query($id: String!) { memory(id: $id) { status lastError } }`;

describe("a text the embedder refuses", () => {
  it("waits alone with its code while the tenant's other memories, before and after it, are sealed", async () => {
    const auth = `Bearer ${await t.token("poisoned")}`;
    const ids = async (texts: string[]) => (await t.gql(auth, REMEMBER, { i: texts.map((text) => ({ text })) })).body.data.rememberMany.map((r: { id: string }) => r.id) as string[];
    // The refused one is the oldest, in the same batch as the others.
    const [poison, ...others] = await ids(["POISON pill", "first note", "second note", "third note", "fourth note"]);
    const sealed = async (list: string[]) => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = any($1::uuid[])", [list])).rows[0].n as number;
    await waitFor("the others sealed", async () => (await sealed(others)) === others.length, 60_000);
    const waiting = (await t.gql(auth, MEMORY, { id: poison })).body.data.memory;
    expect(waiting).toEqual({ status: "pending", lastError: "EMBEDDER_REMOTE" });
    // Later memories are not held back behind it.
    const later = await ids(["a later note", "another later note"]);
    await waitFor("later ones sealed", async () => (await sealed(later)) === later.length, 60_000);
    expect(await sealed([poison!])).toBe(0);
    expect((await fx.root.query("select attempts from memvault.chunk_ingest where id = $1", [poison])).rows[0].attempts).toBeGreaterThanOrEqual(1);
  });

  it("text of nothing but white space or control characters is refused at the door", async () => {
    const auth = `Bearer ${await t.token("blank")}`;
    for (const text of [" \t\n ", "\u200b\u0001", "\u3000"]) {
      const res = await t.gql(auth, REMEMBER, { i: [{ text }] });
      expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(text)).toBe("TEXT_EMPTY");
    }
  });
});
