## Arquivos guardados: a cota da conta e envios à espera de serem salvos

form-error-storage-quota = Isto passaria da cota de armazenamento da conta, de { $limit }. Apague conversas ou arquivos antigos para liberar espaço.
form-error-unsaved-uploads = Já há { $count } arquivos enviados à espera de serem salvos em uma regra ou macro. Salve-os (ou espere um dia, quando são removidos) antes de enviar mais.
