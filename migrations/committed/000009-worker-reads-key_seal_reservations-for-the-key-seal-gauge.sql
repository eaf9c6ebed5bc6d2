--! Previous: sha1:83eeb079ac0f2d6aac43f04edaeeb697525fa15a
--! Hash: sha1:511e0994916854a8fed380cc3c64093e2c498260
--! Message: worker reads key_seal_reservations for the key seal gauge

-- Alerting reads the seal reservations per key version from the worker's /metrics
-- (memvault_key_seals_reserved): the worker may read the table it writes through
-- reserve_seals(). No tenant data is in it.
grant select on memvault.key_seal_reservations to memvault_worker;
