-- Reverse of 000009: the worker no longer reads the seal reservations.
revoke select on memvault.key_seal_reservations from memvault_worker;
