--! Previous: sha1:fadcbac3318d2c655a575fb3c4c66ce8b4d53124
--! Hash: sha1:de12d932550abc208d6505201063c4c6ff171c8a
--! Message: default_rerank_variant() for the API's readiness

-- default_rerank_variant(): what /readyz reports as the reranker tenants get outside a
-- rollout. The API (as memvault_user) may read this one name and nothing else of the
-- rollout tables; without a default each worker's own RERANK_* settings apply (null).
create or replace function memvault.default_rerank_variant() returns text
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$ select s.default_variant from memvault.rerank_settings s $$;
comment on function memvault.default_rerank_variant() is
  'The rerank variant tenants outside a rollout are served (null: each worker''s RERANK_* settings). For the API''s /readyz.';
revoke all on function memvault.default_rerank_variant() from public;
grant execute on function memvault.default_rerank_variant() to memvault_user;
