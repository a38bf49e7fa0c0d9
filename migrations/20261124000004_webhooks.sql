-- Account webhooks and the delivery log. A delivery is one (target, event) pair: an account
-- webhook subscribed to the event, or an API inbox's webhook_url. Its payload is built at the
-- first attempt and kept, so retries send the same bytes under the same delivery id.

create table webhooks (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    name text,
    url text not null,
    subscriptions text[] not null check (cardinality(subscriptions) > 0),
    inbox_id bigint,
    -- HMAC-SHA256 key of X-Atende-Signature; shown once, when the webhook is created.
    secret text not null,
    enabled boolean not null default true,
    disabled_reason text,
    failing_since timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint webhooks_account_id_id_key unique (account_id, id),
    constraint webhooks_url_key unique (account_id, url),
    constraint webhooks_inbox_fkey foreign key (account_id, inbox_id) references inboxes (account_id, id) on delete cascade
);
select manage_updated_at('webhooks');

create table webhook_deliveries (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    event_id bigint not null,
    -- 'webhook:<id>' for account webhooks, 'inbox:<id>' for an API inbox's webhook_url.
    target text not null,
    webhook_id bigint,
    inbox_id bigint,
    url text not null,
    event text not null,
    delivery_id uuid not null default gen_random_uuid(),
    payload jsonb,
    state text not null default 'pending' check (state in ('pending', 'succeeded', 'failed')),
    attempts integer not null default 0,
    last_status integer,
    last_error text,
    last_latency_ms integer,
    first_attempt_at timestamptz,
    completed_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null default now(),
    constraint webhook_deliveries_event_target_key unique (event_id, target),
    constraint webhook_deliveries_webhook_fkey foreign key (account_id, webhook_id) references webhooks (account_id, id) on delete cascade
);
select manage_updated_at('webhook_deliveries');
create index webhook_deliveries_webhook_idx on webhook_deliveries (account_id, webhook_id, id desc);

create table webhook_attempts (
    id bigserial primary key,
    delivery_id bigint not null references webhook_deliveries (id) on delete cascade,
    attempted_at timestamptz not null,
    status integer,
    latency_ms integer not null,
    error text
);
create index webhook_attempts_delivery_idx on webhook_attempts (delivery_id, id desc);
