//! Fault tests: the release binary under a steady load while its Redis, PostgreSQL or SMTP
//! server fails, with two instances, and through a SIGTERM. Each prints its figures.
//!
//! They start and stop real processes (and stop the machine's PostgreSQL cluster for a
//! while), so they are not part of `cargo test`; `.ci/run` runs them after the suite:
//!
//! ```text
//! cargo build --release
//! cargo test --release --test faults -- --ignored --test-threads=1 --nocapture
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test here

mod env;
mod load;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;

use env::*;
use load::*;

/// The database as the test reads it afterwards (the truth the server must have kept).
fn db(url: &str) -> werkmatch::db::Db {
    werkmatch::db::Db::connect(url, 2, Duration::from_secs(5)).expect("the test reads the database")
}

/// Every acknowledged write is in the database, once.
async fn check_acked(url: &str, world: &World, acked: &[Acked]) -> (usize, usize) {
    use werkmatch::db::schema::{messages, swipes};
    let db = db(url);
    let mut lost = 0;
    let mut duplicated = 0;
    let ids: Vec<String> = world.youth.iter().map(|y| y.id.clone()).collect();
    let rows: Vec<(String, String, Option<String>)> = db
        .run(|conn| {
            Ok(swipes::table
                .select((swipes::youth_id, swipes::vacancy_id, swipes::youth_decision))
                .load(conn)?)
        })
        .await
        .unwrap();
    let stored: HashMap<(String, String), Option<String>> =
        rows.into_iter().map(|(y, v, d)| ((y, v), d)).collect();
    let texts: Vec<String> = db
        .run(|conn| Ok(messages::table.select(messages::body).load(conn)?))
        .await
        .unwrap();
    let mut counted: HashMap<String, usize> = HashMap::new();
    for t in texts {
        *counted.entry(t).or_default() += 1;
    }
    for a in acked {
        match a {
            Acked::Swipe { youth, vacancy, .. } => {
                if !matches!(
                    stored.get(&(ids[*youth].clone(), vacancy.clone())),
                    Some(Some(_))
                ) {
                    lost += 1;
                }
            }
            Acked::Message { text } => match counted.get(text) {
                None => lost += 1,
                Some(1) => {}
                Some(_) => duplicated += 1,
            },
        }
    }
    (lost, duplicated)
}

/// What every scenario starts from: a folder, a fresh database and a Redis of its own.
struct Stack {
    dir: std::path::PathBuf,
    pg: Postgres,
    redis: Redis,
}

impl Stack {
    fn new(name: &str) -> Stack {
        Stack {
            dir: workdir(),
            pg: Postgres::fresh(name),
            redis: Redis::start(),
        }
    }

    /// The settings that put an instance on this stack.
    fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.pg.url()),
            ("REDIS_URL", self.redis.url()),
            ("CACHE_PREFIX", "f:".into()),
        ]
    }

    fn server(&self, name: &str) -> Server {
        Server::start(&self.dir, name, &self.vars())
    }
}

fn report(title: &str, rows: &[(&str, String)]) {
    println!("\n=== {title}");
    for (k, v) in rows {
        println!("  {k:<28} {v}");
    }
}

