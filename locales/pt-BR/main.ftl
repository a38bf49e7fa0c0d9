app-name = Atende
language-switch = Idioma

home-title = Bem-vindo
home-tagline = O helpdesk para equipes que atendem clientes pelo WhatsApp e por e-mail.
home-intro = Conversas, respostas, notas, etiquetas, automações e SLAs em uma caixa de entrada rápida.
home-sign-in = Entrar
home-greeting = Olá, { $name }!

error-back-home = Voltar para a página inicial
error-not-found-title = Página não encontrada
error-not-found-message = A página que você pediu não existe ou foi movida.
error-forbidden-title = Acesso não permitido
error-forbidden-message = Sua função não permite abrir esta página. Peça a um administrador se precisar dela.
error-internal-title = Algo deu errado
error-internal-message = O erro foi registrado. Tente novamente em instantes.
error-bad-request-title = Requisição inválida
error-busy-title = Muitas solicitações
error-busy-message = O limite desta conta por minuto foi atingido. Aguarde um pouco e tente de novo.

nav-label = Principal
nav-home = Início
nav-profile = Perfil
nav-settings = Configurações
nav-settings-account = Conta
nav-settings-agents = Agentes
nav-settings-custom-roles = Funções personalizadas
nav-switch-account = Trocar de conta
nav-sign-out = Sair

login-title = Entrar
login-subtitle = Entre no seu helpdesk.
login-email = E-mail
login-password = Senha
login-submit = Entrar
login-invalid = E-mail ou senha inválidos.
login-throttled = Muitas tentativas de entrada sem sucesso. Tente novamente em { $minutes ->
    [one] 1 minuto
   *[other] { $minutes } minutos
}.

app-home-greeting = Olá, { $name }!
app-home-account = Você está trabalhando em { $account }.
no-accounts-title = Nenhuma conta ainda
no-accounts-message = Seu usuário não pertence a nenhuma conta ativa. Peça a um administrador para adicioná-lo.
account-suspended-title = Conta suspensa
account-suspended-message = Esta conta está suspensa. Os dados são mantidos, mas ninguém pode usá-la até que seja reativada. Fale com o responsável por esta instalação do Atende.
account-suspended-short = suspensa
