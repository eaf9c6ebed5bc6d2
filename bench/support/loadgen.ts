// The load generator, run as its own process (never in the server's event loop):
//   node bench/support/loadgen.ts <plan.json> <out.json>
// "open": fixed arrival rates per phase (open loop: a slow answer never slows the offered
// load), a mix of operations across tenants, /healthz probes beside them, every request's
// outcome recorded. "closed": N connections each sending the next ANN search as soon as
// the last one answered, for throughput.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { vectorSource } from "./vectors.ts";

export type OpKind = "search" | "rerank" | "progressive" | "remember" | "page" | "forget";

export interface LoadPlan {
  url: string;
  tokens: string[];
  dims: number;
  mode: "open" | "closed";
  /** open: the phases, in order. */
  phases?: { name: string; rps: number; seconds: number }[];
  /** open: share of each operation (sums to 1). */
  mix?: Record<OpKind, number>;
  /** open: one /healthz probe every this many ms. */
  healthzEveryMs?: number;
  /** closed: connections and seconds, and the operation each sends (default search). */
  connections?: number;
  op?: OpKind;
  seconds?: number;
  timeoutMs: number;
}

/** One request's outcome; t is its start, ms since the run began. */
export interface Outcome {
  phase: string;
  op: OpKind | "healthz";
  t: number;
  ms: number;
  outcome: "ok" | "shed" | "error";
  code?: string;
  /** progressive: time to the first event, and whether both phases arrived and it completed. */
  ttfvMs?: number;
  rerankMs?: number;
}

const [planFile, outFile] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile!, "utf8")) as LoadPlan;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const base = new URL(plan.url);
const next = vectorSource("clustered", plan.dims, 11);
const vectors = Array.from({ length: 500 }, () => JSON.stringify(Array.from(next(), (x) => Number(x.toFixed(5)))));
const SHED_CODES = new Set(["RATE_LIMITED", "OVERLOADED", "SUBSCRIPTION_LIMIT"]);
const started = performance.now();
const now = () => performance.now() - started;
let counter = 0;
const remembered: string[][] = plan.tokens.map(() => []);

function request(path: string, method: string, headers: Record<string, string>, body: string | undefined, onData?: (chunk: string) => void): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path, method, headers, agent, timeout: plan.timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        onData?.(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

/** A GraphQL answer's outcome: ok, a deliberate shed (coded), or an error. */
function judge(status: number, text: string): Pick<Outcome, "outcome" | "code"> {
  let codes: string[] = [];
  try {
    const body = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
    codes = (body.errors ?? []).map((e) => e.extensions?.code ?? "UNKNOWN");
  } catch {
    return { outcome: "error", code: `HTTP_${status}` };
  }
  if (status === 200 && codes.length === 0) return { outcome: "ok" };
  if (codes.length > 0 && codes.every((c) => SHED_CODES.has(c))) return { outcome: "shed", code: codes[0]! };
  return { outcome: "error", code: codes[0] ?? `HTTP_${status}` };
}

const gqlBody = (op: OpKind, tenant: number, v: string): string => {
  switch (op) {
    case "search":
      return `{"query":"query($e:[Float!]!){search(embedding:$e,k:8){hits{distance memory{id text}}}}","variables":{"e":${v}}}`;
    case "rerank":
      return `{"query":"query($e:[Float!]!){search(embedding:$e,query:\\"notes about travel and music\\",k:8){reranked hits{score memory{id text}}}}","variables":{"e":${v}}}`;
    case "progressive":
      return `{"query":"subscription($e:[Float!]!){searchProgress(embedding:$e,query:\\"notes about travel and music\\",k:8){phase reranked hits{score memory{id text}}}}","variables":{"e":${v}}}`;
    case "remember":
      return `{"query":"mutation($i:RememberInput!){remember(input:$i){id}}","variables":{"i":{"text":"a memory written under load ${counter}","embedding":${v}}}}`;
    case "page":
      return `{"query":"{memories(first:10){nodes{id text}endCursor}}"}`;
    case "forget": {
      const id = remembered[tenant]!.shift() ?? randomUUID();
      return `{"query":"mutation($id:String!){forget(id:$id)}","variables":{"id":"${id}"}}`;
    }
  }
};

async function runOp(phase: string, op: OpKind): Promise<Outcome> {
  const tenant = counter++ % plan.tokens.length;
  const v = vectors[counter % vectors.length]!;
  const t = now();
  const headers = { "content-type": "application/json", authorization: `Bearer ${plan.tokens[tenant]}` };
  try {
    if (op === "progressive") {
      let ttfvMs: number | undefined;
      let annAt = 0;
      let rerankMs: number | undefined;
      let buffer = "";
      const phases: string[] = [];
      const res = await request("/graphql/stream", "POST", { ...headers, accept: "text/event-stream" }, gqlBody(op, tenant, v), (chunk) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (!event.startsWith("event: next")) continue;
          const at = now();
          if (ttfvMs === undefined) {
            ttfvMs = at - t;
            annAt = at;
          } else rerankMs = at - annAt;
          const data = JSON.parse(event.slice(event.indexOf("data:") + 5)) as { data?: { searchProgress?: { phase: string } }; errors?: { extensions?: { code?: string } }[] };
          const codes = (data.errors ?? []).map((e) => e.extensions?.code ?? "UNKNOWN");
          phases.push(codes.length === 0 ? (data.data?.searchProgress?.phase ?? "none") : codes.every((c) => SHED_CODES.has(c)) ? "shed" : `error_${codes[0]}`);
        }
      });
      const ms = now() - t;
      if (res.status !== 200) return { phase, op, t, ms, ...judge(res.status, res.text) };
      const complete = res.text.includes("event: complete");
      const ok = complete && phases.join(",") === "ann,reranked";
      // Shed mid-stream, with its code: a deliberate refusal, not a failure.
      const shed = !ok && complete && phases.at(-1) === "shed";
      return { phase, op, t, ms, outcome: ok ? "ok" : shed ? "shed" : "error", ...(ok ? {} : { code: `STREAM_${phases.join("_") || "EMPTY"}` }), ...(ttfvMs !== undefined ? { ttfvMs } : {}), ...(rerankMs !== undefined ? { rerankMs } : {}) };
    }
    const res = await request("/graphql", "POST", headers, gqlBody(op, tenant, v));
    const ms = now() - t;
    const verdict = judge(res.status, res.text);
    if (op === "remember" && verdict.outcome === "ok") remembered[tenant]!.push((JSON.parse(res.text) as { data: { remember: { id: string } } }).data.remember.id);
    return { phase, op, t, ms, ...verdict };
  } catch (err) {
    return { phase, op, t, ms: now() - t, outcome: "error", code: (err as { code?: string }).code ?? (err as Error).message };
  }
}

