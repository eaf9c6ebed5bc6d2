// A text-embeddings-inference /rerank server that answers late, in its own process: the
// slow treatment of bench:canary. Speaks TEI's protocol ({query, texts} -> [{index, score}]).
//   node bench/support/slowTei.ts <delay-ms>     prints "port <n>" when listening
import http from "node:http";

const delayMs = Number(process.argv[2] ?? 600);
const server = http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/rerank") {
    res.writeHead(404).end();
    return;
  }
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => (body += chunk));
  req.on("end", () => {
    let texts: unknown[] = [];
    try {
      texts = (JSON.parse(body) as { texts?: unknown[] }).texts ?? [];
    } catch {
      res.writeHead(422).end();
      return;
    }
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(texts.map((_, index) => ({ index, score: -index })))), delayMs);
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`port ${(server.address() as { port: number }).port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
