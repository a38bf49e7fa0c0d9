# Páginas de configurações: times, caixas de entrada (membros, horário de atendimento),
# etiquetas, respostas prontas, atributos personalizados e webhooks.

## Navegação

nav-settings-teams = Times
nav-settings-inboxes = Caixas de entrada
nav-settings-labels = Etiquetas
nav-settings-canned = Respostas prontas
nav-settings-custom-attributes = Atributos personalizados
nav-settings-webhooks = Webhooks

## Compartilhado

settings-actions = Ações
settings-edit = Editar
settings-delete = Excluir
settings-remove = Remover
settings-save = Salvar alterações
settings-cancel = Cancelar
settings-yes = Sim
settings-no = Não
settings-add = Adicionar
settings-add-member = Adicionar um membro
settings-agent = Agente
settings-choose-agent = Escolha um agente…
settings-everyone-is-member = Todos os agentes da conta já são membros.
settings-member-name = Nome
settings-member-email = E-mail

## Mensagens de formulário

form-error-url = Informe um endereço completo, como https://exemplo.com.br/webhook.
form-error-url-scheme = O endereço precisa começar com http:// ou https://.
form-error-url-internal = Este endereço aponta para o endereço interno { $address }, que não é permitido. Se ele for seu, peça ao operador para liberá-lo com ATENDE_OUTBOUND_ALLOW.
form-error-url-host = O host { $host } não leva a um endereço público: ou não existe, ou só aponta para endereços internos, que não são permitidos. Confira o endereço.
form-error-url-taken = Outro webhook desta conta já usa este endereço.
form-error-title-taken = Já existe uma etiqueta com este título.
form-error-short-code-taken = Já existe uma resposta pronta com este atalho.
form-error-key-taken = Já existe um atributo com esta chave.
form-error-events = Escolha pelo menos um evento.
form-error-label-title = Use apenas letras, números, - e _, sem espaços nem acentos.
form-error-color = Escolha uma cor no formato #RRGGBB.
form-error-key-characters = Use apenas letras, números, _ e -, sem espaços nem acentos.
form-error-key-reserved = Esta chave é reservada para um atributo padrão. Escolha outra.
form-error-list-values = Informe pelo menos um valor, um por linha.
form-error-pattern = Este padrão não é uma expressão regular válida. Confira colchetes e parênteses.
form-error-closes-before-opens = O horário de fechamento precisa ser depois do de abertura.
form-error-hours-missing = Informe os horários de abertura e de fechamento.
form-error-time = Informe os horários no formato HH:MM.
form-error-not-a-member = Escolha um agente desta conta.
form-error-resend = Só entregas que falharam podem ser reenviadas.

## Confirmações

flash-webhook-updated = O webhook de { $name } foi salvo.
flash-webhook-deleted = O webhook de { $name } foi excluído.
flash-delivery-resent = A entrega “{ $name }” será reenviada em instantes.
flash-team-created = O time “{ $name }” foi criado. Adicione os membros abaixo.
flash-team-updated = O time “{ $name }” foi salvo.
flash-team-deleted = O time “{ $name }” foi excluído.
flash-team-member-added = { $name } agora faz parte deste time.
flash-team-member-removed = { $name } não faz mais parte deste time.
flash-inbox-created = A caixa de entrada “{ $name }” foi criada.
flash-inbox-updated = As configurações de “{ $name }” foram salvas.
flash-inbox-deleted = A caixa de entrada “{ $name }” foi excluída.
flash-inbox-member-added = { $name } agora atende nesta caixa de entrada.
flash-inbox-member-removed = { $name } não atende mais nesta caixa de entrada.
flash-working-hours-saved = O horário de atendimento de “{ $name }” foi salvo.
flash-label-created = A etiqueta “{ $name }” foi criada.
flash-label-updated = A etiqueta “{ $name }” foi salva.
flash-label-deleted = A etiqueta “{ $name }” foi excluída. Conversas e contatos continuam com ela.
flash-canned-created = A resposta pronta /{ $name } foi criada.
flash-canned-updated = A resposta pronta /{ $name } foi salva.
flash-canned-deleted = A resposta pronta /{ $name } foi excluída.
flash-attribute-created = O atributo “{ $name }” foi criado.
flash-attribute-updated = O atributo “{ $name }” foi salvo.
flash-attribute-deleted = O atributo “{ $name }” foi excluído. Os valores já gravados foram mantidos.

