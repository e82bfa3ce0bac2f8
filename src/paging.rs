//! One way to page every list: `?cursor=&limit=` in, `{items, next_cursor}` out.
//!
//! Cursors are opaque to clients (URL-safe base64 of the list they belong to and a position
//! in it), so the position's form can change without breaking an app, and a cursor of one
//! list is refused by another. Positions are keys, not offsets: a page is "what comes after
//! this item", so items added or removed meanwhile do not shift what follows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, ProblemCode};

/// Items per page when `limit` is left out.
pub const DEFAULT_LIMIT: u8 = 20;
/// The largest page.
pub const MAX_LIMIT: u8 = 100;

/// The paging parameters of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// `next_cursor` of the previous page; leave out for the first page. Opaque: pass it back
    /// as it came.
    #[param(nullable = false, max_length = 256, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
    /// Items per page: 1 to 100; 20 when left out.
    #[param(nullable = false, minimum = 1, maximum = 100)]
    pub limit: Option<u8>,
}

/// The lists that page (a cursor names its list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Feed,
    Candidates,
    Matches,
    Messages,
    Vacancies,
    Members,
    Competences,
    Occupations,
    Audit,
    Caseload,
    Coaches,
    Notes,
    Handovers,
    ConsentEvents,
    Clients,
    ClientActivity,
    Introductions,
    Search,
    Placements,
    PlacementFollowUps,
}

impl List {
    fn tag(self) -> &'static str {
        match self {
            List::Feed => "feed",
            List::Candidates => "cand",
            List::Matches => "match",
            List::Messages => "msg",
            List::Vacancies => "vac",
            List::Members => "mem",
            List::Competences => "comp",
            List::Occupations => "occ",
            List::Audit => "audit",
            List::Caseload => "case",
            List::Coaches => "coach",
            List::Notes => "note",
            List::Handovers => "hand",
            List::ConsentEvents => "cevt",
            List::Clients => "client",
            List::ClientActivity => "cact",
            List::Introductions => "intro",
            List::Search => "search",
            List::Placements => "place",
            List::PlacementFollowUps => "pfup",
        }
    }
}

/// A page request, parsed: how many, and after which position of its list.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: u8,
    after: Option<String>,
}

fn invalid(detail: &str) -> ApiError {
    ApiError::new(ProblemCode::InvalidQuery, detail.to_owned())
}

impl PageQuery {
    /// Checks the limit and opens the cursor (which must be one of `list`'s).
    pub fn parse(&self, list: List) -> Result<Page, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(invalid("limit must be 1 to 100."));
        }
        let after = match self.cursor.as_deref() {
            None => None,
            Some(raw) => Some(open(list, raw).ok_or_else(|| {
                invalid("cursor is not the next_cursor of a previous page of this list.")
            })?),
        };
        Ok(Page { limit, after })
    }
}

impl Page {
    /// The position after which this page starts, parsed by the list; `None` on the first
    /// page, 400 when the position does not parse.
    pub fn after<T>(&self, parse: impl FnOnce(&str) -> Option<T>) -> Result<Option<T>, ApiError> {
        self.after
            .as_deref()
            .map(|p| {
                parse(p).ok_or_else(|| {
                    invalid("cursor is not the next_cursor of a previous page of this list.")
                })
            })
            .transpose()
    }

    /// The position this page starts after, as the cursor gave it (not yet judged).
    pub fn position(&self) -> Option<&str> {
        self.after.as_deref()
    }

    /// Whether this page continues a list (its position is judged by [`Page::after`]).
    pub fn has_cursor(&self) -> bool {
        self.after.is_some()
    }

    pub fn limit(&self) -> usize {
        usize::from(self.limit)
    }
}

/// The cursor that continues `list` after `position`.
pub fn cursor(list: List, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{position}", list.tag()))
}

fn open(list: List, raw: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (tag, position) = text.split_once(':')?;
    (tag == list.tag() && !position.is_empty()).then(|| position.to_owned())
}

/// Keeps the first `limit` of `items` (fetched with one extra) and says where the next page
/// starts: the usual "ask for one more" keyset step.
pub fn split<T>(
    mut items: Vec<T>,
    limit: usize,
    list: List,
    position: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let more = items.len() > limit;
    items.truncate(limit);
    let next = more
        .then(|| items.last().map(|last| cursor(list, &position(last))))
        .flatten();
    (items, next)
}

/// Declares a page type: `{items, next_cursor}` with the same documentation everywhere.
macro_rules! page {
    ($(#[$meta:meta])* $name:ident of $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` for the next page; null when there is no next page. A page
            /// can be shorter than `limit` while more follows.
            pub next_cursor: Option<String>,
        }
    };
}
pub(crate) use page;

#[cfg(test)]
mod tests {
    use super::*;

    fn query(cursor: Option<&str>, limit: Option<u8>) -> PageQuery {
        PageQuery {
            cursor: cursor.map(str::to_owned),
            limit,
        }
    }

    #[test]
    fn a_cursor_opens_only_for_its_own_list() {
        let c = cursor(List::Matches, "01936a4e-8f7c-7b3a-9d1e-2f3c4b5a6d7e");
        assert!(
            c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        );
        let page = query(Some(&c), None).parse(List::Matches).unwrap();
        assert_eq!(
            page.after(|p| Some(p.to_owned())).unwrap().as_deref(),
            Some("01936a4e-8f7c-7b3a-9d1e-2f3c4b5a6d7e")
        );
        assert!(query(Some(&c), None).parse(List::Messages).is_err());
        for junk in ["", "!!", "bWF0Y2g6", "bm9jb2xvbg"] {
            assert!(
                query(Some(junk), None).parse(List::Matches).is_err(),
                "{junk}"
            );
        }
    }

    #[test]
    fn limits_are_one_to_a_hundred_twenty_by_default() {
        assert_eq!(query(None, None).parse(List::Feed).unwrap().limit, 20);
        assert_eq!(query(None, Some(100)).parse(List::Feed).unwrap().limit, 100);
        assert!(query(None, Some(0)).parse(List::Feed).is_err());
        assert!(query(None, Some(101)).parse(List::Feed).is_err());
    }

    #[test]
    fn split_gives_a_cursor_only_when_more_follows() {
        let (items, next) = split(vec![1, 2, 3], 2, List::Members, |i| i.to_string());
        assert_eq!(items, vec![1, 2]);
        let page = query(next.as_deref(), None).parse(List::Members).unwrap();
        assert_eq!(page.after(|p| p.parse::<i32>().ok()).unwrap(), Some(2));
        let (items, next) = split(vec![1, 2], 2, List::Members, |i| i.to_string());
        assert_eq!((items.len(), next), (2, None));
    }
}
