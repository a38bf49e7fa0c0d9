activity-status-resolved = Conversation was marked resolved by { $name }
activity-status-open = Conversation was reopened by { $name }
activity-status-pending = Conversation was marked as pending by { $name }
activity-status-snoozed = Conversation was snoozed by { $name }
activity-status-snoozed-until = { $name } snoozed the conversation until { $until }
activity-reopened-by-contact = Conversation was reopened by a new message from { $name }
activity-reopened-snoozed-by-contact = Snooze ended: new message from { $name }
activity-snooze-ended = The snooze ended and the conversation was reopened
activity-self-assigned = { $name } self-assigned this conversation
activity-assigned = Assigned to { $assignee } by { $name }
activity-unassigned = Conversation unassigned by { $name }
activity-team-assigned = Assigned to team { $team } by { $name }
activity-team-removed = Removed from team { $team } by { $name }
activity-labels-added = { $name } added { $labels }
activity-labels-removed = { $name } removed { $labels }
activity-priority-set = { $name } set the priority to { $priority }
activity-priority-changed = { $name } changed the priority from { $from } to { $to }
activity-priority-removed = { $name } removed the priority
activity-muted = { $name } has muted the conversation
activity-unmuted = { $name } has unmuted the conversation
activity-automation-name = Automation: { $name }
activity-system-name = System
message-deleted = This message was deleted

priority-low = Low
priority-medium = Medium
priority-high = High
priority-urgent = Urgent

status-open = Open
status-resolved = Resolved
status-pending = Pending
status-snoozed = Snoozed

## E-mails sent by automation rules
automation-email-team-subject = [Atende] { $name }: conversation #{ $id }
automation-email-open-conversation = Open conversation #{ $id }:
automation-email-transcript-subject = Transcript of conversation #{ $id }
automation-email-transcript-bot = Automation
automation-email-transcript-files = [{ $count } attachment(s)]
