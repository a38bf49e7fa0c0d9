-- The job queue, second shape (docs/decisions/0005-backbone.md): claiming is one index range
-- scan whatever the backlog, leases are short and renewed by a heartbeat, and serial queues keep
-- their order through a small table of active queues instead of a per-row subquery.
--
-- States: `pending` (claimable once run_at has passed), `running` (held by `locked_by` until
-- `lease_until`), `queued` (waiting behind the head of its serial queue), `dead`.
--
-- A keyed job gives its key up when it starts (moving it to `lock_key`), so the same key can be
-- enqueued again while it runs; that new job is not claimed until the running one ends. A key
-- therefore never has two jobs running, and work that arrives during a run is never lost.

drop trigger set_updated_at on jobs;
alter table jobs drop column updated_at;
alter table jobs drop column priority;
alter table jobs drop constraint jobs_state_check;
alter table jobs add constraint jobs_state_check check (state in ('pending', 'running', 'queued', 'dead'));
alter table jobs add column lease_until timestamptz;
alter table jobs add column lock_key text;
-- Jobs held by a process of the previous version are given back and run again (at least once).
update jobs set locked_by = null where locked_at is not null;
alter table jobs drop column locked_at;
drop index jobs_due_idx;
drop index jobs_queue_head_idx;

-- One row per serial queue that has jobs: how many (the head included). The row is the lock
-- that orders an enqueue against the head's completion; a queue whose size drops to zero is
-- deleted by the worker that emptied it.
create table job_queues (
    name text primary key,
    size integer not null check (size >= 0)
);

-- Due jobs in run order: the claim reads the start of this index and stops at the first job
-- that is not due, so a million future timers cost nothing.
create index jobs_ready_idx on jobs (run_at, id) where state = 'pending';
-- The next job of a serial queue, promoted when its head finishes.
create index jobs_queued_idx on jobs (queue, id) where state = 'queued';
-- Expired leases (a process that died while holding jobs).
create index jobs_lease_idx on jobs (lease_until) where state = 'running';
-- Whether a key is running (a pending job of that key waits for it).
create index jobs_lock_key_idx on jobs (lock_key) where state = 'running';

-- Existing serial queues: the oldest pending job stays the head, the others wait behind it.
insert into job_queues (name, size)
select queue, count(*) from jobs where queue is not null and state = 'pending' group by queue;
update jobs j set state = 'queued'
where j.queue is not null and j.state = 'pending'
  and j.id > (select min(h.id) from jobs h where h.queue = j.queue and h.state = 'pending');

-- Enqueues a keyed job: the one SQL entry point for statements that enqueue as a side effect
-- (recording events), and what `jobs::enqueue` runs for keyed jobs. Modes: `replace` (payload
-- and run time of the pending job are replaced), `preserve` (a pending job is kept),
-- `earliest` (a pending job is kept, moved earlier when this one is due sooner). Returns the
-- job's id, or null when a pending job was kept as it was.
--
-- `preserve` and `earliest` hold a shared advisory lock on the key until the caller commits;
-- a worker that claims the key takes the same lock exclusively before it starts, so it never
-- starts while a transaction that found the key pending (and so enqueued nothing) is still
-- writing the work that job is meant to pick up.
create function jobs_enqueue_keyed(
    _kind text, _payload jsonb, _key text, _mode text, _run_at timestamptz, _max_attempts integer,
    _account_id bigint, _now timestamptz
) returns bigint language plpgsql as $$
declare
    _id bigint;
begin
    if _mode = 'replace' then
        insert into jobs (kind, payload, key, state, run_at, max_attempts, account_id, created_at)
        values (_kind, _payload, _key, 'pending', _run_at, _max_attempts, _account_id, _now)
        on conflict (key) do update set
            kind = excluded.kind, payload = excluded.payload, run_at = excluded.run_at,
            max_attempts = excluded.max_attempts, account_id = excluded.account_id,
            attempts = 0, last_error = null
        returning id into _id;
    elsif _mode = 'preserve' then
        perform pg_advisory_xact_lock_shared(hashtextextended(_key, 0));
        insert into jobs (kind, payload, key, state, run_at, max_attempts, account_id, created_at)
        values (_kind, _payload, _key, 'pending', _run_at, _max_attempts, _account_id, _now)
        on conflict (key) do nothing
        returning id into _id;
    elsif _mode = 'earliest' then
        perform pg_advisory_xact_lock_shared(hashtextextended(_key, 0));
        insert into jobs (kind, payload, key, state, run_at, max_attempts, account_id, created_at)
        values (_kind, _payload, _key, 'pending', _run_at, _max_attempts, _account_id, _now)
        on conflict (key) do update set run_at = excluded.run_at
        where excluded.run_at < jobs.run_at
        returning id into _id;
    else
        raise exception 'unknown key mode %', _mode;
    end if;
    if _id is not null then
        perform pg_notify('atende_jobs', _kind);
    end if;
    return _id;
end;
$$;
