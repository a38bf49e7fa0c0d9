//! Seeded accounts at realistic sizes, written with bulk SQL (not the demo loader's service
//! calls): an account with 5 API inboxes, 20 agents in every inbox, 10 labels, 3 teams, and N
//! conversations with a contact each and 6 messages of Portuguese text each (order numbers,
//! accents), spread over six months, with Chatwoot's usual mix of statuses, assignees, teams and
//! labels. Conversations whose number ends in 0, 1 or 2 are open (30%), so load tools can pick
//! open ones with a pattern. Triggers and secondary indexes are off during the load and rebuilt after it; the
//! kept counts are computed once at the end. A seeded database is kept and reused.

use std::time::Instant;

use atende::accounts::service::{NewAccountWithAdmin, create_account_with_admin};
use atende::config::{Config, DatabaseSource, PasswordCost};
use atende::i18n::Locale;
use sqlx::{Executor, PgPool};

use super::server::{database_url, ensure_database, pool};

/// A data size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 1,000 conversations.
    K1,
    /// 10,000.
    K10,
    /// 100,000.
    K100,
    /// 1,000,000.
    M1,
}

impl Size {
    /// Every size, smallest first.
    pub const ALL: [Size; 4] = [Size::K1, Size::K10, Size::K100, Size::M1];

    /// `1k`, `10k`, `100k`, `1m`.
    pub fn parse(text: &str) -> Option<Size> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == text.to_lowercase())
    }

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            Size::K1 => "1k",
            Size::K10 => "10k",
            Size::K100 => "100k",
            Size::M1 => "1m",
        }
    }

    /// Conversations.
    pub fn conversations(self) -> i64 {
        match self {
            Size::K1 => 1_000,
            Size::K10 => 10_000,
            Size::K100 => 100_000,
            Size::M1 => 1_000_000,
        }
    }

    /// The database.
    pub fn database(self) -> String {
        format!("atende_bench_{}", self.name())
    }
}

/// What scenarios need of a seeded account.
#[derive(Clone, Debug)]
pub struct Seeded {
    /// The database.
    pub database: String,
    /// The account.
    pub account_id: i64,
    /// The administrator's API token.
    pub token: String,
    /// The agents' e-mails (password `bench-password`).
    pub agent_emails: Vec<String>,
    /// Conversations in the account.
    pub conversations: i64,
}

/// The password every seeded user has.
pub const PASSWORD: &str = "bench-password";

const FIRST: [&str; 24] = [
    "Ana",
    "Bruno",
    "Carla",
    "Daniel",
    "Eduarda",
    "Felipe",
    "Gabriela",
    "Henrique",
    "Isabela",
    "João",
    "Larissa",
    "Marcos",
    "Natália",
    "Otávio",
    "Paula",
    "Rafael",
    "Sofia",
    "Thiago",
    "Úrsula",
    "Vinícius",
    "Beatriz",
    "Caio",
    "Lúcia",
    "Márcio",
];
const LAST: [&str; 16] = [
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Araújo",
    "Melo",
];
const LABELS: [&str; 10] = [
    "vip",
    "urgente",
    "reclamacao",
    "troca",
    "entrega",
    "pagamento",
    "boleto",
    "pix",
    "cancelamento",
    "duvida",
];

async fn marker(pool: &PgPool) -> Option<(i64, String, i64)> {
    sqlx::query_as("select account_id, token, conversations from bench_seed")
        .fetch_optional(pool)
        .await
        .ok()
        .flatten()
}

