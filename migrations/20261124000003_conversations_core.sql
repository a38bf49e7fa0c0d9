-- The helpdesk core: inboxes and channels, contacts, conversations, messages, attachments,
-- labels, teams, canned responses, custom attribute definitions, and the domain event log.
-- Every tenant table carries account_id, and every foreign key between tenant tables includes
-- it, so a cross-account reference is impossible by constraint.

-- Per-account counters (conversation display ids); incremented under a row lock.
create table account_sequences (
    account_id bigint not null references accounts (id) on delete cascade,
    name text not null,
    value bigint not null,
    primary key (account_id, name)
);

create table inboxes (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    name text not null check (length(btrim(name)) > 0),
    channel_type text not null check (channel_type in ('api', 'whatsapp', 'email')),
    greeting_enabled boolean not null default false,
    greeting_message text,
    enable_email_collect boolean not null default true,
    csat_survey_enabled boolean not null default false,
    enable_auto_assignment boolean not null default true,
    working_hours_enabled boolean not null default false,
    out_of_office_message text,
    timezone text not null default 'America/Sao_Paulo',
    allow_messages_after_resolved boolean not null default true,
    lock_to_single_conversation boolean not null default false,
    sender_name_type text not null default 'friendly' check (sender_name_type in ('friendly', 'professional')),
    business_name text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint inboxes_account_id_id_key unique (account_id, id)
);
select manage_updated_at('inboxes');

-- Chatwoot's "API channel": the inbox integrators (WhatsApp gateways) write to; every
-- conversation and message event of the inbox is POSTed to webhook_url.
create table channel_api (
    id bigserial primary key,
    account_id bigint not null,
    inbox_id bigint not null,
    webhook_url text,
    hmac_token text not null,
    hmac_mandatory boolean not null default false,
    identifier text not null,
    additional_attributes jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint channel_api_inbox_fkey foreign key (account_id, inbox_id) references inboxes (account_id, id) on delete cascade,
    constraint channel_api_inbox_id_key unique (inbox_id),
    constraint channel_api_identifier_key unique (identifier)
);
select manage_updated_at('channel_api');

create table inbox_members (
    account_id bigint not null,
    inbox_id bigint not null,
    user_id bigint not null,
    created_at timestamptz not null default now(),
    primary key (inbox_id, user_id),
    constraint inbox_members_inbox_fkey foreign key (account_id, inbox_id) references inboxes (account_id, id) on delete cascade,
    constraint inbox_members_member_fkey foreign key (account_id, user_id) references account_users (account_id, user_id) on delete cascade
);
create index inbox_members_user_idx on inbox_members (account_id, user_id);

-- One row per weekday (0 = Sunday) and inbox, in the inbox's time zone. Used by SLAs.
create table working_hours (
    account_id bigint not null,
    inbox_id bigint not null,
    day_of_week smallint not null check (day_of_week between 0 and 6),
    closed_all_day boolean not null default false,
    open_all_day boolean not null default false,
    open_hour smallint check (open_hour between 0 and 23),
    open_minutes smallint check (open_minutes between 0 and 59),
    close_hour smallint check (close_hour between 0 and 23),
    close_minutes smallint check (close_minutes between 0 and 59),
    primary key (inbox_id, day_of_week),
    constraint working_hours_inbox_fkey foreign key (account_id, inbox_id) references inboxes (account_id, id) on delete cascade
);

create table teams (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    name text not null check (length(btrim(name)) > 0),
    description text,
    allow_auto_assign boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint teams_account_id_id_key unique (account_id, id)
);
select manage_updated_at('teams');
create unique index teams_name_key on teams (account_id, lower(name));

create table team_members (
    account_id bigint not null,
    team_id bigint not null,
    user_id bigint not null,
    created_at timestamptz not null default now(),
    primary key (team_id, user_id),
    constraint team_members_team_fkey foreign key (account_id, team_id) references teams (account_id, id) on delete cascade,
    constraint team_members_member_fkey foreign key (account_id, user_id) references account_users (account_id, user_id) on delete cascade
);
create index team_members_user_idx on team_members (account_id, user_id);

create table labels (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    title text not null check (title ~ '^[a-z0-9_-]+$'),
    description text,
    color text not null default '#1f93ff' check (color ~ '^#[0-9a-fA-F]{6}$'),
    show_on_sidebar boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint labels_account_id_title_key unique (account_id, title)
);
select manage_updated_at('labels');

