// grafserv's node adaptor behind memvault's gate: it reads the body the gate already read
// and checked (getDigest is its documented extension point), and answers 503 with
// Retry-After for a request one of whose transactions was shed after admission.
import type { IncomingMessage } from "node:http";
import type { RequestDigest } from "postgraphile/grafserv";
import { NodeGrafserv } from "postgraphile/grafserv/node";

/** Bodies already read and checked by the gate, handed to grafserv instead of the stream. */
export const prereadBodies = new WeakMap<IncomingMessage, unknown>();

/** Requests one of whose transactions was shed after admission (a stalled database): answered 503. */
export const shedInService = new WeakSet<IncomingMessage>();

export class GatedGrafserv extends NodeGrafserv {
  protected override getDigest(...args: Parameters<NodeGrafserv["getDigest"]>): RequestDigest {
    const digest = super.getDigest(...args);
    const body = prereadBodies.get(args[1]);
    if (body !== undefined) digest.getBody = async () => ({ type: "json", json: body as never });
    return digest;
  }

  /** A shed is a 503 with Retry-After on every HTTP response, also when a resolver was shed. */
  protected override processRequest(digest: RequestDigest): ReturnType<NodeGrafserv["processRequest"]> {
    const req = digest.requestContext.node?.req;
    const result = super.processRequest(digest);
    if (!req) return result;
    return Promise.resolve(result).then((r) =>
      r && shedInService.has(req) && (r.type === "json" || r.type === "buffer") ? { ...r, statusCode: 503, headers: { ...r.headers, "retry-after": "1" } } : r,
    );
  }
}
