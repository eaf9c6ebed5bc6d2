-- Cluster-wide roles. Run as a superuser before the database exists (memvault db migrate
-- does) and again after every reset. Idempotent, and it re-asserts the attributes every
-- time so that a role widened by hand is narrowed again. LOGIN and passwords are an
-- operator's decision (the local cluster sets them); none is granted here.
do $$
declare
  r text;
  v text;
begin
  foreach r in array array['memvault_owner', 'memvault_user', 'memvault_worker', 'memvault_monitor', 'memvault_operator', 'memvault_authenticator'] loop
    if not exists (select 1 from pg_roles where rolname = r) then
      execute format('create role %I nologin', r);
    end if;
    execute format('alter role %I nosuperuser nobypassrls nocreatedb nocreaterole noreplication', r);
  end loop;
  -- The API logs in as the authenticator, which holds no privileges of its own
  -- (NOINHERIT) and may only switch to memvault_user per transaction.
  alter role memvault_authenticator noinherit;
  if not exists (
    select 1 from pg_auth_members m
    where m.roleid = 'memvault_user'::regrole and m.member = 'memvault_authenticator'::regrole
  ) then
    grant memvault_user to memvault_authenticator;
  end if;
  -- PostgreSQL 16 and later decide inheritance per grant (the role attribute is only the
  -- default for new grants): assert it on the grant too, and keep SET, which SET ROLE needs.
  if pg_catalog.current_setting('server_version_num')::int >= 160000 then
    execute 'grant memvault_user to memvault_authenticator with inherit false, set true';
  end if;
  -- Nothing a runtime login runs may wait for ever. Defaults only: a value a DBA set
  -- (ALTER ROLE ... SET statement_timeout) is kept.
  for r, v in select * from (values ('memvault_authenticator', '15s'), ('memvault_worker', '5min'), ('memvault_monitor', '1min'), ('memvault_operator', '1min')) d(r, v) loop
    if not exists (
      select 1 from pg_db_role_setting s
      where s.setrole = r::regrole and s.setdatabase = 0
        and exists (select 1 from unnest(s.setconfig) c where c like 'statement_timeout=%')
    ) then
      execute format('alter role %I set statement_timeout = %L', r, v);
    end if;
  end loop;
  if not exists (
    select 1 from pg_db_role_setting s
    where s.setrole = 'memvault_authenticator'::regrole and s.setdatabase = 0
      and exists (select 1 from unnest(s.setconfig) c where c like 'idle_in_transaction_session_timeout=%')
  ) then
    alter role memvault_authenticator set idle_in_transaction_session_timeout = '1min';
  end if;
end
$$;
