//! The in-process cache of feed cards: each open vacancy's card serialized once, shared by
//! every youth's page for a short time.
//!
//! A plain map behind a read-write lock rather than a general cache: a warm page looks up
//! twenty cards, and this is a hash and a read lock each. Entries live `ttl` (an edit made
//! on another instance shows within it; edits here drop the card at once). When the map is
//! full, expired entries go first, and if that is not enough, all of them: a burst of card
//! reads from the database, never unbounded memory.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::matching::index::KeyMap;

pub struct CardCache<V> {
    map: RwLock<KeyMap<(Instant, Arc<V>)>>,
    ttl: Duration,
    capacity: usize,
}

impl<V> CardCache<V> {
    pub fn new(capacity: usize, ttl: Duration) -> CardCache<V> {
        CardCache {
            map: RwLock::new(KeyMap::default()),
            ttl,
            capacity,
        }
    }

    /// The card under `key` if it was stored less than `ttl` before `now`.
    pub fn get(&self, key: u128, now: Instant) -> Option<Arc<V>> {
        let map = match self.map.read() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.get(&key)
            .filter(|(at, _)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(_, card)| Arc::clone(card))
    }

    pub fn insert(&self, key: u128, card: Arc<V>) {
        let now = Instant::now();
        let mut map = match self.map.write() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if map.len() >= self.capacity && !map.contains_key(&key) {
            map.retain(|_, (at, _)| now.saturating_duration_since(*at) < self.ttl);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(key, (now, card));
    }

    pub fn forget(&self, key: u128) {
        match self.map.write() {
            Ok(mut m) => m.remove(&key),
            Err(p) => p.into_inner().remove(&key),
        };
    }

    pub fn len(&self) -> usize {
        match self.map.read() {
            Ok(m) => m.len(),
            Err(p) => p.into_inner().len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_expire_are_forgotten_and_the_map_stays_bounded() {
        let cache: CardCache<String> = CardCache::new(3, Duration::from_secs(30));
        let now = Instant::now();
        cache.insert(1, Arc::new("a".into()));
        assert_eq!(cache.get(1, now).as_deref().map(String::as_str), Some("a"));
        assert!(
            cache.get(1, now + Duration::from_secs(31)).is_none(),
            "expired"
        );
        assert!(cache.get(2, now).is_none());
        cache.forget(1);
        assert!(cache.get(1, now).is_none());
        for k in 10..20 {
            cache.insert(k, Arc::new(k.to_string()));
            assert!(cache.len() <= 3);
        }
        assert!(
            cache.get(19, Instant::now()).is_some(),
            "the newest is kept"
        );
    }
}
