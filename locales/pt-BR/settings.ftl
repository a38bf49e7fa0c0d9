# Páginas de perfil e configurações: perfil, conta, agentes, funções personalizadas, e as
# mensagens de formulário que elas compartilham.

## Compartilhado

language-browser-default = Padrão do navegador
copy = Copiar
availability-online = Online
availability-busy = Ocupado
availability-offline = Offline
form-password-hint = Pelo menos { $count } caracteres.

## Mensagens de formulário, exibidas junto ao campo a que se referem

form-errors-summary = Alguns campos precisam de atenção: veja as mensagens abaixo.
form-error-blank = Este campo é obrigatório.
form-error-invalid = Este valor não é válido.
form-error-email = Informe um e-mail válido, como nome@exemplo.com.br.
form-error-email-taken = Este e-mail já está em uso.
form-error-taken = Este nome já está em uso.
form-error-phone = Use apenas números, espaços e + - ( ) . (até 30 caracteres).
form-error-current-password = A senha atual não está correta.
form-error-confirmation = As senhas não coincidem.
form-error-number = Informe um número inteiro.
form-error-timezone = Escolha um fuso horário da lista, como America/Sao_Paulo.
form-error-auto-resolve = Informe de 10 minutos a 999 dias (1439856 minutos), ou deixe em branco.
form-error-last-admin = A conta precisa de pelo menos um administrador.
form-error-too-short = Use pelo menos { $count } caracteres.
form-error-too-long = Use no máximo { $count } caracteres.
form-error-unknown-permission = Permissão desconhecida: { $name }.
form-error-choice = Escolha uma das opções da lista.

## Confirmações depois de uma alteração

flash-profile-saved = Seu perfil foi salvo.
flash-password-changed = Sua senha foi alterada. Suas outras sessões foram encerradas.
flash-availability-saved = Sua disponibilidade foi atualizada.
flash-account-saved = As configurações da conta foram salvas.
flash-agent-invited = Um convite foi enviado por e-mail para { $name }. A pessoa passa a fazer parte da conta quando aceitar.
flash-agent-updated = A função de { $name } foi atualizada.
flash-agent-removed = { $name } não faz mais parte desta conta.
flash-role-created = A função “{ $name }” foi criada.
flash-role-updated = A função “{ $name }” foi salva.
flash-role-deleted = A função “{ $name }” foi excluída.

## Perfil

profile-title = Seu perfil
profile-details = Dados pessoais
profile-name = Nome completo
profile-display-name = Nome de exibição
profile-display-name-hint = Mostrado aos clientes no lugar do seu nome completo. Opcional.
profile-email = E-mail
profile-phone = Telefone
profile-language = Idioma
profile-save = Salvar perfil
profile-availability = Disponibilidade
profile-availability-in = Sua disponibilidade em { $account }
profile-availability-save = Atualizar
profile-password = Senha
profile-password-explain = Ao trocar a senha, você sai de todos os outros dispositivos; esta sessão continua conectada.
profile-current-password = Senha atual
profile-new-password = Nova senha
profile-password-confirmation = Confirme a nova senha
profile-password-save = Trocar senha
profile-token = Token de acesso à API
profile-token-explain = Scripts e integrações enviam este token no cabeçalho api_access_token. O Atende guarda apenas um hash dele, por isso o token só pode ser exibido uma vez, logo depois de criado.
profile-token-current = Seu token atual começa com
profile-token-none = Você ainda não tem um token.
profile-token-new = Seu novo token. Copie agora: ele não será exibido de novo, e o anterior deixou de funcionar.
profile-token-reset = Gerar novo token
profile-token-reset-confirm = Gerar um novo token? O atual para de funcionar na hora.

## Configurações → Conta

account-settings-title = Configurações da conta
account-settings-name = Nome da conta
account-settings-language = Idioma
account-settings-language-hint = Usado nas mensagens enviadas pela conta e para membros que ainda não escolheram um idioma.
account-settings-timezone = Fuso horário
account-settings-timezone-hint = Nome de fuso horário IANA, como America/Sao_Paulo. Comece a digitar para ver sugestões.
account-settings-support-email = E-mail de suporte
account-settings-support-email-hint = Endereço de remetente dos e-mails enviados pela conta. Opcional.
account-settings-auto-resolve = Resolver conversas paradas após (minutos)
account-settings-auto-resolve-hint = Conversas sem atividade por esse tempo são resolvidas automaticamente. Deixe em branco para desativar.
account-settings-save = Salvar configurações

## Configurações → Agentes

agents-title = Agentes
agents-members = Membros
agents-name = Nome
agents-email = E-mail
agents-role = Função
agents-custom-role = Função personalizada
agents-availability = Disponibilidade
agents-actions = Ações
agents-you = você
agents-role-of = Função de { $name }
agents-custom-role-of = Função personalizada de { $name }
agents-no-custom-role = Nenhuma (permissões padrão de agente)
agents-custom-role-hint = Vale só para agentes: administradores podem fazer tudo.
agents-save-role = Salvar
agents-remove = Remover
agents-remove-confirm = Remover { $name } desta conta? O usuário e as outras contas dele continuam existindo.
agents-not-changed = Não foi possível alterar { $name }: { $reason }
agents-invite = Convidar um agente
agents-invite-submit = Convidar
agents-invite-hint = O convite vai para este endereço com um link que funciona uma vez, por { $days } dias: a pessoa escolhe a própria senha (ou, se já usa o Atende, entra para aceitar).
agents-invited = convidado
agents-invitation-pending = Convite pendente
agents-invitation-expired = Convite expirado
agents-resend = Enviar de novo
agents-withdraw = Cancelar convite
agents-withdraw-confirm = Cancelar o convite de { $name }? O link deixa de funcionar.
agents-link-intro = O e-mail não está configurado neste servidor; entregue você mesmo este link de convite a { $name } ({ $email }):
agents-link-once = Copie agora e repasse com segurança: ele aparece só desta vez. Quem tiver o link pode aceitar o convite.

## Configurações → Funções personalizadas

custom-roles-title = Funções personalizadas
custom-roles-explain = Uma função personalizada dá aos agentes exatamente as permissões que você escolher, no lugar do conjunto padrão de agente.
custom-roles-new = Nova função personalizada
custom-roles-new-title = Nova função personalizada
custom-roles-edit-title = Editar função personalizada
custom-roles-empty = Ainda não há funções personalizadas.
custom-roles-name = Nome
custom-roles-description = Descrição
custom-roles-permissions = Permissões
custom-roles-permissions-hint = Agentes com esta função podem fazer apenas o que estiver marcado aqui.
custom-roles-no-permissions = Nenhuma permissão
custom-roles-members = Membros
custom-roles-actions = Ações
custom-roles-edit = Editar
custom-roles-delete = Excluir
custom-roles-delete-confirm = Excluir a função “{ $name }”? { $count ->
    [0] Ninguém a tem no momento.
    [one] Um membro ainda tem esta função: dê outra a ele antes, ou a exclusão será recusada.
   *[other] { $count } membros ainda têm esta função: dê outra a eles antes, ou a exclusão será recusada.
}
custom-roles-save = Salvar alterações
custom-roles-create = Criar função
custom-roles-cancel = Cancelar
custom-roles-back = Todas as funções personalizadas
