-- Per-account rates (docs/decisions/0008-fair-shares.md): one row per account and kind holds
-- the current minute and what was used in it; a reservation is one conditional upsert.
create table account_rate_windows (
    account_id bigint not null references accounts (id) on delete cascade,
    kind text not null check (kind in ('macro_runs', 'outbound_actions')),
    window_start timestamptz not null,
    used integer not null check (used >= 0),
    primary key (account_id, kind)
);

-- A rule run whose webhook or e-mail actions found the account's minute used up waits for the
-- next minute, untouched (no action of it has run).
alter table automation_runs add column deferred_until timestamptz;
