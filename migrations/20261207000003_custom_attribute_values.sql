-- Custom attribute values are checked against their definition on write; values stored before
-- that (or by a definition whose type changed) must still never fail a filter. A date attribute
-- reads through this function: text that is not a timestamp is null, not an error.
create function atende_timestamptz(value text) returns timestamptz language plpgsql stable parallel safe as $$
begin
    if value is null or value !~ '^\d{4}-\d{2}-\d{2}' then
        return null;
    end if;
    return value::timestamptz;
exception when others then
    return null;
end;
$$;