## Configurações → Times

teams-title = Times
teams-explain = Um time reúne agentes, como Vendas ou Suporte. Conversas podem ser atribuídas a um time.
teams-new = Novo time
teams-new-title = Novo time
teams-edit-title = Editar time
teams-empty = Ainda não há times.
teams-name = Nome
teams-description = Descrição
teams-auto-assign = Atribuir conversas automaticamente
teams-auto-assign-hint = As conversas atribuídas ao time são distribuídas entre os membros disponíveis.
teams-you-belong = você é membro
teams-members = Membros
teams-no-members = Este time ainda não tem membros.
teams-create = Criar time
teams-back = Todos os times
teams-delete-confirm = Excluir o time “{ $name }”? As conversas dele continuam, sem time.
teams-remove-member-confirm = Remover { $name } de { $team }?

## Configurações → Caixas de entrada

inboxes-title = Caixas de entrada
inboxes-explain = Uma caixa de entrada é um canal pelo qual os clientes escrevem. Caixas de API recebem mensagens das suas integrações e enviam cada evento da caixa para a URL de webhook.
inboxes-new = Nova caixa de entrada
inboxes-new-title = Nova caixa de entrada de API
inboxes-new-explain = Uma caixa de API é o canal para integrações, como um gateway de WhatsApp ou o seu próprio sistema.
inboxes-empty = Ainda não há caixas de entrada.
inboxes-name = Nome
inboxes-channel = Canal
inboxes-channel-api = API
inboxes-webhook-url = URL de webhook
inboxes-webhook-url-hint = O Atende envia cada evento de conversa e de mensagem desta caixa para este endereço. Opcional.
inboxes-webhook-url-edit-hint = Deixe em branco para parar de enviar eventos a um endereço.
inboxes-no-webhook-url = Nenhuma: esta caixa não envia eventos.
inboxes-create = Criar caixa de entrada
inboxes-back = Todas as caixas de entrada
inboxes-sections = Seções da caixa de entrada
inboxes-tab-settings = Configurações
inboxes-tab-members = Membros
inboxes-tab-working-hours = Horário de atendimento
inboxes-integration = Integração
inboxes-identifier = Identificador da caixa
inboxes-identifier-hint = As integrações o usam na API pública de clientes (inbox_identifier).
inboxes-hmac-token = Token HMAC
inboxes-hmac-token-hint = Assina os eventos enviados à URL de webhook (X-Atende-Signature) e valida a identidade dos contatos. Mantenha-o em segredo.
inboxes-greeting-enabled = Enviar uma saudação em novas conversas
inboxes-greeting-message = Mensagem de saudação
inboxes-greeting-hint = Enviada automaticamente quando um cliente inicia uma conversa, se a saudação estiver ativada.
inboxes-single-conversation = Uma conversa por contato
inboxes-single-conversation-hint = Novas mensagens de um contato reabrem a última conversa dele em vez de iniciar outra.
inboxes-timezone = Fuso horário
inboxes-timezone-hint = O fuso horário do horário de atendimento, como America/Sao_Paulo.
inboxes-delete-title = Excluir esta caixa de entrada
inboxes-delete-explain = Excluir uma caixa de entrada exclui todas as conversas e mensagens dela. Não é possível desfazer.
inboxes-delete = Excluir caixa de entrada
inboxes-delete-confirm = Excluir a caixa de entrada “{ $name }” e todas as conversas dela? Não é possível desfazer.
inboxes-members-explain = Os agentes membros desta caixa veem as conversas dela e podem ser atribuídos a elas. Administradores veem todas as caixas.
inboxes-no-members = Esta caixa de entrada ainda não tem membros.
inboxes-remove-member-confirm = Remover { $name } de { $inbox }? A pessoa deixará de ver as conversas dela.

