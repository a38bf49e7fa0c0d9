-- Conversation counts kept in the same transaction as the change (docs/decisions/0005-backbone.md):
-- the list tabs and `conversations/meta` add up a few of these rows instead of counting
-- conversations, so they cost the same at a thousand conversations as at a million.

create table conversation_counts (
    account_id bigint not null,
    inbox_id bigint not null,
    status text not null,
    -- 0: unassigned / no team (the columns are part of the key, so never null).
    assignee_id bigint not null,
    team_id bigint not null,
    n bigint not null,
    primary key (account_id, inbox_id, status, assignee_id, team_id),
    constraint conversation_counts_inbox_fkey foreign key (account_id, inbox_id) references inboxes (account_id, id) on delete cascade
);

-- Moves one conversation out of its old cell and into its new one. Removing only ever
-- decrements an existing row: when an inbox or account is deleted its cells may already be gone.
create function conversation_counts_track() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        update conversation_counts set n = n - 1
        where account_id = old.account_id and inbox_id = old.inbox_id and status = old.status
          and assignee_id = coalesce(old.assignee_id, 0) and team_id = coalesce(old.team_id, 0);
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        insert into conversation_counts (account_id, inbox_id, status, assignee_id, team_id, n)
        values (new.account_id, new.inbox_id, new.status, coalesce(new.assignee_id, 0), coalesce(new.team_id, 0), 1)
        on conflict (account_id, inbox_id, status, assignee_id, team_id) do update set n = conversation_counts.n + 1;
    end if;
    return null;
end;
$$;

create trigger conversation_counts_insert after insert on conversations
    for each row execute function conversation_counts_track();
create trigger conversation_counts_delete after delete on conversations
    for each row execute function conversation_counts_track();
create trigger conversation_counts_update after update on conversations
    for each row
    when (old.inbox_id is distinct from new.inbox_id or old.status is distinct from new.status
          or old.assignee_id is distinct from new.assignee_id or old.team_id is distinct from new.team_id)
    execute function conversation_counts_track();

insert into conversation_counts (account_id, inbox_id, status, assignee_id, team_id, n)
select account_id, inbox_id, status, coalesce(assignee_id, 0), coalesce(team_id, 0), count(*)
from conversations group by 1, 2, 3, 4, 5;
