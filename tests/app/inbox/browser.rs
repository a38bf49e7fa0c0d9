//! The browser end-to-end tests: the real application, seeded here, driven by `e2e/` (Node's
//! test runner with playwright-core) in Debian's Chromium, once in English and once in pt-BR.
//!
//! Without Chromium or `e2e/node_modules` the tests print how to install them and pass —
//! unless `CI` is set, where a missing tool is a failure.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::Desk;
use crate::support::TestApp;

/// Longest a run of the browser suite may take.
const NODE_TIMEOUT: Duration = Duration::from_secs(600);

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Whether the tools are there; without them, a loud skip (or a failure on CI).
fn tools_ready() -> bool {
    let mut missing = Vec::new();
    if !chromium().exists() {
        missing.push(format!("Chromium ({})", chromium().display()));
    }
    if !e2e_dir().join("node_modules/playwright-core").exists() {
        missing.push("e2e/node_modules (playwright-core)".to_owned());
    }
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        missing.push("node".to_owned());
    }
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "browser tests cannot run: missing {}. Install with: apt-get install -y chromium nodejs npm && npm ci --prefix e2e",
        missing.join(", ")
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n!!!!!!!!!! SKIPPED: {message} !!!!!!!!!!\n");
    false
}

/// Runs `node` with `args` in `e2e/` with `vars`; panics with node's output unless it passes.
async fn run_node(args: &[&str], vars: &[(String, String)]) -> String {
    let mut command = tokio::process::Command::new("node");
    command
        .args(args)
        .current_dir(e2e_dir())
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .kill_on_drop(true);
    let output = tokio::time::timeout(NODE_TIMEOUT, command.output())
        .await
        .expect("the browser tests finish in time")
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "node {args:?} failed:\n{text}");
    text
}

/// A desk with a conversation to work on, and the environment the scripts read.
async fn seeded(app: TestApp, english: bool) -> (Desk, Vec<(String, String)>) {
    let name = if english {
        "Aurora Store"
    } else {
        "Loja Aurora"
    };
    let desk = Desk::in_app(app, name, english).await;
    let id = desk
        .conversation("Maria Silva", "Oi! Meu pedido #1234 ainda não chegou.")
        .await;
    desk.conversation("João Pereira", "Vocês abrem no sábado?")
        .await;
    let vars = vec![
        ("ATENDE_URL", desk.app.address.clone()),
        ("ATENDE_ACCOUNT_ID", desk.account.id.0.to_string()),
        (
            "ATENDE_LOCALE",
            if english { "en" } else { "pt-BR" }.to_owned(),
        ),
        ("ATENDE_ADMIN_EMAIL", desk.account.admin.email.clone()),
        ("ATENDE_ADMIN_PASSWORD", desk.account.admin.password.clone()),
        ("ATENDE_ADMIN_TOKEN", desk.account.admin.token.clone()),
        ("ATENDE_AGENT_EMAIL", desk.agent.email.clone()),
        ("ATENDE_AGENT_PASSWORD", desk.agent.password.clone()),
        ("ATENDE_AGENT_NAME", "Bruno Costa".to_owned()),
        ("ATENDE_INBOX_ID", desk.inbox.to_string()),
        ("ATENDE_CONVERSATION_ID", id.to_string()),
        ("ATENDE_CONTACT_NAME", "Maria Silva".to_owned()),
        (
            "ATENDE_CANNED_CONTENT",
            "Olá! Como posso ajudar?".to_owned(),
        ),
        ("CHROMIUM_PATH", chromium().display().to_string()),
    ];
    let vars = vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    (desk, vars)
}

/// The closing lines of node's test report (`# pass 11` ...).
fn summary(output: &str) -> String {
    output
        .lines()
        .filter(|l| l.starts_with("# ") || l.contains("SKIPPED"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn run_suite(english: bool) {
    if !tools_ready() {
        return;
    }
    let (desk, vars) = seeded(TestApp::spawn().await, english).await;
    let output = run_node(&["--test", "--test-concurrency=1", "tests/"], &vars).await;
    println!(
        "browser tests ({}):\n{}",
        if english { "en" } else { "pt-BR" },
        summary(&output)
    );
    drop(desk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_works_in_a_real_browser_in_english() {
    run_suite(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_works_in_a_real_browser_in_portuguese() {
    run_suite(false).await;
}

/// Seeds a lively demo account and saves `docs/screenshots/*.png` at 1280×800. Run by hand:
/// `cargo test --test app inbox::browser::screenshots -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/screenshots; run by hand"]
async fn screenshots() {
    if !tools_ready() {
        return;
    }
    let (desk, mut vars) = seeded(TestApp::spawn().await, false).await;
    let app = &desk.app;
    let admin = &desk.account.admin;
    let api = |path: String| desk.account.api(&path);
    let id: i64 = vars
        .iter()
        .find(|(k, _)| k == "ATENDE_CONVERSATION_ID")
        .and_then(|(_, v)| v.parse().ok())
        .expect("conversation");
    for (contact, text, labels, priority) in [
        (
            "Ana Souza",
            "Vocês emitem nota fiscal para CNPJ?",
            vec!["vip"],
            Some("high"),
        ),
        (
            "Carlos Mendes",
            "Quero trocar o tamanho da camiseta",
            vec!["entrega"],
            None,
        ),
        (
            "Fernanda Lima",
            "O boleto venceu, podem gerar outro?",
            vec![],
            Some("urgent"),
        ),
        ("Ricardo Alves", "Obrigado pelo atendimento!", vec![], None),
        (
            "Juliana Rocha",
            "Qual o prazo de entrega para Recife?",
            vec!["entrega"],
            Some("medium"),
        ),
    ] {
        let c = desk.conversation(contact, text).await;
        if !labels.is_empty() {
            app.api(
                Method::POST,
                &api(format!("/conversations/{c}/labels")),
                admin,
                Some(json!({"labels": labels})),
            )
            .await;
        }
        if let Some(p) = priority {
            app.api(
                Method::POST,
                &api(format!("/conversations/{c}/toggle_priority")),
                admin,
                Some(json!({"priority": p})),
            )
            .await;
        }
    }
    let display_id = json!(id);
    let post = |body: serde_json::Value| app.post_message(&desk.account, admin, &display_id, body);
    post(json!({"content": "Oi Maria! Sinto muito pela demora. Vou verificar com a transportadora agora mesmo."})).await;
    post(json!({"content": "Transportadora confirmou extravio; reenviar com frete expresso.", "private": true})).await;
    desk.incoming(id, "Tudo bem, obrigada. Consigo receber até sexta?")
        .await;
    let failed =
        post(json!({"content": "Sim! O novo envio sai hoje e chega até quinta-feira."})).await;
    app.api(
        Method::PATCH,
        &api(format!("/conversations/{id}/messages/{}", failed["id"])),
        admin,
        Some(json!({"status": "delivered"})),
    )
    .await;
    app.api(
        Method::POST,
        &api(format!("/conversations/{id}/labels")),
        admin,
        Some(json!({"labels": ["vip", "entrega"]})),
    )
    .await;
    app.api(
        Method::POST,
        &api(format!("/conversations/{id}/assignments")),
        admin,
        Some(json!({"assignee_id": admin.id})),
    )
    .await;
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&out).expect("screenshots dir");
    vars.push(("ATENDE_SCREENSHOTS".into(), out.display().to_string()));
    let output = run_node(&["screenshots.mjs"], &vars).await;
    println!("{output}");
}
