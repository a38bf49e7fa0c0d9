//! The command line: `atende [serve]`, `migrate`, `create-account`, `jobs`, `db`. Every flag can
//! also be set from the environment (`--help` lists both).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::app::{Application, build_state};
use crate::config::{Config, DatabaseSource, WorkerSettings};
use crate::db::Database;
use crate::i18n::Locale;
use crate::state::AppState;
use crate::telemetry::{self, LogFormat};

/// Atende: a multi-tenant helpdesk server.
#[derive(Debug, Parser)]
#[command(
    name = "atende",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
struct GlobalArgs {
    /// PostgreSQL URL; when unset, Atende runs its own embedded database under the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Directory for the embedded database and stored files.
    #[arg(long, env = "ATENDE_DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,
    /// Directory with PostgreSQL's initdb and pg_ctl for the embedded database.
    #[arg(long, env = "ATENDE_PG_BIN", global = true)]
    pg_bin: Option<PathBuf>,
    /// Log filter (tracing directives, e.g. `info,atende=debug`).
    #[arg(long, env = "ATENDE_LOG", default_value = "info", global = true)]
    log: String,
    /// Log format.
    #[arg(long, env = "ATENDE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ATENDE_BIND", default_value = "127.0.0.1:3000")]
    bind: SocketAddr,
    /// Public URL of this instance (links, cookie flags); defaults to http://<bind>.
    #[arg(long, env = "ATENDE_BASE_URL")]
    base_url: Option<String>,
    /// Secret for signatures and cookies (≥ 32 characters); generated and stored when unset.
    #[arg(long, env = "ATENDE_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Background jobs run at once by this process (0 disables the workers).
    #[arg(long, env = "ATENDE_WORKERS", default_value_t = 4)]
    workers: usize,
    /// Seconds a claimed job stays held without its process renewing the hold; a process that
    /// dies loses its jobs to others after this long.
    #[arg(long, env = "ATENDE_JOB_LEASE", default_value_t = 10)]
    job_lease: u64,
    /// Jobs of one account this process runs at once; the rest of the account's due jobs wait
    /// their turn behind other accounts' (default: all worker slots but one).
    #[arg(long, env = "ATENDE_JOBS_PER_ACCOUNT")]
    jobs_per_account: Option<usize>,
    /// Days event snapshots, webhook deliveries, automation runs and dead jobs are kept (0
    /// keeps them for ever).
    #[arg(long, env = "ATENDE_RETENTION_DAYS", default_value_t = crate::retention::DEFAULT_DAYS)]
    retention_days: u32,
    /// Macro runs one account may start per minute; more are a 429.
    #[arg(long, env = "ATENDE_MACRO_RUNS_PER_MINUTE", default_value_t = crate::limits::MACRO_RUNS_PER_MINUTE)]
    macro_runs_per_minute: u32,
    /// Webhook and e-mail actions (automation rules and macros) one account may send per
    /// minute; more wait for the next minute.
    #[arg(long, env = "ATENDE_OUTBOUND_ACTIONS_PER_MINUTE", default_value_t = crate::limits::OUTBOUND_ACTIONS_PER_MINUTE)]
    outbound_actions_per_minute: u32,
    /// Database connections this process keeps at most.
    #[arg(long, env = "ATENDE_DB_POOL", default_value_t = 20)]
    db_pool: u32,
    /// Behind a reverse proxy: take the client address from the last X-Forwarded-For hop.
    #[arg(long, env = "ATENDE_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// Password checks (sign-in) this process runs at once; more wait up to two seconds, then
    /// get 429. Default: the number of CPUs.
    #[arg(long, env = "ATENDE_PASSWORD_CHECKS")]
    password_checks: Option<usize>,
    /// Live streams (open pages) one user may hold in this process; one more is a 429.
    #[arg(long, env = "ATENDE_STREAMS_PER_USER", default_value_t = crate::realtime::STREAMS_PER_USER)]
    streams_per_user: usize,
    /// Internal ranges webhooks may reach anyway (comma-separated CIDRs, e.g. 10.0.0.0/8).
    #[arg(long, env = "ATENDE_OUTBOUND_ALLOW", default_value = "")]
    outbound_allow: String,
    /// SMTP server for outgoing e-mail (automation e-mails); e-mail is off when unset.
    #[arg(long, env = "ATENDE_SMTP_HOST")]
    smtp_host: Option<String>,
    /// SMTP port (default: 587 for starttls, 465 for tls, 25 for none).
    #[arg(long, env = "ATENDE_SMTP_PORT")]
    smtp_port: Option<u16>,
    /// SMTP connection security: starttls, tls or none.
    #[arg(long, env = "ATENDE_SMTP_TLS", default_value = "starttls")]
    smtp_tls: String,
    /// SMTP user name.
    #[arg(long, env = "ATENDE_SMTP_USER")]
    smtp_user: Option<String>,
    /// SMTP password.
    #[arg(long, env = "ATENDE_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// Sender of outgoing e-mail, e.g. "Atende <suporte@example.com>".
    #[arg(long, env = "ATENDE_SMTP_FROM")]
    smtp_from: Option<String>,
    /// Megabytes of files each account may store (attachments and rule and macro files); 0 for
    /// no limit.
    #[arg(long, env = "ATENDE_STORAGE_QUOTA_MB", default_value_t = crate::storage::DEFAULT_QUOTA_MB)]
    storage_quota_mb: u64,
    /// How long a file link works after a message is shown or sent in a webhook: seconds, or a
    /// number with s, m, h or d (between 1 hour and 365 days).
    #[arg(long, env = "ATENDE_FILE_LINK_TTL", default_value = "7d", value_parser = crate::storage::links::parse_ttl)]
    file_link_ttl: std::time::Duration,
}

