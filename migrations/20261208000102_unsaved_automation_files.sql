-- Uploads no rule or macro saved yet: counted per account on every upload (at most
-- automation::files::MAX_UNSAVED_FILES of them) and swept after a day, from this small index
-- instead of the account's whole list of files.

create index automation_files_unsaved_idx on automation_files (account_id, created_at)
    where rule_id is null and macro_id is null;