#[actix_web::test]
#[ignore = "fault test: starts and kills processes; run by .ci/run"]
async fn redis_killed_for_20_s_and_restarted_empty() {
    let mut stack = Stack::new("redis");
    let server = stack.server("a");
    let base = server.url("");
    let world = world(&base, "redis", 16, 40).await;
    let c = client();
    // A session ended before the outage.
    let before = youth(&c, &base, "redis-before@voorbeeld.nl").await;
    ok_post(
        &c,
        format!("{base}/v1/auth/logout"),
        None,
        Some(json!({"refresh_token": before.refresh})),
    )
    .await;
    let during = youth(&c, &base, "redis-during@voorbeeld.nl").await;

    let load = Load::start(vec![base.clone()], &world, 8);
    tokio::time::sleep(Duration::from_secs(8)).await;
    let t_kill = load.now();
    stack.redis.kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    // During: the session ended before is refused (the database answers), a logout now takes
    // effect at once, and failed logins are still limited.
    let (s_before, _) = call_get(&c, format!("{base}/v1/me"), Some(&before.token)).await;
    ok_post(
        &c,
        format!("{base}/v1/auth/logout"),
        None,
        Some(json!({"refresh_token": during.refresh})),
    )
    .await;
    let (s_during, _) = call_get(&c, format!("{base}/v1/me"), Some(&during.token)).await;
    let mut login_statuses = Vec::new();
    for _ in 0..7 {
        let (s, _) = call_post(
            &c,
            format!("{base}/v1/auth/login"),
            None,
            Some(json!({"email": before.email, "password": "wrong password here"})),
        )
        .await;
        login_statuses.push(s);
    }
    tokio::time::sleep(Duration::from_secs(18)).await;
    let t_back = load.now();
    stack.redis.up();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (s_before_after, _) = call_get(&c, format!("{base}/v1/me"), Some(&before.token)).await;
    let (s_during_after, _) = call_get(&c, format!("{base}/v1/me"), Some(&during.token)).await;
    let (s_limit_after, _) = call_post(
        &c,
        format!("{base}/v1/auth/login"),
        None,
        Some(json!({"email": before.email, "password": "wrong password here"})),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    // Feeds (`f:feed:y:<youth>` with their `:gone` sets), not only sessions and counters.
    let keys_after = stack.redis.keys("f:feed:*");
    let end = load.now();
    let record = load.finish().await;
    let (lost, duplicated) = check_acked(&stack.pg.url(), &world, &record.acked).await;
    let normal = figures(&record.samples, Duration::ZERO, t_kill);
    let outage = figures(&record.samples, t_kill, t_back);
    let after = figures(&record.samples, t_back, end);
    report(
        "Redis killed for 20 s, restarted empty (1 instance, 8 clients)",
        &[
            ("before", normal.to_string()),
            ("Redis down", outage.to_string()),
            ("after restart", after.to_string()),
            (
                "ended session, during/after",
                format!("{s_before} / {s_before_after}"),
            ),
            (
                "logout during, then/after",
                format!("{s_during} / {s_during_after}"),
            ),
            (
                "failed logins during",
                format!("{login_statuses:?}, after: {s_limit_after}"),
            ),
            (
                "acked writes",
                format!(
                    "{}, lost {lost}, duplicated {duplicated}",
                    record.acked.len()
                ),
            ),
            ("feed keys in Redis after", keys_after.to_string()),
        ],
    );
    assert_eq!(count_5xx(&record.samples, Duration::ZERO, end), 0, "no 5xx");
    assert!(
        outage.p50_ms < normal.p50_ms + 5.0,
        "latency during the outage within a few ms of normal"
    );
    assert_eq!((s_before, s_before_after), (401, 401));
    assert_eq!((s_during, s_during_after), (401, 401));
    assert_eq!(&login_statuses[..5], &[401; 5]);
    assert_eq!(
        &login_statuses[5..],
        &[429, 429],
        "login limits hold without Redis"
    );
    assert_eq!(s_limit_after, 429, "and after it");
    assert_eq!((lost, duplicated), (0, 0));
    assert!(
        keys_after >= 8,
        "feeds are cached in Redis again: {keys_after}"
    );
    assert!(!server.panicked());
}

#[actix_web::test]
#[ignore = "fault test: stops the machine's PostgreSQL; run by .ci/run"]
async fn postgres_stopped_for_10_s_and_started_again() {
    let stack = Stack::new("pg");
    let server = stack.server("a");
    let base = server.url("");
    let world = world(&base, "pg", 16, 40).await;
    let c = client();
    let load = Load::start(vec![base.clone()], &world, 8);
    tokio::time::sleep(Duration::from_secs(8)).await;
    let t_stop = load.now();
    Postgres::stop();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let asked = Instant::now();
    let (ready_status, ready) = call_get(&c, format!("{base}/health/ready"), None).await;
    let ready_ms = asked.elapsed().as_secs_f64() * 1000.0;
    let asked = Instant::now();
    let res = c
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": world.youth[0].email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let login_ms = asked.elapsed().as_secs_f64() * 1000.0;
    let login_status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let problem: serde_json::Value = res.json().await.unwrap_or_default();
    tokio::time::sleep(Duration::from_secs(8)).await;
    let t_start = load.now();
    Postgres::start();
    // Recovery: the first moment every kind of request succeeds again.
    let mut recovered = None;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let (s, _) = call_post(
            &c,
            format!("{base}/v1/auth/login"),
            None,
            Some(json!({"email": world.youth[0].email, "password": PASSWORD})),
        )
        .await;
        if s == 200 {
            recovered = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    let (ready_after, _) = call_get(&c, format!("{base}/health/ready"), None).await;
    let end = load.now();
    let record = load.finish().await;
    let (lost, duplicated) = check_acked(&stack.pg.url(), &world, &record.acked).await;
    let outage = figures(&record.samples, t_stop, t_start);
    let outage_500 = record
        .samples
        .iter()
        .filter(|s| s.at >= t_stop && s.at < t_start && s.status >= 500 && s.status != 503)
        .count();
    let late = figures(
        &record.samples,
        t_start + recovered.unwrap_or_default() + Duration::from_secs(2),
        end,
    );
    report(
        "PostgreSQL stopped for 10 s, started again (1 instance, 8 clients)",
        &[
            (
                "before",
                figures(&record.samples, Duration::ZERO, t_stop).to_string(),
            ),
            ("PostgreSQL down", outage.to_string()),
            ("after recovery", late.to_string()),
            (
                "readiness during",
                format!("{ready_status} in {ready_ms:.0} ms: {ready}"),
            ),
            (
                "a login during",
                format!(
                    "{login_status} in {login_ms:.0} ms, Retry-After {retry_after:?}, code {}",
                    problem["code"]
                ),
            ),
            (
                "recovered after start",
                format!("{recovered:?} (no restart of the service)"),
            ),
            ("readiness after", ready_after.to_string()),
            (
                "acked writes",
                format!(
                    "{}, lost {lost}, duplicated {duplicated}",
                    record.acked.len()
                ),
            ),
        ],
    );
    assert_eq!(ready_status, 503);
    assert!(ready_ms < 300.0, "readiness answers at once");
    assert_eq!(login_status, 503);
    assert_eq!(problem["code"], "service_unavailable");
    assert!(retry_after.is_some());
    assert!(login_ms < 2500.0, "no hanging request");
    assert!(
        outage.max_ms < 3000.0,
        "no request hung during the outage: {}",
        outage.max_ms
    );
    assert_eq!(outage_500, 0, "503, never 500, while the database is down");
    assert!(
        recovered.is_some_and(|r| r < Duration::from_secs(10)),
        "recovers by itself"
    );
    assert_eq!(
        count_5xx(
            &record.samples,
            t_start + recovered.unwrap_or_default() + Duration::from_secs(2),
            end
        ),
        0
    );
    assert_eq!(ready_after, 200);
    assert_eq!((lost, duplicated), (0, 0));
    assert!(!server.panicked());
}

/// Outbox ids of every mail queued so far, as the `Message-ID`s the server gives them.
async fn queued_message_ids(url: &str) -> Vec<String> {
    use werkmatch::db::schema::outbox;
    let db = db(url);
    let ids: Vec<String> = db
        .run(|conn| Ok(outbox::table.select(outbox::id).load(conn)?))
        .await
        .unwrap();
    ids.into_iter()
        .map(|id| format!("<{id}@werkmatch.test>"))
        .collect()
}

/// Waits until every queued mail has arrived (or `within` passed); returns the deliveries.
async fn await_deliveries(
    smtp: &Smtp,
    expected: &[String],
    within: Duration,
) -> (HashMap<String, usize>, Duration) {
    let started = Instant::now();
    loop {
        let seen = smtp.deliveries();
        if expected.iter().all(|id| seen.contains_key(id)) || started.elapsed() > within {
            return (seen, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[actix_web::test]
#[ignore = "fault test: starts and kills processes; run by .ci/run"]
async fn smtp_refusing_for_a_while_then_slow_with_two_instances() {
    let stack = Stack::new("smtp");
    let (dir, pg) = (&stack.dir, &stack.pg);
    let mut smtp = Smtp::start(dir, 0.0);
    let smtp_url = smtp.url();
    let common = |lease: &str| -> Vec<(&'static str, String)> {
        let mut vars = stack.vars();
        vars.extend([
            ("SMTP_URL", smtp_url.clone()),
            ("MAIL_FROM", "werkmatch <no-reply@werkmatch.test>".into()),
            ("OUTBOX_LEASE_SECONDS", lease.into()),
        ]);
        vars
    };
    // Part 1: the SMTP server is down while mail is queued; nothing fails, all arrives once.
    let a = Server::start(dir, "a", &common("120"));
    let c = client();
    smtp.kill();
    let mut slowest = Duration::ZERO;
    let mut statuses = Vec::new();
    for i in 0..10 {
        let t0 = Instant::now();
        let (s, _) = call_post(&c, a.url("/v1/auth/register/youth"), None, Some(json!({"email": format!("smtp-down-{i}@voorbeeld.nl"), "password": PASSWORD, "first_name": "Sam"}))).await;
        slowest = slowest.max(t0.elapsed());
        statuses.push(s);
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    smtp.up();
    let expected = queued_message_ids(&pg.url()).await;
    let (seen, took) = await_deliveries(&smtp, &expected, Duration::from_secs(150)).await;
    let twice = seen.values().filter(|n| **n > 1).count();
    report(
        "SMTP refusing for 10 s (1 instance)",
        &[
            (
                "registrations meanwhile",
                format!(
                    "{statuses:?}, slowest {:.0} ms",
                    slowest.as_secs_f64() * 1000.0
                ),
            ),
            ("mails queued", expected.len().to_string()),
            (
                "arrived after restart",
                format!(
                    "{} within {took:?}, {twice} more than once",
                    expected.iter().filter(|id| seen.contains_key(*id)).count()
                ),
            ),
        ],
    );
    assert!(
        statuses.iter().all(|s| *s == 201),
        "no request fails because mail cannot be sent"
    );
    assert!(
        expected.iter().all(|id| seen.get(id) == Some(&1)),
        "every mail exactly once"
    );
    drop(a);

    // Part 2: a slow SMTP server (15 s a message) and two instances whose batches outlast
    // their lease (40 s): every mail still arrives exactly once.
    smtp.kill();
    let mut slow = Smtp::start(dir, 15.0);
    let vars = {
        let mut v = common("40");
        v.retain(|(k, _)| *k != "SMTP_URL");
        v.push(("SMTP_URL", slow.url()));
        v
    };
    let a = Server::start(dir, "a2", &vars);
    let b = Server::start(dir, "b2", &vars);
    let before: std::collections::HashSet<String> =
        queued_message_ids(&pg.url()).await.into_iter().collect();
    let mut slowest = Duration::ZERO;
    for i in 0..12 {
        let server = if i % 2 == 0 { &a } else { &b };
        let t0 = Instant::now();
        ok_post(&c, server.url("/v1/auth/register/youth"), None, Some(json!({"email": format!("smtp-slow-{i}@voorbeeld.nl"), "password": PASSWORD, "first_name": "Sam"}))).await;
        slowest = slowest.max(t0.elapsed());
    }
    let expected: Vec<String> = queued_message_ids(&pg.url())
        .await
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    let (seen, took) = await_deliveries(&slow, &expected, Duration::from_secs(240)).await;
    let arrived = expected.iter().filter(|id| seen.contains_key(*id)).count();
    let twice = expected
        .iter()
        .filter(|id| seen.get(*id).is_some_and(|n| *n > 1))
        .count();
    report(
        "SMTP at 15 s a message, two instances, lease 40 s",
        &[
            (
                "registrations",
                format!("12, slowest {:.0} ms", slowest.as_secs_f64() * 1000.0),
            ),
            ("mails queued", expected.len().to_string()),
            (
                "arrived",
                format!("{arrived} within {took:?}; sent more than once: {twice}"),
            ),
        ],
    );
    assert_eq!(expected.len(), 12);
    assert_eq!(arrived, 12);
    assert_eq!(twice, 0, "no mail sent twice");
    assert!(
        slowest < Duration::from_secs(2),
        "requests do not wait for mail"
    );
    assert!(!a.panicked() && !b.panicked());
    slow.kill();
}

#[actix_web::test]
#[ignore = "fault test: starts processes; run by .ci/run"]
async fn two_instances_on_one_postgres_and_redis() {
    let stack = Stack::new("two");
    let (a, b) = (stack.server("a"), stack.server("b"));
    let (base_a, base_b) = (a.url(""), b.url(""));
    let c = client();
    let world = world(&base_a, "two", 4, 12).await;
    // B learns of A's new vacancies through the change feed (read every 3 s).
    tokio::time::sleep(Duration::from_secs(4)).await;

    // A swipe on A is honoured by the feed on B (whose cached feed holds the card).
    let y = &world.youth[1];
    let feed = ok_get(&c, format!("{base_b}/v1/me/feed?limit=50"), Some(&y.token)).await;
    let top = feed["items"][0]["vacancy_id"].as_str().unwrap().to_owned();
    ok_put(
        &c,
        format!("{base_a}/v1/me/swipes/{top}"),
        Some(&y.token),
        Some(json!({"decision": "pass"})),
    )
    .await;
    let feed = ok_get(&c, format!("{base_b}/v1/me/feed?limit=50"), Some(&y.token)).await;
    let still_shown = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|card| card["vacancy_id"] == top.as_str());

    // A session ended on A is refused on B at once.
    let login = ok_post(
        &c,
        format!("{base_a}/v1/auth/login"),
        None,
        Some(json!({"email": y.email, "password": PASSWORD})),
    )
    .await;
    let token = login["access_token"].as_str().unwrap().to_owned();
    let (on_b, _) = call_get(&c, format!("{base_b}/v1/me"), Some(&token)).await;
    ok_post(
        &c,
        format!("{base_a}/v1/auth/logout"),
        None,
        Some(json!({"refresh_token": login["refresh_token"]})),
    )
    .await;
    let (on_b_after, _) = call_get(&c, format!("{base_b}/v1/me"), Some(&token)).await;

    // A vacancy closed on A is never swiped "open" on B, although B's index lags behind.
    let fresh = youth(&c, &base_b, "two-fresh@voorbeeld.nl").await;
    let mut taken = Vec::new();
    for v in &world.vacancies[2..8] {
        ok_patch(
            &c,
            format!("{base_a}/v1/vacancies/{v}"),
            Some(&world.employer),
            Some(json!({"status": "closed"})),
        )
        .await;
        let (s, _) = call_put(
            &c,
            format!("{base_b}/v1/me/swipes/{v}"),
            Some(&fresh.token),
            Some(json!({"decision": "like"})),
        )
        .await;
        taken.push(s);
    }

    // 200 simultaneous opposite likes, split across the instances: 200 matches, 400 mails.
    use werkmatch::db::schema::{matches, outbox};
    let check = db(&stack.pg.url());
    let mails_before: i64 = check
        .run(|conn| {
            Ok(outbox::table
                .filter(outbox::kind.eq("match_made"))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap();
    let matches_before: i64 = check
        .run(|conn| Ok(matches::table.count().get_result(conn)?))
        .await
        .unwrap();
    let mut crowd = Vec::new();
    for i in 0..20 {
        let base = if i % 2 == 0 { &base_a } else { &base_b };
        crowd.push(youth(&c, base, &format!("two-crowd-{i}@voorbeeld.nl")).await);
    }
    let mut targets = Vec::new();
    for n in 0..10 {
        targets.push(vacancy(&c, &base_a, &world.employer, 100 + n).await);
    }
    let mut requests = Vec::new();
    for (n, v) in targets.iter().enumerate() {
        let cids = candidate_ids(&c, &base_a, &world.employer, v).await;
        assert!(
            cids.len() >= 20,
            "every youth is a candidate: {}",
            cids.len()
        );
        for (i, y) in crowd.iter().enumerate() {
            let yb = if (i + n) % 2 == 0 { &base_a } else { &base_b };
            requests.push((format!("{yb}/v1/me/swipes/{v}"), y.token.clone()));
        }
        for (j, cid) in cids.iter().enumerate() {
            let eb = if (j + n) % 2 == 0 { &base_b } else { &base_a };
            requests.push((
                format!("{eb}/v1/vacancies/{v}/swipes/{cid}"),
                world.employer.clone(),
            ));
        }
    }
    let statuses = futures_util::future::join_all(requests.iter().map(|(url, token)| {
        let c = c.clone();
        async move {
            call_put(
                &c,
                url.clone(),
                Some(token),
                Some(json!({"decision": "like"})),
            )
            .await
            .0
        }
    }))
    .await;
    // Mail is queued in the same transaction as the match.
    let made: i64 = check
        .run(|conn| Ok(matches::table.count().get_result(conn)?))
        .await
        .unwrap();
    let mails: i64 = check
        .run(|conn| {
            Ok(outbox::table
                .filter(outbox::kind.eq("match_made"))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap();
    report(
        "Two instances on one PostgreSQL and Redis",
        &[
            ("swiped on A, shown on B", still_shown.to_string()),
            (
                "ended on A, on B",
                format!("{on_b} before, {on_b_after} after"),
            ),
            ("likes on B after a close on A", format!("{taken:?}")),
            (
                "simultaneous likes",
                format!(
                    "{} requests, statuses {:?}",
                    statuses.len(),
                    statuses
                        .iter()
                        .fold(std::collections::BTreeMap::new(), |mut m, s| {
                            *m.entry(*s).or_insert(0) += 1;
                            m
                        })
                ),
            ),
            ("matches made", (made - matches_before).to_string()),
            ("match mails queued", (mails - mails_before).to_string()),
        ],
    );
    assert!(!still_shown, "a swipe on A is honoured by the feed on B");
    assert_eq!((on_b, on_b_after), (200, 401));
    assert!(
        taken.iter().all(|s| *s != 200),
        "no like on a closed vacancy: {taken:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every like answered 200"
    );
    assert_eq!(made - matches_before, 200);
    assert_eq!(mails - mails_before, 400);
    assert!(!a.panicked() && !b.panicked());
}

#[actix_web::test]
#[ignore = "fault test: starts and stops processes; run by .ci/run"]
async fn sigterm_under_load_loses_no_acknowledged_write() {
    let stack = Stack::new("term");
    let mut server = stack.server("a");
    let base = server.url("");
    let world = world(&base, "term", 16, 40).await;
    let load = Load::start(vec![base.clone()], &world, 16);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let t_term = load.now();
    let (took, clean) = server.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let record = load.finish().await;
    let (lost, duplicated) = check_acked(&stack.pg.url(), &world, &record.acked).await;
    let unanswered = record
        .samples
        .iter()
        .filter(|s| s.at + Duration::from_millis(200) < t_term && s.status == 0)
        .count();
    report(
        "SIGTERM under load (1 instance, 16 clients)",
        &[
            (
                "before SIGTERM",
                figures(&record.samples, Duration::ZERO, t_term).to_string(),
            ),
            ("stopped after", format!("{took:?}, exit 0: {clean}")),
            ("in flight, unanswered", unanswered.to_string()),
            (
                "acked writes",
                format!(
                    "{}, lost {lost}, duplicated {duplicated}",
                    record.acked.len()
                ),
            ),
        ],
    );
    assert_eq!(unanswered, 0, "requests in flight finish");
    assert!(took < Duration::from_secs(20));
    assert!(clean, "exits 0 after SIGTERM");
    assert_eq!((lost, duplicated), (0, 0));
    assert!(!server.panicked());
}
