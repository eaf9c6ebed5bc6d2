-- Superuser-only set-up inside the application database. Runs after every reset and
-- before every `memvault db migrate`; idempotent.
create extension if not exists vector;

-- Only memvault's roles may connect, and no role may create temporary tables: with
-- pgvector < 0.8.2 (CVE-2026-3172) no runtime role may build indexes anywhere.
revoke all on database :DATABASE_NAME from public;
grant connect on database :DATABASE_NAME to memvault_owner, memvault_user, memvault_worker, memvault_monitor, memvault_operator, memvault_authenticator;
revoke create on schema public from public;
