-- Helpers and tables every later migration relies on.

-- Keeps `updated_at` current on every update of a table that calls
-- `select manage_updated_at('<table>');`.
create or replace function set_updated_at() returns trigger as $$
begin
    if new is distinct from old and new.updated_at is not distinct from old.updated_at then
        new.updated_at = now();
    end if;
    return new;
end;
$$ language plpgsql;

create or replace function manage_updated_at(_tbl regclass) returns void as $$
begin
    execute format('create trigger set_updated_at before update on %s
                    for each row execute procedure set_updated_at()', _tbl);
end;
$$ language plpgsql;

-- Instance-wide settings that are not tenant data (the generated secret key, first-run marker).
create table instance_settings (
    key text primary key,
    value text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
select manage_updated_at('instance_settings');

-- The durable job queue (src/jobs). A row is pending until a worker deletes it on success or
-- marks it dead after its last attempt. `key` makes a job replaceable or removable (timers);
-- jobs sharing a `queue` run one at a time, in id order.
create table jobs (
    id bigserial primary key,
    kind text not null,
    payload jsonb not null default '{}',
    queue text,
    key text,
    state text not null default 'pending' check (state in ('pending', 'dead')),
    priority smallint not null default 0,
    run_at timestamptz not null,
    attempts integer not null default 0 check (attempts >= 0),
    max_attempts integer not null default 25 check (max_attempts >= 1),
    last_error text,
    locked_at timestamptz,
    locked_by text,
    account_id bigint,
    created_at timestamptz not null,
    failed_at timestamptz,
    updated_at timestamptz not null default now(),
    constraint jobs_key_key unique (key)
);
select manage_updated_at('jobs');
create index jobs_due_idx on jobs (run_at) where state = 'pending';
create index jobs_queue_head_idx on jobs (queue, id) where state = 'pending' and queue is not null;
create index jobs_dead_idx on jobs (failed_at) where state = 'dead';
