//! Where "now" comes from. Every timestamp the application writes or compares is read from a
//! [`Clock`], and SQL receives it as a parameter, so tests can move time forward and make timers
//! (snoozes, SLA deadlines, retries) fall due without waiting.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// The application's source of time.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The machine's wall clock.
    #[default]
    System,
    /// Wall clock plus an offset that tests can advance.
    Test(Arc<TestClock>),
}

impl Clock {
    /// A test clock that starts at the wall clock.
    pub fn test() -> Self {
        Clock::Test(Arc::new(TestClock::default()))
    }

    /// The current time, truncated to microseconds so it round-trips through Postgres unchanged.
    pub fn now(&self) -> DateTime<Utc> {
        let now = match self {
            Clock::System => Utc::now(),
            Clock::Test(clock) => Utc::now() + clock.offset(),
        };
        truncate_to_micros(now)
    }

    /// Moves a test clock forward. Does nothing on the system clock.
    pub fn advance(&self, by: Duration) {
        if let Clock::Test(clock) = self {
            clock.advance(by);
        }
    }
}

/// Offset state of a test clock.
#[derive(Debug, Default)]
pub struct TestClock {
    offset: Mutex<Duration>,
}

impl TestClock {
    fn offset(&self) -> Duration {
        *self
            .offset
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn advance(&self, by: Duration) {
        let mut offset = self
            .offset
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *offset += by;
    }
}

fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_moves_forward_by_the_given_amount() {
        let clock = Clock::test();
        let before = clock.now();
        clock.advance(Duration::hours(2));
        let after = clock.now();
        assert!(after - before >= Duration::hours(2));
        assert!(after - before < Duration::hours(2) + Duration::seconds(5));
    }

    #[test]
    fn system_clock_ignores_advance() {
        let clock = Clock::System;
        let before = clock.now();
        clock.advance(Duration::hours(2));
        assert!(clock.now() - before < Duration::seconds(5));
    }
}
