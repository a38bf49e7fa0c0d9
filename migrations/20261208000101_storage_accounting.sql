-- What each account keeps on disk, and the files whose rows are gone but whose bytes are still
-- to be removed (docs/OPERATIONS.md, "Stored files").
--
-- account_storage.bytes is the byte_size of every attachment with a storage key and of every
-- automation file of the account, plus that of its storage_deletions rows (files deleted but
-- still on disk). Inserting a file's row adds its size, by trigger, in the inserting transaction
-- (which holds the account's row until it commits, so quota checks made after the insert see
-- every concurrent upload). Deleting a file's row, directly or by cascade from its message,
-- conversation, contact, inbox, rule or macro, records its key in storage_deletions, by trigger,
-- in the deleting transaction: a rolled-back delete leaves no trace, a committed one cannot lose
-- its files. The removal job (storage::RemoveFiles) removes the files, then the rows and their
-- bytes. A file's storage_key and byte_size never change once written.

create table account_storage (
    account_id bigint primary key references accounts (id) on delete cascade,
    bytes bigint not null default 0
);

-- No foreign key to accounts: the keys of an account's files must outlive the account's rows.
create table storage_deletions (
    account_id bigint not null,
    id bigint generated always as identity,
    storage_key text not null,
    byte_size bigint not null,
    created_at timestamptz not null default now(),
    primary key (account_id, id)
);

create function storage_track() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into account_storage (account_id, bytes) values (new.account_id, new.byte_size)
        on conflict (account_id) do update set bytes = account_storage.bytes + excluded.bytes;
    else
        insert into storage_deletions (account_id, storage_key, byte_size)
        values (old.account_id, old.storage_key, old.byte_size);
    end if;
    return null;
end;
$$;

create trigger attachments_storage_insert after insert on attachments
    for each row when (new.storage_key is not null) execute function storage_track();
create trigger attachments_storage_delete after delete on attachments
    for each row when (old.storage_key is not null) execute function storage_track();
create trigger automation_files_storage_insert after insert on automation_files
    for each row execute function storage_track();
create trigger automation_files_storage_delete after delete on automation_files
    for each row execute function storage_track();

insert into account_storage (account_id, bytes)
select account_id, sum(byte_size) from (
    select account_id, byte_size from attachments where storage_key is not null
    union all
    select account_id, byte_size from automation_files
) stored
group by account_id;
