--! Previous: sha1:5055b1aad7cd38b1aaa15802e5f494979e394b44
--! Hash: sha1:fadcbac3318d2c655a575fb3c4c66ce8b4d53124
--! Message: search_requests: the worker's SELECT is column-listed

-- search_requests: the worker's SELECT is column-listed, as sql/CONVENTIONS.md asks of every
-- grant on a tenant table (000006 granted it on the whole table, so a column added later
-- would have been readable by the worker without anyone deciding so).
revoke select on memvault.search_requests from memvault_worker;
grant select (user_hash, id, created_at, query_cipher, key_version, candidate_ids, candidate_distances, deadline, status,
              skip_reason, ranked_ids, scores, latency_ms, finished_at, rerank_variant, rollout_id, rollout_arm)
  on memvault.search_requests to memvault_worker;
