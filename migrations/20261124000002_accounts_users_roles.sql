-- Tenants, people, memberships, custom roles, API tokens, browser sessions, login throttling.

create table accounts (
    id bigserial primary key,
    name text not null check (length(btrim(name)) > 0),
    locale text not null default 'pt-BR' check (locale in ('pt-BR', 'en')),
    timezone text not null default 'America/Sao_Paulo',
    status text not null default 'active' check (status in ('active', 'suspended')),
    domain text,
    support_email text,
    auto_resolve_after integer,
    custom_attributes jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
select manage_updated_at('accounts');

-- A person who signs in. Not tenant data: one user may belong to several accounts.
create table users (
    id bigserial primary key,
    name text not null check (length(btrim(name)) > 0),
    display_name text,
    email text not null check (email = lower(email)),
    phone_number text,
    password_hash text not null,
    locale text check (locale in ('pt-BR', 'en')),
    -- Bumped on password change: every session signed in with an older version is void.
    auth_version integer not null default 1,
    message_signature text,
    ui_settings jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
select manage_updated_at('users');
create unique index users_email_key on users (email);

-- One API token per user, stored as SHA-256; the token itself is shown once.
create table access_tokens (
    user_id bigint primary key references users (id) on delete cascade,
    token_hash bytea not null,
    token_prefix text not null,
    created_at timestamptz not null default now(),
    constraint access_tokens_token_hash_key unique (token_hash)
);

create table custom_roles (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    name text not null check (length(btrim(name)) > 0),
    description text,
    permissions text[] not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint custom_roles_account_id_id_key unique (account_id, id)
);
select manage_updated_at('custom_roles');
create unique index custom_roles_name_key on custom_roles (account_id, lower(name));

-- Membership of a user in an account, with the role. Deleting a custom role returns its users
-- to the plain agent role (set null on custom_role_id only).
create table account_users (
    id bigserial primary key,
    account_id bigint not null references accounts (id) on delete cascade,
    user_id bigint not null references users (id) on delete cascade,
    role text not null check (role in ('administrator', 'agent')),
    custom_role_id bigint,
    availability text not null default 'online' check (availability in ('online', 'busy', 'offline')),
    auto_offline boolean not null default true,
    inviter_id bigint references users (id) on delete set null,
    active_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint account_users_account_id_user_id_key unique (account_id, user_id),
    constraint account_users_custom_role_fkey foreign key (account_id, custom_role_id)
        references custom_roles (account_id, id) on delete set null (custom_role_id)
);
select manage_updated_at('account_users');
create index account_users_user_id_idx on account_users (user_id);

-- Browser sessions (tower-sessions records).
create table sessions (
    id text primary key,
    data jsonb not null,
    expires_at timestamptz not null
);
create index sessions_expires_at_idx on sessions (expires_at);

-- Failed sign-ins, counted per client address and per e-mail over a sliding window, so the
-- throttle holds across processes and restarts.
create table login_failures (
    id bigserial primary key,
    scope text not null,
    at timestamptz not null
);
create index login_failures_scope_at_idx on login_failures (scope, at);
