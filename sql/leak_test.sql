-- Leak test: can anyone but tenant A see, change or delete tenant A's rows?
--   psql -f sql/leak_test.sql      (run as a superuser; exits non-zero on any leak)
-- Nothing is left behind: the queue tables' probes run in one transaction that is rolled
-- back. memory_chunks' are not, because on Citus one transaction may not touch a shard as
-- two roles: tenant A's three rows there are committed (a synthetic tenant no user id can
-- hash to), each probe is its own transaction, rolled back, and the rows are deleted at
-- the end (and at the start, after an interrupted run).
-- For each tenant table and every role that touches tenant data, with app.user_hash set
-- to another tenant, set to '' (what a pooled connection holds after a reset) and not
-- set at all, it reads, updates and deletes tenant A's rows and tries to write a row
-- labelled as A. Every probe must affect 0 rows (or be refused outright).
-- On Citus run it on the coordinator (the tenant tables there, memory_chunks through
-- Citus) and on each worker node (memory_chunks through Citus, and each shard of it on
-- that node, read directly). The tenant is set with SET LOCAL, which Citus sends on to
-- the worker nodes; the positive control proves it arrived.
\set ON_ERROR_STOP on
\set QUIET on
-- Citus: send SET LOCAL on to the worker nodes, and show this node's shards. (Without
-- Citus these only set placeholders for this session.)
set citus.propagate_set_commands = 'local';
set citus.override_table_visibility = off;

