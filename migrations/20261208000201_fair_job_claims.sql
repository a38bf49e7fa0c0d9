-- Fair claims across accounts (docs/decisions/0008-fair-shares.md): a claim enumerates the
-- accounts with pending jobs by a skip scan of this index and takes each one's oldest due jobs
-- up to its share, so one account's backlog is never scanned to reach another's timer.
create index jobs_account_due_idx on jobs (account_id, run_at, id)
    where state = 'pending' and account_id is not null;
-- Jobs of no account (periodic sweeps) are claimed from their own range for the same reason.
create index jobs_system_due_idx on jobs (run_at, id)
    where state = 'pending' and account_id is null;
