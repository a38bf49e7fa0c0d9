# Profile and settings pages: profile, account, agents, custom roles, and the form messages
# they share.

## Shared

language-browser-default = Browser default
copy = Copy
availability-online = Online
availability-busy = Busy
availability-offline = Offline
form-password-hint = At least { $count } characters.

## Form messages, shown next to the field they are about

form-errors-summary = Some fields need attention: see the messages below.
form-error-blank = This field is required.
form-error-invalid = This value is not valid.
form-error-email = Enter a valid e-mail address, such as name@example.com.
form-error-email-taken = This e-mail is already in use.
form-error-taken = This name is already in use.
form-error-phone = Use only digits, spaces and + - ( ) . (up to 30 characters).
form-error-current-password = The current password is not correct.
form-error-confirmation = The passwords do not match.
form-error-number = Enter a whole number.
form-error-timezone = Choose a time zone from the list, such as America/Sao_Paulo.
form-error-auto-resolve = Enter from 10 minutes to 999 days (1439856 minutes), or leave it blank.
form-error-last-admin = The account needs at least one administrator.
form-error-too-short = Use at least { $count } characters.
form-error-too-long = Use at most { $count } characters.
form-error-unknown-permission = Unknown permission: { $name }.
form-error-choice = Choose one of the listed options.

## Confirmations after a change

flash-profile-saved = Your profile was saved.
flash-password-changed = Your password was changed. Your other sessions were signed out.
flash-availability-saved = Your availability was updated.
flash-account-saved = The account settings were saved.
flash-agent-invited = An invitation was e-mailed to { $name }. They become a member when they accept it.
flash-agent-updated = The role of { $name } was updated.
flash-agent-removed = { $name } is no longer a member of this account.
flash-role-created = The role “{ $name }” was created.
flash-role-updated = The role “{ $name }” was saved.
flash-role-deleted = The role “{ $name }” was deleted.

## Profile

profile-title = Your profile
profile-details = Personal details
profile-name = Full name
profile-display-name = Display name
profile-display-name-hint = Shown to customers instead of your full name. Optional.
profile-email = E-mail
profile-phone = Phone
profile-language = Language
profile-save = Save profile
profile-availability = Availability
profile-availability-in = Your availability in { $account }
profile-availability-save = Update
profile-password = Password
profile-password-explain = Changing your password signs you out on every other device; this session stays signed in.
profile-current-password = Current password
profile-new-password = New password
profile-password-confirmation = Confirm the new password
profile-password-save = Change password
profile-token = API access token
profile-token-explain = Scripts and integrations send this token in the api_access_token header. Atende keeps only a hash of it, so a token can be shown only once, right after it is created.
profile-token-current = Your current token starts with
profile-token-none = You have no token yet.
profile-token-new = Your new token. Copy it now: it will not be shown again, and the previous one no longer works.
profile-token-reset = Reset token
profile-token-reset-confirm = Create a new token? The current one stops working at once.

## Settings → Account

account-settings-title = Account settings
account-settings-name = Account name
account-settings-language = Language
account-settings-language-hint = Used for messages the account sends, and for members who have not chosen a language.
account-settings-timezone = Time zone
account-settings-timezone-hint = An IANA time zone name, such as America/Sao_Paulo. Start typing to see suggestions.
account-settings-support-email = Support e-mail
account-settings-support-email-hint = The sender address of e-mails the account sends. Optional.
account-settings-auto-resolve = Resolve idle conversations after (minutes)
account-settings-auto-resolve-hint = Conversations with no activity for this long are resolved automatically. Leave blank to turn this off.
account-settings-save = Save settings

## Settings → Agents

agents-title = Agents
agents-members = Members
agents-name = Name
agents-email = E-mail
agents-role = Role
agents-custom-role = Custom role
agents-availability = Availability
agents-actions = Actions
agents-you = you
agents-role-of = Role of { $name }
agents-custom-role-of = Custom role of { $name }
agents-no-custom-role = None (default agent permissions)
agents-custom-role-hint = Applies to agents only: administrators may do everything.
agents-save-role = Save
agents-remove = Remove
agents-remove-confirm = Remove { $name } from this account? Their user and their other accounts are kept.
agents-not-changed = Could not change { $name }: { $reason }
agents-invite = Invite an agent
agents-invite-submit = Invite
agents-invite-hint = The invitation goes to this address with a link that works once, for { $days } days: the person chooses their own password (or, if they already use Atende, signs in to accept).
agents-invited = invited
agents-invitation-pending = Invitation pending
agents-invitation-expired = Invitation expired
agents-resend = Send again
agents-withdraw = Withdraw
agents-withdraw-confirm = Withdraw the invitation of { $name }? Its link stops working.
agents-link-intro = E-mail is not configured on this server, so hand this invitation link to { $name } ({ $email }) yourself:
agents-link-once = Copy it now and pass it on safely: it is shown only this once. Whoever has it can accept the invitation.

## Settings → Custom roles

custom-roles-title = Custom roles
custom-roles-explain = A custom role gives agents exactly the permissions you choose, instead of the default agent set.
custom-roles-new = New custom role
custom-roles-new-title = New custom role
custom-roles-edit-title = Edit custom role
custom-roles-empty = There are no custom roles yet.
custom-roles-name = Name
custom-roles-description = Description
custom-roles-permissions = Permissions
custom-roles-permissions-hint = Agents with this role may do only what is checked here.
custom-roles-no-permissions = No permissions
custom-roles-members = Members
custom-roles-actions = Actions
custom-roles-edit = Edit
custom-roles-delete = Delete
custom-roles-delete-confirm = Delete the role “{ $name }”? { $count ->
    [0] Nobody has it now.
    [one] One member still has it: give them another role first, or the deletion is refused.
   *[other] { $count } members still have it: give them another role first, or the deletion is refused.
}
custom-roles-save = Save changes
custom-roles-create = Create role
custom-roles-cancel = Cancel
custom-roles-back = All custom roles
