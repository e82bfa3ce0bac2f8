//! The competence generator: turns chosen competences and a few profile facts into a first
//! person profile text, in Dutch or English.
//!
//! The text shows each competence through one of its statements (as many as fit in 700
//! characters, in the youth's order of importance; the rest are named in one sentence), says
//! what the youth is looking for, and never starts two sentences with the same word. It is
//! deterministic: the same input gives the same text, while different inputs pick different
//! statements and sentence openers.

use crate::auth::model::Language;
use crate::competences::catalogue::Competence;
use crate::work::{EducationLevel, WorkKind};

pub const MIN_LEN: usize = 300;
pub const MAX_LEN: usize = 700;

/// What the generator works from.
#[derive(Debug, Clone)]
pub struct Input {
    /// Most important first.
    pub competences: Vec<&'static Competence>,
    pub kinds: Vec<WorkKind>,
    pub hours: Option<(u8, u8)>,
    pub interests: Vec<String>,
    pub education: Option<EducationLevel>,
    pub language: Language,
}

/// Sentence frames that follow the first statement. `{s}` is a statement, `{n}` the
/// competence's name; every frame starts with a different word.
const OPENERS_NL: [&str; 9] = [
    "Wie met mij samenwerkt, merkt het snel: {s}.",
    "Mijn collega's zouden zeggen: {s}.",
    "Een sterk punt van mij is {n}: {s}.",
    "Ook belangrijk: {s}.",
    "Verder geldt: {s}.",
    "Bovendien: {s}.",
    "Typisch voor mij: {s}.",
    "Waar ik goed in ben, is {n}: {s}.",
    "Daarnaast weet ik van mezelf: {s}.",
];

const OPENERS_EN: [&str; 9] = [
    "Anyone who works with me notices it quickly: {s}.",
    "Colleagues would say: {s}.",
    "One of my strengths is {n}: {s}.",
    "Also important to me: {s}.",
    "Besides that, {s}.",
    "Moreover, {s}.",
    "Typical of me: {s}.",
    "Ask anyone who knows me: {s}.",
    "Beyond that, {s}.",
];

struct Phrases {
    openers: &'static [&'static str; 9],
    strong_in: &'static str,
    education: &'static str,
    no_diploma: &'static str,
    with_sq: &'static str,
    without_sq: &'static str,
    interests: &'static str,
    looking: &'static str,
    hours_range: &'static str,
    hours_exact: &'static str,
    and: &'static str,
    or: &'static str,
    closings: [&'static str; 2],
}

const NL: Phrases = Phrases {
    openers: &OPENERS_NL,
    strong_in: "Daarbij ben ik sterk in {list}.",
    education: "Als opleiding heb ik {level}{sq}.",
    no_diploma: "Diploma's heb ik nog niet, maar ik leer snel in de praktijk.",
    with_sq: ", en daarmee een startkwalificatie",
    without_sq: ", nog zonder startkwalificatie",
    interests: "In mijn vrije tijd ben ik bezig met {list}.",
    looking: "Wat ik zoek: {kinds}{hours}.",
    hours_range: " voor {min} tot {max} uur per week",
    hours_exact: " voor {min} uur per week",
    and: "en",
    or: "of",
    closings: [
        "Graag laat ik in de praktijk zien wat ik kan.",
        "Nieuwsgierig geworden? Nodig me gerust uit voor een kennismaking.",
    ],
};

const EN: Phrases = Phrases {
    openers: &OPENERS_EN,
    strong_in: "Furthermore, I am strong in {list}.",
    education: "As for education, I have {level}{sq}.",
    no_diploma: "No diploma yet, but I learn fast on the job.",
    with_sq: ", which counts as a start qualification",
    without_sq: ", not yet a start qualification",
    interests: "In my free time I enjoy {list}.",
    looking: "What I am looking for: {kinds}{hours}.",
    hours_range: " for {min} to {max} hours a week",
    hours_exact: " for {min} hours a week",
    and: "and",
    or: "or",
    closings: [
        "Give me a chance and I will show what I can do in practice.",
        "Curious? Feel free to invite me for a first meeting.",
    ],
};

fn kind_phrase(kind: WorkKind, nl: bool) -> &'static str {
    match (kind, nl) {
        (WorkKind::Job, true) => "een baan",
        (WorkKind::Job, false) => "a job",
        (WorkKind::Internship, true) => "een stage",
        (WorkKind::Internship, false) => "an internship",
        (WorkKind::Bbl, true) => "een BBL-plek (werken en leren)",
        (WorkKind::Bbl, false) => "a BBL learning-work place",
        (WorkKind::SideJob, true) => "een bijbaan",
        (WorkKind::SideJob, false) => "a side job",
    }
}

