//! `werkmatch seed-demo`: a realistic, reproducible data set for demos and benchmarks.
//!
//! Youth and vacancies are spread over Dutch places by population, with competence sets
//! drawn from the occupations, a mix of kinds and hours, and organisations of very different
//! sizes (a few large employers, many small ones). Everything derives from the seed, ids
//! included, so a second run with the same seed inserts nothing new (`ON CONFLICT DO
//! NOTHING`). Rows go in batches; every demo account shares one password hash, because
//! hashing 100,000 passwords with argon2 would take most of an hour.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::model::{Language, MemberRole, Role};
use crate::competences::{catalogue, generator, occupations::OCCUPATIONS};
use crate::db::DbConn;
use crate::db::ids::{AccountId, ConsentId, OrganisationId, VacancyId};
use crate::db::schema::{accounts, organisation_members, organisations, vacancies, youth_profiles};
use crate::work::{EducationLevel, WorkKind};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "werkmatch-demo";

/// Places with their population in thousands (CBS, rounded): the weights of the spread.
const PLACES: &[(&str, f64, f64, u32)] = &[
    ("Amsterdam", 52.3676, 4.9041, 930),
    ("Rotterdam", 51.9244, 4.4777, 660),
    ("Den Haag", 52.0705, 4.3007, 560),
    ("Utrecht", 52.0907, 5.1214, 370),
    ("Eindhoven", 51.4416, 5.4697, 240),
    ("Groningen", 53.2194, 6.5665, 240),
    ("Tilburg", 51.5555, 5.0913, 225),
    ("Almere", 52.3508, 5.2647, 220),
    ("Breda", 51.5719, 4.7683, 185),
    ("Nijmegen", 51.8126, 5.8372, 180),
    ("Apeldoorn", 52.2112, 5.9699, 165),
    ("Arnhem", 51.9851, 5.8987, 165),
    ("Haarlem", 52.3874, 4.6462, 165),
    ("Enschede", 52.2215, 6.8937, 160),
    ("Amersfoort", 52.1561, 5.3878, 160),
    ("Zaandam", 52.4391, 4.8275, 160),
    ("'s-Hertogenbosch", 51.6978, 5.3037, 160),
    ("Zwolle", 52.5168, 6.0830, 130),
    ("Leiden", 52.1601, 4.4970, 125),
    ("Maastricht", 50.8514, 5.6910, 120),
    ("Dordrecht", 51.8133, 4.6901, 120),
    ("Zoetermeer", 52.0575, 4.4931, 125),
    ("Ede", 52.0402, 5.6649, 120),
    ("Leeuwarden", 53.2012, 5.7999, 125),
    ("Alkmaar", 52.6324, 4.7534, 110),
    ("Delft", 52.0116, 4.3571, 105),
    ("Venlo", 51.3704, 6.1724, 100),
    ("Deventer", 52.2661, 6.1552, 100),
    ("Helmond", 51.4817, 5.6611, 93),
    ("Heerlen", 50.8882, 5.9795, 87),
    ("Hilversum", 52.2292, 5.1669, 92),
    ("Oss", 51.7650, 5.5180, 93),
    ("Roosendaal", 51.5308, 4.4653, 77),
    ("Emmen", 52.7792, 6.8994, 107),
    ("Lelystad", 52.5185, 5.4714, 80),
    ("Middelburg", 51.4988, 3.6136, 49),
    ("Assen", 52.9925, 6.5649, 69),
    ("Sittard", 51.0009, 5.8697, 92),
    ("Gouda", 52.0115, 4.7105, 74),
    ("Den Helder", 52.9563, 4.7600, 56),
];

