//! Output monitoring: registrations, profiles, activity, likes, matches, conversations,
//! introductions and placements of an intermediary's caseload (or, for admins, of everyone),
//! by month or by a characteristic of the youth, over one calendar year.
//!
//! Every figure is counted in the database (one statement for all of them, no loop over
//! youth here; swipes are read from the per-youth tallies that triggers on `swipes` keep, see
//! the migration `swipe_tallies`). No youth may be singled out: a figure of fewer than [`MIN_CELL`] youth is
//! suppressed, and so are as many other figures of its column as it takes for the suppressed
//! ones together to cover at least [`MIN_CELL`] youth, so that subtracting the shown figures
//! from the total leaves nothing smaller. Reports cover whole calendar years only, so two
//! reports of overlapping periods cannot be subtracted either.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::access::{Principal, Scope, Scopes};
use crate::auth::model::Role;
use crate::db::DbConn;
use crate::db::ids::OrganisationId;
use crate::error::{ApiError, ProblemCode};
use crate::outcomes::model::*;
use crate::state::AppState;

/// The smallest number of youth a shown figure may stand for.
pub const MIN_CELL: u64 = 10;

/// The counted figures, in the order of [`ReportRow`].
const COUNTS: usize = 9;

/// One count: its value and how many different youth it stands for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub value: u64,
    pub youth: u64,
}

/// The figures of one group before suppression.
#[derive(Debug, Clone, Default)]
struct Figures {
    counts: [Count; COUNTS],
    /// Days from registration to the first match / placement → youth.
    to_match: BTreeMap<i64, u64>,
    to_placement: BTreeMap<i64, u64>,
}

/// Which figures of a column to suppress: the groups' (value, youth) and the total's. A
/// figure of 1 to 9 youth is suppressed; while the suppressed ones together stand for fewer
/// than [`MIN_CELL`] youth (so the total minus the shown ones would single them out), the
/// smallest other non-zero figure is suppressed too; when none is left, the total is.
pub fn suppress_column(cells: &[Count], total: Count) -> (Vec<bool>, bool) {
    let small = |c: &Count| c.youth > 0 && c.youth < MIN_CELL;
    let mut hidden: Vec<bool> = cells.iter().map(small).collect();
    let mut total_hidden = small(&total);
    if !total_hidden {
        loop {
            let covered: u64 = cells
                .iter()
                .zip(&hidden)
                .filter(|(_, h)| **h)
                .map(|(c, _)| c.youth)
                .sum();
            if !hidden.iter().any(|h| *h) || covered >= MIN_CELL {
                break;
            }
            let next = cells
                .iter()
                .enumerate()
                .filter(|(i, c)| !hidden[*i] && c.youth > 0)
                .min_by_key(|(i, c)| (c.youth, *i))
                .map(|(i, _)| i);
            match next {
                Some(i) => hidden[i] = true,
                None => {
                    total_hidden = true;
                    break;
                }
            }
        }
    }
    (hidden, total_hidden)
}

/// A count as SQL gave it (never negative).
fn count(value: i64, youth: i64) -> Count {
    Count {
        value: value.max(0) as u64,
        youth: youth.max(0) as u64,
    }
}

fn cell(value: u64, hidden: bool) -> ReportCell {
    ReportCell {
        value: (!hidden).then_some(value),
        suppressed: hidden,
    }
}

/// The median of a histogram of days (the lower middle for an even number), suppressed when
/// it stands for fewer than [`MIN_CELL`] youth.
fn median(hist: &BTreeMap<i64, u64>) -> ReportCell {
    let n: u64 = hist.values().sum();
    if n == 0 {
        // A median of nobody: no figure, and nothing to hide.
        return ReportCell {
            value: None,
            suppressed: false,
        };
    }
    if n < MIN_CELL {
        return cell(0, true);
    }
    let middle = n.div_ceil(2);
    let mut seen = 0;
    for (days, count) in hist {
        seen += count;
        if seen >= middle {
            return cell((*days).max(0) as u64, false);
        }
    }
    cell(0, true)
}

// ---- SQL ----------------------------------------------------------------------------------

/// Whose youth a report covers. The organisation id is a parsed UUID, so it is written into
/// the SQL text as a literal safely (as are the dates, which chrono formats); the queries are
/// built per request with a varying shape, which binds would not make simpler.
struct Covered {
    org: Option<String>,
}

impl Covered {
    /// `{keyword} {youth} IN (the caseload)` for an organisation's report, nothing for
    /// everyone's. A semi-join the planner sizes from the consents index (a caseload of
    /// hundreds then reads the event tables by youth, not whole).
    fn caseload(&self, keyword: &str, youth: &str) -> String {
        match &self.org {
            Some(org) => format!(
                "{keyword} {youth} IN (SELECT c.youth_id FROM consents c WHERE c.organisation_id = '{org}' \
                 AND c.given_at IS NOT NULL AND c.status IN ('active', 'expired'))"
            ),
            None => String::new(),
        }
    }

    /// `AND {introduction}.organisation_id = org`: a caseload report counts only its own
    /// organisation's introductions; everyone's counts all.
    fn introduced_here(&self, introduction: &str) -> String {
        match &self.org {
            Some(org) => format!("AND {introduction}.organisation_id = '{org}'"),
            None => String::new(),
        }
    }
}

/// What counts as an event of the report's year, over an event table aliased `x`: written
/// once for the one pass and for the months, so that the two cannot count differently.
struct Year {
    /// The first day of the year and of the next, as SQL dates and as times.
    from: String,
    to: String,
    t0: String,
    t1: String,
    /// A placement running at 13 weeks started before this day.
    thirteen_weeks_ago: NaiveDate,
    /// The day 13 weeks after the placement's start (91 days), in SQL.
    after_13_weeks: String,
}

