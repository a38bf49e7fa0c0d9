-- Live streams keep each member's rights in memory (docs/decisions/0005-backbone.md); any change
-- to who may see what in an account (memberships and roles, inbox members, custom roles) tells
-- them to read the rights again.

create function notify_rights_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('atende_rights', coalesce(new.account_id, old.account_id)::text);
    return null;
end;
$$;

-- Availability and "last active" updates change nothing a stream checks.
create trigger notify_rights_changed after insert or update of role, custom_role_id or delete on account_users
    for each row execute function notify_rights_changed();
create trigger notify_rights_changed after insert or update or delete on inbox_members
    for each row execute function notify_rights_changed();
create trigger notify_rights_changed after update of permissions or delete on custom_roles
    for each row execute function notify_rights_changed();
