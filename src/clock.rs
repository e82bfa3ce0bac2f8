//! The time source. Production reads the system clock; tests move a manual clock forward
//! instead of sleeping, so expiry is tested exactly and fast.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A manual clock that starts at the current time.
    pub fn manual() -> Self {
        Clock::Manual(Arc::new(Mutex::new(Utc::now())))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(t) => match t.lock() {
                Ok(t) => *t,
                Err(poisoned) => *poisoned.into_inner(),
            },
        }
    }

    /// Now as stored in the database: TIMESTAMP in UTC, at microsecond precision (what
    /// PostgreSQL keeps), so that a value read back compares equal to the one written.
    pub fn now_naive(&self) -> NaiveDateTime {
        let now = self.now().naive_utc();
        now.with_nanosecond_trunc()
    }

    /// Moves a manual clock forward; does nothing to the system clock.
    pub fn advance(&self, by: TimeDelta) {
        if let Clock::Manual(t) = self {
            let mut guard = match t.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            *guard += by;
        }
    }
}

trait TruncMicros {
    fn with_nanosecond_trunc(self) -> Self;
}

impl TruncMicros for NaiveDateTime {
    fn with_nanosecond_trunc(self) -> Self {
        use chrono::Timelike;
        let micros = self.nanosecond() / 1_000 * 1_000;
        self.with_nanosecond(micros).unwrap_or(self)
    }
}
