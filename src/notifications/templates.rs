//! The mails werkmatch sends, in Dutch and English, as plain text and HTML.

use crate::auth::model::Language;

/// A message ready for the outbox.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One layout for every mail: greeting, paragraphs, an optional button link, a closing line.
fn layout(
    kind: &'static str,
    subject: String,
    greeting: String,
    paragraphs: &[String],
    link: Option<(&str, &str)>,
    closing: &str,
) -> Rendered {
    let mut text = format!("{greeting}\n\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p>",
        escape_html(&greeting)
    );
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape_html(p)));
    }
    if let Some((label, url)) = link {
        text.push_str(&format!("{label}: {url}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            escape_html(url),
            escape_html(label)
        ));
    }
    text.push_str(closing);
    text.push('\n');
    html.push_str(&format!("<p>{}</p></body></html>", escape_html(closing)));
    Rendered {
        kind,
        subject,
        text,
        html,
    }
}

fn greeting(lang: Language, name: &str) -> String {
    match lang {
        Language::Nl => format!("Hoi {name},"),
        Language::En => format!("Hi {name},"),
    }
}

fn closing(lang: Language) -> &'static str {
    match lang {
        Language::Nl => "Groet, werkmatch",
        Language::En => "Kind regards, werkmatch",
    }
}

pub fn verify_email(lang: Language, name: &str, link: &str, valid_minutes: i64) -> Rendered {
    let (subject, body, label) = match lang {
        Language::Nl => (
            "Bevestig je e-mailadres",
            format!(
                "Welkom bij werkmatch! Bevestig je e-mailadres met de link hieronder. De link werkt {valid_minutes} minuten en één keer."
            ),
            "E-mailadres bevestigen",
        ),
        Language::En => (
            "Confirm your email address",
            format!(
                "Welcome to werkmatch! Confirm your email address with the link below. The link works once, for {valid_minutes} minutes."
            ),
            "Confirm email address",
        ),
    };
    layout(
        "verify_email",
        subject.into(),
        greeting(lang, name),
        &[body],
        Some((label, link)),
        closing(lang),
    )
}

pub fn password_reset(lang: Language, name: &str, link: &str, valid_minutes: i64) -> Rendered {
    let (subject, body, ignore, label) = match lang {
        Language::Nl => (
            "Nieuw wachtwoord instellen",
            format!(
                "Je hebt gevraagd om een nieuw wachtwoord. Kies een nieuw wachtwoord met de link hieronder. De link werkt {valid_minutes} minuten en één keer."
            ),
            "Heb je dit niet gevraagd? Dan hoef je niets te doen.",
            "Nieuw wachtwoord kiezen",
        ),
        Language::En => (
            "Set a new password",
            format!(
                "You asked for a new password. Choose one with the link below. The link works once, for {valid_minutes} minutes."
            ),
            "Did not ask for this? Then you need not do anything.",
            "Choose a new password",
        ),
    };
    layout(
        "password_reset",
        subject.into(),
        greeting(lang, name),
        &[body, ignore.into()],
        Some((label, link)),
        closing(lang),
    )
}

pub fn password_changed(lang: Language, name: &str) -> Rendered {
    let (subject, body) = match lang {
        Language::Nl => (
            "Je wachtwoord is gewijzigd",
            "Je wachtwoord is zojuist gewijzigd en je bent overal uitgelogd. Was jij dit niet? Vraag dan meteen een nieuw wachtwoord aan.",
        ),
        Language::En => (
            "Your password was changed",
            "Your password was just changed and you were signed out everywhere. Was this not you? Ask for a new password right away.",
        ),
    };
    layout(
        "password_changed",
        subject.into(),
        greeting(lang, name),
        &[body.into()],
        None,
        closing(lang),
    )
}