async function healthz(phase: string): Promise<Outcome> {
  const t = now();
  try {
    const res = await request("/healthz", "GET", {}, undefined);
    return { phase, op: "healthz", t, ms: now() - t, outcome: res.status === 200 ? "ok" : "error" };
  } catch (err) {
    return { phase, op: "healthz", t, ms: now() - t, outcome: "error", code: (err as Error).message };
  }
}

const sleepUntil = (at: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - now())));

async function openLoop(): Promise<Outcome[]> {
  const outcomes: Promise<Outcome>[] = [];
  const mix = Object.entries(plan.mix!).filter(([, share]) => share > 0) as [OpKind, number][];
  // A fixed sequence of operations in the mix's shares, the same on every run.
  const pick = (i: number) => {
    let x = ((i * 0.6180339887) % 1 + 1) % 1;
    for (const [op, share] of mix) if ((x -= share) < 0) return op;
    return mix[0]![0];
  };
  let i = 0;
  for (const phase of plan.phases!) {
    // The parent scrapes the server's metrics at each boundary.
    process.stderr.write(`PHASE ${phase.name}\n`);
    const phaseStart = now();
    const end = phaseStart + phase.seconds * 1000;
    const interval = 1000 / phase.rps;
    let nextHealthz = phaseStart;
    let lastReport = phaseStart;
    for (let n = 0; ; n++) {
      const at = phaseStart + n * interval;
      if (at >= end) break;
      await sleepUntil(at);
      outcomes.push(runOp(phase.name, pick(i++)));
      if (plan.healthzEveryMs && now() >= nextHealthz) {
        nextHealthz += plan.healthzEveryMs;
        outcomes.push(healthz(phase.name));
      }
      if (now() - lastReport >= 5_000) {
        lastReport = now();
        process.stderr.write(`[loadgen] ${phase.name} ${phase.rps} req/s: ${Math.round((now() - phaseStart) / 1000)}/${phase.seconds} s\n`);
      }
    }
    process.stderr.write(`[loadgen] ${phase.name}: sent ${phase.rps * phase.seconds} requests\n`);
  }
  const all = await Promise.all(outcomes);
  process.stderr.write("PHASE end\n");
  return all;
}

async function closedLoop(): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  // One untimed second first (this process's JIT, its connections), then the clock.
  const warm = now() + 1_000;
  const end = warm + plan.seconds! * 1000;
  await Promise.all(
    Array.from({ length: plan.connections! }, async () => {
      while (now() < end) {
        const outcome = await runOp("closed", plan.op ?? "search");
        if (outcome.t >= warm) outcomes.push(outcome);
      }
    }),
  );
  return outcomes;
}

const outcomes = plan.mode === "open" ? await openLoop() : await closedLoop();
fs.writeFileSync(outFile!, JSON.stringify({ outcomes, seconds: now() / 1000 }));
agent.destroy();
