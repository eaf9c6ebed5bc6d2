// A pg pool whose connections can fail without taking the process down. pg-pool listens
// for errors only on idle connections: a connection checked out when the server ends it
// (a restart, `pg_terminate_backend`, a database dropped WITH (FORCE): SQLSTATE 57P01)
// emits 'error' with no listener, which is an uncaught exception. Every connection gets a
// listener of its own; the failure is logged by its code, never with the client (whose
// fields hold the connection's password). After pool.end() (which resolves before the
// server has seen every connection go), a connection ended by the server is expected and
// not logged.
import pg from "pg";
import type { Logger } from "pino";

export function createPool(config: pg.PoolConfig, logger: Pick<Logger, "error">, what: string): pg.Pool {
  const pool = new pg.Pool(config);
  const logFailure = (err: Error) => {
    if (!(pool as { ending?: boolean }).ending) logger.error({ code: (err as { code?: string }).code ?? "DB_CONNECTION" }, `${what}: database connection failed`);
  };
  pool.on("error", logFailure);
  pool.on("connect", (client) => client.on("error", logFailure));
  return pool;
}