pub fn organisation_invitation(
    lang: Language,
    inviter: &str,
    organisation: &str,
    link: &str,
) -> Rendered {
    let (subject, greeting, body, label) = match lang {
        Language::Nl => (
            format!("Uitnodiging voor {organisation} op werkmatch"),
            "Hoi,".to_owned(),
            format!(
                "{inviter} nodigt je uit om samen met collega's de vacatures van {organisation} op werkmatch te beheren. De link werkt 7 dagen en één keer."
            ),
            "Uitnodiging aannemen",
        ),
        Language::En => (
            format!("Invitation to {organisation} on werkmatch"),
            "Hi,".to_owned(),
            format!(
                "{inviter} invites you to manage the vacancies of {organisation} on werkmatch together with your colleagues. The link works once, for 7 days."
            ),
            "Accept the invitation",
        ),
    };
    layout(
        "organisation_invitation",
        subject,
        greeting,
        &[body],
        Some((label, link)),
        closing(lang),
    )
}

pub fn vacancy_expiring(
    lang: Language,
    name: &str,
    title: &str,
    expires: chrono::NaiveDate,
    link: &str,
) -> Rendered {
    let date = expires.format("%d-%m-%Y");
    let (subject, body, label) = match lang {
        Language::Nl => (
            format!("Je vacature \"{title}\" verloopt binnenkort"),
            format!(
                "Je vacature \"{title}\" verloopt op {date}. Daarna zien jongeren haar niet meer. Wil je dat ze blijft staan? Open haar opnieuw of pas de looptijd aan."
            ),
            "Vacature bekijken",
        ),
        Language::En => (
            format!("Your vacancy \"{title}\" expires soon"),
            format!(
                "Your vacancy \"{title}\" expires on {date}. After that, young people no longer see it. Want to keep it up? Open it again or change how long it runs."
            ),
            "View the vacancy",
        ),
    };
    layout(
        "vacancy_expiring",
        subject,
        greeting(lang, name),
        &[body],
        Some((label, link)),
        closing(lang),
    )
}

/// A new match, to the youth (`for_youth`) or to the employer's contact person. Contact
/// details are in the app, not in the mail.
pub fn match_made(
    lang: Language,
    name: &str,
    title: &str,
    organisation: &str,
    link: &str,
    for_youth: bool,
) -> Rendered {
    let (subject, body, label) = match (lang, for_youth) {
        (Language::Nl, true) => (
            format!("Het is een match: {title} bij {organisation}"),
            format!(
                "{organisation} wil graag met je kennismaken voor \"{title}\". Jullie kunnen nu rechtstreeks contact hebben."
            ),
            "Bekijk je match",
        ),
        (Language::En, true) => (
            format!("It's a match: {title} at {organisation}"),
            format!(
                "{organisation} would like to meet you for \"{title}\". You can now contact each other directly."
            ),
            "See your match",
        ),
        (Language::Nl, false) => (
            format!("Nieuwe match voor \"{title}\""),
            format!(
                "Een kandidaat voor \"{title}\" vindt jullie vacature ook interessant. In de app zie je nu de contactgegevens."
            ),
            "Bekijk de match",
        ),
        (Language::En, false) => (
            format!("New match for \"{title}\""),
            format!(
                "A candidate for \"{title}\" likes your vacancy too. The app now shows their contact details."
            ),
            "See the match",
        ),
    };
    layout(
        "match_made",
        subject,
        greeting(lang, name),
        &[body],
        Some((label, link)),
        closing(lang),
    )
}

pub fn match_ended(lang: Language, name: &str, title: &str) -> Rendered {
    let (subject, body) = match lang {
        Language::Nl => (
            format!("Match beëindigd: {title}"),
            format!(
                "De andere kant heeft de match voor \"{title}\" beëindigd. Er staan nog genoeg andere kansen voor je klaar."
            ),
        ),
        Language::En => (
            format!("Match ended: {title}"),
            format!(
                "The other side ended the match for \"{title}\". There are plenty of other chances waiting."
            ),
        ),
    };
    layout(
        "match_ended",
        subject,
        greeting(lang, name),
        &[body],
        None,
        closing(lang),
    )
}

pub fn new_message(lang: Language, name: &str, title: &str, link: &str) -> Rendered {
    let (subject, body, label) = match lang {
        Language::Nl => (
            format!("Nieuw bericht over \"{title}\""),
            "Je hebt een nieuw bericht van je match.".to_owned(),
            "Lees het bericht",
        ),
        Language::En => (
            format!("New message about \"{title}\""),
            "You have a new message from your match.".to_owned(),
            "Read the message",
        ),
    };
    layout(
        "new_message",
        subject,
        greeting(lang, name),
        &[body],
        Some((label, link)),
        closing(lang),
    )
}

