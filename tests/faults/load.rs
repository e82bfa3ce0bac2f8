//! A steady load of mixed requests (feeds, swipes, messages, logins) and what came of each,
//! plus the data it runs on, made through the API as the apps make it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";
pub const EINDHOVEN: (f64, f64) = (51.4416, 5.4697);

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(64)
        .build()
        .expect("http client")
}

pub async fn call(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = c.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    match req.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            let body = res.json::<Value>().await.unwrap_or(Value::Null);
            (status, body)
        }
        Err(_) => (0, Value::Null),
    }
}

pub async fn ok(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> Value {
    let (status, answer) = call(c, method.clone(), url.clone(), token, body).await;
    assert!(
        (200..300).contains(&status),
        "{method} {url}: {status} {answer}"
    );
    answer
}

/// `call` and `ok` by method, so a scenario reads as its requests.
pub async fn call_get(c: &reqwest::Client, url: String, token: Option<&str>) -> (u16, Value) {
    call(c, reqwest::Method::GET, url, token, None).await
}

pub async fn call_post(
    c: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    call(c, reqwest::Method::POST, url, token, body).await
}

pub async fn call_put(
    c: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    call(c, reqwest::Method::PUT, url, token, body).await
}

pub async fn ok_get(c: &reqwest::Client, url: String, token: Option<&str>) -> Value {
    ok(c, reqwest::Method::GET, url, token, None).await
}

pub async fn ok_post(
    c: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> Value {
    ok(c, reqwest::Method::POST, url, token, body).await
}

pub async fn ok_put(
    c: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> Value {
    ok(c, reqwest::Method::PUT, url, token, body).await
}

pub async fn ok_patch(
    c: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> Value {
    ok(c, reqwest::Method::PATCH, url, token, body).await
}

pub struct Youth {
    pub id: String,
    pub email: String,
    pub token: String,
    pub refresh: String,
}

pub struct World {
    pub youth: Vec<Youth>,
    pub employer: String,
    pub vacancies: Vec<String>,
    /// Matches with a youth's token that may write in them.
    pub matches: Vec<(String, String)>,
}

pub async fn youth(c: &reqwest::Client, base: &str, email: &str) -> Youth {
    let reg = ok_post(
        c,
        format!("{base}/v1/auth/register/youth"),
        None,
        Some(json!({"email": email, "password": PASSWORD, "first_name": "Sanne"})),
    )
    .await;
    let token = reg["access_token"].as_str().unwrap_or_default().to_owned();
    let refresh = reg["refresh_token"].as_str().unwrap_or_default().to_owned();
    ok_put(c, format!("{base}/v1/me/profile"), Some(&token), Some(json!({ "first_name": "Sanne", "last_name": "Verborgen", "birth_date": "2006-03-14", "place_name": "Eindhoven", "location": {"lat": EINDHOVEN.0, "lon": EINDHOVEN.1}, "education_level": "vmbo", "hours_min": 16, "hours_max": 32, "kinds": ["job"], "pitch": "Ik wil graag aan de slag." })))
    .await;
    ok_put(
        c,
        format!("{base}/v1/me/profile/competences"),
        Some(&token),
        Some(json!({"competences": ["teamwork", "reliability", "customer_focus"]})),
    )
    .await;
    let id = reg["account"]["id"].as_str().unwrap_or_default().to_owned();
    Youth {
        id,
        email: email.to_owned(),
        token,
        refresh,
    }
}

pub async fn employer(c: &reqwest::Client, base: &str, email: &str) -> String {
    let reg = ok_post(c, format!("{base}/v1/auth/register/employer"), None, Some(json!({"email": email, "password": PASSWORD, "contact_name": "Petra Baas", "organisation": {"name": "Bakkerij Zoet", "city": "Eindhoven"}}))).await;
    reg["access_token"].as_str().unwrap_or_default().to_owned()
}

pub async fn vacancy(c: &reqwest::Client, base: &str, token: &str, n: usize) -> String {
    let v = ok_post(c, format!("{base}/v1/vacancies"), Some(token), Some(json!({ "title": format!("Medewerker winkel {n}"), "description": "Je helpt klanten en vult de schappen aan.", "occupation": "shop_assistant", "competences": ["teamwork", "reliability", "customer_focus"], "kind": "job", "hours_min": 20, "hours_max": 24, "place_name": "Eindhoven", "location": {"lat": EINDHOVEN.0 + 0.001 * n as f64, "lon": EINDHOVEN.1}, "status": "open" }))).await;
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// Every candidate id of a vacancy, through the pages.
pub async fn candidate_ids(
    c: &reqwest::Client,
    base: &str,
    token: &str,
    vacancy: &str,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(k) => format!("{base}/v1/vacancies/{vacancy}/candidates?limit=50&cursor={k}"),
            None => format!("{base}/v1/vacancies/{vacancy}/candidates?limit=50"),
        };
        let page = ok_get(c, url, Some(token)).await;
        for card in page["items"].as_array().into_iter().flatten() {
            ids.push(card["candidate_id"].as_str().unwrap_or_default().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(k) => cursor = Some(k.to_owned()),
            None => return ids,
        }
    }
}

/// `n` youth, one employer with `vacancies` vacancies, and a match for every youth on the
/// first vacancy (for the conversation part of the load).
pub async fn world(base: &str, tag: &str, n: usize, vacancies: usize) -> World {
    let c = client();
    let mut youths = Vec::new();
    for i in 0..n {
        youths.push(youth(&c, base, &format!("{tag}-y{i}@voorbeeld.nl")).await);
    }
    let employer = employer(&c, base, &format!("{tag}-e@bakkerij.nl")).await;
    let mut ids = Vec::new();
    for i in 0..vacancies {
        ids.push(vacancy(&c, base, &employer, i).await);
    }
    for y in &youths {
        ok_put(
            &c,
            format!("{base}/v1/me/swipes/{}", ids[0]),
            Some(&y.token),
            Some(json!({"decision": "like"})),
        )
        .await;
    }
    for cid in candidate_ids(&c, base, &employer, &ids[0]).await {
        ok_put(
            &c,
            format!("{base}/v1/vacancies/{}/swipes/{cid}", ids[0]),
            Some(&employer),
            Some(json!({"decision": "like"})),
        )
        .await;
    }
    let mut matches = Vec::new();
    for y in &youths {
        let page = ok_get(&c, format!("{base}/v1/matches"), Some(&y.token)).await;
        if let Some(id) = page["items"][0]["id"].as_str() {
            matches.push((id.to_owned(), y.token.clone()));
        }
    }
    World {
        youth: youths,
        employer,
        vacancies: ids,
        matches,
    }
}

#[derive(Debug, Clone)]
pub struct Sample {
    pub at: Duration,
    pub status: u16,
    pub latency: Duration,
}

/// A write the server acknowledged, to look for in the database afterwards.
#[derive(Debug, Clone)]
pub enum Acked {
    Swipe { youth: usize, vacancy: String },
    Message { text: String },
}

#[derive(Default)]
pub struct Record {
    pub samples: Vec<Sample>,
    pub acked: Vec<Acked>,
}

/// Mixed requests from `workers` tasks across `bases` (instances, round robin) until stopped.
pub struct Load {
    pub started: Instant,
    stop: Arc<AtomicBool>,
    record: Arc<Mutex<Record>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    pub fn start(bases: Vec<String>, world: &World, workers: usize) -> Load {
        let started = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let record = Arc::new(Mutex::new(Record::default()));
        let youth: Arc<Vec<(String, String)>> = Arc::new(
            world
                .youth
                .iter()
                .map(|y| (y.email.clone(), y.token.clone()))
                .collect(),
        );
        let vacancies: Arc<Vec<String>> = Arc::new(world.vacancies.clone());
        let matches: Arc<Vec<(String, String)>> = Arc::new(world.matches.clone());
        let bases = Arc::new(bases);
        let tasks = (0..workers)
            .map(|w| {
                let (stop, record, youth, vacancies, matches, bases) = (
                    stop.clone(),
                    record.clone(),
                    youth.clone(),
                    vacancies.clone(),
                    matches.clone(),
                    bases.clone(),
                );
                tokio::spawn(async move {
                    let c = client();
                    let mut rng = rand::rngs::StdRng::seed_from_u64(w as u64);
                    let mut n = 0usize;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let base = &bases[(w + n) % bases.len()];
                        let yi = rng.random_range(0..youth.len());
                        let (email, token) = &youth[yi];
                        let roll = rng.random_range(0..100);
                        let t0 = Instant::now();
                        let at = started.elapsed();
                        let (status, acked) = if roll < 45 {
                            let (s, _) =
                                call_get(&c, format!("{base}/v1/me/feed?limit=20"), Some(token))
                                    .await;
                            (s, None)
                        } else if roll < 75 {
                            // Never the first vacancy: it holds the matches.
                            let v = vacancies[rng.random_range(1..vacancies.len())].clone();
                            let decision = if rng.random_bool(0.5) { "like" } else { "pass" };
                            let (s, _) = call_put(
                                &c,
                                format!("{base}/v1/me/swipes/{v}"),
                                Some(token),
                                Some(json!({"decision": decision})),
                            )
                            .await;
                            (
                                s,
                                (s == 200).then_some(Acked::Swipe {
                                    youth: yi,
                                    vacancy: v,
                                }),
                            )
                        } else if roll < 92 && !matches.is_empty() {
                            let (m, t) = &matches[rng.random_range(0..matches.len())];
                            let text = format!("fault-{}", uuid::Uuid::now_v7().simple());
                            let (s, _) = call_post(
                                &c,
                                format!("{base}/v1/matches/{m}/messages"),
                                Some(t),
                                Some(json!({"text": text})),
                            )
                            .await;
                            (s, (s == 201).then_some(Acked::Message { text }))
                        } else {
                            let (s, _) = call_post(
                                &c,
                                format!("{base}/v1/auth/login"),
                                None,
                                Some(json!({"email": email, "password": PASSWORD})),
                            )
                            .await;
                            (s, None)
                        };
                        let sample = Sample {
                            at,
                            status,
                            latency: t0.elapsed(),
                        };
                        if let Ok(mut r) = record.lock() {
                            r.samples.push(sample);
                            r.acked.extend(acked);
                        }
                        if status == 503 || status == 0 {
                            // As an app would: back off a little instead of hammering.
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                })
            })
            .collect();
        Load {
            started,
            stop,
            record,
            tasks,
        }
    }

    pub fn now(&self) -> Duration {
        self.started.elapsed()
    }

    pub async fn finish(self) -> Record {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            let _ = t.await;
        }
        match Arc::try_unwrap(self.record) {
            Ok(m) => m.into_inner().unwrap_or_default(),
            Err(shared) => std::mem::take(&mut *shared.lock().expect("record")),
        }
    }
}

/// Figures of the samples that started within `from..to`.
pub struct Figures {
    pub requests: usize,
    pub by_status: std::collections::BTreeMap<u16, usize>,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

pub fn figures(samples: &[Sample], from: Duration, to: Duration) -> Figures {
    let mut lat: Vec<f64> = Vec::new();
    let mut by_status = std::collections::BTreeMap::new();
    for s in samples.iter().filter(|s| s.at >= from && s.at < to) {
        lat.push(s.latency.as_secs_f64() * 1000.0);
        *by_status.entry(s.status).or_default() += 1;
    }
    lat.sort_by(f64::total_cmp);
    let q = |p: f64| {
        if lat.is_empty() {
            0.0
        } else {
            lat[((lat.len() - 1) as f64 * p) as usize]
        }
    };
    Figures {
        requests: lat.len(),
        by_status,
        p50_ms: q(0.5),
        p99_ms: q(0.99),
        max_ms: lat.last().copied().unwrap_or(0.0),
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>6} requests, p50 {:>7.1} ms, p99 {:>7.1} ms, max {:>7.1} ms, statuses {:?}",
            self.requests, self.p50_ms, self.p99_ms, self.max_ms, self.by_status
        )
    }
}

pub fn count_5xx(samples: &[Sample], from: Duration, to: Duration) -> usize {
    samples
        .iter()
        .filter(|s| s.at >= from && s.at < to && s.status >= 500)
        .count()
}
