//! A moment during which a dependency is known to be failing, so the requests that follow do
//! not each wait for it to fail again: the database after a failed connection (answered 503
//! at once), Redis after a failed command (skipped, the database answers). When the moment
//! has passed, the next request tries again, so recovery needs no restart.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Cooldown {
    /// Milliseconds since the process's first look at the clock until which it lasts.
    until_ms: AtomicU64,
}

fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64
}

impl Cooldown {
    pub fn active(&self) -> bool {
        now_ms() < self.until_ms.load(Ordering::Relaxed)
    }

    /// Starts it, or extends it, for `lasting` from now; true when it was not running yet
    /// (the first failure of an outage: the one worth a log line).
    pub fn start(&self, lasting: Duration) -> bool {
        let now = now_ms();
        let before = self
            .until_ms
            .fetch_max(now + lasting.as_millis() as u64, Ordering::Relaxed);
        before <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_lasts_its_moment_and_says_when_it_starts() {
        let c = Cooldown::default();
        assert!(!c.active());
        assert!(c.start(Duration::from_millis(30)));
        assert!(c.active());
        assert!(!c.start(Duration::from_millis(30)), "already running");
        std::thread::sleep(Duration::from_millis(40));
        assert!(!c.active());
        assert!(c.start(Duration::from_millis(30)));
    }
}