const FIRST_NAMES: &[&str] = &[
    "Sanne", "Jamal", "Lotte", "Mohamed", "Emma", "Noah", "Fleur", "Daan", "Aisha", "Luuk", "Yara",
    "Sem", "Fatima", "Milan", "Zoë", "Bilal", "Julia", "Thijs", "Nora", "Ilias", "Sophie", "Kevin",
    "Amira", "Jesse",
];
const LAST_NAMES: &[&str] = &[
    "de Vries",
    "Jansen",
    "El Amrani",
    "Bakker",
    "Yilmaz",
    "Visser",
    "Smit",
    "Öztürk",
    "de Jong",
    "Mulder",
    "Bos",
    "Kaya",
];
const INTERESTS: &[&str] = &[
    "voetbal",
    "gamen",
    "koken",
    "muziek maken",
    "tekenen",
    "fitness",
    "dansen",
    "brommers",
    "dieren",
    "fotografie",
    "kickboksen",
    "TikTok-video's",
];
const COMPANY_WORDS: &[&str] = &[
    "Bakkerij",
    "Bouwbedrijf",
    "Zorggroep",
    "Logistiek",
    "Installatie",
    "Horeca",
    "Supermarkt",
    "Techniek",
    "Schoonmaak",
    "Hoveniers",
    "Transport",
    "Kinderopvang",
];

/// How many rows and which seed.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub youth: usize,
    pub vacancies: usize,
    pub seed: u64,
}

/// What a run inserted (rows that existed already are not counted) and a login to try.
#[derive(Debug)]
pub struct Report {
    pub youth: usize,
    pub organisations: usize,
    pub vacancies: usize,
    pub youth_login: String,
    pub employer_login: String,
    pub coach_login: String,
}

/// A UUIDv7 that depends only on the seed, the kind of row and its number, with its time
/// part in creation order (so "newest first" lists keep working on demo data).
fn id(seed: u64, kind: u8, n: usize, base_ms: u64) -> String {
    let mut rng = StdRng::seed_from_u64(
        seed ^ (u64::from(kind) << 56) ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    let random: [u8; 10] = rng.random();
    uuid::Builder::from_unix_timestamp_millis(base_ms + n as u64, &random)
        .into_uuid()
        .to_string()
}

fn weighted<'a, T>(rng: &mut StdRng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut pick = rng.random_range(0..total.max(1));
    for item in items {
        let w = weight(item);
        if pick < w {
            return item;
        }
        pick -= w;
    }
    &items[0]
}

fn place(rng: &mut StdRng) -> (&'static str, f64, f64) {
    let (name, lat, lon, _) = *weighted(rng, PLACES, |p| p.3);
    // Spread over the place and its surroundings (about ±6 km).
    (
        name,
        lat + rng.random_range(-0.055..0.055),
        lon + rng.random_range(-0.09..0.09),
    )
}

fn kind(rng: &mut StdRng) -> WorkKind {
    weighted(
        rng,
        &[
            (WorkKind::Job, 40),
            (WorkKind::SideJob, 30),
            (WorkKind::Bbl, 15),
            (WorkKind::Internship, 15),
        ],
        |k| k.1,
    )
    .0
}

fn hours_for(rng: &mut StdRng, kind: WorkKind) -> (i32, i32) {
    let (lo, hi) = match kind {
        WorkKind::SideJob => (4, 16),
        WorkKind::Job => (24, 40),
        WorkKind::Bbl => (24, 32),
        WorkKind::Internship => (16, 40),
    };
    let a = rng.random_range(lo..=hi);
    (a, rng.random_range(a..=hi))
}

/// Inserts in batches small enough for both backends' parameter limits.
const BATCH: usize = 500;

macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let mut inserted = 0usize;
        for chunk in $rows.chunks(BATCH) {
            inserted += match $conn {
                DbConn::Pg(c) => diesel::insert_into($table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .execute(c)?,
                // SQLite spells the same thing INSERT OR IGNORE for batches.
                DbConn::Sqlite(c) => diesel::insert_or_ignore_into($table)
                    .values(chunk)
                    .execute(c)?,
            };
        }
        inserted
    }};
}