impl ServeArgs {
    fn smtp(&self) -> anyhow::Result<Option<crate::mail::SmtpConfig>> {
        let Some(host) = self.smtp_host.clone().filter(|h| !h.trim().is_empty()) else {
            return Ok(None);
        };
        let tls = crate::mail::SmtpTls::parse(&self.smtp_tls)
            .ok_or_else(|| anyhow::anyhow!("ATENDE_SMTP_TLS must be starttls, tls or none"))?;
        let from = self
            .smtp_from
            .clone()
            .or_else(|| self.smtp_user.clone().filter(|u| u.contains('@')))
            .ok_or_else(|| anyhow::anyhow!("set ATENDE_SMTP_FROM (the sender of e-mail)"))?;
        if from.parse::<lettre::message::Mailbox>().is_err() {
            anyhow::bail!("ATENDE_SMTP_FROM is not an e-mail address: {from}");
        }
        Ok(Some(crate::mail::SmtpConfig {
            host,
            port: self.smtp_port,
            tls,
            user: self.smtp_user.clone(),
            password: self.smtp_password.clone(),
            from,
        }))
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server and the background workers (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Create an account and its first administrator.
    CreateAccount(CreateAccountArgs),
    /// Add a user to an account (creating the user when the e-mail is new).
    CreateUser(CreateUserArgs),
    /// Set a new random password for a user, sign out their sessions, and print it.
    ResetPassword(ResetPasswordArgs),
    /// Load a realistic pt-BR demo account (agents, inboxes, contacts, conversations).
    Demo(DemoArgs),
    /// Inspect and retry background jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Control the embedded database.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Args)]
struct CreateAccountArgs {
    /// Account name.
    #[arg(long)]
    name: String,
    /// E-mail of the administrator (an existing user is added to the new account).
    #[arg(long)]
    admin_email: String,
    /// Name of the administrator.
    #[arg(long)]
    admin_name: Option<String>,
    /// Password of a new administrator; generated and printed when omitted.
    #[arg(long, env = "ATENDE_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// Account language (pt-BR or en).
    #[arg(long, default_value = "pt-BR")]
    locale: String,
    /// Print one JSON line: {"account_id":N,"user_id":N,"api_access_token":"..."}.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct CreateUserArgs {
    /// Account to add the user to.
    #[arg(long)]
    account_id: i64,
    /// E-mail. Without `--password` an invitation is created and its link printed, to hand
    /// over; with it, the user is added at once (an existing user keeps their password).
    #[arg(long)]
    email: String,
    /// Name of a new user.
    #[arg(long)]
    name: String,
    /// Role in the account.
    #[arg(long, value_parser = ["agent", "administrator"])]
    role: String,
    /// Custom role for an agent.
    #[arg(long)]
    custom_role_id: Option<i64>,
    /// Password of a new user, added at once. Omitted: the user is invited and chooses their own.
    #[arg(long, env = "ATENDE_USER_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Print one JSON line: {"user_id":N,"api_access_token":"..."} (with `--password`) or
    /// {"invitation_id":N,"invitation_url":"..."|null} (an invitation).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ResetPasswordArgs {
    /// The user's e-mail.
    #[arg(long)]
    email: String,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// How many conversations to create.
    #[arg(long, default_value_t = 300)]
    conversations: usize,
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// List dead jobs (failed for good), newest first.
    Dead {
        /// How many to list.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Put a dead job back in the queue.
    Retry {
        /// Job id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Start the embedded database (if not running) and print its connection URL.
    Start,
    /// Stop the embedded database.
    Stop,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(&cli.global.log, cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

impl GlobalArgs {
    fn database(&self) -> DatabaseSource {
        match self.database_url.as_deref().filter(|u| !u.is_empty()) {
            Some(url) => DatabaseSource::Url(url.to_owned()),
            None => DatabaseSource::Embedded {
                data_dir: self.data_dir.clone(),
                pg_bin: self.pg_bin.clone(),
            },
        }
    }

    fn config(&self) -> Config {
        let mut config = Config::new(self.database());
        config.data_dir = self.data_dir.clone();
        config
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve(cli.serve));
    match command {
        Command::Serve(args) => serve(&cli.global, args).await,
        Command::Migrate => with_state(&cli.global, |_| async { Ok(()) }).await,
        Command::CreateAccount(args) => {
            with_state(&cli.global, |app| create_account(app, args)).await
        }
        Command::CreateUser(args) => with_state(&cli.global, |app| create_user(app, args)).await,
        Command::ResetPassword(args) => {
            with_state(&cli.global, |app| reset_password(app, args)).await
        }
        Command::Demo(args) => demo(&cli.global, args).await,
        Command::Jobs(command) => with_state(&cli.global, |app| jobs(app, command)).await,
        Command::Db(command) => db(&cli.global, command).await,
    }
}

async fn serve(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<()> {
    let mut config = global.config();
    config.smtp = args.smtp()?;
    config.bind = args.bind;
    config.base_url = args.base_url;
    config.secret_key = args.secret_key;
    config.workers = WorkerSettings {
        concurrency: args.workers,
        per_account: args
            .jobs_per_account
            .unwrap_or(args.workers.saturating_sub(1))
            .max(1),
        lease: std::time::Duration::from_secs(args.job_lease.max(1)),
        ..WorkerSettings::default()
    };
    config.bootstrap = true;
    config.max_connections = args.db_pool.max(4);
    config.trust_forwarded_for = args.trust_forwarded_for;
    if let Some(checks) = args.password_checks {
        config.password_checks = checks.max(1);
    }
    config.streams_per_user = args.streams_per_user.max(1);
    config.retention_days = args.retention_days;
    config.limits = crate::limits::Limits {
        macro_runs_per_minute: args.macro_runs_per_minute.max(1),
        outbound_actions_per_minute: args.outbound_actions_per_minute.max(1),
    };
    config.outbound = crate::outbound::OutboundPolicy::parse(&args.outbound_allow)
        .map_err(|e| anyhow::anyhow!(e))?;
    config.storage = crate::storage::StorageSettings {
        quota_bytes: (args.storage_quota_mb > 0)
            .then(|| args.storage_quota_mb.saturating_mul(1024 * 1024)),
        link_ttl: args.file_link_ttl,
    };
    let app = Application::build(config).await?;
    println!("Atende listening on http://{}", app.state().config.bind);
    let stop = app.shutdown_token();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown requested");
        stop.cancel();
    });
    app.run_until_stopped().await
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(term) => term,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for SIGTERM");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// Opens the database (migrating it), runs `f` with a state, and closes the database again,
/// stopping the embedded server only if this command started it.
async fn with_state<F, Fut>(global: &GlobalArgs, f: F) -> anyhow::Result<()>
where
    F: FnOnce(AppState) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let config = global.config();
    let database = Database::open(&config.database, 2).await?;
    crate::db::migrate(&database.pool).await?;
    let state = build_state(config, database.pool.clone(), crate::app::job_registry()).await?;
    let result = f(state).await;
    database.close(false).await?;
    result
}

async fn create_account(app: AppState, args: CreateAccountArgs) -> anyhow::Result<()> {
    let locale = Locale::parse(&args.locale)
        .ok_or_else(|| anyhow::anyhow!("--locale must be pt-BR or en"))?;
    let input = crate::accounts::service::NewAccountWithAdmin {
        name: args.name,
        admin_email: args.admin_email,
        admin_name: args.admin_name,
        admin_password: args.admin_password,
        locale,
    };
    let created = crate::accounts::service::create_account_with_admin(&app, input)
        .await
        .map_err(|e| anyhow::anyhow!(cli_error(e)))?;
    if created.existing_user {
        eprintln!(
            "note: the user already existed; their password is unchanged and their API token was replaced"
        );
    }
    if args.json {
        println!("{}", serde_json::to_string(&created)?);
    } else {
        println!(
            "account {} created; administrator is user {}",
            created.account_id, created.user_id
        );
        if let Some(password) = &created.generated_password {
            println!("password: {password}");
        }
        println!("api_access_token: {}", created.api_access_token);
    }
    Ok(())
}

async fn create_user(app: AppState, args: CreateUserArgs) -> anyhow::Result<()> {
    use crate::accounts::agents::{self, NewAgent};
    use crate::accounts::model::Role;
    let account_id = crate::ids::AccountId(args.account_id);
    let account = crate::accounts::repo::find_account(&mut *app.db.acquire().await?, account_id)
        .await
        .ok()
        .flatten()
        .ok_or_else(|| anyhow::anyhow!("account {account_id} does not exist"))?;
    let Some(password) = args.password else {
        return invite_user(app, account, args).await;
    };
    let input = NewAgent {
        name: Some(args.name),
        email: args.email,
        role: Role::parse(&args.role),
        custom_role_id: args.custom_role_id.map(crate::ids::CustomRoleId),
        password: Some(password),
        ..NewAgent::default()
    };
    let mut tx = app.db.begin().await?;
    let created = agents::add_in(&app, &mut tx, account_id, None, input)
        .await
        .map_err(|e| anyhow::anyhow!(cli_error(e)))?;
    tx.commit().await?;
    let token = agents::issue_token(&app, created.agent.user_id)
        .await
        .map_err(|e| anyhow::anyhow!(cli_error(e)))?;
    if !created.new_user {
        eprintln!(
            "note: the user already existed; their password is unchanged and their API token was replaced"
        );
    }
    let line = serde_json::json!({ "user_id": created.agent.user_id, "api_access_token": token.0 });
    if args.json {
        println!("{line}");
    } else {
        println!(
            "user {} added to account {account_id}; api_access_token: {}",
            created.agent.user_id, token.0
        );
    }
    Ok(())
}

/// `create-user` without `--password`: an invitation, whose link is printed (the operator
/// hands it over) unless it was e-mailed.
async fn invite_user(
    app: AppState,
    account: crate::accounts::model::Account,
    args: CreateUserArgs,
) -> anyhow::Result<()> {
    use crate::accounts::invitations::{self, Inviter, NewInvitation};
    use crate::accounts::model::Role;
    let inviter = Inviter {
        account_id: account.id,
        account_name: account.name,
        locale: account.locale,
        user: None,
    };
    let input = NewInvitation {
        name: Some(args.name),
        email: args.email,
        role: Role::parse(&args.role),
        custom_role_id: args.custom_role_id.map(crate::ids::CustomRoleId),
        auto_offline: None,
    };
    let mut tx = app.db.begin().await?;
    let sent = invitations::create_in(&app, &mut tx, &inviter, input)
        .await
        .map_err(|e| anyhow::anyhow!(cli_error(e)))?;
    tx.commit().await?;
    let id = sent.invitation.id;
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "invitation_id": id, "invitation_url": sent.link })
        );
    } else {
        match &sent.link {
            Some(link) => println!(
                "invitation {id} created for {}; hand over this link (it works once, for {} days):\n{link}",
                sent.invitation.email,
                invitations::LIFETIME_DAYS
            ),
            None => println!(
                "invitation {id} e-mailed to {} (the link works once, for {} days)",
                sent.invitation.email,
                invitations::LIFETIME_DAYS
            ),
        }
    }
    Ok(())
}

async fn reset_password(app: AppState, args: ResetPasswordArgs) -> anyhow::Result<()> {
    let password = crate::accounts::profile::reset_password(&app, &args.email)
        .await
        .map_err(|e| match e {
            crate::error::Error::NotFound => {
                anyhow::anyhow!("no user has the e-mail {}", args.email)
            }
            e => anyhow::anyhow!(cli_error(e)),
        })?;
    println!("{password}");
    Ok(())
}

fn cli_error(e: crate::error::Error) -> String {
    match &e {
        crate::error::Error::Validation(errors) => errors.full_message(),
        other => other.to_string(),
    }
}

async fn demo(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<()> {
    let mut config = global.config();
    // The loader writes a week of history by moving its own clock.
    config.clock = crate::clock::Clock::test();
    let database = Database::open(&config.database, 2).await?;
    crate::db::migrate(&database.pool).await?;
    let state = build_state(config, database.pool.clone(), crate::app::job_registry()).await?;
    let result = crate::demo::load(&state, args.conversations.clamp(1, 20_000)).await;
    database.close(false).await?;
    let summary = result?;
    println!(
        "demo account {} (Loja Sabiá) loaded with {} conversations",
        summary.account_id, summary.conversations
    );
    println!(
        "sign in as {} or any of {} with password {}",
        summary.admin_email,
        summary.agents.join(", "),
        summary.password
    );
    Ok(())
}

async fn jobs(app: AppState, command: JobsCommand) -> anyhow::Result<()> {
    match command {
        JobsCommand::Dead { limit } => {
            for job in crate::jobs::list_dead(&app.db, limit).await? {
                println!("{}", serde_json::to_string(&job)?);
            }
        }
        JobsCommand::Retry { id } => {
            let retried =
                crate::jobs::retry_dead(&app.db, crate::ids::JobId(id), app.clock.now()).await?;
            anyhow::ensure!(retried, "job {id} is not a dead job");
            println!("job {id} queued again");
        }
    }
    Ok(())
}

async fn db(global: &GlobalArgs, command: DbCommand) -> anyhow::Result<()> {
    let DatabaseSource::Embedded { data_dir, pg_bin } = global.database() else {
        anyhow::bail!("DATABASE_URL is set; `atende db` controls only the embedded database");
    };
    let pg = crate::db::embedded::EmbeddedPostgres::start(&data_dir, pg_bin.as_deref()).await?;
    match command {
        DbCommand::Start => println!("{}", pg.maintenance_url()),
        DbCommand::Stop => pg.stop().await?,
    }
    Ok(())
}
