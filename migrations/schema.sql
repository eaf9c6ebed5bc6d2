--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: memvault; Type: SCHEMA; Schema: -; Owner: memvault_owner
--

CREATE SCHEMA memvault;

ALTER SCHEMA memvault OWNER TO memvault_owner;

--
-- Name: SCHEMA memvault; Type: COMMENT; Schema: -; Owner: memvault_owner
--

COMMENT ON SCHEMA memvault IS 'memvault: tenant-isolated memories. Every tenant table has RLS enabled and forced on user_hash.';

--
-- Name: vector; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

--
-- Name: EXTENSION vector; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION vector IS 'vector data type and ivfflat and hnsw access methods';

--
-- Name: current_user_hash(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.current_user_hash() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select nullif(pg_catalog.current_setting('app.user_hash', true), '')
$$;

ALTER FUNCTION memvault.current_user_hash() OWNER TO memvault_owner;

--
-- Name: FUNCTION current_user_hash(); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.current_user_hash() IS 'The tenant of this transaction (app.user_hash), or null when unset or empty: then every tenant policy matches nothing.';

--
-- Name: request_reseal(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.request_reseal() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  n integer := 0;
  t text;
begin
  if not (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    raise exception 'memvault.request_reseal() must be run by a superuser: it lists every tenant'
      using errcode = '42501';
  end if;
  for t in select distinct user_hash from memvault.memory_chunks loop
    perform graphile_worker.add_job('reseal_chunks', json_build_object('userHash', t),
      job_key := 'reseal_chunks:' || t);
    n := n + 1;
  end loop;
  return n;
end;
$$;

ALTER FUNCTION memvault.request_reseal() OWNER TO memvault_owner;

--
-- Name: FUNCTION request_reseal(); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.request_reseal() IS 'Superuser only: enqueue a re-seal job per tenant (rows sealed under an older key version move to the current primary). Returns the number of tenants.';

--
-- Name: reserve_seals(integer, integer); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.reserve_seals(key_version integer, seals integer) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  total bigint;
begin
  if key_version is null or key_version < 1 then
    raise exception 'key_version must be positive' using errcode = '22023';
  end if;
  if seals is null or seals < 1 or seals > 16777216 then
    raise exception 'seals must be between 1 and 2^24' using errcode = '22023';
  end if;
  insert into memvault.key_seal_reservations as r (key_version, reserved)
  values (reserve_seals.key_version, reserve_seals.seals)
  on conflict on constraint key_seal_reservations_pkey do update
    set reserved = r.reserved + excluded.reserved, updated_at = now()
    where r.reserved + excluded.reserved <= 4294967296
  returning r.reserved into total;
  if total is null then
    raise exception 'key version % has reached 2^32 seals: rotate the keyring', reserve_seals.key_version
      using errcode = '54000';
  end if;
  return total;
end;
$$;

ALTER FUNCTION memvault.reserve_seals(key_version integer, seals integer) OWNER TO memvault_owner;

--
-- Name: FUNCTION reserve_seals(key_version integer, seals integer); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.reserve_seals(key_version integer, seals integer) IS 'Reserves a block of seals under a key version; returns the total reserved. 54000 once 2^32 would be passed.';

--
-- Name: search_chunks(public.vector, integer); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.search_chunks(query public.vector, k integer DEFAULT 8) RETURNS TABLE(id uuid, distance double precision)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
  tenant text := memvault.current_user_hash();
  exact_max integer := coalesce(nullif(current_setting('memvault.exact_search_max_rows', true), '')::integer, 2000);
  tenant_rows integer;
  ids uuid[] := '{}';
  distances double precision[] := '{}';
begin
  if k is null or k < 1 or k > 1000 then
    raise exception 'k must be between 1 and 1000' using errcode = '22023';
  end if;
  if query is null or public.vector_dims(query) <> 384 then
    raise exception 'query embedding must have 384 dimensions' using errcode = '22000';
  end if;
  if public.vector_norm(query) = 0 then
    raise exception 'query embedding must not be the zero vector' using errcode = '22023';
  end if;
  if tenant is null then
    return; -- fail closed; RLS would return nothing anyway
  end if;

  -- Dynamic SQL throughout so the planner sees this tenant's literal key.
  -- How big is the tenant, up to exact_max + 1 rows (an index-only count)?
  execute format('select count(*) from (select 1 from memvault.memory_chunks c where c.user_hash = %L limit %s) s',
                 tenant, exact_max + 1) into tenant_rows;

  if tenant_rows > exact_max then
    -- Without iterative scans the HNSW scan returns ef_search candidates and RLS then
    -- drops every other tenant's: a small share of the table would get too few rows.
    -- (The cosine HNSW index holds no zero vectors.)
    perform set_config('hnsw.iterative_scan', 'relaxed_order', true);
    perform set_config('hnsw.ef_search',
      greatest(coalesce(nullif(current_setting('hnsw.ef_search', true), '')::integer, 40), 2 * k)::text, true);
    execute format($sql$
      select coalesce(array_agg(id order by distance, id), '{}'), coalesce(array_agg(distance order by distance, id), '{}')
      from (
        select c.id, c.embedding operator(public.<=>) $1 as distance
        from memvault.memory_chunks c
        where c.user_hash = %L
        order by c.embedding operator(public.<=>) $1
        limit $2
      ) candidates
      where distance <> 'NaN'::double precision
    $sql$, tenant) into ids, distances using query, k;
  end if;

  if cardinality(ids) < k and tenant_rows > 0 then
    -- Small tenants, and large ones whose iterative scan gave up at hnsw.max_scan_tuples:
    -- rank the tenant's rows exactly. "+ 0" keeps the planner off the ANN index. A zero
    -- vector (NaN distance; only rows from before the CHECK) is never a hit.
    execute format($sql$
      select coalesce(array_agg(id order by distance, id), '{}'), coalesce(array_agg(distance order by distance, id), '{}')
      from (
        select c.id, (c.embedding operator(public.<=>) $1) + 0 as distance
        from memvault.memory_chunks c
        where c.user_hash = %L
          and (c.embedding operator(public.<=>) $1) <> 'NaN'::double precision
        order by 2
        limit $2
      ) exact
    $sql$, tenant) into ids, distances using query, k;
  end if;

  return query select u.id, u.distance from unnest(ids, distances) as u(id, distance);
end;
$_$;

ALTER FUNCTION memvault.search_chunks(query public.vector, k integer) OWNER TO memvault_owner;

--
-- Name: FUNCTION search_chunks(query public.vector, k integer); Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON FUNCTION memvault.search_chunks(query public.vector, k integer) IS 'The current tenant''s k (1..1000) nearest chunks by cosine distance, nearest first: exactly min(k, tenant rows with a non-zero embedding) rows. Tenants up to memvault.exact_search_max_rows rows (default 2000) are ranked exactly, larger ones through HNSW with iterative scans. A zero query vector is refused (22023).';

--
-- Name: tg_chunk_ingest__enqueue_seal(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.tg_chunk_ingest__enqueue_seal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  t record;
  i integer;
begin
  for t in select user_hash, count(*)::integer as n, min(id::text) as only_id from inserted group by user_hash loop
    if t.n = 1 then
      perform graphile_worker.add_job('seal_chunk',
        json_build_object('userHash', t.user_hash, 'id', t.only_id),
        job_key := 'seal_chunk:' || t.user_hash || ':' || t.only_id);
    else
      for i in 1 .. least(4, ceil(t.n / 500.0)::integer) loop
        perform graphile_worker.add_job('seal_batch',
          json_build_object('userHash', t.user_hash),
          job_key := 'seal_batch:' || t.user_hash || ':' || i);
      end loop;
    end if;
  end loop;
  return null;
end;
$$;

ALTER FUNCTION memvault.tg_chunk_ingest__enqueue_seal() OWNER TO memvault_owner;

--
-- Name: tg_chunk_ingest__reject_sealed_ids(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.tg_chunk_ingest__reject_sealed_ids() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
declare
  taken uuid;
begin
  select i.id into taken
  from inserted i join memvault.memory_chunks c on c.user_hash = i.user_hash and c.id = i.id
  limit 1;
  if found then
    raise exception 'chunk % already exists', taken using errcode = '23505', constraint = 'memory_chunks_pkey';
  end if;
  return null;
end;
$$;

ALTER FUNCTION memvault.tg_chunk_ingest__reject_sealed_ids() OWNER TO memvault_owner;

--
-- Name: tg_search_requests__enqueue(); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.tg_search_requests__enqueue() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
begin
  perform graphile_worker.add_job('rerank_search',
    json_build_object('userHash', new.user_hash, 'id', new.id),
    max_attempts := 1, priority := -10);
  perform graphile_worker.add_job('expire_search_requests',
    json_build_object('userHash', new.user_hash),
    job_key := 'expire_search_requests:' || new.user_hash,
    job_key_mode := 'preserve_run_at');
  return null;
end;
$$;

ALTER FUNCTION memvault.tg_search_requests__enqueue() OWNER TO memvault_owner;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: chunk_ingest; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.chunk_ingest (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    text text NOT NULL,
    meta jsonb DEFAULT '{}'::jsonb NOT NULL,
    embedding public.vector(384) NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    CONSTRAINT chunk_ingest_meta_object CHECK ((jsonb_typeof(meta) = 'object'::text)),
    CONSTRAINT chunk_ingest_meta_size CHECK ((octet_length((meta)::text) <= 16384)),
    CONSTRAINT chunk_ingest_text_size CHECK (((octet_length(text) >= 1) AND (octet_length(text) <= 65536))),
    CONSTRAINT chunk_ingest_user_hash_format CHECK ((user_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY memvault.chunk_ingest FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.chunk_ingest OWNER TO memvault_owner;

--
-- Name: TABLE chunk_ingest; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.chunk_ingest IS 'Plaintext chunks waiting for the worker to seal them into memory_chunks; each row lives until its seal job commits.';

--
-- Name: COLUMN chunk_ingest.last_error; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.chunk_ingest.last_error IS 'Error code of the last failed seal attempt (never content).';

--
-- Name: key_seal_reservations; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.key_seal_reservations (
    key_version integer NOT NULL,
    reserved bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT key_seal_reservations_bound CHECK (((reserved >= 0) AND (reserved <= '4294967296'::bigint))),
    CONSTRAINT key_seal_reservations_key_version_positive CHECK ((key_version > 0))
);

ALTER TABLE memvault.key_seal_reservations OWNER TO memvault_owner;

--
-- Name: TABLE key_seal_reservations; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.key_seal_reservations IS 'Seals reserved so far per key version (an upper bound on encryptions performed). No tenant data.';

--
-- Name: memory_chunks; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.memory_chunks (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    key_version integer NOT NULL,
    text_cipher bytea NOT NULL,
    meta_cipher bytea NOT NULL,
    emb_cipher bytea NOT NULL,
    embedding public.vector(384) NOT NULL,
    CONSTRAINT memory_chunks_key_version_positive CHECK ((key_version > 0)),
    CONSTRAINT memory_chunks_user_hash_format CHECK ((user_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY memvault.memory_chunks FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.memory_chunks OWNER TO memvault_owner;

--
-- Name: TABLE memory_chunks; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.memory_chunks IS 'Sealed memory chunks, one tenant per user_hash. Text, meta and an embedding copy are AES-256-GCM sealed in the app tier; embedding is plaintext for ANN search.';

--
-- Name: COLUMN memory_chunks.user_hash; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.memory_chunks.user_hash IS 'HMAC-SHA256 (lowercase hex) of the user id, computed by the app tier.';

--
-- Name: COLUMN memory_chunks.key_version; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON COLUMN memvault.memory_chunks.key_version IS 'Keyring version that sealed the *_cipher columns.';

--
-- Name: monitor_indexes; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.monitor_indexes AS
 SELECT (t.relname)::text AS table_name,
    (i.relname)::text AS index_name,
    (am.amname)::text AS method,
    x.indisvalid AS is_valid,
    pg_relation_size((i.oid)::regclass) AS size_bytes,
    s.idx_scan,
    s.idx_tup_read,
    s.idx_tup_fetch,
    pg_get_indexdef(i.oid) AS definition
   FROM (((((pg_index x
     JOIN pg_class i ON ((i.oid = x.indexrelid)))
     JOIN pg_class t ON ((t.oid = x.indrelid)))
     JOIN pg_namespace n ON ((n.oid = t.relnamespace)))
     JOIN pg_am am ON ((am.oid = i.relam)))
     LEFT JOIN pg_stat_user_indexes s ON ((s.indexrelid = i.oid)))
  WHERE (n.nspname = 'memvault'::name);

ALTER TABLE memvault.monitor_indexes OWNER TO memvault_owner;

--
-- Name: VIEW monitor_indexes; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.monitor_indexes IS 'Per index: method, validity, size and how often it was actually scanned.';

--
-- Name: monitor_policies; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.monitor_policies AS
 SELECT (pg_policies.tablename)::text AS table_name,
    (pg_policies.policyname)::text AS policy_name,
    pg_policies.permissive,
    pg_policies.roles,
    pg_policies.cmd,
    pg_policies.qual AS using_expression,
    pg_policies.with_check AS check_expression
   FROM pg_policies
  WHERE (pg_policies.schemaname = 'memvault'::name);

ALTER TABLE memvault.monitor_policies OWNER TO memvault_owner;

--
-- Name: VIEW monitor_policies; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.monitor_policies IS 'Row-level security policies on memvault tables.';

--
-- Name: monitor_tables; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.monitor_tables AS
 SELECT (c.relname)::text AS table_name,
    c.relrowsecurity AS rls_enabled,
    c.relforcerowsecurity AS rls_forced,
    (( SELECT count(*) AS count
           FROM pg_policy p
          WHERE (p.polrelid = c.oid)))::integer AS policies,
    s.n_live_tup AS estimated_rows,
    pg_total_relation_size((c.oid)::regclass) AS total_bytes,
    s.seq_scan,
    s.idx_scan,
    s.last_autovacuum,
    s.last_autoanalyze,
    (EXISTS ( SELECT 1
           FROM pg_attribute a
          WHERE ((a.attrelid = c.oid) AND (a.attname = 'user_hash'::name) AND (NOT a.attisdropped)))) AS is_tenant_table
   FROM ((pg_class c
     JOIN pg_namespace n ON ((n.oid = c.relnamespace)))
     LEFT JOIN pg_stat_user_tables s ON ((s.relid = c.oid)))
  WHERE ((n.nspname = 'memvault'::name) AND (c.relkind = ANY (ARRAY['r'::"char", 'p'::"char"])));

ALTER TABLE memvault.monitor_tables OWNER TO memvault_owner;

--
-- Name: VIEW monitor_tables; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.monitor_tables IS 'Per table: RLS state, policy count, estimated rows, size and scan counters.';

--
-- Name: seal_backlog; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.seal_backlog AS
 SELECT j.task_identifier,
    (count(*))::integer AS jobs,
    (count(*) FILTER (WHERE (j.attempts >= j.max_attempts)))::integer AS failed,
    (count(*) FILTER (WHERE (j.locked_at IS NOT NULL)))::integer AS running,
    EXTRACT(epoch FROM (now() - min(j.created_at))) AS oldest_age_seconds
   FROM graphile_worker.jobs j
  WHERE (j.task_identifier = ANY (ARRAY['seal_chunk'::text, 'seal_batch'::text, 'reseal_chunks'::text]))
  GROUP BY j.task_identifier;

ALTER TABLE memvault.seal_backlog OWNER TO memvault_owner;

--
-- Name: VIEW seal_backlog; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.seal_backlog IS 'Pending seal and re-seal jobs by task: count, failed, running, age of the oldest.';

--
-- Name: seal_failures; Type: VIEW; Schema: memvault; Owner: memvault_owner
--

CREATE VIEW memvault.seal_failures AS
 SELECT j.id AS job_id,
    t.identifier AS task_identifier,
    (j.payload ->> 'userHash'::text) AS user_hash,
    (j.payload ->> 'id'::text) AS chunk_id,
    j.attempts,
    j.max_attempts,
    j.last_error,
    j.created_at,
    j.updated_at
   FROM (graphile_worker._private_jobs j
     JOIN graphile_worker._private_tasks t ON ((t.id = j.task_id)))
  WHERE ((t.identifier = ANY (ARRAY['seal_chunk'::text, 'seal_batch'::text, 'reseal_chunks'::text])) AND (j.attempts >= j.max_attempts));

ALTER TABLE memvault.seal_failures OWNER TO memvault_owner;

--
-- Name: VIEW seal_failures; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON VIEW memvault.seal_failures IS 'Seal and re-seal jobs that failed permanently (max attempts), with their last error. Ids only, no content. `memvault ingest retry` reschedules them.';

--
-- Name: search_requests; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.search_requests (
    user_hash text DEFAULT memvault.current_user_hash() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    query_cipher bytea NOT NULL,
    key_version integer NOT NULL,
    candidate_ids uuid[] NOT NULL,
    candidate_distances double precision[] NOT NULL,
    deadline timestamp with time zone NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    skip_reason text,
    ranked_ids uuid[],
    scores real[],
    latency_ms double precision,
    finished_at timestamp with time zone,
    CONSTRAINT search_requests_candidates CHECK (((cardinality(candidate_ids) = cardinality(candidate_distances)) AND (cardinality(candidate_ids) <= 100))),
    CONSTRAINT search_requests_key_version_positive CHECK ((key_version > 0)),
    CONSTRAINT search_requests_skip_reason CHECK ((skip_reason = ANY (ARRAY['timeout'::text, 'error'::text, 'breaker_open'::text, 'disabled'::text, 'no_model'::text, 'deadline'::text]))),
    CONSTRAINT search_requests_status CHECK ((status = ANY (ARRAY['pending'::text, 'reranked'::text, 'skipped'::text]))),
    CONSTRAINT search_requests_user_hash_format CHECK ((user_hash ~ '^[0-9a-f]{64}$'::text))
);

ALTER TABLE ONLY memvault.search_requests FORCE ROW LEVEL SECURITY;

ALTER TABLE memvault.search_requests OWNER TO memvault_owner;

--
-- Name: TABLE search_requests; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.search_requests IS 'Rerank requests: ANN candidates in order, the sealed query, and the reranked order or the skip reason. Deleted after the retention period.';

--
-- Name: worker_heartbeats; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.worker_heartbeats (
    worker_id text NOT NULL,
    process text NOT NULL,
    last_seen timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE memvault.worker_heartbeats OWNER TO memvault_owner;

--
-- Name: TABLE worker_heartbeats; Type: COMMENT; Schema: memvault; Owner: memvault_owner
--

COMMENT ON TABLE memvault.worker_heartbeats IS 'graphile-worker worker ids of running memvault worker processes, with their last heartbeat. No tenant data.';

--
-- Name: chunk_ingest chunk_ingest_embedding_nonzero; Type: CHECK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.chunk_ingest
    ADD CONSTRAINT chunk_ingest_embedding_nonzero CHECK ((public.vector_norm(embedding) > (0)::double precision)) NOT VALID;

--
-- Name: chunk_ingest chunk_ingest_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.chunk_ingest
    ADD CONSTRAINT chunk_ingest_pkey PRIMARY KEY (user_hash, id);

--
-- Name: key_seal_reservations key_seal_reservations_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.key_seal_reservations
    ADD CONSTRAINT key_seal_reservations_pkey PRIMARY KEY (key_version);

--
-- Name: memory_chunks memory_chunks_embedding_nonzero; Type: CHECK CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.memory_chunks
    ADD CONSTRAINT memory_chunks_embedding_nonzero CHECK ((public.vector_norm(embedding) > (0)::double precision)) NOT VALID;

--
-- Name: memory_chunks memory_chunks_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.memory_chunks
    ADD CONSTRAINT memory_chunks_pkey PRIMARY KEY (user_hash, id);

--
-- Name: search_requests search_requests_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.search_requests
    ADD CONSTRAINT search_requests_pkey PRIMARY KEY (user_hash, id);

--
-- Name: worker_heartbeats worker_heartbeats_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.worker_heartbeats
    ADD CONSTRAINT worker_heartbeats_pkey PRIMARY KEY (worker_id);

--
-- Name: chunk_ingest_user_hash_created_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX chunk_ingest_user_hash_created_at ON memvault.chunk_ingest USING btree (user_hash, created_at);

--
-- Name: memory_chunks_embedding_hnsw; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_chunks_embedding_hnsw ON memvault.memory_chunks USING hnsw (embedding public.vector_cosine_ops) WHERE (user_hash IS NOT NULL);

--
-- Name: memory_chunks_user_hash_created_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_chunks_user_hash_created_at ON memvault.memory_chunks USING btree (user_hash, created_at);

--
-- Name: search_requests_user_hash_created_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX search_requests_user_hash_created_at ON memvault.search_requests USING btree (user_hash, created_at);

--
-- Name: chunk_ingest _050_reject_sealed_ids; Type: TRIGGER; Schema: memvault; Owner: memvault_owner
--

CREATE TRIGGER _050_reject_sealed_ids AFTER INSERT ON memvault.chunk_ingest REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION memvault.tg_chunk_ingest__reject_sealed_ids();

--
-- Name: search_requests _900_enqueue_rerank; Type: TRIGGER; Schema: memvault; Owner: memvault_owner
--

CREATE TRIGGER _900_enqueue_rerank AFTER INSERT ON memvault.search_requests FOR EACH ROW EXECUTE FUNCTION memvault.tg_search_requests__enqueue();

--
-- Name: chunk_ingest _900_enqueue_seal; Type: TRIGGER; Schema: memvault; Owner: memvault_owner
--

CREATE TRIGGER _900_enqueue_seal AFTER INSERT ON memvault.chunk_ingest REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION memvault.tg_chunk_ingest__enqueue_seal();

--
-- Name: chunk_ingest; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.chunk_ingest ENABLE ROW LEVEL SECURITY;

--
-- Name: memory_chunks; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.memory_chunks ENABLE ROW LEVEL SECURITY;

--
-- Name: search_requests; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.search_requests ENABLE ROW LEVEL SECURITY;

--
-- Name: chunk_ingest tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.chunk_ingest USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: memory_chunks tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.memory_chunks USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: search_requests tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.search_requests USING ((user_hash = memvault.current_user_hash())) WITH CHECK ((user_hash = memvault.current_user_hash()));

--
-- Name: SCHEMA memvault; Type: ACL; Schema: -; Owner: memvault_owner
--

GRANT USAGE ON SCHEMA memvault TO memvault_user;
GRANT USAGE ON SCHEMA memvault TO memvault_worker;
GRANT USAGE ON SCHEMA memvault TO memvault_monitor;

--
-- Name: FUNCTION current_user_hash(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT ALL ON FUNCTION memvault.current_user_hash() TO memvault_user;
GRANT ALL ON FUNCTION memvault.current_user_hash() TO memvault_worker;
GRANT ALL ON FUNCTION memvault.current_user_hash() TO memvault_monitor;

--
-- Name: FUNCTION reserve_seals(key_version integer, seals integer); Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT ALL ON FUNCTION memvault.reserve_seals(key_version integer, seals integer) TO memvault_user;
GRANT ALL ON FUNCTION memvault.reserve_seals(key_version integer, seals integer) TO memvault_worker;

--
-- Name: FUNCTION search_chunks(query public.vector, k integer); Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT ALL ON FUNCTION memvault.search_chunks(query public.vector, k integer) TO memvault_user;
GRANT ALL ON FUNCTION memvault.search_chunks(query public.vector, k integer) TO memvault_worker;

--
-- Name: FUNCTION tg_chunk_ingest__enqueue_seal(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.tg_chunk_ingest__enqueue_seal() FROM PUBLIC;

--
-- Name: FUNCTION tg_search_requests__enqueue(); Type: ACL; Schema: memvault; Owner: memvault_owner
--

REVOKE ALL ON FUNCTION memvault.tg_search_requests__enqueue() FROM PUBLIC;

--
-- Name: TABLE chunk_ingest; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT DELETE ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(user_hash) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(id),INSERT(id) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(id) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.created_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(created_at) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(created_at) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.text; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(text) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(text) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.meta; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(meta) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(meta) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.embedding; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(embedding) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(embedding) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.attempts; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(attempts) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(attempts),UPDATE(attempts) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: COLUMN chunk_ingest.last_error; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(last_error) ON TABLE memvault.chunk_ingest TO memvault_user;
GRANT SELECT(last_error),UPDATE(last_error) ON TABLE memvault.chunk_ingest TO memvault_worker;

--
-- Name: TABLE key_seal_reservations; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.key_seal_reservations TO memvault_monitor;

--
-- Name: TABLE memory_chunks; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.memory_chunks TO memvault_user;

--
-- Name: COLUMN memory_chunks.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(id) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(id),INSERT(id) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.created_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(created_at) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(created_at),INSERT(created_at) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.key_version; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(key_version) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(key_version),INSERT(key_version),UPDATE(key_version) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.text_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(text_cipher) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(text_cipher),INSERT(text_cipher),UPDATE(text_cipher) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.meta_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(meta_cipher) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(meta_cipher),INSERT(meta_cipher),UPDATE(meta_cipher) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.emb_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(emb_cipher) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(emb_cipher),INSERT(emb_cipher),UPDATE(emb_cipher) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: COLUMN memory_chunks.embedding; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(embedding) ON TABLE memvault.memory_chunks TO memvault_user;
GRANT SELECT(embedding),INSERT(embedding) ON TABLE memvault.memory_chunks TO memvault_worker;

--
-- Name: TABLE monitor_indexes; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.monitor_indexes TO memvault_monitor;

--
-- Name: TABLE monitor_policies; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.monitor_policies TO memvault_monitor;

--
-- Name: TABLE monitor_tables; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.monitor_tables TO memvault_monitor;

--
-- Name: TABLE seal_backlog; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.seal_backlog TO memvault_monitor;
GRANT SELECT ON TABLE memvault.seal_backlog TO memvault_worker;

--
-- Name: TABLE seal_failures; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT ON TABLE memvault.seal_failures TO memvault_monitor;
GRANT SELECT ON TABLE memvault.seal_failures TO memvault_worker;

--
-- Name: TABLE search_requests; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT DELETE ON TABLE memvault.search_requests TO memvault_user;
GRANT SELECT,DELETE ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.user_hash; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(user_hash),INSERT(user_hash) ON TABLE memvault.search_requests TO memvault_user;

--
-- Name: COLUMN search_requests.id; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(id),INSERT(id) ON TABLE memvault.search_requests TO memvault_user;

--
-- Name: COLUMN search_requests.created_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(created_at) ON TABLE memvault.search_requests TO memvault_user;

--
-- Name: COLUMN search_requests.query_cipher; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(query_cipher) ON TABLE memvault.search_requests TO memvault_user;

--
-- Name: COLUMN search_requests.key_version; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT INSERT(key_version) ON TABLE memvault.search_requests TO memvault_user;

--
-- Name: COLUMN search_requests.candidate_ids; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(candidate_ids),INSERT(candidate_ids) ON TABLE memvault.search_requests TO memvault_user;

--
-- Name: COLUMN search_requests.candidate_distances; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(candidate_distances),INSERT(candidate_distances) ON TABLE memvault.search_requests TO memvault_user;

--
-- Name: COLUMN search_requests.deadline; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(deadline),INSERT(deadline) ON TABLE memvault.search_requests TO memvault_user;

--
-- Name: COLUMN search_requests.status; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(status) ON TABLE memvault.search_requests TO memvault_user;
GRANT UPDATE(status) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.skip_reason; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(skip_reason) ON TABLE memvault.search_requests TO memvault_user;
GRANT UPDATE(skip_reason) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.ranked_ids; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(ranked_ids) ON TABLE memvault.search_requests TO memvault_user;
GRANT UPDATE(ranked_ids) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.scores; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(scores) ON TABLE memvault.search_requests TO memvault_user;
GRANT UPDATE(scores) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.latency_ms; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(latency_ms) ON TABLE memvault.search_requests TO memvault_user;
GRANT UPDATE(latency_ms) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: COLUMN search_requests.finished_at; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT(finished_at) ON TABLE memvault.search_requests TO memvault_user;
GRANT UPDATE(finished_at) ON TABLE memvault.search_requests TO memvault_worker;

--
-- Name: TABLE worker_heartbeats; Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE memvault.worker_heartbeats TO memvault_worker;
GRANT SELECT ON TABLE memvault.worker_heartbeats TO memvault_monitor;

--
-- PostgreSQL database dump complete
--
