//! What is deleted when it can no longer be used: ended sessions with their refresh tokens,
//! used or expired email tokens, sent mail, and the old entries of the vacancy change feed
//! and of the card clock. A token that cannot be used is only a risk at rest (the tokens
//! themselves are hashes, but sessions and mail say who signed in when). Run by the maintenance job of every instance;
//! each delete is idempotent, so instances may run it at once.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    card_changes, email_tokens, outbox, refresh_tokens, sessions, swipe_weeks, vacancy_changes,
};

/// How long a session is kept after it expired: a request signed before the end may still
/// be in flight, and "signed out" is clearer than "unknown" for a day.
const SESSION_GRACE: TimeDelta = TimeDelta::days(1);
/// Sent mail is kept this long (its subject and recipient, for support), bodies are emptied
/// at once (see `notifications::outbox`).
const SENT_MAIL_KEPT: TimeDelta = TimeDelta::days(30);
/// The change feed is read every few seconds; an index that fell this far behind reloads.
const CHANGES_KEPT: TimeDelta = TimeDelta::hours(1);
/// Card changes are read when a kept candidate page is checked; an instance that fell this
/// far behind finds its stretch incomplete and starts afresh (see `matching::feed::checked`).
const CARD_CHANGES_KEPT: TimeDelta = TimeDelta::hours(1);
/// A youth's weekly likes and passes are shown for this week only; a few weeks are kept so
/// that a late correction of an earlier week still finds its row.
const WEEKS_KEPT: TimeDelta = TimeDelta::weeks(5);

/// How many rows of each kind were deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: usize,
    pub email_tokens: usize,
    pub mails: usize,
    pub changes: usize,
    pub card_changes: usize,
    pub weeks: usize,
}

pub fn prune(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Pruned> {
    let ended = || sessions::expires_at.lt(now - SESSION_GRACE);
    // Refresh tokens first, so the delete does not lean on the foreign key's cascade.
    diesel::delete(refresh_tokens::table.filter(
        refresh_tokens::session_id.eq_any(sessions::table.filter(ended()).select(sessions::id)),
    ))
    .execute(conn)?;
    let sessions = diesel::delete(sessions::table.filter(ended())).execute(conn)?;
    let email_tokens = diesel::delete(
        email_tokens::table.filter(
            email_tokens::expires_at
                .lt(now)
                .or(email_tokens::used_at.is_not_null()),
        ),
    )
    .execute(conn)?;
    let mails = diesel::delete(outbox::table.filter(outbox::sent_at.lt(now - SENT_MAIL_KEPT)))
        .execute(conn)?;
    let changes = diesel::delete(
        vacancy_changes::table.filter(vacancy_changes::changed_at.lt(now - CHANGES_KEPT)),
    )
    .execute(conn)?;
    let card_changes = diesel::delete(
        card_changes::table.filter(card_changes::changed_at.lt(now - CARD_CHANGES_KEPT)),
    )
    .execute(conn)?;
    let weeks =
        diesel::delete(swipe_weeks::table.filter(swipe_weeks::week.lt((now - WEEKS_KEPT).date())))
            .execute(conn)?;
    Ok(Pruned {
        sessions,
        email_tokens,
        mails,
        changes,
        card_changes,
        weeks,
    })
}
