// npm run bench:report [-- --check] [--out FILE]: one self-contained HTML page (Chart.js
// inlined, the data embedded; opens offline) from bench/results and bench/baselines: every
// gated metric against its baseline, and for the guardrails run throughput, latency and
// pool utilisation over time and the latency distributions. --check renders it in headless
// Chromium (installed on demand by scripts/provision-chromium.sh) and fails when a chart is
// missing or blank.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkResults } from "./support/checkResults.ts";
import { RULES } from "./rules.ts";

const here = import.meta.dirname;
const { values } = parseArgs({ options: { check: { type: "boolean", default: false }, out: { type: "string", default: path.join(here, "results", "report.html") } } });
const readJson = (file: string) => (fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, any>) : undefined);

interface ChartSpec {
  id: string;
  title: string;
  config: Record<string, unknown>;
}

const charts: ChartSpec[] = [];
const { rows } = checkResults(path.join(here, "results"), path.join(here, "baselines"), RULES);

// Each bench: its gated metrics, now relative to baseline (1 = the baseline; > 1 is worse).
for (const bench of [...new Set(rows.map((r) => r.bench))]) {
  const mine = rows.filter((r) => r.bench === bench && r.ratio !== undefined);
  if (mine.length === 0) continue;
  charts.push({
    id: `vs-baseline-${bench}`,
    title: `${bench}: now vs baseline (1 = baseline, above 1 is worse; bars past the tolerance are red)`,
    config: {
      type: "bar",
      data: {
        labels: mine.map((r) => r.metric),
        datasets: [
          {
            label: "worse by (x)",
            data: mine.map((r) => Math.min(r.ratio!, 10)),
            backgroundColor: mine.map((r) => (r.verdict === "ok" ? "#3b82f6" : "#dc2626")),
          },
        ],
      },
      options: { indexAxis: "y", scales: { x: { min: 0, suggestedMax: 2 } } },
    },
  });
}

