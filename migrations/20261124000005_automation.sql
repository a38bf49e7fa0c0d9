-- Automation rules, macros, their attached files and run log, and the event snapshots rules are
-- evaluated against.

create table automation_rules (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    name text not null check (length(btrim(name)) > 0),
    description text,
    event_name text not null check (event_name in (
        'conversation_created', 'conversation_updated', 'conversation_opened',
        'conversation_resolved', 'message_created')),
    -- [{attribute_key, filter_operator, values, query_operator, custom_attribute_type}]
    conditions jsonb not null default '[]',
    -- [{action_name, action_params}]
    actions jsonb not null default '[]',
    active boolean not null default true,
    created_at timestamptz not null,
    updated_at timestamptz not null default now(),
    constraint automation_rules_account_id_id_key unique (account_id, id)
);
select manage_updated_at('automation_rules');
create index automation_rules_event_idx on automation_rules (account_id, event_name) where active;

create table macros (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    name text not null check (length(btrim(name)) > 0),
    visibility text not null default 'personal' check (visibility in ('personal', 'global')),
    actions jsonb not null default '[]',
    created_by_id bigint references users (id) on delete set null,
    updated_by_id bigint references users (id) on delete set null,
    created_at timestamptz not null,
    updated_at timestamptz not null default now(),
    constraint macros_account_id_id_key unique (account_id, id)
);
select manage_updated_at('macros');
create index macros_account_idx on macros (account_id, id);

-- Files uploaded for `send_attachment`: uploaded first (owner-less), then owned by the rule or
-- macro whose actions name them. Each owner has its own copy of the bytes.
create table automation_files (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    rule_id bigint,
    macro_id bigint,
    filename text not null,
    content_type text not null,
    file_type text not null,
    byte_size bigint not null,
    storage_key text not null,
    created_at timestamptz not null,
    constraint automation_files_account_id_id_key unique (account_id, id),
    constraint automation_files_one_owner check (rule_id is null or macro_id is null),
    constraint automation_files_rule_fkey foreign key (account_id, rule_id) references automation_rules (account_id, id) on delete cascade,
    constraint automation_files_macro_fkey foreign key (account_id, macro_id) references macros (account_id, id) on delete cascade
);
create index automation_files_rule_idx on automation_files (account_id, rule_id);
create index automation_files_macro_idx on automation_files (account_id, macro_id);

-- One evaluation of a rule for an event (unique: a rule never runs twice for one event). Only
-- the latest 100 per rule are kept.
create table automation_runs (
    id bigserial primary key,
    account_id bigint not null,
    rule_id bigint not null,
    event_id bigint not null,
    conversation_id bigint,
    matched boolean not null,
    -- Index (0-based) and text of the first condition that evaluated false, when not matched.
    failed_condition integer,
    failed_reason text,
    -- [{action_name, ok, detail}]
    results jsonb not null default '[]',
    state text not null default 'done' check (state in ('running', 'done')),
    created_at timestamptz not null,
    finished_at timestamptz,
    constraint automation_runs_rule_event_key unique (rule_id, event_id),
    constraint automation_runs_rule_fkey foreign key (account_id, rule_id) references automation_rules (account_id, id) on delete cascade
);
create index automation_runs_rule_idx on automation_runs (account_id, rule_id, id desc);

-- Rules are evaluated against the state at the moment the event's transaction commits, not a
-- later re-read: a deferred trigger copies the conversation, its contact and the message into
-- the event row at commit, only when the account has an active rule for the event and the
-- event was not caused by automation (those never trigger rules).
alter table events add column snapshot jsonb;

create function events_automation_snapshot() returns trigger language plpgsql as $$
begin
    if new.conversation_id is null
       or coalesce(new.performed_by ->> 'type', '') = 'automation'
       or not exists (
           select 1 from automation_rules r
           where r.account_id = new.account_id and r.active and r.event_name = new.kind) then
        return null;
    end if;
    update events e set snapshot = jsonb_build_object(
        'conversation', (select to_jsonb(c) from conversations c
                          where c.account_id = new.account_id and c.id = new.conversation_id),
        'contact', (select to_jsonb(ct) from conversations c
                      join contacts ct on ct.account_id = c.account_id and ct.id = c.contact_id
                     where c.account_id = new.account_id and c.id = new.conversation_id),
        'message', (select jsonb_build_object(
                        'id', m.id, 'message_type', m.message_type, 'content', m.content,
                        'private', m.private, 'content_attributes', m.content_attributes,
                        'sender_type', m.sender_type, 'sender_id', m.sender_id)
                      from messages m
                     where m.account_id = new.account_id and m.id = new.message_id))
    where e.id = new.id;
    return null;
end;
$$;

create constraint trigger events_automation_snapshot
    after insert on events
    deferrable initially deferred
    for each row execute function events_automation_snapshot();

-- Deliveries made by a rule's or a macro's send_webhook_event action: no account webhook, no
-- inbox, a payload fixed when the action ran, and (for macros) no triggering event.
alter table webhook_deliveries alter column event_id drop not null;
alter table webhook_deliveries add column automation_rule_id bigint;
alter table webhook_deliveries add column macro_id bigint;
