-- A contact inbox found by its `source_id` alone (`POST conversations` with `source_id`, the
-- `source_id` list filter): `(inbox_id, source_id)` is unique but needs the inbox, so without
-- this the lookup read every contact inbox of the instance.
create index contact_inboxes_source_idx on contact_inboxes (account_id, source_id);
