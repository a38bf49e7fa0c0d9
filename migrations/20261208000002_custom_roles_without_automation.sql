-- A custom role can no longer carry `automation_manage` (decision 0007): rules act on every
-- conversation of the account, beyond the role's visibility. Roles that had it lose it; their
-- members keep every other permission of the role.
update custom_roles set permissions = array_remove(permissions, 'automation_manage')
where 'automation_manage' = any(permissions);