## Horário de atendimento

working-hours-explain = Com o horário de atendimento ativado, os SLAs e as respostas de ausência contam apenas o tempo em que a caixa está aberta.
working-hours-enabled = Usar horário de atendimento
working-hours-enabled-hint = Desativado, a caixa é considerada aberta o tempo todo.
working-hours-week = Horário de funcionamento de cada dia da semana
working-hours-day = Dia
working-hours-opening = Funcionamento
working-hours-opens = Abre às
working-hours-closes = Fecha às
working-hours-closed = Fechado
working-hours-all-day = Aberto o dia todo
working-hours-hours = Aberto das… às…
working-hours-opening-of = Funcionamento de { $day }
working-hours-opens-of = Abre { $day } às
working-hours-closes-of = Fecha { $day } às
working-hours-save = Salvar horário de atendimento
weekday-sunday = Domingo
weekday-monday = Segunda-feira
weekday-tuesday = Terça-feira
weekday-wednesday = Quarta-feira
weekday-thursday = Quinta-feira
weekday-friday = Sexta-feira
weekday-saturday = Sábado

## Configurações → Etiquetas

labels-title = Etiquetas
labels-explain = As etiquetas marcam conversas e contatos para que sejam encontrados e filtrados.
labels-new = Nova etiqueta
labels-new-title = Nova etiqueta
labels-edit-title = Editar etiqueta
labels-empty = Ainda não há etiquetas.
labels-label = Título
labels-title-hint = Letras minúsculas, números, - e _ (como vip ou retorno). Salvo em minúsculas.
labels-description = Descrição
labels-color = Cor
labels-sidebar = Na barra lateral
labels-sidebar-switch = Mostrar na barra lateral
labels-create = Criar etiqueta
labels-back = Todas as etiquetas
labels-delete-confirm = Excluir a etiqueta “{ $name }”? Conversas e contatos que a têm continuam com ela.

## Configurações → Respostas prontas

canned-title = Respostas prontas
canned-explain = Respostas salvas: digite / e o atalho na caixa de resposta para inserir uma.
canned-new = Nova resposta pronta
canned-new-title = Nova resposta pronta
canned-edit-title = Editar resposta pronta
canned-empty = Ainda não há respostas prontas.
canned-search = Buscar
canned-search-placeholder = Buscar por atalho ou conteúdo
canned-no-results = Nada encontrado para “{ $search }”.
canned-results = { $count ->
    [one] 1 resposta encontrada para “{ $search }”.
   *[other] { $count } respostas encontradas para “{ $search }”.
}
canned-short-code = Atalho
canned-short-code-hint = O que os agentes digitam depois da / (como saudacao).
canned-content = Conteúdo
canned-content-hint = O texto inserido na resposta. Digite {"{{"} para inserir uma variável, como {"{{"} contact.first_name || 'cliente' {"}}"}.
canned-create = Criar resposta pronta
canned-back = Todas as respostas prontas
canned-delete-confirm = Excluir a resposta pronta /{ $name }?

## Configurações → Atributos personalizados

attributes-title = Atributos personalizados
attributes-explain = Campos extras para conversas e contatos, como um plano ou um código de cliente.
attributes-models = Registros
attributes-model = Vale para
attributes-model-conversation = Conversas
attributes-model-contact = Contatos
attributes-new = Novo atributo
attributes-new-title = Novo atributo personalizado
attributes-edit-title = Editar atributo personalizado
attributes-empty = Ainda não há atributos aqui.
attributes-display-name = Nome de exibição
attributes-key = Chave
attributes-key-hint = Como as integrações se referem a ele: letras, números, _ e - (como plano_cliente). Não pode ser alterada depois.
attributes-key-fixed = A chave não pode ser alterada: os valores ficam gravados nela.
attributes-type = Tipo
attributes-type-text = Texto
attributes-type-number = Número
attributes-type-currency = Moeda
attributes-type-percent = Porcentagem
attributes-type-link = Link
attributes-type-date = Data
attributes-type-list = Lista
attributes-type-checkbox = Caixa de seleção
attributes-description = Descrição
attributes-values = Valores da lista
attributes-values-hint = Para o tipo Lista: um valor por linha.
attributes-pattern = Padrão
attributes-pattern-hint = Opcional: uma expressão regular que os valores devem seguir, como ^[0-9]+$ para apenas números.
attributes-cue = Dica do padrão
attributes-cue-hint = Mostrada quando um valor não segue o padrão.
attributes-create = Criar atributo
attributes-back = Todos os atributos
attributes-delete-confirm = Excluir o atributo “{ $name }”? Os valores já gravados nos registros serão mantidos.

