-- Reverse of 000016: the worker's SELECT on search_requests on the whole table again.
revoke select (user_hash, id, created_at, query_cipher, key_version, candidate_ids, candidate_distances, deadline, status,
               skip_reason, ranked_ids, scores, latency_ms, finished_at, rerank_variant, rollout_id, rollout_arm)
  on memvault.search_requests from memvault_worker;
grant select on memvault.search_requests to memvault_worker;