impl Year {
    fn new(year: i32, today: NaiveDate, d: &Dialect) -> Self {
        let (from, to) = (format!("'{year}-01-01'"), format!("'{}-01-01'", year + 1));
        Year {
            t0: format!("'{year}-01-01 00:00:00'"),
            t1: format!("'{}-01-01 00:00:00'", year + 1),
            from,
            to,
            thirteen_weeks_ago: today - TimeDelta::weeks(13),
            after_13_weeks: d.plus_days("x.start_date", 91),
        }
    }

    /// A time (registration, match, introduction) in the year.
    fn has(&self, time: &str) -> String {
        format!("{time} >= {} AND {time} < {}", self.t0, self.t1)
    }

    /// A placement that started in the year.
    fn placed(&self) -> String {
        format!(
            "x.start_date >= {} AND x.start_date < {}",
            self.from, self.to
        )
    }

    /// A placement still running 13 weeks after its start (counted once those weeks passed).
    fn running(&self) -> String {
        format!(
            "x.start_date <= '{}' AND (x.status = 'active' OR x.ended_on >= {})",
            self.thirteen_weeks_ago, self.after_13_weeks
        )
    }
}

/// A match that became a conversation: one with a message.
const CONVERSATION: &str = "EXISTS (SELECT 1 FROM messages ms WHERE ms.match_id = x.id)";

/// A sum as a BIGINT, zero over no rows (PostgreSQL sums BIGINTs into NUMERIC).
fn total_of(x: &str) -> String {
    format!("CAST(COALESCE(SUM({x}), 0) AS BIGINT)")
}

/// How many rows have `x` above zero: the youth a per-youth figure stands for.
fn youth_with(x: &str) -> String {
    format!("COUNT(*) FILTER (WHERE {x} > 0)")
}

/// What each dialect writes differently: whole days between two times, a date plus days.
struct Dialect {
    pg: bool,
}

impl Dialect {
    fn days(&self, later: &str, earlier: &str) -> String {
        if self.pg {
            format!("CAST((CAST({later} AS DATE) - CAST({earlier} AS DATE)) AS BIGINT)")
        } else {
            format!("CAST(julianday(date({later})) - julianday(date({earlier})) AS INTEGER)")
        }
    }

    /// The month (1–12) of a time, as an integer.
    fn month(&self, time: &str) -> String {
        if self.pg {
            // `date_part` (a float), not `EXTRACT` (a numeric since PostgreSQL 14, whose
            // arithmetic made a million swipes' months cost 200 ms more).
            format!("CAST(date_part('month', {time}) AS INTEGER)")
        } else {
            format!("CAST(strftime('%m', {time}) AS INTEGER)")
        }
    }

    /// `x` (zero or more) rounded down to an integer.
    fn floor(&self, x: &str) -> String {
        if self.pg {
            // PostgreSQL's cast rounds; SQLite's truncates, which for x ≥ 0 is the floor.
            format!("CAST(floor({x}) AS INTEGER)")
        } else {
            format!("CAST({x} AS INTEGER)")
        }
    }

    /// Ends a subquery so that PostgreSQL computes its columns before joining it instead of
    /// pulling it up into the join (which then hashes whole rows); SQLite needs none.
    fn fence(&self) -> &'static str {
        if self.pg { " OFFSET 0" } else { "" }
    }

    fn plus_days(&self, date: &str, days: i64) -> String {
        if self.pg {
            format!("({date} + {days})")
        } else {
            format!("date({date}, '+{days} days')")
        }
    }
}

/// The youth's group, in SQL over `p` (profile) and `s` (sensitive).
fn group_expr(grouping: ReportGrouping, today: NaiveDate, scope: &Covered) -> String {
    let years = |n: i32| {
        today
            .with_year(today.year() - n)
            .or_else(|| NaiveDate::from_ymd_opt(today.year() - n, today.month(), 28))
            .unwrap_or(today)
    };
    let shared = match &scope.org {
        Some(org) => format!(
            "EXISTS (SELECT 1 FROM consents c2 WHERE c2.youth_id = p.account_id AND c2.organisation_id = '{org}' \
             AND c2.status = 'active' AND (c2.scopes & {}) <> 0)",
            [Scope::ViewSensitive]
                .into_iter()
                .collect::<Scopes>()
                .mask()
        ),
        None => "1 = 0".to_owned(),
    };
    match grouping {
        ReportGrouping::Month => "''".to_owned(),
        ReportGrouping::AgeBand => format!(
            "CASE WHEN p.birth_date IS NULL THEN 'unknown' WHEN p.birth_date > '{}' THEN '15-17' \
             WHEN p.birth_date > '{}' THEN '18-20' WHEN p.birth_date > '{}' THEN '21-23' ELSE '24-27' END",
            years(18),
            years(21),
            years(24)
        ),
        ReportGrouping::StartQualification => {
            let levels: Vec<String> = crate::work::EducationLevel::ALL
                .iter()
                .filter(|l| l.is_start_qualification())
                .map(|l| format!("'{}'", l.as_str()))
                .collect();
            format!(
                "CASE WHEN p.education_level IS NULL THEN 'unknown' WHEN p.education_level IN ({}) THEN 'yes' ELSE 'no' END",
                levels.join(", ")
            )
        }
        ReportGrouping::Kind => "CASE WHEN (p.kinds & 1) <> 0 THEN 'job' WHEN (p.kinds & 4) <> 0 THEN 'bbl' \
             WHEN (p.kinds & 2) <> 0 THEN 'internship' WHEN (p.kinds & 8) <> 0 THEN 'side_job' ELSE 'unknown' END"
            .to_owned(),
        ReportGrouping::Region => "COALESCE(p.place_name, 'unknown')".to_owned(),
        // `pr` is the youth's cell of the province grid (see `population`).
        ReportGrouping::Province => {
            "CASE WHEN p.latitude IS NULL THEN 'unknown' ELSE COALESCE(pr.province, 'abroad') END"
                .to_owned()
        }
        ReportGrouping::Benefit => format!(
            "CASE WHEN NOT ({shared}) THEN 'not_shared' ELSE COALESCE(s.benefit, 'unknown') END"
        ),
        ReportGrouping::WorkLimitation => format!(
            "CASE WHEN NOT ({shared}) THEN 'not_shared' WHEN s.work_limitation IS NULL THEN 'unknown' \
             WHEN s.work_limitation THEN 'yes' ELSE 'no' END"
        ),
    }
}