/// "a", "a en b", "a, b en c".
pub fn join_list(items: &[String], conjunction: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

/// FNV-1a: a stable hash (unlike std's), so texts stay the same across releases.
fn seed(input: &Input) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |s: &str| {
        for b in s.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for c in &input.competences {
        feed(c.code);
    }
    for k in &input.kinds {
        feed(kind_phrase(*k, false));
    }
    if let Some((a, b)) = input.hours {
        feed(&format!("{a}-{b}"));
    }
    for i in &input.interests {
        feed(i);
    }
    if let Some(e) = input.education {
        feed(e.as_str());
    }
    h
}

/// A statement placed mid-sentence: Dutch "Ik" becomes "ik"; English "I" stays.
fn inline(statement: &str, nl: bool) -> String {
    match (nl, statement.strip_prefix("Ik ")) {
        (true, Some(rest)) => format!("ik {rest}"),
        _ => statement.to_owned(),
    }
}

/// Generates the profile text.
pub fn generate(input: &Input) -> String {
    let nl = input.language == Language::Nl;
    let p = if nl { &NL } else { &EN };
    let seed = seed(input);
    // A seeded rotation of the openers: varied between youths, fixed for one input.
    let rotation = (seed % p.openers.len() as u64) as usize;
    let openers: Vec<&str> = (0..p.openers.len())
        .map(|i| p.openers[(i + rotation) % p.openers.len()])
        .collect();

    let mut shown = input.competences.len().min(p.openers.len() + 1);
    let mut interests = input.interests.len().min(3);
    let mut shortest_statements = false;
    let mut closings = 0;
    loop {
        let text = compose(
            input,
            p,
            nl,
            seed,
            &openers,
            shown,
            interests,
            shortest_statements,
            closings,
        );
        let len = text.chars().count();
        if len > MAX_LEN {
            // Too long: name more competences instead of showing them, then trim interests,
            // then fall back to each competence's shortest statement.
            if shown > 3 {
                shown -= 1;
            } else if interests > 0 {
                interests -= 1;
            } else if !shortest_statements {
                shortest_statements = true;
            } else {
                return text;
            }
        } else if len < MIN_LEN && closings < p.closings.len() {
            closings += 1;
        } else {
            return text;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn compose(
    input: &Input,
    p: &Phrases,
    nl: bool,
    seed: u64,
    openers: &[&str],
    shown: usize,
    interests: usize,
    shortest_statements: bool,
    closings: usize,
) -> String {
    let texts = |c: &'static Competence| if nl { &c.nl } else { &c.en };
    let statement = |i: usize, c: &'static Competence| {
        let all = texts(c).statements;
        if shortest_statements {
            all.iter()
                .min_by_key(|s| s.len())
                .copied()
                .unwrap_or_default()
        } else {
            all[(seed as usize).wrapping_add(i) % all.len()]
        }
    };
    let mut sentences: Vec<String> = Vec::new();
    for (i, c) in input.competences.iter().take(shown).enumerate() {
        let s = statement(i, c);
        if i == 0 {
            sentences.push(format!("{s}."));
        } else {
            sentences.push(
                openers[i - 1]
                    .replace("{n}", &texts(c).name.to_lowercase())
                    .replace("{s}", &inline(s, nl)),
            );
        }
    }
    let named: Vec<String> = input
        .competences
        .iter()
        .skip(shown)
        .map(|c| texts(c).name.to_lowercase())
        .collect();
    if !named.is_empty() {
        sentences.push(p.strong_in.replace("{list}", &join_list(&named, p.and)));
    }
    match input.education {
        Some(EducationLevel::None) => sentences.push(p.no_diploma.to_owned()),
        Some(level) => sentences.push(p.education.replace("{level}", level.label(nl)).replace(
            "{sq}",
            if level.is_start_qualification() {
                p.with_sq
            } else {
                p.without_sq
            },
        )),
        None => {}
    }
    if interests > 0 {
        let list: Vec<String> = input.interests.iter().take(interests).cloned().collect();
        sentences.push(p.interests.replace("{list}", &join_list(&list, p.and)));
    }
    if !input.kinds.is_empty() {
        let kinds: Vec<String> = input
            .kinds
            .iter()
            .map(|k| kind_phrase(*k, nl).to_owned())
            .collect();
        let hours = match input.hours {
            Some((a, b)) if a == b => p.hours_exact.replace("{min}", &a.to_string()),
            Some((a, b)) => p
                .hours_range
                .replace("{min}", &a.to_string())
                .replace("{max}", &b.to_string()),
            None => String::new(),
        };
        sentences.push(
            p.looking
                .replace("{kinds}", &join_list(&kinds, p.or))
                .replace("{hours}", &hours),
        );
    }
    sentences.extend(p.closings.iter().take(closings).map(|s| (*s).to_owned()));
    sentences.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::competences::catalogue::{COMPETENCES, by_code};
    use std::collections::HashSet;

    fn input(codes: &[&str], lang: Language) -> Input {
        Input {
            competences: codes.iter().map(|c| by_code(c).unwrap()).collect(),
            kinds: vec![WorkKind::Job, WorkKind::Bbl],
            hours: Some((16, 24)),
            interests: vec!["voetbal".into(), "koken".into()],
            education: Some(EducationLevel::Vmbo),
            language: lang,
        }
    }

    /// Sentences end in . or ? followed by a space (or the end).
    fn sentences(text: &str) -> Vec<&str> {
        text.split_inclusive(['.', '?'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    fn check(inp: &Input) {
        let text = generate(inp);
        let len = text.chars().count();
        assert!((MIN_LEN..=MAX_LEN).contains(&len), "{len} chars: {text}");
        let firsts: Vec<&str> = sentences(&text)
            .iter()
            .map(|s| s.split_whitespace().next().unwrap_or(""))
            .collect();
        let distinct: HashSet<_> = firsts.iter().collect();
        assert_eq!(
            distinct.len(),
            firsts.len(),
            "repeated opener {firsts:?} in: {text}"
        );
        let nl = inp.language == Language::Nl;
        for c in &inp.competences {
            let t = if nl { &c.nl } else { &c.en };
            let by_statement = t
                .statements
                .iter()
                .any(|s| text.contains(&inline(s, nl)) || text.contains(*s));
            let by_name = text.contains(&t.name.to_lowercase());
            assert!(by_statement || by_name, "{} not shown in: {text}", c.code);
        }
        assert_eq!(text, generate(inp), "not deterministic");
    }

    #[test]
    fn texts_keep_their_properties_across_many_inputs() {
        // A deterministic sweep over sizes, orders and facts: every length bound, opener,
        // coverage and determinism property must hold for each.
        let mut state: u64 = 42;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        for round in 0..600 {
            let count = 3 + next(8);
            let mut codes: Vec<&str> = Vec::new();
            while codes.len() < count {
                let c = COMPETENCES[next(52)].code;
                if !codes.contains(&c) {
                    codes.push(c);
                }
            }
            let kinds: Vec<WorkKind> = WorkKind::ALL.into_iter().filter(|_| next(2) == 0).collect();
            let interests = (0..next(5))
                .map(|i| {
                    [
                        "gamen",
                        "muziek maken",
                        "basketbal",
                        "tekenen en schilderen",
                        "mijn kleine broertje helpen met huiswerk",
                    ][i % 5]
                        .to_owned()
                })
                .collect();
            let inp = Input {
                competences: codes.iter().map(|c| by_code(c).unwrap()).collect(),
                hours: (next(3) > 0).then(|| {
                    let a = 1 + next(40) as u8;
                    (a, a + next((41 - a as usize).max(1)) as u8)
                }),
                kinds: if kinds.is_empty() {
                    vec![WorkKind::SideJob]
                } else {
                    kinds
                },
                interests,
                education: [
                    None,
                    Some(EducationLevel::None),
                    Some(EducationLevel::Mbo2),
                    Some(EducationLevel::Havo),
                ][next(4)],
                language: if round % 2 == 0 {
                    Language::Nl
                } else {
                    Language::En
                },
            };
            check(&inp);
        }
    }

    #[test]
    fn lists_read_a_b_and_c() {
        let items: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(join_list(&items, "en"), "a, b en c");
        assert_eq!(join_list(&items[..2], "and"), "a and b");
        assert_eq!(join_list(&items[..1], "en"), "a");
    }

    #[test]
    fn dutch_and_english_differ_and_say_what_is_sought() {
        let codes = ["reliability", "teamwork", "customer_focus"];
        let nl = generate(&input(&codes, Language::Nl));
        let en = generate(&input(&codes, Language::En));
        assert!(nl.contains("Wat ik zoek: een baan of een BBL-plek (werken en leren) voor 16 tot 24 uur per week."), "{nl}");
        assert!(en.contains("What I am looking for: a job or a BBL learning-work place for 16 to 24 hours a week."), "{en}");
        assert!(nl.contains("In mijn vrije tijd ben ik bezig met voetbal en koken."));
        assert!(nl.contains("nog zonder startkwalificatie"));
    }

    #[test]
    fn different_inputs_give_different_texts() {
        let a = generate(&input(
            &["reliability", "teamwork", "customer_focus"],
            Language::Nl,
        ));
        let b = generate(&input(&["caring", "empathy", "hygiene"], Language::Nl));
        assert_ne!(a, b);
    }

    #[test]
    fn ten_competences_still_fit_and_are_all_shown() {
        let codes: Vec<&str> = COMPETENCES
            .iter()
            .skip(20)
            .take(10)
            .map(|c| c.code)
            .collect();
        for lang in [Language::Nl, Language::En] {
            check(&input(&codes, lang));
        }
    }
}
