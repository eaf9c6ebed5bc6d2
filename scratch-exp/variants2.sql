\timing on
begin;
create temp table mems as select gen_random_uuid() as m from generate_series(1, 500);
create temp table src as select ('\x' || md5(random()::text))::bytea as h, m, 1 as f, 40 as l from mems, generate_series(1, 40);
create table memvault.p (user_hash text not null, id uuid not null, primary key (user_hash, id));
insert into memvault.p select repeat('ab', 32), m from mems;
create table memvault.v1 (user_hash text not null, term_hash bytea not null, memory_id uuid not null, frequency int not null, memory_length int not null, primary key (user_hash, term_hash, memory_id) include (frequency, memory_length));
create index on memvault.v1 (user_hash, memory_id);
create table memvault.v5 (user_hash text not null, term_hash bytea not null, memory_id uuid not null, frequency int not null, memory_length int not null, primary key (user_hash, term_hash, memory_id) include (frequency, memory_length), foreign key (user_hash, memory_id) references memvault.p on delete cascade);
create index on memvault.v5 (user_hash, memory_id);
create table memvault.v2 (user_hash text not null, term_hash bytea not null, memory_id uuid not null, frequency int not null, memory_length int not null, primary key (user_hash, term_hash, memory_id) include (frequency, memory_length));
select 'warm', count(*) from src;
insert into memvault.v5 select repeat('ab', 32), h, m, f, l from src;
insert into memvault.v1 select repeat('ab', 32), h, m, f, l from src;
insert into memvault.v2 select repeat('ab', 32), h, m, f, l from src;
rollback;
