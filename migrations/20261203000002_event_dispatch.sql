-- Event dispatch in batches (docs/decisions/0005-backbone.md). An event is queued for dispatch
-- only when something subscribes to it; one dispatcher job per account turns many queued events
-- into webhook deliveries and rule runs at once; one sender job per webhook target sends its
-- deliveries, in order per conversation.

-- Who listens to which events, kept by triggers on the tables that define listeners (account
-- webhooks, API inbox webhook URLs, automation rules). Recording an event reads only this table.
create table event_subscriptions (
    account_id bigint not null references accounts (id) on delete cascade,
    kind text not null,
    -- 'webhook:<id>', 'inbox:<id>' or 'automation_rule:<id>'
    subscriber text not null,
    -- Only events of this inbox (null: every inbox).
    inbox_id bigint,
    -- Whether events caused by automation reach it (rules never trigger rules).
    automation_events boolean not null default true,
    primary key (account_id, kind, subscriber)
);

create function event_subscriptions_of_webhook() returns trigger language plpgsql as $$
begin
    if tg_op <> 'INSERT' then
        delete from event_subscriptions where account_id = old.account_id and subscriber = 'webhook:' || old.id;
    end if;
    if tg_op <> 'DELETE' and new.enabled then
        insert into event_subscriptions (account_id, kind, subscriber, inbox_id)
        select new.account_id, kind, 'webhook:' || new.id, new.inbox_id
        from (select distinct unnest(new.subscriptions) as kind) k
        on conflict do nothing;
    end if;
    return null;
end;
$$;
create trigger event_subscriptions_of_webhook after insert or update or delete on webhooks
    for each row execute function event_subscriptions_of_webhook();

-- An API inbox with a webhook URL receives every conversation, message and contact event of
-- the inbox (Chatwoot's API channel).
create function event_subscriptions_of_api_inbox() returns trigger language plpgsql as $$
begin
    if tg_op <> 'INSERT' then
        delete from event_subscriptions where account_id = old.account_id and subscriber = 'inbox:' || old.inbox_id;
    end if;
    if tg_op <> 'DELETE' and new.webhook_url is not null then
        insert into event_subscriptions (account_id, kind, subscriber, inbox_id)
        select new.account_id, kind, 'inbox:' || new.inbox_id, new.inbox_id
        from unnest(array['conversation_created', 'conversation_updated', 'conversation_status_changed',
                          'message_created', 'message_updated']) as kind
        on conflict do nothing;
    end if;
    return null;
end;
$$;
create trigger event_subscriptions_of_api_inbox after insert or update or delete on channel_api
    for each row execute function event_subscriptions_of_api_inbox();

create function event_subscriptions_of_rule() returns trigger language plpgsql as $$
begin
    if tg_op <> 'INSERT' then
        delete from event_subscriptions where account_id = old.account_id and subscriber = 'automation_rule:' || old.id;
    end if;
    if tg_op <> 'DELETE' and new.active then
        insert into event_subscriptions (account_id, kind, subscriber, automation_events)
        values (new.account_id, new.event_name, 'automation_rule:' || new.id, false)
        on conflict do nothing;
    end if;
    return null;
end;
$$;
create trigger event_subscriptions_of_rule after insert or update or delete on automation_rules
    for each row execute function event_subscriptions_of_rule();

insert into event_subscriptions (account_id, kind, subscriber, inbox_id)
select distinct w.account_id, k.kind, 'webhook:' || w.id, w.inbox_id
from webhooks w cross join lateral unnest(w.subscriptions) as k(kind) where w.enabled;
insert into event_subscriptions (account_id, kind, subscriber, inbox_id)
select c.account_id, k.kind, 'inbox:' || c.inbox_id, c.inbox_id
from channel_api c cross join unnest(array['conversation_created', 'conversation_updated',
    'conversation_status_changed', 'message_created', 'message_updated']) as k(kind)
where c.webhook_url is not null;
insert into event_subscriptions (account_id, kind, subscriber, automation_events)
select account_id, event_name, 'automation_rule:' || id, false from automation_rules where active;

-- Events waiting for their account's dispatcher, oldest first.
create table event_dispatch (
    account_id bigint not null references accounts (id) on delete cascade,
    event_id bigint not null,
    primary key (account_id, event_id)
);

-- Deliveries wait in three stages per (target, stream), where a stream is one conversation (or
-- contact, or the account): `new` (not yet placed by the sender), `waiting` (behind an earlier
-- delivery of its stream) and `head` (the next to send, at next_attempt_at). Only the target's
-- sender moves deliveries between stages, so a stream always has at most one head.
alter table webhook_deliveries add column stream text;
alter table webhook_deliveries add column stage text check (stage in ('new', 'waiting', 'head'));
alter table webhook_deliveries add column next_attempt_at timestamptz;
create index webhook_deliveries_new_idx on webhook_deliveries (account_id, target, id) where stage = 'new';
create index webhook_deliveries_waiting_idx on webhook_deliveries (account_id, target, stream, id) where stage = 'waiting';
create index webhook_deliveries_head_idx on webhook_deliveries (account_id, target, next_attempt_at, id) where stage = 'head';
create unique index webhook_deliveries_one_head_key on webhook_deliveries (account_id, target, stream) where stage = 'head';

-- Rule runs: `pending` (matched; its actions wait for the account's action runner), `running`
-- (being run), `done`.
alter table automation_runs drop constraint automation_runs_state_check;
update automation_runs set state = 'done', finished_at = coalesce(finished_at, created_at) where state = 'running';
alter table automation_runs add constraint automation_runs_state_check check (state in ('pending', 'running', 'done'));
create index automation_runs_pending_idx on automation_runs (account_id, id) where state <> 'done';

-- The previous version's per-event jobs become queued events and staged deliveries.
insert into event_dispatch (account_id, event_id)
select e.account_id, e.id from jobs j join events e on e.id = (j.payload ->> 'event_id')::bigint
where j.kind = 'events.dispatch'
on conflict do nothing;
update webhook_deliveries d
set stream = coalesce(substring(j.queue from ':((conversation|contact):[0-9]+|account)$'), 'account'),
    stage = 'new', next_attempt_at = j.run_at
from jobs j
where j.kind = 'webhooks.deliver' and (j.payload ->> 'delivery_id')::bigint = d.id and d.state = 'pending';
update webhook_deliveries set stream = 'account', stage = 'new', next_attempt_at = created_at
where state = 'pending' and stage is null;
delete from job_queues where name in (select queue from jobs where kind in ('events.dispatch', 'webhooks.deliver'));
delete from jobs where kind in ('events.dispatch', 'webhooks.deliver');
insert into jobs (kind, payload, key, state, run_at, max_attempts, account_id, created_at)
select 'events.dispatch', jsonb_build_object('account_id', account_id), 'events.dispatch:' || account_id,
       'pending', now(), 25, account_id, now()
from (select distinct account_id from event_dispatch) a;
insert into jobs (kind, payload, key, state, run_at, max_attempts, account_id, created_at)
select 'webhooks.send', jsonb_build_object('account_id', account_id, 'target', target),
       'webhooks.send:' || account_id || ':' || target, 'pending', now(), 25, account_id, now()
from (select distinct account_id, target from webhook_deliveries where stage is not null) t;
