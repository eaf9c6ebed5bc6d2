-- Reverse of 000023: the function that enqueues index_terms jobs goes (jobs already queued
-- fail with an unknown task on the older release; they are harmless to delete).
drop function if exists memvault.request_term_index();
