//! The two e-mail actions, received by a real SMTP server on loopback.

use std::time::Duration;

use atende::accounts::model::Role;
use reqwest::Method;
use serde_json::json;

use super::{Setup, action, condition};
use crate::support::smtp::SmtpServer;
use crate::support::{Options, TestApp};

async fn with_smtp(smtp: &SmtpServer) -> Setup {
    let config = smtp.config();
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| c.smtp = Some(config)),
        ..Options::default()
    })
    .await;
    Setup::with(app).await
}

#[tokio::test]
async fn a_team_and_a_transcript_are_e_mailed_through_smtp() {
    let smtp = SmtpServer::start();
    let s = with_smtp(&smtp).await;
    let ana = s
        .app
        .add_member(&s.acme, "Ana Financeiro", Role::Agent, None)
        .await;
    let bia = s
        .app
        .add_member(&s.acme, "Bia Financeiro", Role::Agent, None)
        .await;
    let team = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/teams"),
            &s.acme.admin,
            Some(json!({"name": "Financeiro"})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("team");
    let added = s
        .app
        .api(
            Method::POST,
            &s.acme.api(&format!("/teams/{team}/team_members")),
            &s.acme.admin,
            Some(json!({"user_ids": [ana.id, bia.id]})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    // Transcripts go only to the account's own contacts and members (no open relay).
    let manager = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/contacts"),
            &s.acme.admin,
            Some(json!({"name": "Gerente", "email": "gerente@acme.test"})),
        )
        .await;
    assert_eq!(manager.status, 200, "{}", manager.text);
    let rule = s
        .rule(json!({
            "name": "Boletos",
            "event_name": "message_created",
            "conditions": [condition("content", "contains", json!(["boleto"]), None)],
            "actions": [
                action("send_email_to_team", json!([{"team_ids": [team],
                    "message": "{{ contact.name }} pediu um boleto"}])),
                action("send_email_transcript", json!(["gerente@acme.test, {{ contact.email }}"])),
            ],
        }))
        .await;
    s.incoming("Bom dia").await;
    s.app
        .post_message(
            &s.acme,
            &s.acme.admin,
            &json!(s.conversation),
            json!({"content": "Bom dia! Em que posso ajudar?"}),
        )
        .await;
    s.app
        .post_message(
            &s.acme,
            &s.acme.admin,
            &json!(s.conversation),
            json!({"content": "nota interna", "private": true}),
        )
        .await;
    s.incoming("Quero a segunda via do boleto <urgente>").await;
    s.settle().await;

    let mails = smtp.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 3, "two team members and the manager");
    let to_team: Vec<_> = mails
        .iter()
        .filter(|m| m.subject().contains("Boletos"))
        .collect();
    let mut recipients: Vec<String> = to_team.iter().flat_map(|m| m.to.clone()).collect();
    recipients.sort();
    assert_eq!(recipients, vec![ana.email.clone(), bia.email.clone()]);
    let team_mail = to_team[0];
    assert!(
        team_mail
            .subject()
            .contains(&format!("#{}", s.conversation)),
        "{}",
        team_mail.subject()
    );
    let text = team_mail.text();
    assert!(text.contains("Maria da Silva pediu um boleto"), "{text}");
    assert!(
        text.contains(&format!(
            "/app/accounts/{}/conversations/{}",
            s.acme.id, s.conversation
        )),
        "{text}"
    );

    let transcript = mails
        .iter()
        .find(|m| m.to == vec!["gerente@acme.test".to_owned()])
        .expect("the transcript");
    let text = transcript.text();
    let first = text.find("Bom dia").expect("the customer's first message");
    let reply = text.find("Em que posso ajudar?").expect("the reply");
    assert!(first < reply, "in order: {text}");
    assert!(text.contains("segunda via do boleto <urgente>"), "{text}");
    assert!(
        !text.contains("nota interna"),
        "private notes stay inside: {text}"
    );
    let html = transcript.html().expect("an HTML part");
    assert!(html.contains("&lt;urgente&gt;"), "escaped: {html}");

    // The contact has no e-mail: that address was skipped, and the run log says so.
    let runs = s.runs(&rule).await;
    let results = &runs[0]["results"];
    assert_eq!(results[0]["ok"], true, "{results}");
    assert_eq!(results[1]["ok"], true, "{results}");
    assert!(
        results[1]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("gerente@acme.test")),
        "{results}"
    );
}

#[tokio::test]
async fn without_smtp_the_e_mail_actions_fail_visibly_and_the_rest_runs() {
    let s = Setup::new().await;
    let labels = s
        .app
        .api(
            Method::POST,
            &s.acme.api("/labels"),
            &s.acme.admin,
            Some(json!({"title": "financeiro"})),
        )
        .await;
    assert_eq!(labels.status, 200);
    let rule = s
        .rule(json!({
            "name": "Sem e-mail",
            "event_name": "message_created",
            "conditions": [],
            "actions": [
                action("send_email_transcript", json!(["gerente@acme.test"])),
                action("add_label", json!(["financeiro"])),
            ],
        }))
        .await;
    s.incoming("oi").await;
    s.settle().await;
    let runs = s.runs(&rule).await;
    assert_eq!(runs[0]["results"][0]["ok"], false);
    assert!(
        runs[0]["results"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("ATENDE_SMTP_HOST")),
        "{}",
        runs[0]["results"]
    );
    assert_eq!(runs[0]["results"][1]["ok"], true);
    assert_eq!(s.conversation().await["labels"], json!(["financeiro"]));
}