#[derive(Insertable)]
#[diesel(table_name = accounts)]
struct NewAccount {
    id: AccountId,
    email: String,
    password_hash: String,
    role: String,
    language: String,
    display_name: String,
    email_verified_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Seeds the database. `progress(stage, done, total)` is called as batches complete.
pub fn seed(
    conn: &mut DbConn,
    opts: Options,
    password_hash: &str,
    now: NaiveDateTime,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> QueryResult<Report> {
    let base_ms = 1_767_225_600_000u64 + opts.seed % 1000 * 10_000_000; // 2026-01-01, shifted per seed
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let account = |id: String, email: String, role: Role, name: &str, lang: Language| NewAccount {
        id: AccountId::parse(&id).unwrap_or_else(AccountId::generate),
        email,
        password_hash: password_hash.to_owned(),
        role: role.as_str().to_owned(),
        language: lang.as_str().to_owned(),
        display_name: name.to_owned(),
        email_verified_at: Some(now),
        created_at: now,
        updated_at: now,
    };

    // Organisations, each with one owner; a few large, many small (weights 1/rank).
    let org_count = (opts.vacancies / 8).max(1);
    let mut orgs = Vec::with_capacity(org_count);
    let mut owners = Vec::with_capacity(org_count);
    let mut owner_accounts = Vec::with_capacity(org_count);
    let mut members = Vec::with_capacity(org_count);
    for k in 0..org_count {
        let (city, lat, lon) = place(&mut rng);
        let org_id = OrganisationId::parse(&id(opts.seed, 2, k, base_ms))
            .unwrap_or_else(OrganisationId::generate);
        let owner = account(
            id(opts.seed, 3, k, base_ms),
            format!("employer{k}.s{}@demo.werkmatch.nl", opts.seed),
            Role::Employer,
            "Demo Werkgever",
            Language::Nl,
        );
        let name = format!(
            "{} {} {}",
            COMPANY_WORDS[rng.random_range(0..COMPANY_WORDS.len())],
            LAST_NAMES[rng.random_range(0..LAST_NAMES.len())],
            city
        );
        members.push((
            organisation_members::organisation_id.eq(org_id.clone()),
            organisation_members::account_id.eq(owner.id.clone()),
            organisation_members::role.eq(MemberRole::Owner.as_str()),
            organisation_members::created_at.eq(now),
        ));
        orgs.push((
            organisations::id.eq(org_id.clone()),
            organisations::name.eq(name),
            organisations::kvk_number.eq(Some(format!("{:08}", 10_000_000 + k))),
            organisations::city.eq(city),
            organisations::created_at.eq(now),
            organisations::updated_at.eq(now),
        ));
        owners.push((org_id, lat, lon, city));
        owner_accounts.push(owner);
    }
    insert_all!(conn, accounts::table, owner_accounts.as_slice());
    let organisations = insert_all!(conn, organisations::table, orgs.as_slice());
    insert_all!(conn, organisation_members::table, members.as_slice());
    progress("organisations", org_count, org_count);

    // Youth: accounts and profiles.
    let mut youth_inserted = 0;
    let today = now.date();
    for start in (0..opts.youth).step_by(BATCH) {
        let end = (start + BATCH).min(opts.youth);
        let mut accs = Vec::with_capacity(end - start);
        let mut profiles = Vec::with_capacity(end - start);
        for i in start..end {
            let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
            let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            let lang = if rng.random_bool(0.9) {
                Language::Nl
            } else {
                Language::En
            };
            let acc = account(
                id(opts.seed, 1, i, base_ms),
                format!("youth{i}.s{}@demo.werkmatch.nl", opts.seed),
                Role::Youth,
                first,
                lang,
            );
            let (city, lat, lon) = place(&mut rng);
            let age = rng.random_range(16..=27);
            let birth = NaiveDate::from_ymd_opt(
                today.year() - age,
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            )
            .unwrap_or(today);
            let education = *weighted(
                &mut rng,
                &[
                    (EducationLevel::None, 10),
                    (EducationLevel::Vmbo, 25),
                    (EducationLevel::Mbo1, 10),
                    (EducationLevel::Mbo2, 20),
                    (EducationLevel::Mbo3, 12),
                    (EducationLevel::Mbo4, 10),
                    (EducationLevel::Havo, 8),
                    (EducationLevel::Vwo, 5),
                ],
                |e| e.1,
            );
            let mut kinds = vec![kind(&mut rng)];
            if rng.random_bool(0.4) {
                let extra = kind(&mut rng);
                if !kinds.contains(&extra) {
                    kinds.push(extra);
                }
            }
            let (hmin, hmax) = hours_for(&mut rng, kinds[0]);
            // Competences: most from one occupation the youth leans to, a few of their own.
            let occupation = &OCCUPATIONS[rng.random_range(0..OCCUPATIONS.len())];
            let mut picked: Vec<&'static catalogue::Competence> = occupation
                .competences
                .iter()
                .filter_map(|c| catalogue::by_code(c))
                .filter(|_| rng.random_bool(0.75))
                .collect();
            let target = rng.random_range(3..=8);
            while picked.len() < target {
                let c = &catalogue::COMPETENCES[rng.random_range(0..catalogue::COMPETENCES.len())];
                if !picked.iter().any(|p| p.bit == c.bit) {
                    picked.push(c);
                }
            }
            let interests: Vec<String> = (0..rng.random_range(0..3))
                .map(|_| INTERESTS[rng.random_range(0..INTERESTS.len())].to_owned())
                .collect();
            let text = generator::generate(&generator::Input {
                competences: picked.clone(),
                kinds: kinds.clone(),
                hours: Some((hmin as u8, hmax as u8)),
                interests: interests.clone(),
                education: Some(education.0),
                language: lang,
            });
            let codes: Vec<&str> = picked.iter().map(|c| c.code).collect();
            profiles.push((
                youth_profiles::account_id.eq(acc.id.clone()),
                youth_profiles::first_name.eq(first),
                youth_profiles::last_name.eq(Some(last)),
                youth_profiles::birth_date.eq(Some(birth)),
                youth_profiles::place_name.eq(Some(city)),
                youth_profiles::latitude.eq(Some(lat)),
                youth_profiles::longitude.eq(Some(lon)),
                youth_profiles::search_radius_km.eq([10, 15, 25, 25, 40][rng.random_range(0..5)]),
                youth_profiles::education_level.eq(Some(education.0.as_str())),
                youth_profiles::hours_min.eq(Some(hmin)),
                youth_profiles::hours_max.eq(Some(hmax)),
                youth_profiles::kinds.eq(WorkKind::mask(&kinds)),
                (
                    youth_profiles::interests
                        .eq(serde_json::to_string(&interests).unwrap_or_else(|_| "[]".into())),
                    youth_profiles::status.eq(
                        // The first youth is the login printed for newcomers: always active.
                        if i == 0 || rng.random_bool(0.95) {
                            "active"
                        } else {
                            "paused"
                        },
                    ),
                    youth_profiles::competences
                        .eq(serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into())),
                    youth_profiles::competence_mask.eq(catalogue::mask_of(picked.iter().copied())),
                    youth_profiles::generated_text.eq(Some(text)),
                    youth_profiles::generated_at.eq(Some(now)),
                    youth_profiles::created_at.eq(now),
                    youth_profiles::updated_at.eq(now - TimeDelta::days(rng.random_range(0..60))),
                ),
            ));
            accs.push(acc);
        }
        youth_inserted += insert_all!(conn, accounts::table, accs.as_slice());
        insert_all!(conn, youth_profiles::table, profiles.as_slice());
        progress("youth", end, opts.youth);
    }

    // Vacancies, spread over the organisations by size.
    let weights: Vec<u32> = (0..org_count)
        .map(|k| (10_000 / (k + 1)) as u32 + 1)
        .collect();
    let indexed: Vec<(usize, u32)> = weights.iter().copied().enumerate().collect();
    let mut vacancies_inserted = 0;
    for start in (0..opts.vacancies).step_by(BATCH) {
        let end = (start + BATCH).min(opts.vacancies);
        let mut rows = Vec::with_capacity(end - start);
        for n in start..end {
            let (k, _) = *weighted(&mut rng, &indexed, |w| w.1);
            let (org, olat, olon, city) = &owners[k];
            let occupation = &OCCUPATIONS[rng.random_range(0..OCCUPATIONS.len())];
            let picked: Vec<&'static catalogue::Competence> = occupation
                .competences
                .iter()
                .filter_map(|c| catalogue::by_code(c))
                .collect();
            let codes: Vec<&str> = picked.iter().map(|c| c.code).collect();
            let kind = kind(&mut rng);
            let (hmin, hmax) = hours_for(&mut rng, kind);
            let published = now
                - TimeDelta::days(rng.random_range(0..50))
                - TimeDelta::minutes(rng.random_range(0..1440));
            let status = *weighted(
                &mut rng,
                &[
                    ("open", 88),
                    ("draft", 4),
                    ("paused", 4),
                    ("closed", 2),
                    ("filled", 2),
                ],
                |s| s.1,
            );
            let started = status.0 != "draft";
            rows.push((
                (
                    vacancies::id.eq(VacancyId::parse(&id(opts.seed, 4, n, base_ms)).unwrap_or_else(VacancyId::generate)),
                    vacancies::organisation_id.eq(org.clone()),
                    vacancies::title.eq(format!("{} ({})", occupation.nl, match kind { WorkKind::Bbl => "BBL", WorkKind::SideJob => "bijbaan", WorkKind::Internship => "stage", WorkKind::Job => "baan" })),
                    vacancies::description.eq(format!("Bij ons in {city} werk je als {} in een fijn team. Je leert het vak in de praktijk.", occupation.nl.to_lowercase())),
                    vacancies::occupation.eq(occupation.code),
                    vacancies::competences.eq(serde_json::to_string(&codes).unwrap_or_else(|_| "[]".into())),
                    vacancies::competence_mask.eq(catalogue::mask_of(picked.iter().copied())),
                    vacancies::kind.eq(kind.bit()),
                    vacancies::hours_min.eq(hmin),
                    vacancies::hours_max.eq(hmax),
                    vacancies::positions.eq(rng.random_range(1..=3)),
                    vacancies::place_name.eq(*city),
                ),
                (
                    vacancies::latitude.eq(olat + rng.random_range(-0.03..0.03)),
                    vacancies::longitude.eq(olon + rng.random_range(-0.05..0.05)),
                    vacancies::max_distance_km.eq(if rng.random_bool(0.1) { Some(10) } else { None }),
                    vacancies::min_education.eq(if rng.random_bool(0.2) { Some("mbo2") } else { None }),
                    vacancies::valid_days.eq(60),
                    vacancies::status.eq(status.0),
                    vacancies::published_at.eq(started.then_some(published)),
                    vacancies::expires_at.eq(started.then_some(published + TimeDelta::days(60))),
                    vacancies::created_at.eq(published),
                    vacancies::updated_at.eq(published),
                ),
            ));
        }
        vacancies_inserted += insert_all!(conn, vacancies::table, rows.as_slice());
        progress("vacancies", end, opts.vacancies);
    }

    let coach_login = seed_portal(conn, &opts, base_ms, &account, now)?;
    progress("intermediaries", 3, 3);
    let outcomes = seed_outcomes(conn, &opts, base_ms, now)?;
    progress("clients, introductions, placements", outcomes, outcomes);

    Ok(Report {
        youth: youth_inserted,
        organisations,
        vacancies: vacancies_inserted,
        youth_login: format!("youth0.s{}@demo.werkmatch.nl", opts.seed),
        employer_login: format!("employer0.s{}@demo.werkmatch.nl", opts.seed),
        coach_login,
    })
}

/// How many youth each demo coach follows (the caseload benchmark's size).
pub const DEMO_CASELOAD: usize = 300;

/// A municipality, a UWV office and a youth work organisation, each with a coordinator and
/// two coaches; the first coach of each follows up to [`DEMO_CASELOAD`] youth under consent.
/// Returns the first coach's login.
fn seed_portal(
    conn: &mut DbConn,
    opts: &Options,
    base_ms: u64,
    account: &dyn Fn(String, String, Role, &str, Language) -> NewAccount,
    now: NaiveDateTime,
) -> QueryResult<String> {
    use crate::access::{OrganisationKind, Scope, Scopes};
    use crate::db::schema::consents;
    let kinds = [
        (
            OrganisationKind::Municipality,
            "Gemeente Demo, team Werk",
            "gemeente",
        ),
        (OrganisationKind::Uwv, "UWV WerkBedrijf Demo", "uwv"),
        (
            OrganisationKind::YouthWork,
            "Jongerenwerk Demo",
            "jongerenwerk",
        ),
    ];
    let youth: Vec<AccountId> = crate::db::schema::youth_profiles::table
        .select(crate::db::schema::youth_profiles::account_id)
        .order(crate::db::schema::youth_profiles::account_id)
        .limit((DEMO_CASELOAD * kinds.len()) as i64)
        .load(conn)?;
    let mut accs = Vec::new();
    let mut orgs = Vec::new();
    let mut members = Vec::new();
    let mut rows = Vec::new();
    for (i, (kind, name, slug)) in kinds.iter().enumerate() {
        let org = OrganisationId::parse(&id(opts.seed, 20, i, base_ms))
            .unwrap_or_else(OrganisationId::generate);
        orgs.push((
            organisations::id.eq(org.clone()),
            organisations::name.eq(*name),
            organisations::kvk_number.eq(None::<String>),
            organisations::city.eq("Utrecht"),
            organisations::kind.eq(kind.as_str()),
            organisations::created_at.eq(now),
            organisations::updated_at.eq(now),
        ));
        let staff = [
            ("coordinator", MemberRole::Coordinator, "Demo Coördinator"),
            ("coach", MemberRole::Coach, "Demo Coach"),
            ("coach2", MemberRole::Coach, "Demo Collega"),
        ];
        let mut coach_id = None;
        for (j, (who, role, display)) in staff.iter().enumerate() {
            let a = account(
                id(opts.seed, 21, i * 3 + j, base_ms),
                format!("{who}.{slug}.s{}@demo.werkmatch.nl", opts.seed),
                Role::Intermediary,
                display,
                Language::Nl,
            );
            members.push((
                organisation_members::organisation_id.eq(org.clone()),
                organisation_members::account_id.eq(a.id.clone()),
                organisation_members::role.eq(role.as_str()),
                organisation_members::created_at.eq(now),
            ));
            if *role == MemberRole::Coach && coach_id.is_none() {
                coach_id = Some(a.id.clone());
            }
            accs.push(a);
        }
        let scopes: Scopes = Scope::ALL
            .into_iter()
            .filter(|s| *s != Scope::ViewSensitive || kind.may_see_sensitive())
            .collect();
        for (n, y) in youth
            .iter()
            .skip(i * DEMO_CASELOAD)
            .take(DEMO_CASELOAD)
            .enumerate()
        {
            rows.push(crate::caseloads::store::ConsentRow {
                id: ConsentId::parse(&id(opts.seed, 22 + i as u8, n, base_ms))
                    .unwrap_or_else(ConsentId::generate),
                organisation_id: org.clone(),
                coach_id: coach_id.clone(),
                youth_id: Some(y.clone()),
                status: "active".into(),
                scopes: scopes.mask(),
                via: "code".into(),
                secret_hash: None,
                invited_email: None,
                invited_at: now,
                invitation_expires_at: now,
                claimed_at: Some(now),
                given_at: Some(now),
                expires_at: Some(now + chrono::TimeDelta::days(365)),
                ended_at: None,
                reminded_at: None,
                follow_up_on: None,
                updated_at: now,
            });
        }
    }
    insert_all!(conn, accounts::table, accs.as_slice());
    insert_all!(conn, organisations::table, orgs.as_slice());
    insert_all!(conn, organisation_members::table, members.as_slice());
    insert_all!(conn, consents::table, rows.as_slice());
    Ok(format!("coach.gemeente.s{}@demo.werkmatch.nl", opts.seed))
}

/// The municipality's work with employers and its results, so reports show real numbers:
/// its first coach recruits for three employer clients; its caseload registered over the
/// past year, liked vacancies and matched; a tenth was introduced for a client's vacancy and a
/// fifth placed, with the aftercare that is due answered. Returns the rows written.
fn seed_outcomes(
    conn: &mut DbConn,
    opts: &Options,
    base_ms: u64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use crate::db::ids::{ClientId, IntroductionId, MatchId, MessageId, PlacementId};
    use crate::db::schema::{
        client_relations, consents, introductions, matches, messages, placement_follow_ups,
        placements, swipes,
    };
    let mut rng = StdRng::seed_from_u64(opts.seed ^ 0x7c0_0e5);
    let municipality = OrganisationId::parse(&id(opts.seed, 20, 0, base_ms))
        .unwrap_or_else(OrganisationId::generate);
    let coach: Option<AccountId> = organisation_members::table
        .filter(organisation_members::organisation_id.eq(&municipality))
        .filter(organisation_members::role.eq("coach"))
        .select(organisation_members::account_id)
        .order(organisation_members::account_id)
        .first(conn)
        .optional()?;
    let youth: Vec<AccountId> = consents::table
        .filter(consents::organisation_id.eq(&municipality))
        .filter(consents::youth_id.is_not_null())
        .select(consents::youth_id.assume_not_null())
        .order(consents::youth_id)
        .load(conn)?;
    let open: Vec<(VacancyId, OrganisationId)> = vacancies::table
        .filter(vacancies::status.eq("open"))
        .select((vacancies::id, vacancies::organisation_id))
        .order(vacancies::id)
        .limit(300)
        .load(conn)?;
    let (Some(coach), false) = (coach, open.is_empty()) else {
        return Ok(0);
    };
    let mut written = 0;
    // Three employers become clients of the municipality.
    let clients: Vec<OrganisationId> = {
        let mut seen: Vec<OrganisationId> = Vec::new();
        for (_, org) in &open {
            if !seen.contains(org) {
                seen.push(org.clone());
            }
            if seen.len() == 3 {
                break;
            }
        }
        seen
    };
    let relations: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(n, org)| {
            (
                client_relations::id.eq(ClientId::parse(&id(opts.seed, 40, n, base_ms))
                    .unwrap_or_else(ClientId::generate)),
                client_relations::intermediary_id.eq(municipality.clone()),
                client_relations::employer_id.eq(org.clone()),
                client_relations::status.eq("active"),
                client_relations::may_swipe.eq(n != 2),
                client_relations::proposed_by.eq(Some(coach.clone())),
                client_relations::created_at.eq(now - TimeDelta::days(200)),
                client_relations::decided_at.eq(Some(now - TimeDelta::days(199))),
                client_relations::updated_at.eq(now - TimeDelta::days(199)),
            )
        })
        .collect();
    written += insert_all!(conn, client_relations::table, relations.as_slice());
    let client_vacancies: Vec<&VacancyId> = open
        .iter()
        .filter(|(_, org)| clients.contains(org))
        .map(|(v, _)| v)
        .collect();

