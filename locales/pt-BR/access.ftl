# Links enviados por e-mail: convites e redefinição de senha.
login-forgot = Esqueceu a senha?
login-busy = Muitos acessos neste momento. Tente de novo em alguns segundos.
link-invalid-title = Este link não funciona
link-invalid-message = O link está errado, já foi usado ou expirou. Peça um novo a quem o enviou.
link-to-login = Ir para o acesso
invitation-title = Convite
invitation-heading = Você foi convidado para { $account }
invitation-intro = O convite é para { $email }, como { $role }.
invitation-new = Escolha seu nome e uma senha para aceitar. Ninguém mais sabe ou escolhe a sua senha.
invitation-existing = Este endereço já tem um usuário no Atende. Entre com a senha dele para aceitar.
invitation-name = Seu nome
invitation-password = Senha
invitation-accept = Aceitar e entrar
invitation-accept-signed-in = Entrar e aceitar
invitation-wrong-password = Senha incorreta.
invitation-email-subject = Você foi convidado para { $account } no Atende
invitation-email-text =
    { $inviter } convidou você para fazer parte de { $account } no Atende.

    Abra este link para aceitar. Ele funciona uma vez e expira em { $days } dias:
    { $link }

    Se você não esperava este convite, ignore este e-mail.
forgot-title = Esqueceu a senha
forgot-explain = Digite seu e-mail. Se ele for de um usuário, enviamos um link para escolher uma nova senha.
forgot-submit = Enviar o link
forgot-sent = Se o endereço for de um usuário, o link já está a caminho. Ele funciona uma vez, por { $minutes } minutos.
forgot-unavailable = O e-mail não está configurado neste servidor, então a senha não pode ser redefinida por aqui. Fale com quem administra o Atende (o comando é `atende reset-password`).
reset-throttled = Muitos pedidos deste endereço. Tente de novo daqui a uma hora.
reset-title = Escolha uma nova senha
reset-intro = Para { $email }. Todas as sessões deste usuário serão encerradas.
reset-submit = Salvar a senha e entrar
reset-email-subject = Escolha uma nova senha do Atende
reset-email-text =
    Olá, { $name }.

    Alguém (esperamos que você) pediu para redefinir a senha do seu usuário no Atende. Abra este link para escolher uma nova. Ele funciona uma vez, por { $minutes } minutos:
    { $link }

    Se não foi você, ignore este e-mail: sua senha continua a mesma.
form-error-email-invited = Este endereço já tem um convite pendente: envie de novo pela linha dele.
form-error-email-has-user = Este endereço já tem um usuário: recarregue a página e entre para aceitar.
flash-signed-out-elsewhere = Todas as outras sessões foram encerradas, junto com as atualizações ao vivo delas.
profile-sessions = Sessões
profile-sessions-explain = Entrou num computador que não usa mais, ou acha que mais alguém entrou? Saia de todos os lugares, menos deste. Trocar a senha faz o mesmo.
profile-sessions-confirm = Encerrar todas as outras sessões do seu usuário?
profile-sessions-sign-out = Sair de todos os outros lugares
profile-token-offer = As suas sessões foram encerradas, mas o token da API continua valendo. Se ele também pode ter vazado, troque-o abaixo.
custom-roles-delete-held = { $name } não foi excluída: ainda há membros (ou convites) com ela. Dê outra função a eles antes, para ninguém ganhar mais permissões sem perceber.