/// The seeded account of `size`, seeding it first when needed.
pub async fn ensure(size: Size) -> Seeded {
    let database = size.database();
    let existed = ensure_database(&database, false).await;
    let mut db = pool(&database).await;
    if existed
        && let Some((account_id, token, n)) = marker(&db).await
        && n == size.conversations()
    {
        restore(&db).await;
        return seeded(&db, database, account_id, token, n).await;
    }
    if existed {
        db.close().await;
        ensure_database(&database, true).await;
        db = pool(&database).await;
    }
    println!(
        "seeding {} conversations into {database}",
        size.conversations()
    );
    let started = Instant::now();
    atende::db::migrate(&db).await.expect("migrate");
    let mut config = Config::new(DatabaseSource::Url(database_url(&database)));
    config.password_cost = PasswordCost::Fast;
    let app = atende::app::build_state(config, db.clone(), atende::app::job_registry())
        .await
        .expect("state");
    let created = create_account_with_admin(
        &app,
        NewAccountWithAdmin {
            name: "Loja Bench".into(),
            admin_email: "admin@bench.test".into(),
            admin_name: Some("Administradora".into()),
            admin_password: Some(PASSWORD.into()),
            locale: Locale::PtBr,
        },
    )
    .await
    .expect("account");
    let account = created.account_id.0;
    let hash = atende::auth::password::hash(PASSWORD, PasswordCost::Fast)
        .await
        .expect("hash");
    bulk(&db, account, size.conversations(), &hash).await;
    sqlx::query(
        "create table bench_seed (account_id bigint, token text, conversations bigint, messages_max bigint,
                                  events_max bigint, seeded_at timestamptz default now())",
    )
    .execute(&db)
    .await
    .expect("marker");
    sqlx::query(
        "insert into bench_seed (account_id, token, conversations, messages_max, events_max)
         values ($1, $2, $3, (select coalesce(max(id), 0) from messages), (select coalesce(max(id), 0) from events))",
    )
        .bind(account)
        .bind(&created.api_access_token)
        .bind(size.conversations())
        .execute(&db)
        .await
        .expect("marker");
    println!(
        "seeded {} conversations in {:.0} s",
        size.conversations(),
        started.elapsed().as_secs_f64()
    );
    seeded(
        &db,
        database,
        account,
        created.api_access_token,
        size.conversations(),
    )
    .await
}

/// Takes away what earlier runs wrote (messages, events, deliveries, jobs), so each run measures
/// the seeded data; conversations keep the activity times those runs gave them.
async fn restore(db: &PgPool) {
    let t = Instant::now();
    let removed: i64 = sqlx::query_scalar(
        "with m as (delete from messages where id > (select messages_max from bench_seed) returning 1)
         select count(*) from m",
    )
    .fetch_one(db)
    .await
    .expect("restore messages");
    if removed == 0 {
        return;
    }
    sqlx::raw_sql(
        "delete from events where id > (select events_max from bench_seed);
         delete from event_dispatch; delete from webhook_deliveries; delete from automation_runs;
         delete from jobs where state <> 'dead';",
    )
    .execute(db)
    .await
    .expect("restore");
    for table in [
        "messages",
        "events",
        "conversations",
        "contacts",
        "jobs",
        "webhook_deliveries",
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("vacuum analyze {table}")))
            .execute(db)
            .await
            .expect("vacuum");
    }
    println!(
        "  took back {removed} messages of earlier runs in {:.0} s",
        t.elapsed().as_secs_f64()
    );
}