create table canned_responses (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    short_code text not null check (length(btrim(short_code)) > 0),
    content text not null check (length(btrim(content)) > 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
select manage_updated_at('canned_responses');
create unique index canned_responses_short_code_key on canned_responses (account_id, lower(short_code));

create table custom_attribute_definitions (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    attribute_model text not null check (attribute_model in ('conversation_attribute', 'contact_attribute')),
    attribute_key text not null check (attribute_key ~ '^[a-zA-Z0-9_-]+$'),
    attribute_display_name text not null check (length(btrim(attribute_display_name)) > 0),
    attribute_display_type text not null
        check (attribute_display_type in ('text', 'number', 'currency', 'percent', 'link', 'date', 'list', 'checkbox')),
    attribute_description text,
    attribute_values jsonb not null default '[]',
    regex_pattern text,
    regex_cue text,
    default_value jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint custom_attribute_definitions_key unique (account_id, attribute_model, attribute_key)
);
select manage_updated_at('custom_attribute_definitions');

create table contacts (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    name text not null default '',
    email text check (email = lower(email)),
    phone_number text check (phone_number ~ '^\+[1-9][0-9]{1,14}$'),
    -- Brazilian mobiles with and without the ninth digit share one key, so either form finds
    -- the contact.
    phone_key text,
    identifier text,
    blocked boolean not null default false,
    additional_attributes jsonb not null default '{}',
    custom_attributes jsonb not null default '{}',
    labels text[] not null default '{}',
    last_activity_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint contacts_account_id_id_key unique (account_id, id)
);
select manage_updated_at('contacts');
create unique index contacts_email_key on contacts (account_id, email);
create unique index contacts_phone_number_key on contacts (account_id, phone_number);
create unique index contacts_identifier_key on contacts (account_id, identifier);
create index contacts_phone_key_idx on contacts (account_id, phone_key);
create index contacts_labels_idx on contacts using gin (labels);
create index contacts_name_idx on contacts (account_id, lower(name));

create table contact_inboxes (
    id bigserial primary key,
    account_id bigint not null,
    contact_id bigint not null,
    inbox_id bigint not null,
    source_id text not null check (length(source_id) > 0),
    hmac_verified boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint contact_inboxes_contact_fkey foreign key (account_id, contact_id) references contacts (account_id, id) on delete cascade,
    constraint contact_inboxes_inbox_fkey foreign key (account_id, inbox_id) references inboxes (account_id, id) on delete cascade,
    constraint contact_inboxes_inbox_source_key unique (inbox_id, source_id),
    constraint contact_inboxes_account_id_id_key unique (account_id, id)
);
select manage_updated_at('contact_inboxes');
create index contact_inboxes_contact_idx on contact_inboxes (account_id, contact_id);

create table contact_notes (
    id bigserial primary key,
    account_id bigint not null,
    contact_id bigint not null,
    user_id bigint references users (id) on delete set null,
    content text not null check (length(btrim(content)) > 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint contact_notes_contact_fkey foreign key (account_id, contact_id) references contacts (account_id, id) on delete cascade
);
select manage_updated_at('contact_notes');
create index contact_notes_contact_idx on contact_notes (account_id, contact_id);

create table conversations (
    id bigserial primary key,
    account_id bigint not null,
    display_id bigint not null,
    uuid uuid not null default gen_random_uuid(),
    inbox_id bigint not null,
    contact_id bigint not null,
    contact_inbox_id bigint not null,
    status text not null default 'open' check (status in ('open', 'resolved', 'pending', 'snoozed')),
    priority text check (priority in ('low', 'medium', 'high', 'urgent')),
    assignee_id bigint,
    team_id bigint,
    snoozed_until timestamptz,
    labels text[] not null default '{}',
    additional_attributes jsonb not null default '{}',
    custom_attributes jsonb not null default '{}',
    first_reply_created_at timestamptz,
    waiting_since timestamptz,
    last_activity_at timestamptz not null,
    agent_last_seen_at timestamptz,
    assignee_last_seen_at timestamptz,
    contact_last_seen_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null default now(),
    constraint conversations_account_id_id_key unique (account_id, id),
    constraint conversations_display_id_key unique (account_id, display_id),
    constraint conversations_inbox_fkey foreign key (account_id, inbox_id) references inboxes (account_id, id) on delete cascade,
    constraint conversations_contact_fkey foreign key (account_id, contact_id) references contacts (account_id, id) on delete cascade,
    constraint conversations_contact_inbox_fkey foreign key (account_id, contact_inbox_id) references contact_inboxes (account_id, id) on delete cascade,
    constraint conversations_assignee_fkey foreign key (account_id, assignee_id) references account_users (account_id, user_id) on delete set null (assignee_id),
    constraint conversations_team_fkey foreign key (account_id, team_id) references teams (account_id, id) on delete set null (team_id)
);
select manage_updated_at('conversations');
create index conversations_list_idx on conversations (account_id, status, last_activity_at desc);
create index conversations_inbox_idx on conversations (account_id, inbox_id, last_activity_at desc);
create index conversations_assignee_idx on conversations (account_id, assignee_id);
create index conversations_contact_idx on conversations (account_id, contact_id, last_activity_at desc);
create index conversations_labels_idx on conversations using gin (labels);
create index conversations_snoozed_idx on conversations (snoozed_until) where status = 'snoozed';

create table conversation_participants (
    account_id bigint not null,
    conversation_id bigint not null,
    user_id bigint not null,
    created_at timestamptz not null default now(),
    primary key (conversation_id, user_id),
    constraint conversation_participants_conversation_fkey foreign key (account_id, conversation_id) references conversations (account_id, id) on delete cascade,
    constraint conversation_participants_member_fkey foreign key (account_id, user_id) references account_users (account_id, user_id) on delete cascade
);
create index conversation_participants_user_idx on conversation_participants (account_id, user_id);

create table messages (
    id bigserial primary key,
    account_id bigint not null,
    conversation_id bigint not null,
    inbox_id bigint not null,
    message_type text not null check (message_type in ('incoming', 'outgoing', 'activity', 'template')),
    content text,
    content_type text not null default 'text',
    content_attributes jsonb not null default '{}',
    additional_attributes jsonb not null default '{}',
    private boolean not null default false,
    status text not null default 'sent' check (status in ('sent', 'delivered', 'read', 'failed')),
    external_error text,
    source_id text,
    sender_type text check (sender_type in ('User', 'Contact', 'AgentBot')),
    sender_id bigint,
    -- Who caused a message that was not typed by its sender (an automation rule, a campaign).
    performed_by jsonb,
    created_at timestamptz not null,
    updated_at timestamptz not null default now(),
    constraint messages_account_id_id_key unique (account_id, id),
    constraint messages_conversation_fkey foreign key (account_id, conversation_id) references conversations (account_id, id) on delete cascade,
    constraint messages_inbox_fkey foreign key (account_id, inbox_id) references inboxes (account_id, id) on delete cascade
);
select manage_updated_at('messages');
create index messages_conversation_idx on messages (account_id, conversation_id, id);
create unique index messages_inbox_source_id_key on messages (inbox_id, source_id);
create index messages_content_trgm_idx on messages (account_id, conversation_id) where message_type in ('incoming', 'outgoing');

create table attachments (
    id bigserial primary key,
    account_id bigint not null,
    message_id bigint not null,
    file_type text not null check (file_type in ('image', 'audio', 'video', 'file', 'location', 'fallback', 'share', 'contact', 'embed')),
    content_type text,
    filename text,
    byte_size bigint not null default 0,
    storage_key text,
    external_url text,
    width integer,
    height integer,
    meta jsonb not null default '{}',
    created_at timestamptz not null default now(),
    constraint attachments_message_fkey foreign key (account_id, message_id) references messages (account_id, id) on delete cascade
);
create index attachments_message_idx on attachments (account_id, message_id);

-- The domain event log: one row per change, written in the change's transaction. Realtime,
-- webhooks and automation consume it.
create table events (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    kind text not null,
    conversation_id bigint,
    message_id bigint,
    contact_id bigint,
    inbox_id bigint,
    -- Chatwoot-shaped changed_attributes ([{"status": {"previous_value": .., "current_value": ..}}]).
    changed_attributes jsonb,
    -- {"type": "user", "id": 3} | {"type": "automation", "id": 9, "name": ".."} | {"type": "system"}
    performed_by jsonb not null default '{"type": "system"}',
    data jsonb not null default '{}',
    created_at timestamptz not null
);
create index events_account_idx on events (account_id, id);
create index events_conversation_idx on events (account_id, conversation_id, id);
