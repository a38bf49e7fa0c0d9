-- Conversation lists read one index range per (status) or (inbox, status) or (assignee, status)
-- in the list's order and merge them, so the first page costs the same at any account size
-- (docs/decisions/0005-backbone.md). The id breaks ties, and keyset pages continue from it.

drop index conversations_list_idx;
drop index conversations_inbox_idx;
drop index conversations_assignee_idx;
create index conversations_status_activity_idx
    on conversations (account_id, status, last_activity_at desc, id desc);
create index conversations_inbox_activity_idx
    on conversations (account_id, inbox_id, status, last_activity_at desc, id desc);
create index conversations_assignee_activity_idx
    on conversations (account_id, assignee_id, status, last_activity_at desc, id desc);