async fn seeded(db: &PgPool, database: String, account_id: i64, token: String, n: i64) -> Seeded {
    let agent_emails: Vec<String> = sqlx::query_scalar(
        "select u.email from users u join account_users au on au.user_id = u.id
         where au.account_id = $1 and au.role = 'agent' order by u.id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
    .expect("agents");
    Seeded {
        database,
        account_id,
        token,
        agent_emails,
        conversations: n,
    }
}

/// Everything but the account, in bulk.
async fn bulk(db: &PgPool, account: i64, n: i64, password_hash: &str) {
    let mut conn = db.acquire().await.expect("conn");
    // The load runs as a replica would apply it: no triggers, no foreign-key checks (the data
    // is consistent by construction), and the secondary indexes are built once at the end.
    conn.execute("set session_replication_role = replica")
        .await
        .expect("replica");
    conn.execute("set maintenance_work_mem = '1GB'")
        .await
        .expect("mem");
    let small = format!(
        "insert into inboxes (account_id, name, channel_type, enable_auto_assignment)
         select {account}, 'WhatsApp ' || i, 'api', false from generate_series(1, 5) i;
         insert into channel_api (account_id, inbox_id, hmac_token, identifier)
         select account_id, id, md5(random()::text), 'bench-' || id from inboxes where account_id = {account};
         insert into users (name, email, password_hash)
         select 'Agente ' || i, 'agente' || i || '@bench.test', '{password_hash}' from generate_series(1, 20) i;
         insert into account_users (account_id, user_id, role)
         select {account}, id, 'agent' from users where email like 'agente%@bench.test';
         insert into inbox_members (account_id, inbox_id, user_id)
         select {account}, i.id, u.user_id from inboxes i, account_users u
         where i.account_id = {account} and u.account_id = {account} and u.role = 'agent';
         insert into labels (account_id, title) select {account}, t from unnest(array[{labels}]) t;
         insert into teams (account_id, name) select {account}, 'Equipe ' || i from generate_series(1, 3) i;
         insert into team_members (account_id, team_id, user_id)
         select {account}, t.id, u.user_id from teams t, account_users u
         where t.account_id = {account} and u.account_id = {account} and u.role = 'agent' and (u.user_id + t.id) % 3 = 0;",
        labels = LABELS.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", "),
    );
    conn.execute(sqlx::AssertSqlSafe(small))
        .await
        .expect("small tables");
    let tables = ["contacts", "contact_inboxes", "conversations", "messages"];
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "select i.indexname, i.indexdef from pg_indexes i
         where i.schemaname = 'public' and i.tablename = any($1)
           and not exists (select 1 from pg_constraint c where c.conname = i.indexname)",
    )
    .bind(&tables[..])
    .fetch_all(&mut *conn)
    .await
    .expect("indexes");
    for (name, _) in &indexes {
        conn.execute(sqlx::AssertSqlSafe(format!("drop index {name}")))
            .await
            .expect("drop index");
    }
    let first = FIRST
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let last = LAST
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let t = Instant::now();
    let big = format!(
        "create temp table seed as
         select i,
                (array[{first}])[1 + (i % 24)] as first_name,
                (array[{last}])[1 + ((i / 24) % 16)] as last_name,
                (array(select id from inboxes where account_id = {account} order by id))[1 + (i % 5)] as inbox_id,
                now() - (({n} - i)::float8 / {n}) * interval '180 days' - interval '1 hour' as created_at,
                1 + (i * 7919) % 10000 as order_no
         from generate_series(1, {n}::int8) i;

         insert into contacts (account_id, name, email, phone_number, phone_key, identifier, created_at, updated_at,
                               last_activity_at, search)
         select {account}, first_name || ' ' || last_name,
                'cliente' || i || '@exemplo.com.br', '+5511' || (900000000 + i), '5511' || (900000000 + i),
                'bench-' || i, created_at, created_at, created_at + interval '36 minutes',
                atende_fold(first_name || ' ' || last_name || ' cliente' || i || '@exemplo.com.br bench-' || i
                            || ' 5511' || (900000000 + i) || ' ')
         from seed;

         insert into contact_inboxes (account_id, contact_id, inbox_id, source_id, created_at, updated_at)
         select {account}, c.id, s.inbox_id, 'bench-' || s.i, s.created_at, s.created_at
         from seed s join contacts c on c.account_id = {account} and c.identifier = 'bench-' || s.i;

         create temp table agents as
         select array_agg(user_id order by user_id) as ids from account_users where account_id = {account} and role = 'agent';
         create temp table team_ids as
         select array_agg(id order by id) as ids from teams where account_id = {account};

         insert into conversations (account_id, display_id, inbox_id, contact_id, contact_inbox_id, status, priority,
                                    assignee_id, team_id, labels, first_reply_created_at, waiting_since,
                                    last_activity_at, created_at, updated_at)
         select {account}, s.i, s.inbox_id, ci.contact_id, ci.id,
                case when s.i % 10 < 3 then 'open' when s.i % 10 < 8 then 'resolved'
                     when s.i % 20 = 19 then 'snoozed' else 'pending' end,
                case s.i % 7 when 0 then 'high' when 1 then 'low' when 2 then 'urgent' else null end,
                case when s.i % 5 < 2 then null else a.ids[1 + (s.i % 20)] end,
                case when s.i % 10 < 3 then t.ids[1 + (s.i % 3)] else null end,
                case when s.i % 10 = 0 then array['vip', (array[{labels}])[2 + ((s.i / 10) % 9)]]
                     when s.i % 5 < 2 then array[(array[{labels}])[1 + ((s.i / 5) % 10)]]
                     else '{{}}'::text[] end,
                s.created_at + interval '7 minutes',
                case when s.i % 10 < 3 and s.i % 2 = 0 then s.created_at + interval '35 minutes' end,
                s.created_at + interval '35 minutes', s.created_at, s.created_at + interval '35 minutes'
         from seed s
         join contact_inboxes ci on ci.account_id = {account} and ci.inbox_id = s.inbox_id and ci.source_id = 'bench-' || s.i,
         agents a, team_ids t;

         insert into messages (account_id, conversation_id, inbox_id, message_type, content, sender_type, sender_id,
                               created_at, updated_at)
         select {account}, c.id, c.inbox_id,
                case when k % 2 = 1 then 'incoming' else 'outgoing' end,
                case (k - 1) * 3 + (s.i % 3)
                    when 0 then 'Olá, bom dia! Meu pedido ' || s.order_no || ' ainda não chegou. Podem verificar?'
                    when 1 then 'Oi, preciso de ajuda com o boleto do pedido ' || s.order_no || ', o código não é aceito no banco.'
                    when 2 then 'Boa tarde, quero cancelar a compra ' || s.order_no || '. Como faço o reembolso?'
                    when 3 then 'Oi ' || s.first_name || ', tudo bem? Vou verificar o pedido ' || s.order_no || ' agora mesmo.'
                    when 4 then 'Olá ' || s.first_name || '! Vou gerar um novo boleto para o pedido ' || s.order_no || '.'
                    when 5 then 'Oi ' || s.first_name || ', sinto muito. Já abri o cancelamento do pedido ' || s.order_no || '.'
                    when 6 then 'Obrigado. Comprei no dia ' || (1 + s.i % 28) || ' e o prazo era de cinco dias úteis.'
                    when 7 then 'Consigo pagar com Pix em vez de boleto? Seria mais rápido pra mim.'
                    when 8 then 'Em quantos dias o dinheiro volta para o cartão de crédito?'
                    when 9 then 'Encontrei: o pedido está em trânsito com a transportadora, previsão de entrega amanhã.'
                    when 10 then 'Consegue sim! Enviei a chave Pix por e-mail, a confirmação é imediata.'
                    when 11 then 'O estorno aparece em até duas faturas, depende da operadora do cartão.'
                    when 12 then 'Perfeito, vou aguardar. Vocês também trocam produtos com defeito?'
                    when 13 then 'Paguei agora, segue o comprovante. Obrigada pela atenção!'
                    when 14 then 'Tudo bem, obrigado. Não quero mais receber mensagens de promoção.'
                    when 15 then 'Trocamos sim! É só responder esta mensagem com fotos do produto.'
                    when 16 then 'Pagamento confirmado, o pedido já foi liberado para separação.'
                    else 'Pronto, retirei seu número da lista de promoções. Até a próxima!'
                end,
                case when k % 2 = 1 then 'Contact' else 'User' end,
                case when k % 2 = 1 then c.contact_id else coalesce(c.assignee_id, a.ids[1]) end,
                c.created_at + k * interval '5 minutes', c.created_at + k * interval '5 minutes'
         from conversations c join seed s on s.i = c.display_id, generate_series(1, 6) k, agents a
         where c.account_id = {account};

         insert into conversation_counts (account_id, inbox_id, status, assignee_id, team_id, n)
         select account_id, inbox_id, status, coalesce(assignee_id, 0), coalesce(team_id, 0), count(*)
         from conversations where account_id = {account} group by 1, 2, 3, 4, 5;

         insert into conversation_label_counts (account_id, label, inbox_id, status, assignee_id, team_id, n)
         select c.account_id, l.label, c.inbox_id, c.status, coalesce(c.assignee_id, 0), coalesce(c.team_id, 0), count(*)
         from conversations c, lateral (select distinct unnest(c.labels) as label) l
         where c.account_id = {account} group by 1, 2, 3, 4, 5, 6;

         insert into account_sequences (account_id, name, value) values ({account}, 'conversation_display_id', {n})
         on conflict (account_id, name) do update set value = excluded.value;",
        labels = LABELS.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", "),
    );
    conn.execute(sqlx::AssertSqlSafe(big))
        .await
        .expect("bulk load");
    println!("  rows written in {:.0} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    for (_, definition) in &indexes {
        conn.execute(sqlx::AssertSqlSafe(definition.clone()))
            .await
            .expect("index");
    }
    println!(
        "  {} indexes built in {:.0} s",
        indexes.len(),
        t.elapsed().as_secs_f64()
    );
    conn.execute("set session_replication_role = origin")
        .await
        .expect("origin");
    for table in [
        "contacts",
        "contact_inboxes",
        "conversations",
        "messages",
        "conversation_counts",
        "conversation_label_counts",
    ] {
        conn.execute(sqlx::AssertSqlSafe(format!("vacuum analyze {table}")))
            .await
            .expect("analyze");
    }
}