    let (mut likes, mut matched, mut talk, mut intros, mut placed, mut follow_ups) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for (n, y) in youth.iter().enumerate() {
        // Registered some time in the past year; active a while after.
        let registered = now - TimeDelta::days(rng.random_range(20..330));
        // The account and its profile are made at registration, together.
        diesel::update(accounts::table.find(y))
            .set(accounts::created_at.eq(registered))
            .execute(conn)?;
        diesel::update(youth_profiles::table.find(y))
            .set(youth_profiles::created_at.eq(registered))
            .execute(conn)?;
        for k in 0..4 {
            let (v, org) = &open[(n * 7 + k * 13) % open.len()];
            let at = registered + TimeDelta::days(rng.random_range(1..15));
            let employer_likes = k == 0 && n % 3 == 0;
            likes.push((
                swipes::youth_id.eq(y.clone()),
                swipes::vacancy_id.eq(v.clone()),
                swipes::youth_decision.eq(Some(if k == 3 { "pass" } else { "like" })),
                swipes::youth_decided_at.eq(Some(at)),
                swipes::employer_decision.eq(employer_likes.then_some("like")),
                swipes::employer_decided_at.eq(employer_likes.then_some(at + TimeDelta::days(2))),
                swipes::created_at.eq(at),
            ));
            if employer_likes {
                let m = MatchId::parse(&id(opts.seed, 41, n, base_ms))
                    .unwrap_or_else(MatchId::generate);
                let made = at + TimeDelta::days(2);
                matched.push((
                    matches::id.eq(m.clone()),
                    matches::youth_id.eq(y.clone()),
                    matches::vacancy_id.eq(v.clone()),
                    matches::organisation_id.eq(org.clone()),
                    matches::created_at.eq(made),
                ));
                if n % 2 == 0 {
                    talk.push((
                        messages::id.eq(MessageId::parse(&id(opts.seed, 42, n, base_ms))
                            .unwrap_or_else(MessageId::generate)),
                        messages::match_id.eq(m),
                        messages::sender_id.eq(Some(y.clone())),
                        messages::from_youth.eq(true),
                        messages::body.eq("Hallo! Wanneer kan ik langskomen?"),
                        messages::created_at.eq(made + TimeDelta::hours(3)),
                        messages::sender_role.eq(Some("youth")),
                    ));
                }
            }
        }
        if n % 10 == 0 && !client_vacancies.is_empty() {
            let v = client_vacancies[n / 10 % client_vacancies.len()];
            let at = (registered + TimeDelta::days(rng.random_range(3..30))).min(now);
            let accepted = n % 20 == 0;
            intros.push((
                introductions::id.eq(IntroductionId::parse(&id(opts.seed, 43, n, base_ms))
                    .unwrap_or_else(IntroductionId::generate)),
                introductions::vacancy_id.eq(v.clone()),
                introductions::youth_id.eq(y.clone()),
                introductions::organisation_id.eq(municipality.clone()),
                introductions::coach_id.eq(Some(coach.clone())),
                introductions::note.eq("Betrouwbaar en leergierig; past goed bij jullie team."),
                introductions::status.eq(if accepted { "accepted" } else { "proposed" }),
                introductions::created_at.eq(at),
                introductions::answered_at.eq(accepted.then_some(at + TimeDelta::days(1))),
            ));
        }
        if n % 5 == 0 {
            let start = (registered + TimeDelta::days(rng.random_range(20..90))).date();
            if start > now.date() {
                continue;
            }
            let kind = ["job", "bbl", "internship", "side_job", "back_to_school"][n / 5 % 5];
            let p = PlacementId::parse(&id(opts.seed, 44, n, base_ms))
                .unwrap_or_else(PlacementId::generate);
            let early_end = n % 25 == 0;
            let ended_on = start + TimeDelta::days(30);
            let ended = early_end && ended_on <= now.date();
            placed.push((
                (
                    placements::id.eq(p.clone()),
                    placements::youth_id.eq(y.clone()),
                    placements::kind.eq(kind),
                    placements::organisation_name.eq([
                        "Bakkerij De Korenschoof",
                        "Bouwbedrijf Sterk",
                        "Zorggroep Samen",
                        "Garage Snel",
                        "ROC Midden",
                    ][n % 5]),
                    placements::intermediary_id.eq(Some(municipality.clone())),
                    placements::coach_id.eq(Some(coach.clone())),
                    placements::start_date.eq(start),
                    placements::hours_per_week.eq(Some(rng.random_range(12..=38))),
                    placements::contract.eq(Some(
                        [
                            "fixed_term",
                            "apprenticeship",
                            "fixed_term",
                            "on_call",
                            "fixed_term",
                        ][n / 5 % 5],
                    )),
                    placements::recorded_by.eq(Some(coach.clone())),
                    placements::recorded_as.eq("coach"),
                ),
                (
                    placements::youth_confirmed_at.eq(Some(start.and_time(chrono::NaiveTime::MIN))),
                    placements::coach_confirmed_at.eq(Some(start.and_time(chrono::NaiveTime::MIN))),
                    placements::status.eq(if ended { "ended" } else { "active" }),
                    placements::ended_on.eq(ended.then_some(ended_on)),
                    placements::end_reason.eq(ended.then_some("left")),
                    placements::created_at.eq(start.and_time(chrono::NaiveTime::MIN)),
                    placements::updated_at.eq(start.and_time(chrono::NaiveTime::MIN)),
                ),
            ));
            for week in [2i32, 6, 13] {
                let due = start + TimeDelta::weeks(i64::from(week));
                let answered = due <= now.date() && !(ended && week > 6);
                let progress = if ended && week == 6 {
                    "ended"
                } else if n % 15 == 0 {
                    "at_risk"
                } else {
                    "on_track"
                };
                follow_ups.push((
                    placement_follow_ups::placement_id.eq(p.clone()),
                    placement_follow_ups::week.eq(week),
                    placement_follow_ups::due_on.eq(due),
                    placement_follow_ups::coach_id.eq(Some(coach.clone())),
                    placement_follow_ups::answered_at
                        .eq(answered.then(|| due.and_time(chrono::NaiveTime::MIN))),
                    placement_follow_ups::answered_by.eq(answered.then(|| coach.clone())),
                    placement_follow_ups::progress.eq(answered.then_some(progress)),
                    placement_follow_ups::reason
                        .eq((answered && progress == "ended").then_some("left")),
                ));
            }
        }
    }
    written += insert_all!(conn, swipes::table, likes.as_slice());
    written += insert_all!(conn, matches::table, matched.as_slice());
    written += insert_all!(conn, messages::table, talk.as_slice());
    written += insert_all!(conn, introductions::table, intros.as_slice());
    written += insert_all!(conn, placements::table, placed.as_slice());
    written += insert_all!(conn, placement_follow_ups::table, follow_ups.as_slice());
    Ok(written)
}
