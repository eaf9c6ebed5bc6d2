// Who may ask what, before anything runs: the bearer token (401, or 503 when the keyring
// cannot be read), the tenant's in-flight cap, the body under its deadline, the operation's
// checks, the memory bucket (shed: 503), then the tenant's rate limits (429). HTTP and
// websockets share the token and rate-limit steps.
import { withTenantKeys } from "../keys/withTenantKeys.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CodedError } from "../codedError.ts";
import { hmacUser } from "../crypto/hmacUser.ts";
import { withTenantFrom } from "../db/withTenant.ts";
import type { ApiResources } from "./apiResources.ts";
import type { ApiServerOptions } from "./apiServerOptions.ts";
import { GateError, type CheckedOperation } from "./checkOperation.ts";
import { ROOT_FIELD_COSTS } from "./operationCost.ts";
import { shedInService } from "./gatedGrafserv.ts";
import { sendError, sendRetryLater } from "./httpReplies.ts";
import { OverloadedError } from "./memoryBucket.ts";
import type { RequestTenant } from "./requestTenant.ts";
import { queryParams, readJsonBody } from "./readOperation.ts";
import { createTenantCap, type TenantCap } from "./tenantCap.ts";
import { createTenantRateLimits, RateLimitedError, type TenantRateLimits } from "./tenantRateLimits.ts";
import { readApiConfig } from "../config/apiConfig.ts";

export type VerifiedTenant = RequestTenant & { exp: number };

class ServiceUnavailable extends CodedError<"KEYRING_UNAVAILABLE"> {}

/** The metrics' operation label: root fields from the schema's bounded list, else "unknown". */
const INTROSPECTION_FIELDS = new Set(["__schema", "__type", "__typename"]);
export const operationLabel = (rootFields: string[]) => {
  const known = rootFields.filter((f) => Object.hasOwn(ROOT_FIELD_COSTS, f) || INTROSPECTION_FIELDS.has(f));
  return [...known, ...(known.length < rootFields.length ? ["unknown"] : [])].join(",") || "none";
};

export class RequestAdmission {
  /** HTTP requests and websockets -> their verified tenant (sockets also carry the token's expiry). */
  readonly tenants = new WeakMap<object, VerifiedTenant>();
  /** HTTP requests -> their metrics operation label. */
  readonly operations = new WeakMap<IncomingMessage, string>();
  /** Requests per tenant at once, its bodies still arriving included. */
  readonly tenantInflight: TenantCap;
  private readonly rateLimits: TenantRateLimits;
  private readonly opts: ApiServerOptions;
  private readonly resources: ApiResources;
  private readonly checkOperation: (body: Record<string, unknown>) => CheckedOperation;

  constructor(opts: ApiServerOptions, resources: ApiResources, checkOperation: (body: Record<string, unknown>) => CheckedOperation) {
    this.opts = opts;
    this.resources = resources;
    this.checkOperation = checkOperation;
    this.rateLimits = createTenantRateLimits(opts.rateLimits ?? readApiConfig().tenantRateLimits);
    this.tenantInflight = createTenantCap(opts.maxInflightPerTenant ?? 16);
  }

  /** A 429 or 503 refusal of the whole request, counted. */
  refuse(res: ServerResponse, err: RateLimitedError | OverloadedError): void {
    this.resources.metrics.errorsByCode.inc({ code: err.code });
    sendRetryLater(res, err);
  }

  /** Rate limits for a checked operation: all of its cost or none (nothing runs when refused). */
  async spend(userHash: string, checked: CheckedOperation): Promise<void> {
    const admission = await this.rateLimits.admit(userHash, checked.cost);
    for (const [rateClass, n] of Object.entries(checked.cost)) {
      const outcome = admission.admitted ? "admitted" : rateClass === (admission as { rateClass?: string }).rateClass ? "rate_limited" : "not_spent";
      if (n > 0) this.resources.metrics.admissions.inc({ class: rateClass, outcome });
    }
    if (!admission.admitted) throw new RateLimitedError(admission.rateClass, admission.retryAfterMs);
  }

  /** A memory request refused at the door, counted. */
  shed(): OverloadedError {
    this.resources.metrics.admissions.inc({ class: "memory", outcome: "shed" });
    return new OverloadedError("memvault is overloaded; retry shortly", this.resources.bucket.retryAfterMs);
  }

  /** sub -> tenant. A keyring that cannot be read is the server's fault (503), not the token's. */
  private tenantFor(sub: string, onShed: () => void): RequestTenant {
    let keyring;
    try {
      keyring = this.opts.keyrings.current();
    } catch (err) {
      throw new ServiceUnavailable("KEYRING_UNAVAILABLE", "the server's keyring is unavailable; try again later", { cause: err });
    }
    const userHash = hmacUser(keyring, sub);
    // Every memory transaction holds a share of the pool, or is shed (memoryBucket).
    const tenant = withTenantKeys(withTenantFrom(this.resources.pool, { userHash, role: "memvault_user" }), this.resources.tenantKeys, userHash);
    return { userHash, withTenant: this.resources.bucket.guard(tenant, onShed) };
  }

