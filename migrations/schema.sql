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
-- Name: search_chunks(public.vector, integer); Type: FUNCTION; Schema: memvault; Owner: memvault_owner
--

CREATE FUNCTION memvault.search_chunks(query public.vector, k integer DEFAULT 8) RETURNS TABLE(id uuid, distance double precision)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
declare
  tenant text := nullif(current_setting('app.user_hash', true), '');
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
    $sql$, tenant) into ids, distances using query, k;
  end if;

  if cardinality(ids) < k and tenant_rows > 0 then
    -- Small tenants, and large ones whose iterative scan gave up at hnsw.max_scan_tuples:
    -- rank the tenant's rows exactly. "+ 0" keeps the planner off the ANN index.
    execute format($sql$
      select coalesce(array_agg(id order by distance, id), '{}'), coalesce(array_agg(distance order by distance, id), '{}')
      from (
        select c.id, (c.embedding operator(public.<=>) $1) + 0 as distance
        from memvault.memory_chunks c
        where c.user_hash = %L
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

COMMENT ON FUNCTION memvault.search_chunks(query public.vector, k integer) IS 'The current tenant''s k (1..1000) nearest chunks by cosine distance, nearest first: exactly min(k, tenant rows) rows. Tenants up to memvault.exact_search_max_rows rows (default 2000) are ranked exactly, larger ones through HNSW with iterative scans.';

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: memory_chunks; Type: TABLE; Schema: memvault; Owner: memvault_owner
--

CREATE TABLE memvault.memory_chunks (
    user_hash text DEFAULT NULLIF(current_setting('app.user_hash'::text, true), ''::text) NOT NULL,
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
    s.last_autoanalyze
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
-- Name: memory_chunks memory_chunks_pkey; Type: CONSTRAINT; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE ONLY memvault.memory_chunks
    ADD CONSTRAINT memory_chunks_pkey PRIMARY KEY (user_hash, id);

--
-- Name: memory_chunks_embedding_hnsw; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_chunks_embedding_hnsw ON memvault.memory_chunks USING hnsw (embedding public.vector_cosine_ops) WHERE (user_hash IS NOT NULL);

--
-- Name: memory_chunks_user_hash_created_at; Type: INDEX; Schema: memvault; Owner: memvault_owner
--

CREATE INDEX memory_chunks_user_hash_created_at ON memvault.memory_chunks USING btree (user_hash, created_at);

--
-- Name: memory_chunks; Type: ROW SECURITY; Schema: memvault; Owner: memvault_owner
--

ALTER TABLE memvault.memory_chunks ENABLE ROW LEVEL SECURITY;

--
-- Name: memory_chunks tenant_isolation; Type: POLICY; Schema: memvault; Owner: memvault_owner
--

CREATE POLICY tenant_isolation ON memvault.memory_chunks USING ((user_hash = NULLIF(current_setting('app.user_hash'::text, true), ''::text))) WITH CHECK ((user_hash = NULLIF(current_setting('app.user_hash'::text, true), ''::text)));

--
-- Name: SCHEMA memvault; Type: ACL; Schema: -; Owner: memvault_owner
--

GRANT USAGE ON SCHEMA memvault TO memvault_user;
GRANT USAGE ON SCHEMA memvault TO memvault_worker;
GRANT USAGE ON SCHEMA memvault TO memvault_monitor;

--
-- Name: FUNCTION search_chunks(query public.vector, k integer); Type: ACL; Schema: memvault; Owner: memvault_owner
--

GRANT ALL ON FUNCTION memvault.search_chunks(query public.vector, k integer) TO memvault_user;
GRANT ALL ON FUNCTION memvault.search_chunks(query public.vector, k integer) TO memvault_worker;

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
-- PostgreSQL database dump complete
--
