activity-status-resolved = Conversa resolvida por { $name }
activity-status-open = Conversa reaberta por { $name }
activity-status-pending = Conversa marcada como pendente por { $name }
activity-status-snoozed = Conversa adiada por { $name }
activity-status-snoozed-until = { $name } adiou a conversa até { $until }
activity-reopened-by-contact = Conversa reaberta por uma nova mensagem de { $name }
activity-reopened-snoozed-by-contact = Adiamento encerrado: nova mensagem de { $name }
activity-snooze-ended = O adiamento terminou e a conversa foi reaberta
activity-self-assigned = { $name } assumiu esta conversa
activity-assigned = Atribuída a { $assignee } por { $name }
activity-unassigned = Atribuição removida por { $name }
activity-team-assigned = Atribuída à equipe { $team } por { $name }
activity-team-removed = Removida da equipe { $team } por { $name }
activity-labels-added = { $name } adicionou { $labels }
activity-labels-removed = { $name } removeu { $labels }
activity-priority-set = { $name } definiu a prioridade como { $priority }
activity-priority-changed = { $name } mudou a prioridade de { $from } para { $to }
activity-priority-removed = { $name } removeu a prioridade
activity-muted = { $name } silenciou a conversa
activity-unmuted = { $name } reativou o som da conversa
activity-automation-name = Automação: { $name }
activity-system-name = Sistema
message-deleted = Esta mensagem foi excluída

priority-low = Baixa
priority-medium = Média
priority-high = Alta
priority-urgent = Urgente

status-open = Aberta
status-resolved = Resolvida
status-pending = Pendente
status-snoozed = Adiada

## E-mails enviados por automações
automation-email-team-subject = [Atende] { $name }: conversa #{ $id }
automation-email-open-conversation = Abrir a conversa #{ $id }:
automation-email-transcript-subject = Transcrição da conversa #{ $id }
automation-email-transcript-bot = Automação
automation-email-transcript-files = [{ $count } anexo(s)]
