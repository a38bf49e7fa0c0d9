//! Prometheus metrics: HTTP request counts and latency by route, job outcomes, and job counts by
//! state (read from the database at scrape time, so every process reports the shared queue).

use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::jobs::JobCounts;
use crate::jobs::worker::Outcome;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
enum JobOutcome {
    Completed,
    Retrying,
    Dead,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    outcome: JobOutcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.5, 12))
}

/// The process's metric families.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    jobs_processed: Family<JobLabels, Counter>,
    job_duration: Family<JobLabels, Histogram, fn() -> Histogram>,
    jobs: Family<StateLabels, Gauge>,
    events_dispatched: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("atende");
        let requests = Family::default();
        let latency = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let jobs_processed = Family::default();
        let job_duration = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let jobs = Family::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "jobs_processed",
            "Job runs by kind and outcome",
            jobs_processed.clone(),
        );
        registry.register(
            "job_duration_seconds",
            "Job run time by kind and outcome",
            job_duration.clone(),
        );
        registry.register("jobs", "Jobs in the queue by state", jobs.clone());
        let events_dispatched = Counter::default();
        registry.register(
            "events_dispatched",
            "Events handed to their consumers (webhooks, automation) by this process",
            events_dispatched.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            jobs_processed,
            job_duration,
            jobs,
            events_dispatched,
        }
    }
}

impl Metrics {
    /// Records one finished HTTP request.
    pub fn request_finished(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let (method, route) = (method.to_owned(), route.to_owned());
        self.requests
            .get_or_create(&RequestLabels {
                method: method.clone(),
                route: route.clone(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { method, route })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts events handed to their consumers.
    pub fn events_dispatched(&self, n: usize) {
        self.events_dispatched.inc_by(n as u64);
    }

    /// Records one finished job run.
    pub fn job_finished(&self, kind: &str, outcome: Outcome, elapsed: Duration) {
        let outcome = match outcome {
            Outcome::Completed => JobOutcome::Completed,
            Outcome::Retrying => JobOutcome::Retrying,
            Outcome::Dead => JobOutcome::Dead,
        };
        let labels = JobLabels {
            kind: kind.to_owned(),
            outcome,
        };
        self.jobs_processed.get_or_create(&labels).inc();
        self.job_duration
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Prometheus text exposition, with the queue counts read just before.
    pub fn render(&self, counts: JobCounts) -> String {
        for (state, value) in [
            ("ready", counts.ready),
            ("scheduled", counts.scheduled),
            ("queued", counts.queued),
            ("running", counts.running),
            ("dead", counts.dead),
        ] {
            self.jobs.get_or_create(&StateLabels { state }).set(value);
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
