-- Leak test: can anyone but tenant A see, change or delete tenant A's rows?
--   psql -f sql/leak_test.sql      (run as a superuser; exits non-zero on any leak)
-- Everything happens inside one transaction that is rolled back: nothing is left behind.
-- For every role that touches tenant data, with app.user_hash set to another tenant,
-- set to '' (what a pooled connection holds after a reset) and not set at all, it
-- reads, updates and deletes tenant A's rows and tries to write a row labelled as A.
-- Every probe must affect 0 rows (or be refused outright).
\set ON_ERROR_STOP on
\set QUIET on
begin;

do $$
declare
  tenant_a constant text := pg_catalog.encode(pg_catalog.sha256('memvault leak test: tenant A'::bytea), 'hex');
  tenant_b constant text := pg_catalog.encode(pg_catalog.sha256('memvault leak test: tenant B'::bytea), 'hex');
  dims integer;
  probe_vector text;
  r text;
  ident text;
  op text;
  n bigint;
  outcome text;
  probes integer := 0;
  leaked bigint := 0;
  own integer;
begin
  select a.atttypmod into dims from pg_catalog.pg_attribute a
  where a.attrelid = 'memvault.memory_chunks'::pg_catalog.regclass and a.attname = 'embedding';
  probe_vector := '[' || pg_catalog.array_to_string(pg_catalog.array_fill(0.5::real, array[dims]), ',') || ']';

  -- Tenant A writes three rows, as the worker does.
  perform pg_catalog.set_config('app.user_hash', tenant_a, true);
  perform pg_catalog.set_config('role', 'memvault_worker', true);
  begin
    insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
    select tenant_a, 1, '\x01', '\x02', '\x03', probe_vector::public.vector from pg_catalog.generate_series(1, 3);
  exception when insufficient_privilege then
    raise exception 'leak test is broken: tenant A cannot write its own rows as memvault_worker (%)', sqlerrm;
  end;
  -- Positive control: a test that cannot see A's rows as A proves nothing.
  select count(*) into own from memvault.memory_chunks;
  if own <> 3 then
    raise exception 'leak test is broken: tenant A sees % of its own 3 rows', own;
  end if;

  foreach r in array array['memvault_user', 'memvault_worker', 'memvault_owner'] loop
    foreach ident in array array['other tenant', 'empty setting', 'no setting'] loop
      foreach op in array array['select', 'update', 'delete', 'insert as A'] loop
        perform pg_catalog.set_config('role', r, true);
        perform pg_catalog.set_config('app.user_hash',
          case ident when 'other tenant' then tenant_b when 'empty setting' then '' else null end, true);
        if ident = 'no setting' then
          -- RESET, as on a connection that never set it.
          reset app.user_hash;
        end if;
        begin
          case op
            when 'select' then
              select count(*) into n from memvault.memory_chunks;
            when 'update' then
              update memvault.memory_chunks set key_version = key_version + 1;
              get diagnostics n = row_count;
            when 'delete' then
              delete from memvault.memory_chunks;
              get diagnostics n = row_count;
            else
              insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
              values (tenant_a, 1, '\x04', '\x05', '\x06', probe_vector::public.vector);
              get diagnostics n = row_count;
          end case;
          outcome := n || ' rows';
        exception when insufficient_privilege then
          -- No grant, or the WITH CHECK clause refused the row: nothing happened.
          n := 0;
          outcome := 'refused';
        end;
        probes := probes + 1;
        leaked := leaked + n;
        raise notice '% % as % with %: %', case when n = 0 then 'ok  ' else 'LEAK' end, op, r, ident, outcome;
      end loop;
    end loop;
  end loop;

  -- A's rows must still be exactly as written.
  perform pg_catalog.set_config('role', 'memvault_worker', true);
  perform pg_catalog.set_config('app.user_hash', tenant_a, true);
  select count(*) into own from memvault.memory_chunks where key_version = 1;
  if own <> 3 then
    leaked := leaked + abs(3 - own);
    raise notice 'LEAK tenant A now has % unchanged rows of 3', own;
  end if;

  raise notice 'RESULT: % leaked rows in % probes', leaked, probes;
  if leaked > 0 then
    raise exception 'leak test FAILED: % rows of tenant A were reachable', leaked;
  end if;
end
$$;

rollback;
