# Settings pages: teams, inboxes (members, working hours), labels, canned responses, custom
# attributes and webhooks.

## Navigation

nav-settings-teams = Teams
nav-settings-inboxes = Inboxes
nav-settings-labels = Labels
nav-settings-canned = Canned responses
nav-settings-custom-attributes = Custom attributes
nav-settings-webhooks = Webhooks

## Shared

settings-actions = Actions
settings-edit = Edit
settings-delete = Delete
settings-remove = Remove
settings-save = Save changes
settings-cancel = Cancel
settings-yes = Yes
settings-no = No
settings-add = Add
settings-add-member = Add a member
settings-agent = Agent
settings-choose-agent = Choose an agent…
settings-everyone-is-member = Every agent of the account is already a member.
settings-member-name = Name
settings-member-email = E-mail

## Form messages

form-error-url = Enter a full address, such as https://example.com/webhook.
form-error-url-scheme = The address must start with http:// or https://.
form-error-url-internal = This URL leads to { $address }, an internal address, which is not allowed. If it is yours, ask the operator to allow it with ATENDE_OUTBOUND_ALLOW.
form-error-url-host = The host { $host } does not lead to a public address: either it does not exist or it leads only to internal addresses, which are not allowed. Check the address.
form-error-url-taken = Another webhook of this account already uses this address.
form-error-title-taken = A label with this title already exists.
form-error-short-code-taken = A canned response with this short code already exists.
form-error-key-taken = An attribute with this key already exists.
form-error-events = Choose at least one event.
form-error-label-title = Use only letters, digits, - and _, without spaces or accents.
form-error-color = Choose a colour in the #RRGGBB format.
form-error-key-characters = Use only letters, digits, _ and -, without spaces or accents.
form-error-key-reserved = This key is reserved for a standard attribute. Choose another one.
form-error-list-values = Enter at least one value, one per line.
form-error-pattern = This pattern cannot be read as a regular expression. Check brackets and parentheses.
form-error-closes-before-opens = The closing time must be after the opening time.
form-error-hours-missing = Enter the opening and closing times.
form-error-time = Enter times as HH:MM.
form-error-not-a-member = Choose an agent of this account.
form-error-resend = Only failed deliveries can be sent again.

## Confirmations

flash-webhook-updated = The webhook for { $name } was saved.
flash-webhook-deleted = The webhook for { $name } was deleted.
flash-delivery-resent = The “{ $name }” delivery will be sent again in a moment.
flash-team-created = The team “{ $name }” was created. Add its members below.
flash-team-updated = The team “{ $name }” was saved.
flash-team-deleted = The team “{ $name }” was deleted.
flash-team-member-added = { $name } is now a member of this team.
flash-team-member-removed = { $name } is no longer a member of this team.
flash-inbox-created = The inbox “{ $name }” was created.
flash-inbox-updated = The settings of “{ $name }” were saved.
flash-inbox-deleted = The inbox “{ $name }” was deleted.
flash-inbox-member-added = { $name } now works in this inbox.
flash-inbox-member-removed = { $name } no longer works in this inbox.
flash-working-hours-saved = The working hours of “{ $name }” were saved.
flash-label-created = The label “{ $name }” was created.
flash-label-updated = The label “{ $name }” was saved.
flash-label-deleted = The label “{ $name }” was deleted. Conversations and contacts keep it.
flash-canned-created = The canned response /{ $name } was created.
flash-canned-updated = The canned response /{ $name } was saved.
flash-canned-deleted = The canned response /{ $name } was deleted.
flash-attribute-created = The attribute “{ $name }” was created.
flash-attribute-updated = The attribute “{ $name }” was saved.
flash-attribute-deleted = The attribute “{ $name }” was deleted. Values already stored are kept.

## Settings → Teams

teams-title = Teams
teams-explain = A team groups agents, such as Sales or Support. Conversations can be assigned to a team.
teams-new = New team
teams-new-title = New team
teams-edit-title = Edit team
teams-empty = There are no teams yet.
teams-name = Name
teams-description = Description
teams-auto-assign = Auto-assign conversations
teams-auto-assign-hint = Conversations assigned to the team are distributed among its available members.
teams-you-belong = you are a member
teams-members = Members
teams-no-members = This team has no members yet.
teams-create = Create team
teams-back = All teams
teams-delete-confirm = Delete the team “{ $name }”? Its conversations stay, without a team.
teams-remove-member-confirm = Remove { $name } from { $team }?

## Settings → Inboxes

