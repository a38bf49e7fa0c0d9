//! `atende demo`: loads a realistic pt-BR tenant — agents, teams, labels, two WhatsApp (API)
//! inboxes, canned responses, contacts with Brazilian phone numbers, and a few hundred
//! conversations spread over the last week — through the same services the API uses, so every
//! row, event and activity message is what real use would produce. Deterministic: the same
//! sequence every run.

use chrono::Duration;

use crate::accounts::agents::{self, NewAgent};
use crate::accounts::model::{Email, Role};
use crate::accounts::service::{NewAccountWithAdmin, create_account_with_admin};
use crate::auth::context::{self, AccountCtx, Actor};
use crate::auth::password;
use crate::clock::Clock;
use crate::contacts::service::{self as contacts, ContactInput};
use crate::conversations::model::{Priority, Status};
use crate::conversations::service::{self as conversations, NewConversation};
use crate::i18n::Locale;
use crate::ids::{ContactId, InboxId, TeamId, UserId};
use crate::inboxes::service::{self as inboxes, InboxInput, MemberChange};
use crate::messages::model::MessageType;
use crate::messages::service::{self as messages, MessageInput};
use crate::roles::custom::{self, CustomRoleInput};
use crate::state::AppState;
use crate::{canned, labels, teams};

/// What was loaded.
#[derive(Debug)]
pub struct Summary {
    /// The account.
    pub account_id: crate::ids::AccountId,
    /// Administrator's e-mail.
    pub admin_email: String,
    /// Password of every demo user.
    pub password: String,
    /// Agents' e-mails.
    pub agents: Vec<String>,
    /// Conversations created.
    pub conversations: usize,
}

/// A small deterministic generator: SplitMix64, whose output mixing keeps consecutive draws
/// independent enough for sample data (a bare LCG's were visibly correlated here).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The demo administrator's e-mail.
pub const ADMIN_EMAIL: &str = "gerente@lojasabia.com.br";