/// A coach asks a youth for consent, by link.
pub fn coach_invitation(lang: Language, coach: &str, organisation: &str, link: &str) -> Rendered {
    let (subject, body, label) = match lang {
        Language::Nl => (
            format!("{coach} van {organisation} wil je begeleiden"),
            format!(
                "{coach} van {organisation} wil je helpen bij het vinden van werk via werkmatch. Open de link in de app: je ziet wie het vraagt en kiest zelf wat je deelt. Zonder jouw ja gebeurt er niets. De link werkt 7 dagen."
            ),
            "Bekijk de uitnodiging",
        ),
        Language::En => (
            format!("{coach} of {organisation} would like to coach you"),
            format!(
                "{coach} of {organisation} would like to help you find work through werkmatch. Open the link in the app: you see who asks and choose what you share. Nothing happens without your yes. The link works for 7 days."
            ),
            "See the invitation",
        ),
    };
    layout(
        "coach_invitation",
        subject,
        match lang {
            Language::Nl => "Hoi,".to_owned(),
            Language::En => "Hi,".to_owned(),
        },
        &[body],
        Some((label, link)),
        closing(lang),
    )
}

/// The youth's coach changed (a handover).
pub fn new_coach(lang: Language, name: &str, coach: &str, organisation: &str) -> Rendered {
    let (subject, body) = match lang {
        Language::Nl => (
            format!("Je nieuwe coach bij {organisation}"),
            format!(
                "Vanaf nu is {coach} je coach bij {organisation}. Wat je gedeeld hebt blijft hetzelfde; je kunt het altijd aanpassen of intrekken in de app."
            ),
        ),
        Language::En => (
            format!("Your new coach at {organisation}"),
            format!(
                "From now on {coach} is your coach at {organisation}. What you share stays the same; you can change or withdraw it in the app at any time."
            ),
        ),
    };
    layout(
        "new_coach",
        subject,
        greeting(lang, name),
        &[body],
        None,
        closing(lang),
    )
}

/// A month before consent ends, the youth may renew it.
pub fn consent_expiring(
    lang: Language,
    name: &str,
    organisation: &str,
    ends_on: &str,
    link: &str,
) -> Rendered {
    let (subject, body, label) = match lang {
        Language::Nl => (
            format!("Je toestemming voor {organisation} loopt af"),
            format!(
                "Je toestemming voor {organisation} om je te begeleiden loopt af op {ends_on}. Wil je doorgaan, verleng haar dan in de app; doe je niets, dan stopt de toegang vanzelf."
            ),
            "Bekijk je coaches",
        ),
        Language::En => (
            format!("Your consent for {organisation} is ending"),
            format!(
                "Your consent for {organisation} to coach you ends on {ends_on}. To carry on, renew it in the app; if you do nothing, their access stops by itself."
            ),
            "See your coaches",
        ),
    };
    layout(
        "consent_expiring",
        subject,
        greeting(lang, name),
        &[body],
        Some((label, link)),
        closing(lang),
    )
}

/// A coach's Monday mail: follow-ups that are overdue, youth who went quiet, and the
/// placements whose aftercare is due this week.
pub fn coach_digest(
    lang: Language,
    name: &str,
    overdue: &[String],
    quiet: &[String],
    aftercare: &[String],
    link: &str,
) -> Rendered {
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| format!("- {i}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (subject, intro, overdue_head, quiet_head, aftercare_head, label) = match lang {
        Language::Nl => (
            "Je week in werkmatch: opvolgen".to_owned(),
            "Dit staat deze week voor je klaar.",
            "Opvolgen is over tijd:",
            "Al twee weken niets van gehoord:",
            "Nazorg bij een plaatsing deze week:",
            "Naar je caseload",
        ),
        Language::En => (
            "Your week in werkmatch: follow-ups".to_owned(),
            "This is waiting for you this week.",
            "Follow-ups overdue:",
            "Nothing heard for two weeks:",
            "Aftercare of a placement due this week:",
            "Open your caseload",
        ),
    };
    let mut paragraphs = vec![intro.to_owned()];
    if !overdue.is_empty() {
        paragraphs.push(format!("{overdue_head}\n{}", list(overdue)));
    }
    if !quiet.is_empty() {
        paragraphs.push(format!("{quiet_head}\n{}", list(quiet)));
    }
    if !aftercare.is_empty() {
        paragraphs.push(format!("{aftercare_head}\n{}", list(aftercare)));
    }
    layout(
        "coach_digest",
        subject,
        greeting(lang, name),
        &paragraphs,
        Some((label, link)),
        closing(lang),
    )
}