  /** A bearer token -> its tenant and expiry, timed (HTTP and websockets alike). */
  async verifiedTenant(authorization: string | undefined, req?: IncomingMessage): Promise<VerifiedTenant> {
    const { metrics } = this.resources;
    const timer = metrics.authSeconds.startTimer();
    try {
      const { sub, exp } = await this.opts.verifier.verify(authorization);
      // A transaction shed after admission is counted as a shed; its HTTP response is a 503.
      const onShed = () => {
        metrics.admissions.inc({ class: "memory", outcome: "shed" });
        if (req) shedInService.add(req);
      };
      return { ...this.tenantFor(sub, onShed), exp };
    } finally {
      timer();
    }
  }

  /** The token: true with the tenant recorded, or false with the HTTP error already sent. */
  async authenticateRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    try {
      this.tenants.set(req, await this.verifiedTenant(req.headers.authorization, req));
      return true;
    } catch (err) {
      if (err instanceof ServiceUnavailable) {
        this.opts.logger.error({ code: err.code }, "keyring unavailable");
        this.resources.metrics.errorsByCode.inc({ code: err.code });
        sendError(res, 503, err.code, err.message, { "retry-after": "5" });
        return false;
      }
      const code = err instanceof CodedError ? String(err.code) : "AUTH_INVALID";
      this.resources.metrics.authFailures.inc({ code });
      sendError(res, 401, code, err instanceof CodedError ? err.message : "unauthorized", { "www-authenticate": 'Bearer realm="memvault"' });
      return false;
    }
  }

  /** The body and its checks: the checked operation, or undefined with the refusal sent. */
  private async readChecked(req: IncomingMessage, res: ServerResponse, stream: boolean): Promise<{ body: Record<string, unknown>; checked: CheckedOperation } | undefined> {
    const errors = this.resources.metrics.errorsByCode;
    let body: Record<string, unknown>;
    let checked: CheckedOperation;
    try {
      body = req.method === "POST" ? await readJsonBody(req, this.opts.maxBodyBytes) : queryParams(req.url ?? "");
      checked = this.checkOperation(body);
    } catch (err) {
      if (!(err instanceof GateError)) throw err;
      errors.inc({ code: err.code });
      return void sendError(res, err.status, err.code, err.message);
    }
    // Mutations change state: never over GET (a link or a prefetch could run them).
    if (req.method === "GET" && checked.kind === "mutation") {
      errors.inc({ code: "BAD_REQUEST" });
      return void sendError(res, 405, "BAD_REQUEST", "send mutations with POST", { allow: "POST" });
    }
    // grafserv would stream a subscription over plain POST /graphql (multipart), outside the
    // stream caps and expiry that SSE and websockets keep: subscriptions go there.
    if (!stream && checked.cost.subscriptions > 0) {
      errors.inc({ code: "BAD_REQUEST" });
      return void sendError(res, 400, "BAD_REQUEST", "subscriptions are served over /graphql/stream (graphql-sse) or a websocket, not /graphql");
    }
    return { body, checked };
  }

  /**
   * /graphql (POST, GET) and /graphql/stream (graphql-sse): token, the tenant's in-flight
   * cap, the body (under a deadline), the operation's checks, the memory bucket (shed),
   * then the tenant's rate limits. The checked body, or undefined when a response was sent.
   */
  async admitRequest(req: IncomingMessage, res: ServerResponse, stream: boolean): Promise<Record<string, unknown> | undefined> {
    if (!(await this.authenticateRequest(req, res))) return undefined;
    const { userHash } = this.tenants.get(req)!;
    // The tenant's own cap first: its requests still sending their bodies count here, not
    // against everyone's in-service slots (the body is read before the bucket is entered, and
    // server.requestTimeout ends one that takes too long to arrive).
    const leaveTenant = this.tenantInflight.open(userHash);
    if (!leaveTenant) return void this.refuse(res, new RateLimitedError("in_flight", 1_000));
    res.once("close", leaveTenant);
    const read = await this.readChecked(req, res, stream);
    if (!read) return undefined;
    // A stream may stay open for hours (memorySealed): it is admitted like a request but not
    // counted in service (nor in its tenant's requests: streams have their own cap); its
    // transactions take shares like any other.
    const { bucket } = this.resources;
    const leave = stream ? (bucket.full() ? undefined : () => {}) : bucket.enter();
    if (!leave) return void this.refuse(res, this.shed());
    res.once("close", leave);
    if (stream) leaveTenant();
    this.operations.set(req, operationLabel(read.checked.rootFields));
    try {
      await this.spend(userHash, read.checked);
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      return void this.refuse(res, err);
    }
    return read.body;
  }
}
