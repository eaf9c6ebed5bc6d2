// GraphQL over websockets (graphql-ws), with grafserv executing, but the door kept here:
// the upgrade is taken on the GraphQL path only; messages are capped like HTTP bodies; a
// socket must present a valid token in connection_init within a few seconds or is closed,
// and before that nothing it sends is parsed as GraphQL; each operation passes the same
// checks as HTTP; a tenant's open operations are capped; the socket closes with a coded
// reason when its token expires.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { makeServer, type ServerOptions } from "graphql-ws";
import type { GrafservBase } from "postgraphile/grafserv";
import { makeGraphQLWSConfig } from "postgraphile/grafserv";
import { GraphQLError } from "postgraphile/graphql";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import { CodedError } from "../codedError.ts";
import type { TenantCap } from "./tenantCap.ts";
import { whenTokenExpires } from "./tokenExpiry.ts";

/** Close codes (4400-4499 are graphql-ws's application range): the reason carries the stable code. */
export const WS_CLOSE_UNAUTHORIZED = 4401;

export interface SocketTenant {
  userHash: string;
  /** Token expiry, seconds since the epoch. */
  exp: number;
}

export interface GraphQLWebsocketOptions<T extends SocketTenant> {
  serv: GrafservBase;
  path: string;
  maxMessageBytes: number;
  initTimeoutMs: number;
  /** Open operations per tenant, shared with the other stream transports. */
  streams: TenantCap;
  /** Verifies connection_init's `authorization`; throws a CodedError (AUTH_*) when it may not connect. */
  authenticate(authorization: string | undefined): Promise<T>;
  /** The HTTP checks, rate limits and load gate for one operation's payload; throws a CodedError. */
  admit(tenant: T, payload: unknown): Promise<void>;
  /** Where the grafast context finds the socket's tenant. */
  tenants: WeakMap<object, T>;
  onRefusal(code: string): void;
  logger: Logger;
}

export interface GraphQLWebsocket {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open sockets and operations right now (gauges). */
  stats(): { sockets: number; operations: number };
  close(): Promise<void>;
}

interface SocketState<T> {
  tenant: T;
  /** Open operation id -> its release in the tenant's stream count. */
  operations: Map<string, () => void>;
  /** Cancels the close at the token's expiry. */
  expiry: () => void;
}

type Extra = { socket: WebSocket; request: IncomingMessage };

/** graphql-ws's protocol server over grafserv's: auth at connection_init, caps and admission per operation. */
function createProtocolServer<T extends SocketTenant>(opts: GraphQLWebsocketOptions<T>, sockets: Map<WebSocket, SocketState<T>>) {
  const grafservConfig = makeGraphQLWSConfig(opts.serv) as ServerOptions<Record<string, unknown>, Extra>;
  const refuse = (code: string, message: string, extensions: Record<string, unknown> = {}) => {
    opts.onRefusal(code);
    return [new GraphQLError(message, { extensions: { ...extensions, code } })];
  };
  const release = (state: SocketState<T>, id: string) => {
    state.operations.get(id)?.();
    state.operations.delete(id);
  };

  return makeServer<Record<string, unknown>, Extra>({
    ...grafservConfig,
    connectionInitWaitTimeout: opts.initTimeoutMs,
    async onConnect(ctx) {
      const socket = ctx.extra.socket;
      try {
        const authorization = ctx.connectionParams?.authorization;
        const tenant = await opts.authenticate(typeof authorization === "string" ? authorization : undefined);
        opts.tenants.set(socket, tenant);
        // The token's life is the socket's: subscriptions end with it.
        const expiry = whenTokenExpires(tenant.exp, () => socket.close(WS_CLOSE_UNAUTHORIZED, "AUTH_EXPIRED"));
        sockets.set(socket, { tenant, operations: new Map(), expiry });
        return true;
      } catch (err) {
        const code = err instanceof CodedError ? String(err.code) : "AUTH_INVALID";
        opts.onRefusal(code);
        socket.close(WS_CLOSE_UNAUTHORIZED, code);
        return false;
      }
    },
    async onSubscribe(ctx, id, payload) {
      const state = sockets.get(ctx.extra.socket);
      if (!state) return refuse("AUTH_MISSING", "not authenticated");
      if (state.operations.has(id)) return refuse("BAD_REQUEST", "an operation with this id is open on this socket");
      const releaseStream = opts.streams.open(state.tenant.userHash);
      if (!releaseStream) return refuse("SUBSCRIPTION_LIMIT", `at most ${opts.streams.maxPerTenant} open subscriptions and streams per user`);
      try {
        await opts.admit(state.tenant, payload);
      } catch (err) {
        releaseStream();
        if (!(err instanceof CodedError)) throw err;
        return refuse(String(err.code), err.message, err.extensions as Record<string, unknown>);
      }
      state.operations.set(id, releaseStream);
      const result = await grafservConfig.onSubscribe!(ctx, id, payload);
      if (Array.isArray(result)) release(state, id); // refused by validation: not open
      return result;
    },
    onComplete(ctx, id) {
      const state = sockets.get(ctx.extra.socket);
      if (state) release(state, id);
    },
    onClose(ctx) {
      const state = sockets.get(ctx.extra.socket);
      if (!state) return;
      state.expiry();
      for (const id of [...state.operations.keys()]) release(state, id);
      sockets.delete(ctx.extra.socket);
    },
  });
}

/** A websocket handed to the protocol server; its errors are logged, never unhandled. */
function bridgeSocket(server: ReturnType<typeof makeServer<Record<string, unknown>, Extra>>, socket: WebSocket, request: IncomingMessage, logger: Logger): void {
  // An oversized or malformed frame is an error on the socket (ws closes it with 1009 or
  // 1002): handled here, or it would be an unhandled 'error' event and end the process.
  socket.on("error", (err) => logger.warn({ code: (err as { code?: string }).code ?? "WS_ERROR" }, "websocket closed on a protocol error"));
  const closed = server.opened(
    {
      protocol: socket.protocol,
      send: (data) => new Promise<void>((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve()))),
      close: (code, reason) => socket.close(code, reason),
      onMessage: (cb) =>
        socket.on("message", async (data) => {
          try {
            await cb(String(data));
          } catch (err) {
            logger.warn({ code: (err as { code?: string }).code ?? "WS_MESSAGE" }, "websocket message failed");
            socket.close(4500, "INTERNAL");
          }
        }),
    },
    { socket, request },
  );
  socket.once("close", (code, reason) => void closed(code, String(reason)));
}

export function createGraphQLWebsocket<T extends SocketTenant>(opts: GraphQLWebsocketOptions<T>): GraphQLWebsocket {
  const sockets = new Map<WebSocket, SocketState<T>>();
  const server = createProtocolServer(opts, sockets);
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes });
  wss.on("connection", (socket: WebSocket, request: IncomingMessage) => bridgeSocket(server, socket, request, opts.logger));

  return {
    handleUpgrade(req, socket, head) {
      const path = (req.url ?? "").split("?")[0];
      if (path !== opts.path) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    },
    stats: () => ({ sockets: wss.clients.size, operations: [...sockets.values()].reduce((a, s) => a + s.operations.size, 0) }),
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