/// An intermediary proposes to recruit for the employer; the owner answers in the app.
pub fn client_proposed(lang: Language, name: &str, intermediary: &str, link: &str) -> Rendered {
    let (subject, body, label) = match lang {
        Language::Nl => (
            format!("{intermediary} wil voor je werven"),
            format!(
                "{intermediary} biedt aan vacatures voor je organisatie te plaatsen en kandidaten voor je te zoeken. Je ziet altijd wat zij voor je doen, en je kunt het op elk moment stoppen."
            ),
            "Bekijk het voorstel",
        ),
        Language::En => (
            format!("{intermediary} offers to recruit for you"),
            format!(
                "{intermediary} offers to post vacancies for your organisation and find candidates for you. You always see what they do for you, and you can stop it at any time."
            ),
            "See the proposal",
        ),
    };
    layout(
        "client_proposed",
        subject,
        greeting(lang, name),
        &[body],
        Some((label, link)),
        closing(lang),
    )
}

/// A coach proposes the youth for a vacancy.
pub fn introduction_proposed(
    lang: Language,
    name: &str,
    organisation: &str,
    title: &str,
    link: &str,
) -> Rendered {
    let (subject, body, label) = match lang {
        Language::Nl => (
            format!("Je coach stelt je voor: {title}"),
            format!(
                "Je coach bij {organisation} wil je voorstellen voor de vacature {title}. Zeg je ja, dan telt dat als je like en ziet de werkgever je anonieme kaart als eerste."
            ),
            "Bekijk het voorstel",
        ),
        Language::En => (
            format!("Your coach proposes you: {title}"),
            format!(
                "Your coach at {organisation} would like to introduce you for the vacancy {title}. If you say yes, that is your like, and the employer sees your anonymous card first."
            ),
            "See the proposal",
        ),
    };
    layout(
        "introduction_proposed",
        subject,
        greeting(lang, name),
        &[body],
        Some((label, link)),
        closing(lang),
    )
}

/// The employer answered a coach's introduction.
pub fn introduction_outcome(lang: Language, name: &str, title: &str, matched: bool) -> Rendered {
    let (subject, body) = match (lang, matched) {
        (Language::Nl, true) => (
            format!("Match na je voorstel: {title}"),
            format!(
                "De werkgever van {title} wil kennismaken met de jongere die je voorstelde. Je kunt meepraten in hun gesprek."
            ),
        ),
        (Language::Nl, false) => (
            format!("Geen match na je voorstel: {title}"),
            format!("De werkgever van {title} gaat niet verder met de jongere die je voorstelde."),
        ),
        (Language::En, true) => (
            format!("A match after your introduction: {title}"),
            format!(
                "The employer of {title} wants to meet the youth you introduced. You can join their conversation."
            ),
        ),
        (Language::En, false) => (
            format!("No match after your introduction: {title}"),
            format!("The employer of {title} will not go on with the youth you introduced."),
        ),
    };
    layout(
        "introduction_outcome",
        subject,
        greeting(lang, name),
        &[body],
        None,
        closing(lang),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_in_html_but_not_in_text() {
        let r = verify_email(Language::En, "<b>Jo</b>", "http://x/?t=1&u=2", 60);
        assert!(r.html.contains("&lt;b&gt;Jo&lt;/b&gt;"));
        assert!(r.html.contains("t=1&amp;u=2"));
        assert!(r.text.contains("Hi <b>Jo</b>,"));
    }

    #[test]
    fn both_languages_have_their_own_subject() {
        assert_ne!(
            password_reset(Language::Nl, "a", "l", 60).subject,
            password_reset(Language::En, "a", "l", 60).subject
        );
    }
}