const guardrails = readJson(path.join(here, "results", "guardrails.json"));
if (guardrails?.series) {
  const perSecond = guardrails.series.perSecond as { t: number; phase: string; offered: number; ok: number; shed: number; errors: number; p50: number; p95: number }[];
  const pool = guardrails.series.pool as { t: number; max: number; p95: number }[];
  const labels = perSecond.map((s) => s.t);
  charts.push({
    id: "guardrails-throughput",
    title: "guardrails: requests per second over the run (100 req/s steady, then 300 req/s overload)",
    config: {
      type: "line",
      data: {
        labels,
        datasets: [
          { label: "offered", data: perSecond.map((s) => s.offered), borderColor: "#6b7280" },
          { label: "served", data: perSecond.map((s) => s.ok), borderColor: "#16a34a" },
          { label: "shed (coded)", data: perSecond.map((s) => s.shed), borderColor: "#f59e0b" },
          { label: "errors", data: perSecond.map((s) => s.errors), borderColor: "#dc2626" },
        ],
      },
      options: { scales: { x: { title: { display: true, text: "second" } }, y: { beginAtZero: true, title: { display: true, text: "requests" } } } },
    },
  });
  charts.push({
    id: "guardrails-latency",
    title: "guardrails: latency of served requests per second (client side)",
    config: {
      type: "line",
      data: {
        labels,
        datasets: [
          { label: "p50 ms", data: perSecond.map((s) => s.p50), borderColor: "#3b82f6" },
          { label: "p95 ms", data: perSecond.map((s) => s.p95), borderColor: "#9333ea" },
        ],
      },
      options: { scales: { y: { type: "logarithmic", title: { display: true, text: "ms" } } } },
    },
  });
  charts.push({
    id: "guardrails-pool",
    title: "guardrails: API database pool utilisation per second (sampled every 20 ms; the guardrail is 0.8)",
    config: {
      type: "line",
      data: {
        labels: pool.map((p) => Math.round(p.t)),
        datasets: [
          { label: "max", data: pool.map((p) => p.max), borderColor: "#dc2626" },
          { label: "p95", data: pool.map((p) => p.p95), borderColor: "#f59e0b" },
          { label: "guardrail", data: pool.map(() => 0.8), borderColor: "#111827", borderDash: [6, 4], pointRadius: 0 },
        ],
      },
      options: { scales: { y: { min: 0, max: 1 } } },
    },
  });
  const dist = guardrails.distributions as Record<string, [number, number][]>;
  const ops = Object.keys(dist).filter((op) => dist[op]!.some(([, ms]) => Number.isFinite(ms)));
  charts.push({
    id: "guardrails-distribution",
    title: "guardrails: latency distribution by operation, steady phase (ms at each percentile)",
    config: {
      type: "bar",
      data: {
        labels: dist[ops[0]!]!.map(([p]) => `p${p}`),
        datasets: ops.map((op, i) => ({ label: op, data: dist[op]!.map(([, ms]) => ms), backgroundColor: ["#3b82f6", "#9333ea", "#16a34a", "#f59e0b", "#dc2626", "#6b7280"][i % 6] })),
      },
      options: { scales: { y: { type: "logarithmic", title: { display: true, text: "ms" } } } },
    },
  });
}

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const fmt = (v: number | undefined) => (v === undefined ? "-" : Number.isInteger(v) ? String(v) : v.toPrecision(4));
// The UMD build sits beside the package's main entry (its exports map does not list it).
const chartJs = fs.readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.js"), "utf8");
const machine = guardrails?.machine ? `${guardrails.machine.cpus} CPU ${esc(guardrails.machine.cpu_model)}, ${guardrails.machine.memory_gib} GiB, Node ${esc(guardrails.machine.node)}` : "";
const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>memvault benchmarks</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}.bad{color:#dc2626;font-weight:bold}.chart{margin:2em 0}canvas{max-height:380px}</style>
</head><body>
<h1>memvault benchmarks</h1>
<p>Generated ${esc(new Date().toISOString())}${machine ? `; results from ${machine}` : ""}. How to read it: docs/benchmarks.md.</p>
<h2>Checks against the baselines</h2>
<table><tr><th>bench</th><th>metric</th><th>baseline</th><th>now</th><th>worse by</th><th>verdict</th></tr>
${rows.map((r) => `<tr><td>${esc(r.bench)}</td><td>${esc(r.metric)}</td><td>${fmt(r.baseline)}</td><td>${fmt(r.now)}</td><td>${r.ratio === undefined ? "-" : r.ratio.toFixed(2)}</td><td class="${r.verdict === "ok" ? "" : "bad"}">${esc(r.verdict)}</td></tr>`).join("\n")}
</table>
${charts.map((c) => `<div class="chart"><h3>${esc(c.title)}</h3><canvas id="${c.id}" data-chart></canvas></div>`).join("\n")}
<script>${chartJs}</script>
<script>
const specs = ${JSON.stringify(charts.map((c) => ({ id: c.id, config: c.config }))).replace(/</g, "\\u003c")};
Chart.defaults.animation = false;
let drawn = 0, blank = 0;
for (const spec of specs) {
  const canvas = document.getElementById(spec.id);
  try {
    new Chart(canvas, spec.config);
    const ctx = canvas.getContext("2d");
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
    if (inked > 500) drawn++; else blank++;
  } catch (e) { blank++; }
}
document.body.dataset.chartsExpected = String(specs.length);
document.body.dataset.chartsDrawn = String(drawn);
document.body.dataset.chartsBlank = String(blank);
</script>
</body></html>
`;
fs.mkdirSync(path.dirname(values.out!), { recursive: true });
fs.writeFileSync(values.out!, html);
process.stdout.write(`wrote ${values.out} (${charts.length} charts, ${(html.length / 1024).toFixed(0)} KiB, self-contained)\n`);

if (values.check) {
  const chromium = findChromium() ?? (execFileSync("bash", [path.join(here, "..", "scripts", "provision-chromium.sh")], { stdio: "inherit" }), findChromium());
  if (!chromium) throw new Error("no Chromium after provisioning");
  const dom = spawnSync(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--virtual-time-budget=10000", "--dump-dom", `file://${path.resolve(values.out!)}`], { encoding: "utf8", timeout: 120_000 });
  const attr = (name: string) => Number(new RegExp(`data-${name}="(\\d+)"`).exec(dom.stdout ?? "")?.[1] ?? NaN);
  const [expected, drawn, blank] = [attr("charts-expected"), attr("charts-drawn"), attr("charts-blank")];
  const problems = [
    ...(dom.status !== 0 ? [`chromium exited ${dom.status}: ${(dom.stderr ?? "").slice(-500)}`] : []),
    ...(!(expected > 0) ? ["no charts on the page (blank, or its script did not run)"] : []),
    ...(expected !== charts.length ? [`page has ${expected} charts, expected ${charts.length}`] : []),
    ...(drawn !== expected ? [`${drawn} of ${expected} charts drawn, ${blank} blank`] : []),
    ...(!guardrails?.series ? ["no guardrails run to chart: run npm run bench:guardrails"] : []),
  ];
  if (problems.length) {
    process.stderr.write(`report check failed:\n  ${problems.join("\n  ")}\n`);
    process.exitCode = 1;
  } else process.stdout.write(`report renders in ${path.basename(chromium)}: ${drawn} of ${expected} charts drawn, none blank\n`);
}

function findChromium(): string | undefined {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
    if (found) return found;
  }
  return undefined;
}
