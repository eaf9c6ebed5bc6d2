\timing on
begin;
create temp table src as select ('\x' || md5(random()::text))::bytea as h, gen_random_uuid() as m, 1 as f, 40 as l from generate_series(1, 20000);
create table memvault.w1 (user_hash text not null, term_hash bytea not null, memory_id uuid not null, frequency int not null, memory_length int not null, term_hashes bytea, primary key (user_hash, term_hash, memory_id) include (frequency, memory_length),
  check (user_hash ~ '^[0-9a-f]{64}$'), check (octet_length(term_hash) in (0, 16)), check (frequency >= 0 and memory_length >= 0 and frequency <= memory_length));
create table memvault.w2 (user_hash text not null, term_hash bytea not null, memory_id uuid not null, frequency int not null, memory_length int not null, term_hashes bytea, primary key (user_hash, term_hash, memory_id) include (frequency, memory_length));
select 1 from src limit 1;
insert into memvault.w2 select repeat('ab', 32), h, m, f, l from src;
insert into memvault.w1 select repeat('ab', 32), h, m, f, l from src;
insert into memvault.w2 select repeat('cd', 32), h, m, f, l from src;
insert into memvault.w1 select repeat('cd', 32), h, m, f, l from src;
rollback;
