\timing on
begin;
create temp table src as select ('\x' || md5(g::text))::bytea as h, gen_random_uuid() as m, 1 as f, 40 as l from generate_series(1, 20000) g;
create table memvault.v1 (user_hash text not null, term_hash bytea not null, memory_id uuid not null, frequency int not null, memory_length int not null, primary key (user_hash, term_hash, memory_id) include (frequency, memory_length));
create index on memvault.v1 (user_hash, memory_id);
create table memvault.v2 (user_hash text not null, term_hash bytea not null, memory_id uuid not null, frequency int not null, memory_length int not null, primary key (user_hash, term_hash, memory_id) include (frequency, memory_length));
create table memvault.v3 (user_hash text not null, term_hash bytea not null, memory_id uuid not null, frequency int not null, memory_length int not null, primary key (user_hash, term_hash, memory_id));
create index on memvault.v3 (user_hash, memory_id);
create table memvault.v4 (user_hash text not null, term_hash bytea not null, memory_id uuid not null, frequency smallint not null, memory_length smallint not null);
insert into memvault.v1 select repeat('ab', 32), h, m, f, l from src;
insert into memvault.v2 select repeat('ab', 32), h, m, f, l from src;
insert into memvault.v3 select repeat('ab', 32), h, m, f, l from src;
insert into memvault.v4 select repeat('ab', 32), h, m, f, l from src;
rollback;