do $$
declare
  tenant_a constant text := pg_catalog.encode(pg_catalog.sha256('memvault leak test: tenant A'::bytea), 'hex');
  tenant_b constant text := pg_catalog.encode(pg_catalog.sha256('memvault leak test: tenant B'::bytea), 'hex');
  probe_vector text;
  -- table, the role that writes A's rows, an insert of one row for %L (user_hash), an update
  tables text[][] := array[
    array['memory_chunks', 'memvault_worker',
          'insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding) values (%L, 1, ''\x01'', ''\x02'', ''\x03'', %L::public.vector)',
          'update memvault.memory_chunks set key_version = key_version + 1'],
    -- A label row needs its memory (foreign key; so did a term row before 000022): tenant A's
    -- rows hang on one memory of A's (written below), and every insert is a new one on it.
    array['memory_labels', 'memvault_worker',
          'insert into memvault.memory_labels (user_hash, label_hash, memory_id) values (%L, pg_catalog.sha256(pg_catalog.gen_random_uuid()::text::bytea), ''00000000-0000-4000-8000-00000000000a'')',
          'update memvault.memory_labels set label_hash = label_hash'],
    array['memory_terms', 'memvault_worker',
          'insert into memvault.memory_terms (user_hash, term_hash, memory_id, frequency, memory_length) values (%L, pg_catalog.substr(pg_catalog.sha256(pg_catalog.gen_random_uuid()::text::bytea), 1, 16), ''00000000-0000-4000-8000-00000000000a'', 1, 2)',
          'update memvault.memory_terms set term_hash = term_hash'],
    -- One statistics row per tenant: A's three writes add to it.
    array['memory_term_stats', 'memvault_worker',
          'insert into memvault.memory_term_stats (user_hash, documents, total_length) values (%L, 1, 1) on conflict (user_hash) do update set documents = memory_term_stats.documents + 1',
          'update memvault.memory_term_stats set documents = documents + 1'],
    -- Tenants' wrapped data keys: written by the API and the worker, changed by no runtime role.
    array['tenant_keys', 'memvault_user',
          -- A random version (Citus takes no subquery in an INSERT): three of a million.
          'insert into memvault.tenant_keys (user_hash, version, key_id, kek_id, wrapped) values (%L, (pg_catalog.random() * 1000000)::integer, pg_catalog.gen_random_uuid(), ''keyring:1'', pg_catalog.sha256(''k''::bytea) || pg_catalog.sha256(''w''::bytea))',
          'update memvault.tenant_keys set kek_id = kek_id'],
    -- Erasure records: written by memvault.erase_tenant() alone, a definer, so as its owner.
    array['tenant_erasures', 'memvault_owner',
          'insert into memvault.tenant_erasures (user_hash, erasure_id, key_ids) values (%L, pg_catalog.gen_random_uuid(), ''{}'')',
          'update memvault.tenant_erasures set purged_memories = purged_memories + 1'],
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
  durable boolean;
  expected integer;
begin
  select '[' || pg_catalog.array_to_string(pg_catalog.array_fill(0.5::real, array[a.atttypmod]), ',') || ']' into probe_vector
  from pg_catalog.pg_attribute a
  where a.attrelid = 'memvault.memory_chunks'::pg_catalog.regclass and a.attname = 'embedding';

  -- The shards of memory_chunks stored on this node (a Citus worker node), probed
  -- directly as an attacker with a node login would; then only the tables this node has
  -- (a worker node has no queues).
  select tables || coalesce(array_agg(array[c.relname::text, 'memvault_worker',
           pg_catalog.replace(tables[1][3], 'memvault.memory_chunks ', pg_catalog.format('memvault.%I ', c.relname)),
           pg_catalog.replace(tables[1][4], 'memvault.memory_chunks ', pg_catalog.format('memvault.%I ', c.relname))] order by c.relname), '{}')
  into tables
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'memvault' and c.relname ~ '^memory_chunks_[0-9]+$' and c.relkind = 'r';
  select array_agg(array[tables[i][1], tables[i][2], tables[i][3], tables[i][4]] order by i) into tables
  from pg_catalog.generate_subscripts(tables, 1) as i
  where pg_catalog.to_regclass('memvault.' || pg_catalog.quote_ident(tables[i][1])) is not null;

  foreach t slice 1 in array tables loop
    durable := t[1] ~ '^(memory_(chunks(_[0-9]+)?|labels|terms|term_stats)|tenant_keys|tenant_erasures)$';
    expected := case when t[1] = 'memory_term_stats' then 1 else 3 end;
    if durable then
      -- memory_labels' rows go with their memories (the foreign key cascades).
      execute pg_catalog.format('delete from memvault.%I where user_hash = %L', case t[1] when 'memory_labels' then 'memory_chunks' else t[1] end, tenant_a);
      if t[1] = 'memory_terms' then
        execute pg_catalog.format('delete from memvault.memory_chunks where user_hash = %L', tenant_a);
      end if;
      commit;
    end if;
    if t[1] in ('memory_labels', 'memory_terms') then
      execute pg_catalog.format('insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding) values (%L, ''00000000-0000-4000-8000-00000000000a'', 1, ''\x01'', ''\x02'', ''\x03'', %L::public.vector)', tenant_a, probe_vector);
      commit;
    end if;
    -- Tenant A writes three rows (one statistics row, three times), as the application does.
    execute pg_catalog.format('set local app.user_hash = %L', tenant_a);
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
    if own <> expected then
      raise exception 'leak test is broken: tenant A sees % of its own % rows in %', own, expected, t[1];
    end if;
    if durable then
      commit;
    end if;

    foreach r in array array['memvault_user', 'memvault_worker', 'memvault_owner'] loop
      foreach ident in array array['other tenant', 'empty setting', 'no setting'] loop
        foreach op in array array['select', 'update', 'delete', 'insert as A'] loop
          perform pg_catalog.set_config('role', r, true);
          execute pg_catalog.format('set local app.user_hash = %L', case ident when 'other tenant' then tenant_b else '' end);
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
          if durable then
            rollback;
          end if;
        end loop;
      end loop;
    end loop;

    -- A's rows must still be exactly as written (counted as the superuser, by key).
    reset role;
    execute pg_catalog.format('select count(*) from memvault.%I where user_hash = %L', t[1], tenant_a) into own;
    if own <> expected then
      leaked := leaked + abs(expected - own);
      raise notice 'LEAK tenant A now has % of its % rows in %', own, expected, t[1];
    end if;
    rollback; -- the queue tables' rows and every probe's effect; back to the superuser
    if durable then
      execute pg_catalog.format('delete from memvault.%I where user_hash = %L', case t[1] when 'memory_labels' then 'memory_chunks' else t[1] end, tenant_a);
      if t[1] = 'memory_terms' then
        execute pg_catalog.format('delete from memvault.memory_chunks where user_hash = %L', tenant_a);
      end if;
      commit;
    end if;
  end loop;

  raise notice 'RESULT: % leaked rows in % probes of % tables', leaked, probes, pg_catalog.array_length(tables, 1);
  if leaked > 0 then
    raise exception 'leak test FAILED: % rows of tenant A were reachable', leaked;
  end if;
end
$$;
