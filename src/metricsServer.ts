// Prometheus /metrics on a listener of its own (METRICS_HOST, loopback by default), for the
// API and the worker alike. The API's metrics are not on its public port: its clients need
// not see pool sizes, error counts or other tenants' traffic, and a flood of scrapes there
// would be served beside everyone's requests.
import http from "node:http";
import type { Registry } from "prom-client";

export interface MetricsServer {
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

/** Listens on port (0: any free port) and host; GET /metrics only, anything else 404. */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<MetricsServer> {
  const server = http.createServer(async (req, res) => {
    if (req.url !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) return void res.writeHead(404).end();
    try {
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType }).end(body);
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as { port: number };
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
