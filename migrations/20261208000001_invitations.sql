-- Invitations and password resets (docs/decisions/0006-invitations.md).
--
-- Adding someone to an account no longer creates a user with a password an administrator
-- chose, nor joins an existing user to the account silently: it records an invitation with a
-- single-use, expiring token sent to the address. The invitee sets their own password (a new
-- user) or accepts (an existing one), and only then becomes a member (`account_users`). Members
-- added before this change stay members.

create table invitations (
    account_id bigint not null references accounts (id) on delete cascade,
    -- Drawn from the users' sequence, so the id an invited agent is shown with looks like a new
    -- user's whether or not the address already has a user; a new user who accepts keeps it.
    id bigint not null default nextval('users_id_seq'),
    email text not null check (email = lower(email)),
    -- What the inviter typed; the user's own name once they accept.
    name text not null check (length(btrim(name)) > 0),
    role text not null check (role in ('administrator', 'agent')),
    custom_role_id bigint,
    auto_offline boolean not null default true,
    inviter_id bigint references users (id) on delete set null,
    -- SHA-256 of the token in the link; a new link replaces it.
    token_hash bytea not null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (account_id, id),
    constraint invitations_token_key unique (account_id, token_hash),
    constraint invitations_email_key unique (account_id, email),
    constraint invitations_custom_role_fkey foreign key (account_id, custom_role_id)
        references custom_roles (account_id, id) on delete set null (custom_role_id)
);
select manage_updated_at('invitations');

-- "Forgot password" links: single-use (deleted when used), expiring, stored as SHA-256.
create table password_resets (
    id bigserial primary key,
    user_id bigint not null references users (id) on delete cascade,
    token_hash bytea not null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    constraint password_resets_token_hash_key unique (token_hash)
);
create index password_resets_user_id_idx on password_resets (user_id);

-- A password change or "sign out everywhere" bumps `auth_version`; the user's open live streams
-- re-read their rights, find the version changed and end.
create function notify_auth_version_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('atende_rights', au.account_id::text)
    from account_users au where au.user_id = new.id;
    return null;
end;
$$;
create trigger notify_auth_version_changed after update of auth_version on users
    for each row when (old.auth_version is distinct from new.auth_version)
    execute function notify_auth_version_changed();