const FIRST: [&str; 24] = [
    "Ana",
    "Bruno",
    "Camila",
    "Diego",
    "Eduarda",
    "Felipe",
    "Gabriela",
    "Heitor",
    "Isabela",
    "João",
    "Larissa",
    "Lucas",
    "Mariana",
    "Matheus",
    "Natália",
    "Otávio",
    "Paula",
    "Rafael",
    "Sofia",
    "Thiago",
    "Valentina",
    "Vinícius",
    "Yasmin",
    "Zé",
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
const AREAS: [&str; 10] = ["11", "21", "31", "41", "47", "51", "61", "71", "81", "85"];
const OPENERS: [&str; 10] = [
    "Oi, boa tarde! Meu pedido ainda não chegou.",
    "Olá, quero trocar um tênis que ficou pequeno.",
    "Bom dia! Vocês aceitam Pix?",
    "Oi, o código de rastreio não atualiza desde segunda.",
    "Preciso da segunda via do boleto, por favor.",
    "Olá! Tem esse vestido no tamanho M?",
    "Comprei errado, dá para cancelar?",
    "O produto veio com defeito, e agora?",
    "Qual o prazo de entrega para Recife?",
    "Oi, consigo parcelar em 6 vezes sem juros?",
];
const FOLLOW_UPS: [&str; 6] = [
    "O número do pedido é 48213.",
    "Obrigada!",
    "Pode ser hoje ainda?",
    "Mandei a foto aqui.",
    "Certo, aguardo.",
    "Alguém pode me ajudar?",
];
const REPLIES: [&str; 6] = [
    "Olá! Já estou verificando para você.",
    "Seu pedido saiu para entrega hoje e chega até amanhã.",
    "Aceitamos Pix sim! A chave é o nosso CNPJ.",
    "A troca é gratuita em até 30 dias. Vou gerar a etiqueta de envio.",
    "Enviei a segunda via para o seu e-mail.",
    "Temos sim, posso separar para você?",
];

async fn ctx_of(
    app: &AppState,
    account: crate::ids::AccountId,
    user: UserId,
) -> anyhow::Result<AccountCtx> {
    let mut conn = app.db.acquire().await?;
    let user = crate::accounts::repo::find_user(&mut conn, user)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user {user} vanished"))?;
    Ok(context::resolve(&mut conn, user, account).await?)
}

/// Loads the demo tenant with about `count` conversations. The clock must be a test clock: it is
/// moved from a week ago to now as the history is written.
pub async fn load(app: &AppState, count: usize) -> anyhow::Result<Summary> {
    let Clock::Test(_) = &app.clock else {
        anyhow::bail!("the demo loader needs a movable clock")
    };
    {
        let mut conn = app.db.acquire().await?;
        if crate::accounts::repo::find_user_by_email(
            &mut conn,
            &Email::parse(ADMIN_EMAIL).map_err(anyhow::Error::msg)?,
        )
        .await?
        .is_some()
        {
            anyhow::bail!("this database already holds the demo account ({ADMIN_EMAIL} exists)");
        }
    }
    app.clock.advance(-Duration::days(7));
    let mut dice = Dice(42);
    let password = password::generate();
    let err = |e: crate::error::Error| anyhow::anyhow!("{e}");
    let created = create_account_with_admin(
        app,
        NewAccountWithAdmin {
            name: "Loja Sabiá".into(),
            admin_email: ADMIN_EMAIL.into(),
            admin_name: Some("Renata Gerente".into()),
            admin_password: Some(password.clone()),
            locale: Locale::PtBr,
        },
    )
    .await
    .map_err(err)?;
    let account = created.account_id;
    let admin = ctx_of(app, account, created.user_id).await?;

    let supervisor_role = custom::create(
        app,
        &admin,
        CustomRoleInput {
            name: Some("Supervisão".into()),
            description: Some(Some(
                "Atribui conversas e gerencia equipes, vê relatórios".into(),
            )),
            permissions: Some(vec![
                "conversation_manage".into(),
                "team_manage".into(),
                "report_manage".into(),
                "contact_manage".into(),
            ]),
        },
    )
    .await
    .map_err(err)?;
    let people = [
        ("Ana Souza", "ana"),
        ("Bruno Lima", "bruno"),
        ("Carla Mendes", "carla"),
        ("Diego Rocha", "diego"),
    ];
    let mut agent_ids = Vec::new();
    let mut agent_emails = Vec::new();
    for (i, (name, slug)) in people.iter().enumerate() {
        let email = format!("{slug}@lojasabia.com.br");
        let mut tx = app.db.begin().await.map_err(|e| err(e.into()))?;
        let created = agents::add_in(
            app,
            &mut tx,
            admin.account_id,
            Some(admin.user_id()),
            NewAgent {
                name: Some((*name).into()),
                email: email.clone(),
                role: Some(Role::Agent),
                custom_role_id: (i == 3).then_some(supervisor_role.id),
                password: Some(password.clone()),
                ..NewAgent::default()
            },
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(|e| err(e.into()))?;
        agent_ids.push(created.agent.user_id);
        agent_emails.push(email);
    }

    let mut team_ids: Vec<TeamId> = Vec::new();
    for (name, description, members) in [
        (
            "Vendas",
            "Pedidos, pagamentos e dúvidas antes da compra",
            &agent_ids[..2],
        ),
        ("Suporte", "Trocas, defeitos e entregas", &agent_ids[1..]),
    ] {
        let team = teams::create(
            app,
            &admin,
            teams::TeamInput {
                name: Some(name.into()),
                description: Some(Some(description.into())),
                allow_auto_assign: Some(true),
            },
        )
        .await
        .map_err(err)?;
        teams::add_members(app, &admin, team.info.id, members)
            .await
            .map_err(err)?;
        team_ids.push(team.info.id);
    }
    let label_titles = [
        "pedido",
        "troca",
        "pagamento",
        "vip",
        "reclamacao",
        "entrega",
    ];
    for (title, color) in label_titles.iter().zip([
        "#1f93ff", "#f59e0b", "#10b981", "#8b5cf6", "#ef4444", "#0ea5e9",
    ]) {
        labels::create(
            app,
            &admin,
            labels::LabelInput {
                title: Some((*title).into()),
                color: Some(color.into()),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
    }
    for (code, content) in [
        (
            "saudacao",
            "Olá! Obrigado por falar com a Loja Sabiá. Como posso ajudar?",
        ),
        (
            "prazo",
            "O prazo de entrega é de 3 a 5 dias úteis para capitais e até 8 para o interior.",
        ),
        (
            "troca",
            "A troca é gratuita em até 30 dias após o recebimento. Vou gerar sua etiqueta de envio.",
        ),
        (
            "pix",
            "Aceitamos Pix! Assim que o pagamento for confirmado, seu pedido é liberado.",
        ),
    ] {
        canned::create(
            app,
            &admin,
            canned::CannedResponseInput {
                short_code: Some(code.into()),
                content: Some(content.into()),
            },
        )
        .await
        .map_err(err)?;
    }
    let mut inbox_ids: Vec<InboxId> = Vec::new();
    for name in ["WhatsApp Vendas", "WhatsApp Suporte"] {
        let inbox = inboxes::create(
            app,
            &admin,
            InboxInput {
                name: Some(name.into()),
                channel_type: Some("api".into()),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
        inboxes::change_members(app, &admin, inbox.id, &agent_ids, MemberChange::Add)
            .await
            .map_err(err)?;
        inbox_ids.push(inbox.id);
    }
    let admin_actor = Actor::Member(admin.clone());
    let mut contact_ids: Vec<(ContactId, InboxId)> = Vec::new();
    for i in 0..(count / 4).clamp(10, 500) {
        let name = format!("{} {}", dice.pick(&FIRST), dice.pick(&LAST));
        let phone = format!(
            "+55{}9{:08}",
            dice.pick(&AREAS),
            10_000_000 + dice.below(89_999_999)
        );
        let email = dice.chance(40).then(|| {
            format!(
                "{}.{i}@exemplo.com.br",
                name.split(' ').next().unwrap_or("cliente").to_lowercase()
            )
        });
        let inbox = *dice.pick(&inbox_ids);
        let input = ContactInput {
            name: Some(name),
            phone_number: Some(Some(phone.clone())),
            email: Some(email),
            identifier: Some(Some(format!("{}@s.whatsapp.net", &phone[1..]))),
            inbox_id: Some(inbox),
            ..ContactInput::default()
        };
        let (contact, _) = contacts::create(app, &admin_actor, input)
            .await
            .map_err(err)?;
        contact_ids.push((contact.id, inbox));
    }
    let agent_ctxs: Vec<AccountCtx> = {
        let mut out = Vec::new();
        for id in &agent_ids[..3] {
            out.push(ctx_of(app, account, *id).await?);
        }
        out
    };
    // Conversation i starts at its own slot of the week; what happens in it stays inside the
    // slot, so timestamps rise monotonically and the last one is about now.
    let step = Duration::seconds((7 * 24 * 3600 / count.max(1)) as i64);
    let start = app.clock.now();
    let move_to = |at: chrono::DateTime<chrono::Utc>| app.clock.advance(at - app.clock.now());
    for i in 0..count {
        let slot = start + step * (i as i32 + 1) - step;
        move_to(slot);
        let (contact, inbox) = *dice.pick(&contact_ids);
        let view = conversations::create(
            app,
            &admin_actor,
            NewConversation {
                inbox_id: Some(inbox),
                contact_id: Some(contact),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
        let display_id = view.conversation.display_id;
        let incoming = |content: String| MessageInput {
            content: Some(content),
            message_type: MessageType::Incoming,
            source_id: Some(format!("WAID:{}", uuid::Uuid::new_v4().simple())),
            ..MessageInput::default()
        };
        messages::create(
            app,
            &admin_actor,
            display_id,
            incoming(dice.pick(&OPENERS).to_string()),
        )
        .await
        .map_err(err)?;
        if dice.chance(40) {
            move_to(slot + (step / 6).min(Duration::minutes(2)));
            messages::create(
                app,
                &admin_actor,
                display_id,
                incoming(dice.pick(&FOLLOW_UPS).to_string()),
            )
            .await
            .map_err(err)?;
        }
        let agent = dice.pick(&agent_ctxs).clone();
        let agent_actor = Actor::Member(agent.clone());
        if dice.chance(70) {
            conversations::assign_agent(app, &admin_actor, display_id, Some(agent.user.id))
                .await
                .map_err(err)?;
            if dice.chance(80) {
                let delay = Duration::minutes(dice.below(30) as i64 + 1);
                move_to(slot + (step / 3).min(delay));
                let reply = MessageInput {
                    content: Some(dice.pick(&REPLIES).to_string()),
                    ..MessageInput::default()
                };
                messages::create(app, &agent_actor, display_id, reply)
                    .await
                    .map_err(err)?;
            }
            if dice.chance(15) {
                let note = MessageInput {
                    content: Some("Cliente recorrente, priorizar.".into()),
                    private: true,
                    ..MessageInput::default()
                };
                messages::create(app, &agent_actor, display_id, note)
                    .await
                    .map_err(err)?;
            }
        }
        if dice.chance(50) {
            let mut picked = vec![dice.pick(&label_titles).to_string()];
            if dice.chance(30) {
                picked.push(dice.pick(&label_titles).to_string());
            }
            conversations::set_labels(app, &admin_actor, display_id, &picked)
                .await
                .map_err(err)?;
        }
        if dice.chance(30) {
            conversations::assign_team(app, &admin_actor, display_id, Some(*dice.pick(&team_ids)))
                .await
                .map_err(err)?;
        }
        if dice.chance(25) {
            let priority = *dice.pick(&[
                Priority::Low,
                Priority::Medium,
                Priority::High,
                Priority::Urgent,
            ]);
            conversations::set_priority(app, &admin_actor, display_id, Some(priority))
                .await
                .map_err(err)?;
        }
        match dice.below(10) {
            0 | 1 => {
                conversations::toggle_status(
                    app,
                    &admin_actor,
                    display_id,
                    Some(Status::Resolved),
                    None,
                )
                .await
                .map_err(err)?;
            }
            2 => {
                conversations::toggle_status(
                    app,
                    &admin_actor,
                    display_id,
                    Some(Status::Pending),
                    None,
                )
                .await
                .map_err(err)?;
            }
            3 => {
                // Snoozes end in the real future, not the demo clock's past.
                let until = chrono::Utc::now() + Duration::days(dice.below(3) as i64 + 1);
                conversations::toggle_status(
                    app,
                    &admin_actor,
                    display_id,
                    Some(Status::Snoozed),
                    Some(until),
                )
                .await
                .map_err(err)?;
            }
            _ => {}
        }
    }
    Ok(Summary {
        account_id: account,
        admin_email: ADMIN_EMAIL.into(),
        password,
        agents: agent_emails,
        conversations: count,
    })
}
