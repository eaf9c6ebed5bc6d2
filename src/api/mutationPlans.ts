// Mutation's fields: writes go through chunk_ingest and the worker; forgets delete at once.
import { context, sideEffect, type FieldArgs, type Step } from "postgraphile/grafast";
import { erasureOut, toMemoryInput, type RememberArgs } from "./graphqlValues.ts";
import type { MemoryService } from "./memoryService.ts";
import { tenantOf } from "./requestTenant.ts";

export function mutationPlans(service: MemoryService) {
  return {
    remember(_$root: Step, fieldArgs: FieldArgs) {
      return sideEffect([context(), fieldArgs.getRaw("input")], async ([ctx, input]) => {
        const t = tenantOf(ctx);
        const [out] = await service.rememberMany(t.withTenant, t.userHash, [toMemoryInput(input as RememberArgs)]);
        return out;
      });
    },
    rememberMany(_$root: Step, fieldArgs: FieldArgs) {
      return sideEffect([context(), fieldArgs.getRaw("inputs")], async ([ctx, inputs]) => {
        const t = tenantOf(ctx);
        return service.rememberMany(t.withTenant, t.userHash, (inputs as RememberArgs[]).map((i) => toMemoryInput(i)));
      });
    },
    upsert(_$root: Step, fieldArgs: FieldArgs) {
      return sideEffect([context(), fieldArgs.getRaw("input")], async ([ctx, input]) => {
        const t = tenantOf(ctx);
        return service.upsert(t.withTenant, t.userHash, toMemoryInput(input as RememberArgs));
      });
    },
    update(_$root: Step, fieldArgs: FieldArgs) {
      return sideEffect([context(), fieldArgs.getRaw("id"), fieldArgs.getRaw("patch")], async ([ctx, id, patch]) => {
        const t = tenantOf(ctx);
        return service.update(t.withTenant, t.userHash, id as string, patch as Record<string, unknown>);
      });
    },
    forgetMatching(_$root: Step, fieldArgs: FieldArgs) {
      return sideEffect([context(), fieldArgs.getRaw("filter")], async ([ctx, filter]) => {
        const t = tenantOf(ctx);
        return t.withTenant((tx) => service.forgetMatching(tx, t.userHash, filter));
      });
    },
    forget(_$root: Step, fieldArgs: FieldArgs) {
      return sideEffect([context(), fieldArgs.getRaw("id")], async ([ctx, id]) => {
        const t = tenantOf(ctx);
        return t.withTenant((tx) => service.forget(tx, t.userHash, id as string));
      });
    },
    erase() {
      return sideEffect([context()], async ([ctx]) => {
        const t = tenantOf(ctx);
        return erasureOut(await t.withTenant((tx) => service.erase(tx, t.userHash)));
      });
    },
    forgetAll() {
      return sideEffect([context()], async ([ctx]) => {
        const t = tenantOf(ctx);
        return t.withTenant((tx) => service.forgetAll(tx, t.userHash));
      });
    },
  };
}
