//! Performance figures of a real `atende serve` (the release binary, started as a child process)
//! over loopback, against a real PostgreSQL, at realistic sizes. Figures go to
//! docs/PERFORMANCE.md; nothing here is a test.
//!
//! ```text
//! cargo bench --bench perf -- seed 100k        # seed atende_bench_100k once (bulk SQL)
//! cargo bench --bench perf -- api 100k         # lists, counts, filter, search, one conversation,
//!                                              # deep pages, ingestion, pgbench ceiling, RSS
//! cargo bench --bench perf -- streams 100k     # the same with 500 open live streams
//! cargo bench --bench perf -- dispatch         # 2,000 events/s for 60 s, one rule, one webhook
//! cargo bench --bench perf -- timers           # claims and timer precision with 1M pending jobs
//! cargo bench --bench perf -- all              # all of it at 1k, 10k, 100k and 1M
//! ```
//!
//! Sizes: `1k`, `10k`, `100k`, `1m` conversations (6 messages each). `BENCH_DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`) names a server where the bench may
//! create its own databases (`atende_bench_*`); seeded ones are kept for later runs. The server
//! needs `pgbench` for the ceiling (Debian: `postgresql-contrib`'s `pgbench`, in the server
//! package).

mod dispatch;
mod load;
mod scenarios;
mod seed;
mod server;
mod timers;

use std::time::Duration;

/// One row of the results table.
#[derive(Clone, Debug)]
pub struct Figure {
    /// What was measured.
    pub what: String,
    /// Data size.
    pub size: String,
    /// Load.
    pub load: String,
    /// The measurement (`p50 … p99 …`, `… msg/s`).
    pub value: String,
    /// The target, if any.
    pub target: String,
    /// Whether the target is met (`None`: no target).
    pub met: Option<bool>,
}

impl Figure {
    /// A figure.
    pub fn new(
        what: &str,
        size: &str,
        load: &str,
        value: String,
        target: &str,
        met: Option<bool>,
    ) -> Self {
        Figure {
            what: what.to_owned(),
            size: size.to_owned(),
            load: load.to_owned(),
            value,
            target: target.to_owned(),
            met,
        }
    }
}

/// The results, printed as one table at the end.
#[derive(Default)]
pub struct Table {
    rows: Vec<Figure>,
}

impl Table {
    /// Adds a row and prints it at once (long runs show progress).
    pub fn add(&mut self, figure: Figure) {
        println!(
            "  {} [{}] {} — {}{}",
            figure.what,
            figure.size,
            figure.load,
            figure.value,
            match figure.met {
                Some(true) => format!(" (target {}: met)", figure.target),
                Some(false) => format!(" (target {}: NOT met)", figure.target),
                None => String::new(),
            }
        );
        self.rows.push(figure);
    }

    fn print(&self) {
        println!("\n| What | Size | Load | Figure | Target | Met |");
        println!("|---|---|---|---|---|---|");
        for f in &self.rows {
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                f.what,
                f.size,
                f.load,
                f.value,
                if f.target.is_empty() {
                    "–"
                } else {
                    &f.target
                },
                match f.met {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "–",
                }
            );
        }
    }
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn sizes(arg: Option<&str>) -> Vec<seed::Size> {
    match arg {
        Some(s) => vec![
            seed::Size::parse(s)
                .unwrap_or_else(|| panic!("unknown size {s}; use 1k, 10k, 100k or 1m")),
        ],
        None => seed::Size::ALL.to_vec(),
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // `cargo bench` passes `--bench`; the other arguments pick the command and the size.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let command = args.first().map(String::as_str).unwrap_or("all");
    let size = args.get(1).map(String::as_str);
    let mut table = Table::default();
    let started = std::time::Instant::now();
    match command {
        "seed" => {
            for size in sizes(size) {
                seed::ensure(size).await;
            }
        }
        "api" => {
            for size in sizes(size) {
                scenarios::api(size, &mut table).await;
            }
        }
        "streams" => {
            for size in sizes(size.or(Some("100k"))) {
                scenarios::streams(size, &mut table).await;
            }
        }
        "dispatch" => dispatch::run(&mut table).await,
        "timers" => timers::run(&mut table).await,
        "all" => {
            for size in seed::Size::ALL {
                scenarios::api(size, &mut table).await;
            }
            scenarios::streams(seed::Size::K100, &mut table).await;
            dispatch::run(&mut table).await;
            timers::run(&mut table).await;
        }
        other => panic!("unknown command {other}; see benches/perf/main.rs"),
    }
    table.print();
    println!("\n(bench ran {:.0} s)", started.elapsed().as_secs_f64());
}
