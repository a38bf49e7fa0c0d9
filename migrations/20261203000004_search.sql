-- Search on indexes (docs/decisions/0005-backbone.md): message text through full-text search in
-- Portuguese with accents folded (`não` finds `nao`, `pedidos` finds `pedido`), contacts through
-- trigrams over their name, e-mail, phone and identifier. Both are generated columns, so they
-- are current in the transaction that writes the row.

create extension if not exists unaccent with schema public;
create extension if not exists pg_trgm with schema public;
create extension if not exists btree_gin with schema public;

create text search configuration atende_pt (copy = portuguese);
alter text search configuration atende_pt
    alter mapping for hword, hword_part, word with unaccent, portuguese_stem;

-- unaccent() is only stable (its dictionary could change); with the dictionary named it is
-- deterministic, which is what an index expression needs.
create function atende_fold(text) returns text language sql immutable parallel safe strict
    as $$ select pg_catalog.lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

alter table messages add column search tsvector
    generated always as (to_tsvector('atende_pt'::regconfig, coalesce(content, ''))) stored;
drop index messages_content_trgm_idx;
create index messages_search_idx on messages using gin (account_id, search)
    where message_type in ('incoming', 'outgoing');

-- Phone numbers without the '+', so digits typed in any layout match. Kept by a trigger that
-- fires only when one of its sources is written: a generated column would be computed again on
-- every update, and every incoming message updates its contact's last activity.
alter table contacts add column search text not null default '';
create function contacts_search_text() returns trigger language plpgsql as $$
begin
    new.search := atende_fold(coalesce(new.name, '') || ' ' || coalesce(new.email, '') || ' '
                              || coalesce(new.identifier, '') || ' ' || coalesce(ltrim(new.phone_number, '+'), '')
                              || ' ' || coalesce(new.additional_attributes ->> 'company_name', ''));
    return new;
end;
$$;
create trigger contacts_search_text before insert or update of name, email, identifier, phone_number, additional_attributes
    on contacts for each row execute function contacts_search_text();
update contacts set name = name;
create index contacts_search_idx on contacts using gin (account_id, search gin_trgm_ops);

-- Automation snapshots copy the contact row; its search text is not an attribute.
create or replace function events_automation_snapshot() returns trigger language plpgsql as $$
begin
    if new.conversation_id is null
       or coalesce(new.performed_by ->> 'type', '') = 'automation'
       or not exists (
           select 1 from automation_rules r
           where r.account_id = new.account_id and r.active and r.event_name = new.kind) then
        return null;
    end if;
    update events e set snapshot = jsonb_build_object(
        'conversation', (select to_jsonb(c) from conversations c
                          where c.account_id = new.account_id and c.id = new.conversation_id),
        'contact', (select to_jsonb(ct) - 'search' from conversations c
                      join contacts ct on ct.account_id = c.account_id and ct.id = c.contact_id
                     where c.account_id = new.account_id and c.id = new.conversation_id),
        'message', (select jsonb_build_object(
                        'id', m.id, 'message_type', m.message_type, 'content', m.content,
                        'private', m.private, 'content_attributes', m.content_attributes,
                        'sender_type', m.sender_type, 'sender_id', m.sender_id)
                      from messages m
                     where m.account_id = new.account_id and m.id = new.message_id))
    where e.id = new.id;
    return null;
end;
$$;