/// The grid of `province_cells` (written by `tools/province_grid.py`, with these numbers):
/// cells of 0.01° latitude by 0.015° longitude from 50.70° N, 3.30° E, [`Self::COLS`] to a row,
/// each keyed by row × `COLS` + column; a located youth in no Dutch cell lives abroad.
struct ProvinceGrid;

impl ProvinceGrid {
    const LAT0: f64 = 50.70;
    const LON0: f64 = 3.30;
    const LAT_STEP: f64 = 0.01;
    const LON_STEP: f64 = 0.015;
    const COLS: i64 = 264;

    /// Joins `pr`, the youth's cell, if Dutch. One equality: joining runs of cells by a range
    /// instead cost 70 ms over 100,000 youth, this 40 (measured with EXPLAIN ANALYZE).
    fn join(d: &Dialect) -> String {
        let row = d.floor(&format!(
            "(p.latitude - {}) / {}",
            Self::LAT0,
            Self::LAT_STEP
        ));
        let col = d.floor(&format!(
            "(p.longitude - {}) / {}",
            Self::LON0,
            Self::LON_STEP
        ));
        // East of the last column a cell would wrap into the next row: bounded here.
        let east = Self::LON0 + Self::COLS as f64 * Self::LON_STEP;
        format!(
            "LEFT JOIN province_cells pr ON p.latitude >= {} AND p.longitude >= {} \
             AND p.longitude < {east} AND pr.cell = {row} * {} + {col}",
            Self::LAT0,
            Self::LON0,
            Self::COLS
        )
    }
}

/// The youth a report covers, with their group and whether their profile is complete.
fn population(grouping: ReportGrouping, today: NaiveDate, scope: &Covered, d: &Dialect) -> String {
    let caseload = scope.caseload("WHERE", "p.account_id");
    // Only the sensitive groupings read the sensitive characteristics, and only the province
    // the grid.
    let joined = match grouping {
        ReportGrouping::Benefit | ReportGrouping::WorkLimitation => {
            "LEFT JOIN youth_sensitive s ON s.account_id = p.account_id".to_owned()
        }
        ReportGrouping::Province => ProvinceGrid::join(d),
        _ => String::new(),
    };
    // Every youth, and only a youth, has a profile, made with the account in one transaction
    // at the same time: the profile alone is the population (joining the 100,000 accounts
    // only to read the same time again cost a tenth of a report).
    format!(
        "SELECT p.account_id AS youth_id, p.created_at AS registered_at, {} AS g, \
         CASE WHEN p.birth_date IS NOT NULL AND p.latitude IS NOT NULL AND p.hours_min IS NOT NULL \
         AND p.kinds <> 0 AND p.competence_mask <> 0 THEN 1 ELSE 0 END AS complete \
         FROM youth_profiles p {joined} {caseload}",
        group_expr(grouping, today, scope)
    )
}

/// How a figure's rows are keyed: by the month of the event (as a number: formatting a
/// million times as text cost a second; [`month_name`] names it afterwards), or by the
/// youth's group.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keyed {
    Month,
    Group,
}

/// A group as the report shows it: a month number becomes `YYYY-MM`.
fn month_name(keyed: Keyed, year: i32, k: String) -> String {
    match (keyed, k.parse::<u32>()) {
        (Keyed::Month, Ok(m)) => format!("{year}-{m:02}"),
        _ => k,
    }
}

/// What a row of the report's statement is a figure of.
#[derive(Clone, Copy)]
enum Fig {
    /// Two counts of a group (or of the year): the figure its `a`/`b` are (value, youth), and
    /// the figure its `c`/`d` are.
    Counts(usize, Option<usize>),
    /// Days from registration to the first match (`false`) or placement (`true`): `a` days,
    /// for `b` youth.
    Days(bool),
}

/// A row of the report's statement: up to four numbers of figure `fig`, of a group (or, with
/// `total` = 1, of all groups).
#[derive(QueryableByName)]
struct Summed {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    fig: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    total: i32,
    #[diesel(sql_type = Text)]
    k: String,
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
    #[diesel(sql_type = BigInt)]
    c: i64,
    #[diesel(sql_type = BigInt)]
    d: i64,
}

