-- Leak test: can anyone but tenant A see, change or delete tenant A's rows?
--   psql -f sql/leak_test.sql      (run as a superuser; exits non-zero on any leak)
-- Everything happens inside one transaction that is rolled back: nothing is left behind.
-- For each tenant table and every role that touches tenant data, with app.user_hash set
-- to another tenant, set to '' (what a pooled connection holds after a reset) and not
-- set at all, it reads, updates and deletes tenant A's rows and tries to write a row
-- labelled as A. Every probe must affect 0 rows (or be refused outright).
\set ON_ERROR_STOP on
\set QUIET on
begin;

do $$
declare
  tenant_a constant text := pg_catalog.encode(pg_catalog.sha256('memvault leak test: tenant A'::bytea), 'hex');
  tenant_b constant text := pg_catalog.encode(pg_catalog.sha256('memvault leak test: tenant B'::bytea), 'hex');
  probe_vector text;
  -- table, the role that writes A's rows, an insert of one row for %L (user_hash), an update
  tables constant text[][] := array[
    array['memory_chunks', 'memvault_worker',
          'insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding) values (%L, 1, ''\x01'', ''\x02'', ''\x03'', %L::public.vector)',
          'update memvault.memory_chunks set key_version = key_version + 1'],
    array['chunk_ingest', 'memvault_user',
          'insert into memvault.chunk_ingest (user_hash, text, embedding) values (%L, ''leak test'', %L::public.vector)',
          'update memvault.chunk_ingest set attempts = attempts + 1'],
    array['search_requests', 'memvault_user',
          'insert into memvault.search_requests (user_hash, query_cipher, key_version, candidate_ids, candidate_distances, deadline) values (%L, ''\x01'', 1, ''{}'', ''{}'', now() + interval ''1 hour'')',
          'update memvault.search_requests set status = ''skipped'', skip_reason = ''error''']
  ];
  t text[];
  r text;
  ident text;
  op text;
  n bigint;
  outcome text;
  probes integer := 0;
  leaked bigint := 0;
  own bigint;
begin
  select '[' || pg_catalog.array_to_string(pg_catalog.array_fill(0.5::real, array[a.atttypmod]), ',') || ']' into probe_vector
  from pg_catalog.pg_attribute a
  where a.attrelid = 'memvault.memory_chunks'::pg_catalog.regclass and a.attname = 'embedding';

  foreach t slice 1 in array tables loop
    -- Tenant A writes three rows, as the application does.
    perform pg_catalog.set_config('app.user_hash', tenant_a, true);
    perform pg_catalog.set_config('role', t[2], true);
    begin
      for i in 1..3 loop
        execute format(t[3], tenant_a, probe_vector);
      end loop;
    exception when insufficient_privilege then
      raise exception 'leak test is broken: tenant A cannot write its own rows to % as % (%)', t[1], t[2], sqlerrm;
    end;
    -- Positive control: a test that cannot see A's rows as A proves nothing.
    execute format('select count(*) from memvault.%I', t[1]) into own;
    if own <> 3 then
      raise exception 'leak test is broken: tenant A sees % of its own 3 rows in %', own, t[1];
    end if;

    foreach r in array array['memvault_user', 'memvault_worker', 'memvault_owner'] loop
      foreach ident in array array['other tenant', 'empty setting', 'no setting'] loop
        foreach op in array array['select', 'update', 'delete', 'insert as A'] loop
          perform pg_catalog.set_config('role', r, true);
          perform pg_catalog.set_config('app.user_hash', case ident when 'other tenant' then tenant_b else '' end, true);
          if ident = 'no setting' then
            reset app.user_hash; -- as on a connection that never set it
          end if;
          begin
            case op
              when 'select' then
                execute format('select count(*) from memvault.%I', t[1]) into n;
              when 'update' then
                execute t[4];
                get diagnostics n = row_count;
              when 'delete' then
                execute format('delete from memvault.%I', t[1]);
                get diagnostics n = row_count;
              else
                execute format(t[3], tenant_a, probe_vector);
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
          raise notice '% %.% as % with %: %', case when n = 0 then 'ok  ' else 'LEAK' end, t[1], op, r, ident, outcome;
        end loop;
      end loop;
    end loop;

    -- A's rows must still be exactly as written.
    perform pg_catalog.set_config('role', t[2], true);
    perform pg_catalog.set_config('app.user_hash', tenant_a, true);
    execute format('select count(*) from memvault.%I', t[1]) into own;
    if own <> 3 then
      leaked := leaked + abs(3 - own);
      raise notice 'LEAK tenant A now has % of its 3 rows in %', own, t[1];
    end if;
  end loop;

  raise notice 'RESULT: % leaked rows in % probes', leaked, probes;
  if leaked > 0 then
    raise exception 'leak test FAILED: % rows of tenant A were reachable', leaked;
  end if;
end
$$;

rollback;
