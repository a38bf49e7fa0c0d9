//! Per-account rates: macro runs and outbound actions (webhooks and e-mails sent by rules and
//! macros) per minute, so one account's bulk work cannot crowd out the others' or turn the
//! server into a relay (docs/decisions/0008-fair-shares.md).
//!
//! A rate is a fixed window of one minute, held in `account_rate_windows` and reserved with one
//! conditional upsert, so processes sharing the database share the limit and concurrent
//! reservations cannot both take the last unit.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sqlx::PgConnection;

use crate::ids::AccountId;

/// Macro runs one account may start per minute (`ATENDE_MACRO_RUNS_PER_MINUTE`).
pub const MACRO_RUNS_PER_MINUTE: u32 = 120;

/// Webhook and e-mail actions one account's rules and macros may take per minute
/// (`ATENDE_OUTBOUND_ACTIONS_PER_MINUTE`).
pub const OUTBOUND_ACTIONS_PER_MINUTE: u32 = 600;

/// The per-account rates of this installation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Macro runs per account and minute; one more is a 429.
    pub macro_runs_per_minute: u32,
    /// Webhook and e-mail actions per account and minute; more wait for the next minute.
    pub outbound_actions_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            macro_runs_per_minute: MACRO_RUNS_PER_MINUTE,
            outbound_actions_per_minute: OUTBOUND_ACTIONS_PER_MINUTE,
        }
    }
}

/// What a rate counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    /// Macro executions.
    MacroRuns,
    /// Webhook and e-mail actions.
    OutboundActions,
}

impl Rate {
    fn as_sql(self) -> &'static str {
        match self {
            Rate::MacroRuns => "macro_runs",
            Rate::OutboundActions => "outbound_actions",
        }
    }

    /// This rate's limit per minute in `limits`.
    pub fn limit(self, limits: &Limits) -> u32 {
        match self {
            Rate::MacroRuns => limits.macro_runs_per_minute,
            Rate::OutboundActions => limits.outbound_actions_per_minute,
        }
    }
}

/// The answer to a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reserved {
    /// Taken; this many units of the minute are now used.
    Taken(u32),
    /// The minute is used up; the next one starts at this instant.
    Exhausted {
        /// Start of the next minute.
        next: DateTime<Utc>,
    },
    /// More units than a whole minute allows: this can never be taken.
    TooLarge,
}

/// The minute `now` falls in.
pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now)
}

/// Reserves `units` of `rate` for `account` in the minute of `now`, all or nothing. Zero units
/// are always taken (and nothing is written).
pub async fn reserve(
    conn: &mut PgConnection,
    limits: &Limits,
    account: AccountId,
    rate: Rate,
    units: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<Reserved> {
    let limit = rate.limit(limits);
    if units == 0 {
        return Ok(Reserved::Taken(0));
    }
    if units > limit {
        return Ok(Reserved::TooLarge);
    }
    let start = window_start(now);
    let used = sqlx::query_scalar!(
        "insert into account_rate_windows (account_id, kind, window_start, used)
         values ($1, $2, $3, $4)
         on conflict (account_id, kind) do update set
             window_start = excluded.window_start,
             used = case when account_rate_windows.window_start = excluded.window_start
                         then account_rate_windows.used + excluded.used
                         else excluded.used end
         where case when account_rate_windows.window_start = excluded.window_start
                    then account_rate_windows.used else 0 end + excluded.used <= $5
         returning used",
        account.0,
        rate.as_sql(),
        start,
        i32::try_from(units)?,
        i32::try_from(limit)?
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match used {
        Some(used) => Reserved::Taken(u32::try_from(used).unwrap_or(0)),
        None => Reserved::Exhausted {
            next: start + TimeDelta::minutes(1),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_the_minute_an_instant_falls_in() {
        let at: DateTime<Utc> = "2026-12-07T10:41:59.999Z".parse().expect("instant");
        assert_eq!(
            window_start(at),
            "2026-12-07T10:41:00Z"
                .parse::<DateTime<Utc>>()
                .expect("instant")
        );
        let exact: DateTime<Utc> = "2026-12-07T10:42:00Z".parse().expect("instant");
        assert_eq!(window_start(exact), exact);
    }

    #[test]
    fn each_rate_reads_its_own_limit() {
        let limits = Limits {
            macro_runs_per_minute: 7,
            outbound_actions_per_minute: 9,
        };
        assert_eq!(Rate::MacroRuns.limit(&limits), 7);
        assert_eq!(Rate::OutboundActions.limit(&limits), 9);
    }
}
