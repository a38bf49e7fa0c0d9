-- Label filters that stay fast however a label is spread (docs/decisions/0005-backbone.md §9).
--
-- A list filtered by a label is merged from one range per status, read in the list's order. That
-- is a page of reading when the label is common in a status, and the whole status when the label
-- is rare or absent there (a million-conversation account has half a million resolved ones). How
-- many conversations carry each label, per cell of `conversation_counts` (inbox, status,
-- assignee, team), kept in the write's transaction, tells the server which statuses to skip,
-- which to read in order, and which to collect through the index below (every match, then the
-- page); and it gives a list of one label its tab counts exactly, as `conversation_counts`
-- gives the unfiltered lists theirs.

create table conversation_label_counts (
    account_id bigint not null,
    label text not null,
    inbox_id bigint not null,
    status text not null,
    -- 0: unassigned / no team (the columns are part of the key, so never null).
    assignee_id bigint not null,
    team_id bigint not null,
    n bigint not null,
    primary key (account_id, label, inbox_id, status, assignee_id, team_id),
    constraint conversation_label_counts_inbox_fkey foreign key (account_id, inbox_id) references inboxes (account_id, id) on delete cascade
);

-- Applies the change of one conversation as signed deltas per cell, in key order so that two
-- transactions never take the same rows in opposite orders. A decrement only ever touches an
-- existing row: when an inbox or account is deleted its rows may already be gone.
create function conversation_label_counts_track() returns trigger language plpgsql as $$
declare
    old_labels text[] := '{}';
    new_labels text[] := '{}';
    old_cell record;
    new_cell record;
    account bigint;
    delta record;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        old_labels := old.labels;
        account := old.account_id;
        select old.inbox_id as inbox_id, old.status as status, coalesce(old.assignee_id, 0) as assignee_id,
               coalesce(old.team_id, 0) as team_id into old_cell;
    else
        select null::bigint as inbox_id, null::text as status, null::bigint as assignee_id, null::bigint as team_id into old_cell;
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        new_labels := new.labels;
        account := new.account_id;
        select new.inbox_id as inbox_id, new.status as status, coalesce(new.assignee_id, 0) as assignee_id,
               coalesce(new.team_id, 0) as team_id into new_cell;
    else
        select null::bigint as inbox_id, null::text as status, null::bigint as assignee_id, null::bigint as team_id into new_cell;
    end if;
    for delta in
        select d.label, d.inbox_id, d.status, d.assignee_id, d.team_id, sum(d.n) as n
        from (select distinct l as label, old_cell.inbox_id as inbox_id, old_cell.status as status,
                     old_cell.assignee_id as assignee_id, old_cell.team_id as team_id, -1 as n
              from unnest(old_labels) l
              union all
              select distinct l, new_cell.inbox_id, new_cell.status, new_cell.assignee_id, new_cell.team_id, 1
              from unnest(new_labels) l) d
        group by 1, 2, 3, 4, 5
        having sum(d.n) <> 0
        order by 1, 2, 3, 4, 5
    loop
        if delta.n > 0 then
            insert into conversation_label_counts (account_id, label, inbox_id, status, assignee_id, team_id, n)
            values (account, delta.label, delta.inbox_id, delta.status, delta.assignee_id, delta.team_id, delta.n)
            on conflict (account_id, label, inbox_id, status, assignee_id, team_id)
            do update set n = conversation_label_counts.n + excluded.n;
        else
            update conversation_label_counts set n = n + delta.n
            where account_id = account and label = delta.label and inbox_id = delta.inbox_id
              and status = delta.status and assignee_id = delta.assignee_id and team_id = delta.team_id;
        end if;
    end loop;
    return null;
end;
$$;

create trigger conversation_label_counts_insert after insert on conversations
    for each row when (cardinality(new.labels) > 0)
    execute function conversation_label_counts_track();
create trigger conversation_label_counts_delete after delete on conversations
    for each row when (cardinality(old.labels) > 0)
    execute function conversation_label_counts_track();
create trigger conversation_label_counts_update after update on conversations
    for each row
    when (old.labels is distinct from new.labels
          or (cardinality(new.labels) > 0
              and (old.inbox_id is distinct from new.inbox_id or old.status is distinct from new.status
                   or old.assignee_id is distinct from new.assignee_id or old.team_id is distinct from new.team_id)))
    execute function conversation_label_counts_track();

insert into conversation_label_counts (account_id, label, inbox_id, status, assignee_id, team_id, n)
select c.account_id, l.label, c.inbox_id, c.status, coalesce(c.assignee_id, 0), coalesce(c.team_id, 0), count(*)
from conversations c, lateral (select distinct unnest(c.labels) as label) l
group by 1, 2, 3, 4, 5, 6;

-- The matches of a label in one status, without reading the status: the account, the status
-- and the labels in one GIN index (btree_gin), whose posting lists intersect inside the index.
-- It serves every `labels &&` condition the old single-column index did.
drop index conversations_labels_idx;
create index conversations_status_labels_idx on conversations using gin (account_id, status, labels);