/// Four numbers as the columns `a`, `b`, `c`, `d` of a row of the statement.
fn as_abcd(numbers: [String; 4]) -> String {
    numbers
        .iter()
        .zip(["a", "b", "c", "d"])
        .map(|(x, name)| format!("{x} AS {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report as one statement: each figure a CTE `t{i}` and its rows, tagged `fig = i`. One
/// statement, so that the population is read once (PostgreSQL materializes a CTE used more
/// than once): reading it per figure cost ≈100 ms a figure over 100,000 youth.
#[derive(Default)]
struct Statement {
    ctes: Vec<String>,
    parts: Vec<String>,
    figs: Vec<Fig>,
}

impl Statement {
    /// Adds a figure read from `cte`; `rows(t)` are its rows over the CTE named `t`.
    fn add(&mut self, fig: Fig, cte: String, rows: impl Fn(&str) -> Vec<String>) {
        let i = self.figs.len();
        let t = format!("t{i}");
        self.ctes.push(format!("{t} AS ({cte})"));
        self.parts.extend(
            rows(&t)
                .into_iter()
                .map(|r| format!("SELECT {i} AS fig, {r}")),
        );
        self.figs.push(fig);
    }

    /// Adds rows of `fig` read from the CTEs already there.
    fn rows(&mut self, fig: Fig, rows: Vec<String>) {
        let i = self.figs.len();
        self.parts
            .extend(rows.into_iter().map(|r| format!("SELECT {i} AS fig, {r}")));
        self.figs.push(fig);
    }

    /// Adds counts summed from `yg` (the one pass): its columns `[a, b, c, d]` summed per
    /// group, and for the year. A youth is in one row of `yg`, so the year's are the sums of
    /// all its rows.
    fn summed_from_yg(&mut self, fig: Fig, columns: [&str; 4]) {
        let sums = as_abcd(columns.map(total_of));
        self.rows(
            fig,
            vec![
                format!("0 AS total, k, {sums} FROM yg GROUP BY k"),
                format!("1, '', {sums} FROM yg"),
            ],
        );
    }

    /// Adds counts summed from `t` (per youth and month): per month, and for the year, where
    /// its rows are summed per youth first (a youth of three months is one youth of the year).
    fn summed(&mut self, t: String, first: usize, second: Option<usize>) {
        // Per group of `t` (columns youth_id, k, a, b): the sums of a and b, and how many
        // youth had any (a > 0) and each (b > 0).
        let sums = as_abcd([
            total_of("a"),
            youth_with("a"),
            total_of("b"),
            youth_with("b"),
        ]);
        self.add(Fig::Counts(first, second), t, |t| {
            vec![
                format!("0 AS total, CAST(k AS TEXT) AS k, {sums} FROM {t} GROUP BY k"),
                format!(
                    "1, '', {sums} FROM (SELECT youth_id, SUM(a) AS a, SUM(b) AS b FROM {t} GROUP BY youth_id) u"
                ),
            ]
        });
    }

    fn sql(&self) -> String {
        format!(
            "WITH {} {}",
            self.ctes.join(", "),
            self.parts.join(" UNION ALL ")
        )
    }
}

/// Reads every figure by group, and the totals, in one statement.
///
/// The heart of it is one pass over the population (`yg`): each youth joined to their swipe
/// tally and to their matches, placements and introductions summed per youth, and counted at
/// once into rows of (group, days to the first match, days to the first placement). Those
/// few thousand rows give every figure and both medians' histograms; the report no longer
/// reads the population once per figure (an age-band report of 100,000 youth took 340–350 ms
/// that way and takes 230–250 ms so, in psql: bench/README session 12). By group every youth is
/// in one group, so the year's figures are the groups' sums. By month, `yg` counts the
/// registrations of each month and its histograms; the events are counted by their own month
/// (summed per youth and month first, so that "how many youth" is a count of rows, and per
/// youth again for the year: a youth active in three months is one youth of the year), and
/// the swipes from the tallies' month columns.
fn read(
    conn: &mut DbConn,
    d: &Dialect,
    pop: &str,
    keyed: Keyed,
    year: i32,
    today: NaiveDate,
    scope: &Covered,
) -> Result<(BTreeMap<String, Figures>, Figures), ApiError> {
    if d.pg {
        // For this transaction only: JIT compiling a report's plans costs more than it saves
        // at this size (≈100 ms a statement, measured), its per-youth groups fit in memory
        // instead of spilling to disk, and it runs in one process: parallel workers only
        // took turns with the other reports and requests for the same cores (an age-band
        // report alone took 0.50 s without them and 0.53–0.62 s with two).
        diesel::sql_query("SET LOCAL jit = off").execute(conn)?;
        diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(conn)?;
        diesel::sql_query("SET LOCAL max_parallel_workers_per_gather = 0").execute(conn)?;
    }
    let y = Year::new(year, today, d);
    let mut st = Statement::default();
    // Fenced (see `Dialect::fence`): the joins below hash the population's four columns, not
    // its profiles' rows.
    st.ctes.push(format!("pop AS ({pop}{})", d.fence()));
    // `e`, per youth: their matches of the year (mn) and those with a message (mc), and the
    // first of all their matches (mf); the same of placements (pn, pf) and those of the year
    // still running 13 weeks after their start (pc); their introductions of the year (i_n, by
    // this organisation's coaches only). One table of events, so one join (a join of 100,000
    // youth each cost ≈25 ms).
    st.ctes.push(format!(
        "e AS (SELECT u.youth_id, SUM(u.mn) AS mn, SUM(u.mc) AS mc, MIN(u.mf) AS mf, \
         SUM(u.pn) AS pn, SUM(u.pc) AS pc, MIN(u.pf) AS pf, SUM(u.i_n) AS i_n FROM (\
         SELECT x.youth_id, CASE WHEN {matched} THEN 1 ELSE 0 END AS mn, \
         CASE WHEN {matched} AND {CONVERSATION} THEN 1 ELSE 0 END AS mc, \
         x.created_at AS mf, 0 AS pn, 0 AS pc, CAST(NULL AS DATE) AS pf, 0 AS i_n FROM matches x {mine} \
         UNION ALL SELECT x.youth_id, 0, 0, CAST(NULL AS TIMESTAMP), CASE WHEN {placed} THEN 1 ELSE 0 END, \
         CASE WHEN {placed} AND {running} THEN 1 ELSE 0 END, x.start_date, 0 FROM placements x {mine} \
         UNION ALL SELECT x.youth_id, 0, 0, CAST(NULL AS TIMESTAMP), 0, 0, CAST(NULL AS DATE), 1 \
         FROM introductions x WHERE {introduced} {here} {also_mine}\
         ) u GROUP BY u.youth_id)",
        matched = y.has("x.created_at"),
        placed = y.placed(),
        running = y.running(),
        introduced = y.has("x.created_at"),
        here = scope.introduced_here("x"),
        // A caseload's events only (in each part: the planner does not push it into them).
        mine = scope.caseload("WHERE", "x.youth_id"),
        also_mine = scope.caseload("AND", "x.youth_id"),
    ));
    let registered = y.has("pop.registered_at");
    // The days from registration to the first match / placement, of youth registered this
    // year (NULL for the others and for youth with none).
    let days = |first: &str| {
        format!(
            "CASE WHEN {registered} THEN {} END",
            d.days(first, "pop.registered_at")
        )
    };
    let (dm, dp) = (days("e.mf"), days("e.pf"));
    // `yg`: the one pass. Its columns: k, dm, dp, and per row the youth registered (r) and
    // complete (rc), active (sa), their likes (sl) and the youth who liked (sly), and of each
    // event of `e` the sum and the youth who had any (matches mn and mn_y, conversations mc,
    // introductions i_n, placements pn, those running at 13 weeks pc).
    match keyed {
        Keyed::Group => {
            // The tallies fenced too: hashed as a youth's two sums instead of 26 columns
            // (the join cost ≈100 ms over 100,000 youth, ≈40 ms so).
            st.ctes.push(format!(
                "yg AS (SELECT CAST(pop.g AS TEXT) AS k, {dm} AS dm, {dp} AS dp, \
                 COUNT(*) FILTER (WHERE {registered}) AS r, \
                 COUNT(*) FILTER (WHERE {registered} AND pop.complete = 1) AS rc, \
                 {sa} AS sa, {sl} AS sl, {sly} AS sly, {events} \
                 FROM pop LEFT JOIN (SELECT t.youth_id, {swiped} AS s, {liked} AS l \
                 FROM swipe_tallies t WHERE t.year = {year} {mine}{fence}) t ON t.youth_id = pop.youth_id \
                 LEFT JOIN e ON e.youth_id = pop.youth_id GROUP BY 1, 2, 3)",
                swiped = tally_sum("t.s"),
                liked = tally_sum("t.l"),
                // A caseload's tallies only: the fence keeps the join's filter out.
                mine = scope.caseload("AND", "t.youth_id"),
                fence = d.fence(),
                sa = youth_with("t.s"),
                sl = total_of("t.l"),
                sly = youth_with("t.l"),
                events = ["mn", "mc", "i_n", "pn", "pc"]
                    .map(|x| {
                        let column = format!("e.{x}");
                        format!("{} AS {x}, {} AS {x}_y", total_of(&column), youth_with(&column))
                    })
                    .join(", "),
            ));
            for (fig, a, b, c, dd) in [
                (Fig::Counts(0, Some(1)), "r", "r", "rc", "rc"),
                (Fig::Counts(2, Some(3)), "sa", "sa", "sl", "sly"),
                (Fig::Counts(4, Some(5)), "mn", "mn_y", "mc", "mc_y"),
                (Fig::Counts(6, None), "i_n", "i_n_y", "0", "0"),
                (Fig::Counts(7, Some(8)), "pn", "pn_y", "pc", "pc_y"),
            ] {
                st.summed_from_yg(fig, [a, b, c, dd]);
            }
        }
        Keyed::Month => {
            // Registrations by their month (a youth registers once: the year's are the
            // months' sums), with the histograms by the month of registration.
            st.ctes.push(format!(
                "yg AS (SELECT CAST({} AS TEXT) AS k, {dm} AS dm, {dp} AS dp, COUNT(*) AS r, \
                 COUNT(*) FILTER (WHERE pop.complete = 1) AS rc \
                 FROM pop LEFT JOIN e ON e.youth_id = pop.youth_id WHERE {registered} GROUP BY 1, 2, 3)",
                d.month("pop.registered_at")
            ));
            st.summed_from_yg(Fig::Counts(0, Some(1)), ["r", "r", "rc", "rc"]);
            events_by_month(&mut st, d, scope, &y);
            swipes_by_month(&mut st, scope.org.is_none(), year);
        }
    }
    for (placement, days) in [(false, "dm"), (true, "dp")] {
        st.rows(
            Fig::Days(placement),
            vec![format!(
                "0 AS total, k, CAST({days} AS BIGINT) AS a, {} AS b, CAST(0 AS BIGINT) AS c, \
                 CAST(0 AS BIGINT) AS d FROM yg WHERE {days} IS NOT NULL GROUP BY k, {days}",
                total_of("r")
            )],
        );
    }
    let mut out: BTreeMap<String, Figures> = BTreeMap::new();
    let mut total = Figures::default();
    for r in diesel::sql_query(st.sql()).load::<Summed>(conn)? {
        let Some(fig) = usize::try_from(r.fig).ok().and_then(|i| st.figs.get(i)) else {
            continue;
        };
        match *fig {
            Fig::Counts(first, second) => {
                let f = if r.total == 1 {
                    &mut total
                } else {
                    out.entry(month_name(keyed, year, r.k)).or_default()
                };
                f.counts[first] = count(r.a, r.b);
                if let Some(second) = second {
                    f.counts[second] = count(r.c, r.d);
                }
            }
            Fig::Days(placement) => {
                let youth = r.b.max(0) as u64;
                // Each youth registered once: the year's histogram is the sum of the groups'.
                for f in [
                    out.entry(month_name(keyed, year, r.k)).or_default(),
                    &mut total,
                ] {
                    let hist = if placement {
                        &mut f.to_placement
                    } else {
                        &mut f.to_match
                    };
                    *hist.entry(r.a).or_default() += youth;
                }
            }
        }
    }
    // A group the year has nothing of is not found (the pass counts every youth of the
    // population, including those the year saw nothing of): a free-text place would otherwise
    // be listed with zeros, telling that someone of the caseload lives there.
    out.retain(|_, f| {
        f.counts.iter().any(|c| c.value > 0 || c.youth > 0)
            || !f.to_match.is_empty()
            || !f.to_placement.is_empty()
    });
    Ok((out, total))
}

/// Matches (and conversations), introductions and placements (and those running at 13
/// weeks) by the month of the event, each summed per youth and month first.
fn events_by_month(st: &mut Statement, d: &Dialect, scope: &Covered, y: &Year) {
    // Everyone's events need nothing of the population: every match, introduction and
    // placement is a youth's, and the month is the event's own (joining 100,000 youth to
    // each table cost ≈100 ms a figure).
    let join = |alias: &str| {
        if scope.org.is_none() {
            String::new()
        } else {
            format!("JOIN pop ON pop.youth_id = {alias}.youth_id")
        }
    };
    st.summed(
        format!(
            "SELECT x.youth_id, {} AS k, COUNT(*) AS a, \
             SUM(CASE WHEN {CONVERSATION} THEN 1 ELSE 0 END) AS b \
             FROM matches x {} WHERE {} GROUP BY 1, 2",
            d.month("x.created_at"),
            join("x"),
            y.has("x.created_at"),
        ),
        4,
        Some(5),
    );
    st.summed(
        format!(
            "SELECT x.youth_id, {} AS k, COUNT(*) AS a, 0 AS b FROM introductions x {} \
             WHERE {} {} GROUP BY 1, 2",
            d.month("x.created_at"),
            join("x"),
            y.has("x.created_at"),
            scope.introduced_here("x"),
        ),
        6,
        None,
    );
    st.summed(
        format!(
            "SELECT x.youth_id, {} AS k, COUNT(*) AS a, \
             SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS b FROM placements x {} WHERE {} GROUP BY 1, 2",
            d.month("x.start_date"),
            y.running(),
            join("x"),
            y.placed(),
        ),
        7,
        Some(8),
    );
}

/// `{column}1 + … + {column}12`: a tally's swipes (`s`) or likes (`l`) of the year.
fn tally_sum(column: &str) -> String {
    let months: Vec<String> = (1..=12).map(|m| format!("{column}{m}")).collect();
    format!("({})", months.join(" + "))
}

/// Youth active and their likes by month, from the swipe tallies (one row per youth and
/// year): a youth was active in March when their March count is above zero, and in the year
/// when any is.
fn swipes_by_month(st: &mut Statement, everyone: bool, year: i32) {
    let (swiped, liked) = (tally_sum("s"), tally_sum("l"));
    // Everyone's tallies need no join (every tally is a youth's); a caseload's go through it.
    let caseload = if everyone {
        ""
    } else {
        "JOIN pop ON pop.youth_id = t.youth_id"
    };
    // Every month's figures in one pass over the tallies (a column each: `a3` is March's
    // active youth, `c3` its likes, `d3` the youth who liked; month 0 is the year), then a
    // row per month read from that one row (scanning the tallies once per month cost
    // ≈20 ms a month).
    let sums = |m: usize, s: &str, l: &str| {
        format!(
            "COUNT(*) FILTER (WHERE {s} > 0) AS a{m}, CAST(COALESCE(SUM({l}), 0) AS BIGINT) AS c{m}, \
             COUNT(*) FILTER (WHERE {l} > 0) AS d{m}"
        )
    };
    let columns: Vec<String> = (1..=12)
        .map(|m| sums(m, &format!("s{m}"), &format!("l{m}")))
        .chain([sums(0, &swiped, &liked)])
        .collect();
    st.add(
        // Active youth are a count of youth: their value and their youth are the same.
        Fig::Counts(2, Some(3)),
        format!(
            "SELECT {} FROM swipe_tallies t {caseload} WHERE t.year = {year}",
            columns.join(", ")
        ),
        |t| {
            // A month without swipes is no group of its own.
            (1..=12)
                .map(|m| format!("0 AS total, '{m}' AS k, a{m} AS a, a{m} AS b, c{m} AS c, d{m} AS d FROM {t} WHERE a{m} > 0"))
                .chain([format!("1, '', a0, a0, c0, d0 FROM {t}")])
                .collect()
        },
    );
}

/// The groups a report always lists (with zeros), besides those found.
fn known_groups(grouping: ReportGrouping, year: i32, today: NaiveDate) -> Vec<String> {
    match grouping {
        ReportGrouping::Month => {
            let last = if year == today.year() {
                today.month()
            } else {
                12
            };
            (1..=last).map(|m| format!("{year}-{m:02}")).collect()
        }
        ReportGrouping::AgeBand => ["15-17", "18-20", "21-23", "24-27", "unknown"]
            .map(str::to_owned)
            .to_vec(),
        ReportGrouping::StartQualification => ["yes", "no", "unknown"].map(str::to_owned).to_vec(),
        ReportGrouping::Kind => ["job", "bbl", "internship", "side_job", "unknown"]
            .map(str::to_owned)
            .to_vec(),
        ReportGrouping::Region => Vec::new(),
        ReportGrouping::Province => PROVINCES
            .iter()
            .copied()
            .chain(["abroad", "unknown"])
            .map(str::to_owned)
            .collect(),
        ReportGrouping::Benefit => crate::youth::model::Benefit::ALL
            .iter()
            .map(|b| b.as_str().to_owned())
            .chain(["unknown", "not_shared"].map(str::to_owned))
            .collect(),
        ReportGrouping::WorkLimitation => ["yes", "no", "unknown", "not_shared"]
            .map(str::to_owned)
            .to_vec(),
    }
}

/// The twelve provinces, by the names `province_cells` holds.
const PROVINCES: [&str; 12] = [
    "Drenthe",
    "Flevoland",
    "Fryslân",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
];

/// Builds the suppressed table from the figures per group and the total's.
fn table(groups: Vec<(String, Figures)>, total: Figures) -> (Vec<ReportRow>, ReportRow) {
    let mut hidden = vec![[false; COUNTS]; groups.len()];
    let mut total_hidden = [false; COUNTS];
    for col in 0..COUNTS {
        let cells: Vec<Count> = groups.iter().map(|(_, f)| f.counts[col]).collect();
        let (h, t) = suppress_column(&cells, total.counts[col]);
        for (row, flag) in h.into_iter().enumerate() {
            hidden[row][col] = flag;
        }
        total_hidden[col] = t;
    }
    let row = |group: String, f: &Figures, h: &[bool; COUNTS]| {
        let c = &f.counts;
        ReportRow {
            group,
            registrations: cell(c[0].value, h[0]),
            profiles_complete: cell(c[1].value, h[1]),
            active_youth: cell(c[2].value, h[2]),
            likes: cell(c[3].value, h[3]),
            matches: cell(c[4].value, h[4]),
            conversations: cell(c[5].value, h[5]),
            introductions: cell(c[6].value, h[6]),
            placements_started: cell(c[7].value, h[7]),
            placements_running_13_weeks: cell(c[8].value, h[8]),
            median_days_to_first_match: median(&f.to_match),
            median_days_to_placement: median(&f.to_placement),
        }
    };
    let rows = groups
        .iter()
        .zip(&hidden)
        .map(|((g, f), h)| row(g.clone(), f, h))
        .collect();
    (rows, row("total".to_owned(), &total, &total_hidden))
}

/// What a report of everyone depends on: two admins asking for the same one at the same
/// moment share its computation (see [`crate::outcomes::gather`]).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EveryoneKey {
    year: i32,
    grouping: ReportGrouping,
    /// The age bands and the 13 weeks are counted from it.
    today: NaiveDate,
}

/// The report of the caller's caseload (a coach or coordinator of an intermediary) or of
/// everyone (an admin).
pub async fn outcomes(
    state: &AppState,
    user: Principal,
    query: ReportQuery,
) -> Result<Arc<OutcomeReport>, ApiError> {
    let today = state.clock.now_naive().date();
    let year = query.year.unwrap_or(today.year());
    // A year still to come is a report of zeros, not an error.
    if !(2016..=2100).contains(&year) {
        return Err(ApiError::new(
            ProblemCode::InvalidQuery,
            "year is from 2016 (when output was first tracked) to 2100.",
        ));
    }
    let grouping = query.group_by.unwrap_or(ReportGrouping::Month);
    let sensitive = matches!(
        grouping,
        ReportGrouping::Benefit | ReportGrouping::WorkLimitation
    );
    user.require(&[Role::Intermediary, Role::Admin])?;
    if user.role == Role::Admin {
        // Nobody's organisation: the sensitive groupings are refused as for any other kind.
        if sensitive {
            crate::access::sensitive_selection(None)?;
        }
        let key = EveryoneKey {
            year,
            grouping,
            today,
        };
        let db = state.db.clone();
        return state
            .everyone_reports
            .run(key, move || async move {
                db.run(move |conn| report(conn, grouping, year, today, None))
                    .await
                    .map(Arc::new)
            })
            .await;
    }
    state
        .db
        .run(move |conn| {
            let coach = crate::access::coach_membership(conn, &user)?;
            if sensitive {
                crate::access::sensitive_selection(Some(coach.kind))?;
            }
            report(conn, grouping, year, today, Some(coach.organisation))
        })
        .await
        .map(Arc::new)
}

/// The report of `org`'s caseload, or of everyone; who may read it is decided before.
fn report(
    conn: &mut DbConn,
    grouping: ReportGrouping,
    year: i32,
    today: NaiveDate,
    org: Option<OrganisationId>,
) -> Result<OutcomeReport, ApiError> {
    let scope = Covered {
        org: org
            .as_ref()
            .map(|o| uuid::Uuid::parse_str(o.as_str()).map(|u| u.to_string()))
            .transpose()
            .map_err(|_| ApiError::internal("organisation id is not a UUID"))?,
    };
    let d = Dialect {
        pg: crate::db::is_postgres(conn),
    };
    let pop = population(grouping, today, &scope, &d);
    let keyed = if grouping == ReportGrouping::Month {
        Keyed::Month
    } else {
        Keyed::Group
    };
    // One transaction: every figure from the same snapshot, so they agree.
    // (A temporary table of the population, written once, was tried: a caseload's
    // report went from ≈45 to ≈30 ms, everyone's from ≈1.7 to ≈2 s; not kept.)
    let (mut by_group, total) =
        conn.transaction(|conn| read(conn, &d, &pop, keyed, year, today, &scope))?;
    let names: BTreeSet<String> = known_groups(grouping, year, today)
        .into_iter()
        .chain(by_group.keys().cloned())
        .collect();
    let mut ordered: Vec<String> = known_groups(grouping, year, today);
    let found: Vec<String> = names.into_iter().filter(|n| !ordered.contains(n)).collect();
    ordered.extend(found);
    let groups = ordered
        .into_iter()
        .map(|g| {
            let f = by_group.remove(&g).unwrap_or_default();
            (g, f)
        })
        .collect();
    let (rows, total) = table(groups, total);
    Ok(OutcomeReport {
        year,
        group_by: grouping,
        organisation_id: org,
        min_cell: MIN_CELL as u32,
        rows,
        total,
    })
}

/// The report as CSV for a spreadsheet: UTF-8, a header row, one row per group and the total;
/// a suppressed figure is `x`, a median of nobody is empty.
pub fn to_csv(report: &OutcomeReport) -> String {
    let header = "group,registrations,profiles_complete,active_youth,likes,matches,conversations,\
                  introductions,placements_started,placements_running_13_weeks,\
                  median_days_to_first_match,median_days_to_placement";
    let mut out = String::from(header);
    out.push_str("\r\n");
    for r in report.rows.iter().chain(std::iter::once(&report.total)) {
        let cells = [
            r.registrations,
            r.profiles_complete,
            r.active_youth,
            r.likes,
            r.matches,
            r.conversations,
            r.introductions,
            r.placements_started,
            r.placements_running_13_weeks,
            r.median_days_to_first_match,
            r.median_days_to_placement,
        ];
        let mut line = csv_field(&r.group);
        for c in cells {
            line.push(',');
            match (c.suppressed, c.value) {
                (true, _) => line.push('x'),
                (false, Some(v)) => line.push_str(&v.to_string()),
                (false, None) => {}
            }
        }
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out
}

/// A CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is prefixed with `'`
/// so a spreadsheet never runs a place name as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The province grid's migration, as `tools/province_grid.py` writes it into each dialect.
    fn grid(dialect: &str) -> String {
        let path = format!(
            "{}/migrations/{dialect}/2026-12-04-000012_province_grid/up.sql",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn both_dialects_hold_the_same_province_grid_of_the_twelve_provinces() {
        // A hand edit to one dialect's copy would split them.
        let sql = grid("sqlite");
        assert_eq!(grid("postgres"), sql);
        // Every name the grid holds is one a report lists (else it would be a group of its
        // own), and every province has cells.
        let names: BTreeSet<&str> = sql
            .lines()
            .filter_map(|l| l.strip_suffix("'),").or_else(|| l.strip_suffix("');")))
            .filter_map(|l| l.rsplit_once(", '").map(|(_, name)| name))
            .collect();
        assert_eq!(names, PROVINCES.into_iter().collect::<BTreeSet<_>>());
    }

    fn c(v: u64) -> Count {
        Count { value: v, youth: v }
    }

    #[test]
    fn a_small_cell_cannot_be_recovered_from_the_total() {
        // Four groups of 40, 25, 3 and 30 youth: 3 is suppressed. Were nothing else, the total
        // (98) minus the shown 40 + 25 + 30 would give it back; so the next smallest (25)
        // goes too, and the difference is 28: two groups, neither known.
        let cells = [c(40), c(25), c(3), c(30)];
        let (hidden, total_hidden) = suppress_column(&cells, c(98));
        assert_eq!(hidden, vec![false, true, true, false]);
        assert!(!total_hidden);
        // What an analyst can compute from what is shown: never a single small group.
        let shown: u64 = cells
            .iter()
            .zip(&hidden)
            .filter(|(_, h)| !**h)
            .map(|(c, _)| c.value)
            .sum();
        let rest = 98 - shown;
        assert!(
            rest >= MIN_CELL,
            "the hidden ones together cover {rest} youth"
        );
    }

    #[test]
    fn two_small_cells_that_together_stay_small_take_a_third() {
        let (hidden, _) = suppress_column(&[c(2), c(3), c(50), c(12)], c(67));
        assert_eq!(hidden, vec![true, true, false, true]);
    }

    #[test]
    fn a_small_total_is_suppressed_with_its_cells_and_zeros_stay() {
        let (hidden, total) = suppress_column(&[c(0), c(4), c(3)], c(7));
        assert_eq!(hidden, vec![false, true, true]);
        assert!(total);
        let (hidden, total) = suppress_column(&[c(0), c(12), c(30)], c(42));
        assert_eq!(hidden, vec![false, false, false]);
        assert!(!total);
    }

    #[test]
    fn when_nothing_else_can_hide_it_the_total_goes() {
        // One small group next to zeros: nothing can be suppressed with it but the total.
        let (hidden, total) = suppress_column(&[c(4), c(0)], c(14));
        assert_eq!(hidden, vec![true, false]);
        assert!(total);
    }

    #[test]
    fn medians_of_few_youth_are_suppressed() {
        let few: BTreeMap<i64, u64> = [(3, 2), (9, 3)].into_iter().collect();
        assert!(median(&few).suppressed);
        let many: BTreeMap<i64, u64> = [(3, 5), (9, 5), (20, 1)].into_iter().collect();
        assert_eq!(median(&many).value, Some(9));
        assert_eq!(median(&BTreeMap::new()).value, None);
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("Den Haag"), "Den Haag");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
