--! Previous: sha1:269201db5121bd15070208d37a112a574643c7be
--! Hash: sha1:7a452d96bd842e9caf52d73688da543ed3622f82
--! Message: request_term_index(): index_terms jobs for tenants whose memories were sealed before keyword search

-- Memories sealed before keyword search (000019) have no terms. request_term_index() (a
-- superuser: it lists every tenant) enqueues an index_terms job per tenant that has such
-- memories; the worker opens their text and writes their terms, a batch per transaction
-- (`memvault db index-terms` calls it).
create or replace function memvault.request_term_index() returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  n integer := 0;
  t text;
begin
  if not (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    raise exception 'memvault.request_term_index() must be run by a superuser: it lists every tenant' using errcode = '42501';
  end if;
  for t in
    select distinct c.user_hash from memvault.memory_chunks c
    where not exists (select 1 from memvault.memory_terms m where m.user_hash = c.user_hash and m.term_hash = '\x'::bytea and m.memory_id = c.id)
  loop
    perform graphile_worker.add_job('index_terms', json_build_object('userHash', t), job_key := 'index_terms:' || t);
    n := n + 1;
  end loop;
  return n;
end;
$$;
comment on function memvault.request_term_index() is 'Superuser only: enqueue an index_terms job per tenant with memories that have no keyword terms (sealed before keyword search, or while KEYWORD_INDEX was off). Returns the number of tenants.';
revoke all on function memvault.request_term_index() from public;