inboxes-title = Inboxes
inboxes-explain = An inbox is a channel customers write to. API inboxes receive messages from your integrations and send every event of the inbox to their webhook URL.
inboxes-new = New inbox
inboxes-new-title = New API inbox
inboxes-new-explain = An API inbox is the channel for integrations such as a WhatsApp gateway or your own system.
inboxes-empty = There are no inboxes yet.
inboxes-name = Name
inboxes-channel = Channel
inboxes-channel-api = API
inboxes-webhook-url = Webhook URL
inboxes-webhook-url-hint = Atende sends every conversation and message event of this inbox to this address. Optional.
inboxes-webhook-url-edit-hint = Leave blank to stop sending events to an address.
inboxes-no-webhook-url = None: this inbox sends no events.
inboxes-create = Create inbox
inboxes-back = All inboxes
inboxes-sections = Inbox sections
inboxes-tab-settings = Settings
inboxes-tab-members = Members
inboxes-tab-working-hours = Working hours
inboxes-integration = Integration
inboxes-identifier = Inbox identifier
inboxes-identifier-hint = Integrations use it in the public client API (inbox_identifier).
inboxes-hmac-token = HMAC token
inboxes-hmac-token-hint = Signs the events sent to the webhook URL (X-Atende-Signature) and validates contact identities. Keep it secret.
inboxes-greeting-enabled = Send a greeting on new conversations
inboxes-greeting-message = Greeting message
inboxes-greeting-hint = Sent automatically when a customer starts a conversation, if the greeting is on.
inboxes-single-conversation = One conversation per contact
inboxes-single-conversation-hint = New messages from a contact reopen their last conversation instead of starting a new one.
inboxes-timezone = Time zone
inboxes-timezone-hint = The time zone of the working hours, such as America/Sao_Paulo.
inboxes-delete-title = Delete this inbox
inboxes-delete-explain = Deleting an inbox deletes all its conversations and messages. This cannot be undone.
inboxes-delete = Delete inbox
inboxes-delete-confirm = Delete the inbox “{ $name }” and all its conversations? This cannot be undone.
inboxes-members-explain = Agents who are members of this inbox see its conversations and can be assigned to them. Administrators see every inbox.
inboxes-no-members = This inbox has no members yet.
inboxes-remove-member-confirm = Remove { $name } from { $inbox }? They will no longer see its conversations.

## Working hours

working-hours-explain = When working hours are on, SLAs and out-of-office replies count only the time the inbox is open.
working-hours-enabled = Use working hours
working-hours-enabled-hint = When off, the inbox is considered open at all times.
working-hours-week = Opening hours for each day of the week
working-hours-day = Day
working-hours-opening = Opening
working-hours-opens = Opens at
working-hours-closes = Closes at
working-hours-closed = Closed
working-hours-all-day = Open all day
working-hours-hours = Open from… to…
working-hours-opening-of = Opening on { $day }
working-hours-opens-of = Opens on { $day } at
working-hours-closes-of = Closes on { $day } at
working-hours-save = Save working hours
weekday-sunday = Sunday
weekday-monday = Monday
weekday-tuesday = Tuesday
weekday-wednesday = Wednesday
weekday-thursday = Thursday
weekday-friday = Friday
weekday-saturday = Saturday

## Settings → Labels

labels-title = Labels
labels-explain = Labels mark conversations and contacts so they can be found and filtered.
labels-new = New label
labels-new-title = New label
labels-edit-title = Edit label
labels-empty = There are no labels yet.
labels-label = Title
labels-title-hint = Lowercase letters, digits, - and _ (such as vip or follow-up). Saved in lowercase.
labels-description = Description
labels-color = Colour
labels-sidebar = On the sidebar
labels-sidebar-switch = Show on the sidebar
labels-create = Create label
labels-back = All labels
labels-delete-confirm = Delete the label “{ $name }”? Conversations and contacts that carry it keep it.

## Settings → Canned responses

canned-title = Canned responses
canned-explain = Saved replies: type / and the short code in the reply box to insert one.
canned-new = New canned response
canned-new-title = New canned response
canned-edit-title = Edit canned response
canned-empty = There are no canned responses yet.
canned-search = Search
canned-search-placeholder = Search by short code or content
canned-no-results = Nothing matches “{ $search }”.
canned-results = { $count ->
    [one] 1 response matches “{ $search }”.
   *[other] { $count } responses match “{ $search }”.
}
canned-short-code = Short code
canned-short-code-hint = What agents type after / (such as greeting).
canned-content = Content
canned-content-hint = The text inserted in the reply. Type {"{{"} to insert a variable such as {"{{"} contact.first_name || 'customer' {"}}"}.
canned-create = Create canned response
canned-back = All canned responses
canned-delete-confirm = Delete the canned response /{ $name }?

