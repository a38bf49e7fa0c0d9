## Arquivos guardados: a cota da conta e envios à espera de serem salvos

form-error-storage-quota = Isto passaria da cota de armazenamento da conta, de { $limit }. Apague conversas ou arquivos antigos para liberar espaço.
