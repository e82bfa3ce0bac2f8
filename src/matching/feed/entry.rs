//! How a ranked entry is cached, and where a page of a ranked list starts.

use std::cmp::Reverse;

use super::*;

/// A ranked entry as cached: `id|distance_km|score|matched_mask|reason_bits`. The reasons
/// are the ones the score was computed with, so a card explains exactly its ranking.
#[derive(Debug, Clone)]
pub(super) struct Item {
    /// The id (a vacancy's, or a youth's in a candidate feed) as its UUID's bits: how the
    /// index and the card cache key it; the text is rebuilt only where needed.
    pub(super) key: u128,
    pub(super) distance_km: f64,
    pub(super) score: f64,
    pub(super) matched: i64,
    pub(super) reasons: u8,
}

impl Item {
    /// The id as text (ids are UUIDs this service wrote in this form).
    pub(super) fn id(&self) -> String {
        uuid::Uuid::from_u128(self.key).to_string()
    }

    pub(super) fn encode(&self) -> String {
        format!(
            "{}|{:.2}|{:.5}|{}|{}",
            uuid::Uuid::from_u128(self.key),
            self.distance_km,
            self.score,
            self.matched,
            self.reasons
        )
    }

    /// The score as ranked (to 5 decimals, as cached): with the key, an entry's place.
    pub(super) fn rank(&self) -> i64 {
        (self.score * 1e5).round() as i64
    }

    /// Whether this entry is ranked after `place` (lower rank, or equal rank and higher key).
    pub(super) fn comes_after(&self, place: &Place) -> bool {
        (Reverse(self.rank()), self.key) > (Reverse(place.0), place.1)
    }

    pub(super) fn decode(raw: &str) -> Option<Item> {
        let mut parts = raw.split('|');
        let id = uuid::Uuid::parse_str(parts.next()?).ok()?;
        Some(Item {
            key: id.as_u128(),
            distance_km: parts.next()?.parse().ok()?,
            score: parts.next()?.parse().ok()?,
            matched: parts.next()?.parse().ok()?,
            // Entries cached before reasons were kept have none.
            reasons: parts.next().and_then(|r| r.parse().ok()).unwrap_or(0),
        })
    }
}

pub(super) fn rank(mut items: Vec<Item>) -> Vec<Item> {
    // By the score as cached, equal ones in id order (a UUID's bits sort like its text), so
    // a cursor's place splits a cached list exactly where a fresh one would.
    items.sort_by_key(|i| (Reverse(i.rank()), i.key));
    items.truncate(FEED_SIZE);
    items
}

/// An entry's place in a ranked list: its rank and its key. A page's cursor is the place of
/// its last entry; the next page is what comes after it.
pub(super) type Place = (i64, u128);

/// The cursor position of a youth's feed entry: `rank.vacancy_id`.
pub(super) fn feed_position(item: &Item) -> String {
    format!("{}.{}", item.rank(), uuid::Uuid::from_u128(item.key))
}

pub(super) fn feed_place(position: &str) -> Option<Place> {
    let (rank, id) = position.split_once('.')?;
    Some((
        rank.parse().ok()?,
        uuid::Uuid::parse_str(id).ok()?.as_u128(),
    ))
}

/// Where the page after this one starts: after its last entry when it is full; after the
/// last entry looked at when the window read was full (more may follow, past stale ones);
/// else nowhere.
pub(super) fn next_place<'a>(
    page: Option<&'a Item>,
    full: bool,
    window: &'a [Item],
    read_all: bool,
) -> Option<&'a Item> {
    if full {
        page
    } else if !read_all {
        window.last()
    } else {
        None
    }
}