## Settings → Custom attributes

attributes-title = Custom attributes
attributes-explain = Extra fields for conversations and contacts, such as a plan or a customer code.
attributes-models = Records
attributes-model = Applies to
attributes-model-conversation = Conversations
attributes-model-contact = Contacts
attributes-new = New attribute
attributes-new-title = New custom attribute
attributes-edit-title = Edit custom attribute
attributes-empty = There are no attributes here yet.
attributes-display-name = Display name
attributes-key = Key
attributes-key-hint = How integrations refer to it: letters, digits, _ and - (such as customer_plan). It cannot be changed later.
attributes-key-fixed = The key cannot be changed: values are stored under it.
attributes-type = Type
attributes-type-text = Text
attributes-type-number = Number
attributes-type-currency = Currency
attributes-type-percent = Percentage
attributes-type-link = Link
attributes-type-date = Date
attributes-type-list = List
attributes-type-checkbox = Checkbox
attributes-description = Description
attributes-values = List values
attributes-values-hint = For the List type: one value per line.
attributes-pattern = Pattern
attributes-pattern-hint = Optional: a regular expression the values must match, such as ^[0-9]+$ for digits only.
attributes-cue = Pattern hint
attributes-cue-hint = Shown when a value does not match the pattern.
attributes-create = Create attribute
attributes-back = All attributes
attributes-delete-confirm = Delete the attribute “{ $name }”? Values already stored on records are kept.

## Settings → Webhooks

webhooks-title = Webhooks
webhooks-explain = Atende sends the events you choose to your systems, signed, with retries for 24 hours.
webhooks-new = New webhook
webhooks-new-title = New webhook
webhooks-edit-title = Edit webhook
webhooks-empty = There are no webhooks yet.
webhooks-url = URL
webhooks-url-hint = Where the events are POSTed (https recommended).
webhooks-name = Name
webhooks-name-hint = Optional, to tell webhooks apart.
webhooks-events = Events
webhooks-events-hint = Choose the events sent to this URL.
webhooks-inbox = Inbox
webhooks-inbox-hint = Send only events of one inbox, or of all of them.
webhooks-every-inbox = All inboxes
webhooks-status = Status
webhooks-enabled = Enabled
webhooks-disabled = Disabled
webhooks-enabled-switch = Deliver events
webhooks-enabled-hint = Turn this on again to re-enable a webhook that was disabled after failing for 24 hours.
webhooks-disabled-notice = This webhook is disabled and receives nothing.
webhooks-last-delivery = Last delivery
webhooks-no-deliveries = No deliveries yet.
webhooks-log = Deliveries
webhooks-create = Create webhook
webhooks-back = All webhooks
webhooks-delete-confirm = Delete the webhook for { $url } and its delivery log?
webhooks-created-title = Webhook created
webhooks-created-intro = Events will be sent to { $url }. This is its signing secret:
webhooks-created-once = Copy it now and store it safely: it is shown only this once.
webhooks-signature-title = Verifying deliveries
webhooks-signature-explain = Each delivery carries X-Atende-Timestamp (Unix seconds) and X-Atende-Signature: sha256= followed by the hex HMAC-SHA256 of “timestamp.body” (the timestamp, a dot and the raw body), computed with this secret.
webhooks-signature-verify = Compute the HMAC over the exact bytes received, compare in constant time and reject old timestamps. Examples in Python and Node.js are in docs/API.md, section “Webhooks”.
webhooks-log-title = Webhook deliveries
webhooks-deliveries = Last deliveries
webhooks-deliveries-explain = The last 100 deliveries, newest first. Failed deliveries can be sent again with the same payload and delivery id.
webhooks-delivery-time = Time
webhooks-delivery-event = Event
webhooks-delivery-state = State
webhooks-delivery-attempts = Attempts
webhooks-delivery-status = HTTP status
webhooks-delivery-latency = Latency
webhooks-delivery-error = Error
webhooks-resend = Send again
webhook-state-pending = Pending
webhook-state-succeeded = Delivered
webhook-state-failed = Failed
webhook-event-conversation-created = Conversation created
webhook-event-conversation-updated = Conversation updated
webhook-event-conversation-status-changed = Conversation status changed
webhook-event-message-created = Message created
webhook-event-message-updated = Message updated
webhook-event-contact-created = Contact created
webhook-event-contact-updated = Contact updated