## Configurações → Webhooks

webhooks-title = Webhooks
webhooks-explain = O Atende envia os eventos que você escolher para os seus sistemas, assinados e com novas tentativas por 24 horas.
webhooks-new = Novo webhook
webhooks-new-title = Novo webhook
webhooks-edit-title = Editar webhook
webhooks-empty = Ainda não há webhooks.
webhooks-url = URL
webhooks-url-hint = Para onde os eventos são enviados por POST (https recomendado).
webhooks-name = Nome
webhooks-name-hint = Opcional, para diferenciar os webhooks.
webhooks-events = Eventos
webhooks-events-hint = Escolha os eventos enviados para esta URL.
webhooks-inbox = Caixa de entrada
webhooks-inbox-hint = Envie só os eventos de uma caixa de entrada, ou de todas.
webhooks-every-inbox = Todas as caixas de entrada
webhooks-status = Situação
webhooks-enabled = Ativo
webhooks-disabled = Desativado
webhooks-enabled-switch = Entregar eventos
webhooks-enabled-hint = Ative de novo para reabilitar um webhook desativado depois de falhar por 24 horas.
webhooks-disabled-notice = Este webhook está desativado e não recebe nada.
webhooks-last-delivery = Última entrega
webhooks-no-deliveries = Nenhuma entrega ainda.
webhooks-log = Entregas
webhooks-create = Criar webhook
webhooks-back = Todos os webhooks
webhooks-delete-confirm = Excluir o webhook de { $url } e o registro de entregas dele?
webhooks-created-title = Webhook criado
webhooks-created-intro = Os eventos serão enviados para { $url }. Este é o segredo de assinatura:
webhooks-created-once = Copie agora e guarde em lugar seguro: ele só é mostrado desta vez.
webhooks-signature-title = Como verificar as entregas
webhooks-signature-explain = Cada entrega traz X-Atende-Timestamp (segundos Unix) e X-Atende-Signature: sha256= seguido do HMAC-SHA256 em hexadecimal de “timestamp.corpo” (o timestamp, um ponto e o corpo bruto), calculado com este segredo.
webhooks-signature-verify = Calcule o HMAC sobre os bytes exatos recebidos, compare em tempo constante e rejeite timestamps antigos. Há exemplos em Python e Node.js em docs/API.md, seção “Webhooks”.
webhooks-log-title = Entregas do webhook
webhooks-deliveries = Últimas entregas
webhooks-deliveries-explain = As últimas 100 entregas, das mais recentes para as mais antigas. Entregas que falharam podem ser reenviadas com o mesmo conteúdo e o mesmo id de entrega.
webhooks-delivery-time = Horário
webhooks-delivery-event = Evento
webhooks-delivery-state = Situação
webhooks-delivery-attempts = Tentativas
webhooks-delivery-status = Status HTTP
webhooks-delivery-latency = Latência
webhooks-delivery-error = Erro
webhooks-resend = Reenviar
webhook-state-pending = Pendente
webhook-state-succeeded = Entregue
webhook-state-failed = Falhou
webhook-event-conversation-created = Conversa criada
webhook-event-conversation-updated = Conversa atualizada
webhook-event-conversation-status-changed = Status da conversa alterado
webhook-event-message-created = Mensagem criada
webhook-event-message-updated = Mensagem atualizada
webhook-event-contact-created = Contato criado
webhook-event-contact-updated = Contato atualizado
