//! The competence catalogue: 52 generic work competences, written by us.
//!
//! Each competence has a fixed bit (0–51). Profiles and vacancies store their competences as a
//! 64-bit mask with bit i set for competence i, so **a bit is never reused or reordered**: add
//! new competences at the end (up to 63), and retire old ones instead of deleting them.
//! Clusters follow the six groups of ESCO's transversal skills and competences (T1–T6).
//! Statements are first person; the generator and the app use them to show a strength.

/// The ESCO transversal-skill group a competence belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cluster {
    /// ESCO T1: core skills and competences.
    Core,
    /// ESCO T2: thinking skills and competences.
    Thinking,
    /// ESCO T3: self-management skills and competences.
    SelfManagement,
    /// ESCO T4: social and communication skills and competences.
    SocialCommunication,
    /// ESCO T5: physical and manual skills and competences.
    PhysicalManual,
    /// ESCO T6: life skills and competences.
    LifeSkills,
}

impl Cluster {
    pub const ALL: [Cluster; 6] = [
        Cluster::Core,
        Cluster::Thinking,
        Cluster::SelfManagement,
        Cluster::SocialCommunication,
        Cluster::PhysicalManual,
        Cluster::LifeSkills,
    ];

    /// The ESCO transversal-skill group code.
    pub fn esco_group(self) -> &'static str {
        match self {
            Cluster::Core => "T1",
            Cluster::Thinking => "T2",
            Cluster::SelfManagement => "T3",
            Cluster::SocialCommunication => "T4",
            Cluster::PhysicalManual => "T5",
            Cluster::LifeSkills => "T6",
        }
    }

    pub fn name(self, nl: bool) -> &'static str {
        match (self, nl) {
            (Cluster::Core, true) => "Basisvaardigheden",
            (Cluster::Core, false) => "Core skills",
            (Cluster::Thinking, true) => "Denken",
            (Cluster::Thinking, false) => "Thinking",
            (Cluster::SelfManagement, true) => "Jezelf aansturen",
            (Cluster::SelfManagement, false) => "Self-management",
            (Cluster::SocialCommunication, true) => "Samenwerken en communiceren",
            (Cluster::SocialCommunication, false) => "Social and communication",
            (Cluster::PhysicalManual, true) => "Handen uit de mouwen",
            (Cluster::PhysicalManual, false) => "Physical and manual",
            (Cluster::LifeSkills, true) => "Levensvaardigheden",
            (Cluster::LifeSkills, false) => "Life skills",
        }
    }
}

/// The texts of a competence in one language.
#[derive(Debug)]
pub struct Texts {
    /// A noun phrase that reads well inside a sentence once lower-cased.
    pub name: &'static str,
    /// One line a 16-year-old understands.
    pub description: &'static str,
    /// First-person sentences that show the competence, each starting with "Ik"/"I".
    pub statements: &'static [&'static str],
}

#[derive(Debug)]
pub struct Competence {
    pub code: &'static str,
    pub bit: u8,
    pub cluster: Cluster,
    pub nl: Texts,
    pub en: Texts,
}

macro_rules! competences {
    ($( $bit:literal $code:literal $cluster:ident
        nl($nn:literal, $nd:literal, [$($ns:literal),+ $(,)?])
        en($en:literal, $ed:literal, [$($es:literal),+ $(,)?]) )*) => {
        /// Every competence, in bit order.
        pub static COMPETENCES: &[Competence] = &[$(
            Competence {
                code: $code,
                bit: $bit,
                cluster: Cluster::$cluster,
                nl: Texts { name: $nn, description: $nd, statements: &[$($ns),+] },
                en: Texts { name: $en, description: $ed, statements: &[$($es),+] },
            },
        )*];
    };
}

competences! {
    0 "reading_writing" Core
        nl("Lezen en schrijven", "Teksten begrijpen en zelf duidelijke berichten schrijven.",
           ["Ik lees een werkinstructie en snap wat er moet gebeuren", "Ik schrijf korte, duidelijke berichten"])
        en("Reading and writing", "Understanding texts and writing clear messages yourself.",
           ["I read a work instruction and understand what needs to happen", "I write short, clear messages"])
    1 "numeracy" Core
        nl("Rekenen", "Handig met getallen, geld, maten en gewichten.",
           ["Ik reken snel en goed uit hoeveel iets kost", "Ik werk zonder moeite met maten en gewichten"])
        en("Numeracy", "Handy with numbers, money, measures and weights.",
           ["I quickly work out what something costs", "I work with measures and weights without trouble"])
    2 "digital_skills" Core
        nl("Digitale vaardigheden", "Goed overweg met computer, telefoon, apps en kassasystemen.",
           ["Ik leer een nieuw systeem of app snel kennen", "Ik zoek online handig de informatie op die ik nodig heb"])
        en("Digital skills", "At ease with computers, phones, apps and tills.",
           ["I quickly get to know a new system or app", "I am handy at finding the information I need online"])
    3 "languages" Core
        nl("Meertaligheid", "Meer dan een taal spreken en daarmee mensen helpen.",
           ["Ik spreek meer dan een taal en help daarmee klanten en collega's", "Ik schakel makkelijk tussen talen"])
        en("Multilingualism", "Speaking more than one language and using it to help people.",
           ["I speak more than one language and use it to help customers and colleagues", "I switch easily between languages"])
    4 "following_instructions" Core
        nl("Instructies opvolgen", "Doen wat is afgesproken, precies zoals het hoort.",
           ["Ik volg instructies precies op", "Ik vraag het na als iets me niet duidelijk is"])
        en("Following instructions", "Doing what was agreed, exactly as it should be done.",
           ["I follow instructions exactly", "I ask when something is not clear to me"])
    5 "accuracy" Core
        nl("Nauwkeurigheid", "Secuur werken en fouten voorkomen.",
           ["Ik werk secuur en controleer mijn eigen werk", "Ik zie kleine foutjes die anderen missen"])
        en("Accuracy", "Working carefully and preventing mistakes.",
           ["I work carefully and check my own work", "I spot small mistakes that others miss"])
    6 "quality_awareness" Core
        nl("Kwaliteitsbewustzijn", "Werk afleveren waar je trots op kunt zijn.",
           ["Ik lever pas iets af als het echt goed is", "Ik houd me aan de afgesproken kwaliteit"])
        en("Quality awareness", "Delivering work you can be proud of.",
           ["I only hand in work when it is really good", "I stick to the agreed quality"])
    7 "safety_awareness" Core
        nl("Veiligheidsbewustzijn", "Veilig werken voor jezelf en anderen.",
           ["Ik houd me aan de veiligheidsregels", "Ik zie gevaarlijke situaties op tijd aankomen"])
        en("Safety awareness", "Working safely for yourself and others.",
           ["I stick to the safety rules", "I see dangerous situations coming in time"])
    8 "hygiene" Core
        nl("Hygiënisch werken", "Schoon en netjes werken, vooral met eten en in de zorg.",
           ["Ik werk schoon en houd mijn werkplek netjes", "Ik houd me aan de hygiëneregels"])
        en("Working hygienically", "Working clean and tidy, especially with food and in care.",
           ["I work cleanly and keep my workplace tidy", "I follow the hygiene rules"])
    9 "problem_solving" Thinking
        nl("Problemen oplossen", "Een oplossing vinden als iets anders loopt dan gepland.",
           ["Ik zoek meteen naar een oplossing als er iets misgaat", "Ik blijf rustig en bedenk wat er nu moet gebeuren"])
        en("Problem solving", "Finding a solution when things do not go as planned.",
           ["I look for a solution straight away when something goes wrong", "I stay calm and work out what needs to happen next"])
    10 "creativity" Thinking
        nl("Creativiteit", "Met nieuwe ideeën komen en dingen anders durven doen.",
           ["Ik bedenk graag nieuwe manieren om iets aan te pakken", "Ik kom vaak met originele ideeën"])
        en("Creativity", "Coming up with new ideas and daring to do things differently.",
           ["I like to think of new ways to tackle something", "I often come up with original ideas"])
    11 "eagerness_to_learn" Thinking
        nl("Leergierigheid", "Nieuwsgierig zijn en steeds nieuwe dingen willen leren.",
           ["Ik leer snel en wil steeds beter worden", "Ik stel vragen omdat ik wil snappen hoe iets werkt"])
        en("Eagerness to learn", "Being curious and always wanting to learn new things.",
           ["I learn fast and always want to get better", "I ask questions because I want to understand how things work"])
    12 "planning" Thinking
        nl("Plannen en organiseren", "Je werk slim indelen zodat alles op tijd af is.",
           ["Ik plan mijn werk zo dat alles op tijd af is", "Ik bedenk vooraf in welke volgorde ik iets aanpak"])
        en("Planning and organising", "Arranging your work smartly so everything is done on time.",
           ["I plan my work so that everything is done on time", "I decide in advance in which order I tackle things"])
    13 "overview" Thinking
        nl("Overzicht houden", "Weten wat er speelt, ook als het druk is.",
           ["Ik houd het overzicht, ook als het druk wordt", "Ik weet wat er nog moet gebeuren en wat al klaar is"])
        en("Keeping overview", "Knowing what is going on, also when it gets busy.",
           ["I keep the overview, even when it gets busy", "I know what still needs doing and what is already done"])
    14 "decisiveness" Thinking
        nl("Besluitvaardigheid", "Op tijd een keuze maken en daarvoor staan.",
           ["Ik durf een beslissing te nemen als het nodig is", "Ik maak snel een keuze en sta daarachter"])
        en("Decisiveness", "Making a choice in time and standing by it.",
           ["I dare to take a decision when it is needed", "I make a choice quickly and stand by it"])
    15 "analytical_thinking" Thinking
        nl("Analytisch denken", "Uitzoeken hoe iets in elkaar zit en waar het misgaat.",
           ["Ik zoek graag uit hoe iets precies in elkaar zit", "Ik zie snel waar de oorzaak van een probleem zit"])
        en("Analytical thinking", "Working out how something fits together and where it goes wrong.",
           ["I like to find out exactly how something fits together", "I quickly see where the cause of a problem lies"])
    16 "technical_insight" Thinking
        nl("Technisch inzicht", "Snappen hoe machines, apparaten en installaties werken.",
           ["Ik snap snel hoe een apparaat of machine werkt", "Ik sleutel graag en vind uit hoe ik iets kan repareren"])
        en("Technical insight", "Understanding how machines, devices and installations work.",
           ["I quickly understand how a device or machine works", "I like tinkering and finding out how to repair things"])
    17 "commercial_awareness" Thinking
        nl("Commercieel inzicht", "Zien wat een klant wil en kansen op verkoop benutten.",
           ["Ik zie kansen om iets extra's te verkopen", "Ik denk mee over wat een klant echt nodig heeft"])
        en("Commercial awareness", "Seeing what a customer wants and using chances to sell.",
           ["I see chances to sell something extra", "I think along about what a customer really needs"])
    18 "reliability" SelfManagement
        nl("Betrouwbaarheid", "Doen wat je zegt, zodat anderen op je kunnen rekenen.",
           ["Ik kom mijn afspraken altijd na", "Ik doe wat ik zeg, daar kunnen anderen op rekenen"])
        en("Reliability", "Doing what you say, so others can count on you.",
           ["I always keep my promises", "I do what I say, so others can count on me"])
    19 "punctuality" SelfManagement
        nl("Stiptheid", "Op tijd komen en op tijd klaar zijn.",
           ["Ik kom altijd op tijd", "Ik ben er als mijn dienst begint, niet vijf minuten later"])
        en("Punctuality", "Arriving on time and finishing on time.",
           ["I am always on time", "I am there when my shift starts, not five minutes later"])
    20 "independence" SelfManagement
        nl("Zelfstandigheid", "Je werk doen zonder dat iemand steeds meekijkt.",
           ["Ik werk zelfstandig als ik weet wat er moet gebeuren", "Ik heb niet steeds iemand nodig die meekijkt"])
        en("Independence", "Doing your work without someone looking over your shoulder.",
           ["I work independently once I know what needs to happen", "I do not need someone checking on me all the time"])
    21 "initiative" SelfManagement
        nl("Initiatief", "Uit jezelf aan de slag gaan en zien wat er moet gebeuren.",
           ["Ik zie zelf wat er moet gebeuren en pak het op", "Ik wacht niet tot iemand me iets vraagt"])
        en("Initiative", "Getting to work on your own and seeing what needs to be done.",
           ["I see what needs to be done and pick it up myself", "I do not wait until someone asks me"])
    22 "perseverance" SelfManagement
        nl("Doorzettingsvermogen", "Doorgaan, ook als iets moeilijk of saai is.",
           ["Ik maak af waar ik aan begin", "Ik geef niet op als iets tegenzit"])
        en("Perseverance", "Keeping going, also when something is hard or dull.",
           ["I finish what I start", "I do not give up when things get tough"])
    23 "stress_resistance" SelfManagement
        nl("Stressbestendigheid", "Rustig en goed blijven werken als het druk is.",
           ["Ik blijf rustig als het druk is", "Ik werk goed onder tijdsdruk"])
        en("Handling pressure", "Staying calm and working well when it is busy.",
           ["I stay calm when it gets busy", "I work well under time pressure"])
    24 "flexibility" SelfManagement
        nl("Flexibiliteit", "Makkelijk omgaan met veranderingen in werk of rooster.",
           ["Ik pas me makkelijk aan als plannen veranderen", "Ik spring bij waar het nodig is"])
        en("Flexibility", "Dealing easily with changes in work or schedule.",
           ["I adapt easily when plans change", "I step in wherever I am needed"])
    25 "responsibility" SelfManagement
        nl("Verantwoordelijkheid", "Je taken serieus nemen en fouten toegeven.",
           ["Ik neem mijn taken serieus", "Ik geef het eerlijk toe als ik een fout maak en los het op"])
        en("Responsibility", "Taking your tasks seriously and owning up to mistakes.",
           ["I take my tasks seriously", "I honestly admit it when I make a mistake and fix it"])
    26 "self_reflection" SelfManagement
        nl("Zelfreflectie", "Weten waar je goed in bent en waar je nog in kunt groeien.",
           ["Ik weet waar ik goed in ben en waar ik nog kan groeien", "Ik kijk terug op mijn werk om ervan te leren"])
        en("Self-reflection", "Knowing what you are good at and where you can still grow.",
           ["I know what I am good at and where I can still grow", "I look back on my work to learn from it"])
    27 "drive" SelfManagement
        nl("Gedrevenheid", "Zin hebben om hard te werken en iets te bereiken.",
           ["Ik werk hard en wil iets bereiken", "Ik ga er elke dag helemaal voor"])
        en("Drive", "Wanting to work hard and achieve something.",
           ["I work hard and want to achieve something", "I give it my all every day"])
    28 "self_discipline" SelfManagement
        nl("Zelfdiscipline", "Je aan je eigen planning en regels houden.",
           ["Ik houd me aan mijn eigen planning", "Ik begin op tijd, ook aan klussen die ik minder leuk vind"])
        en("Self-discipline", "Sticking to your own plan and rules.",
           ["I stick to my own planning", "I start on time, also on jobs I like less"])
    29 "teamwork" SocialCommunication
        nl("Samenwerken", "Goed met anderen samen een klus klaren.",
           ["Ik werk graag samen met anderen", "Ik help collega's en vraag zelf hulp als dat nodig is"])
        en("Teamwork", "Getting a job done well together with others.",
           ["I like working together with others", "I help colleagues and ask for help myself when needed"])
    30 "communication" SocialCommunication
        nl("Communiceren", "Duidelijk zeggen wat je bedoelt, ook als het lastig is.",
           ["Ik zeg duidelijk wat ik bedoel", "Ik laat het op tijd weten als iets niet lukt"])
        en("Communication", "Saying clearly what you mean, also when it is hard.",
           ["I say clearly what I mean", "I let people know in time when something is not working out"])
    31 "listening" SocialCommunication
        nl("Luisteren", "Goed horen wat iemand vraagt of bedoelt.",
           ["Ik luister goed naar wat iemand vraagt", "Ik laat anderen uitpraten en vraag door"])
        en("Listening", "Really hearing what someone asks or means.",
           ["I listen carefully to what someone asks", "I let others finish and ask follow-up questions"])
    32 "customer_focus" SocialCommunication
        nl("Klantgerichtheid", "Zorgen dat de klant tevreden weggaat.",
           ["Ik zorg dat klanten tevreden weggaan", "Ik help klanten graag op weg"])
        en("Customer focus", "Making sure the customer leaves satisfied.",
           ["I make sure customers leave satisfied", "I enjoy helping customers on their way"])
    33 "helpfulness" SocialCommunication
        nl("Behulpzaamheid", "Klaarstaan voor anderen.",
           ["Ik sta altijd klaar om iemand te helpen", "Ik bied uit mezelf hulp aan"])
        en("Helpfulness", "Being there for others.",
           ["I am always ready to help someone", "I offer help without being asked"])
    34 "empathy" SocialCommunication
        nl("Inlevingsvermogen", "Aanvoelen hoe een ander zich voelt.",
           ["Ik voel goed aan hoe iemand zich voelt", "Ik houd rekening met de ander"])
        en("Empathy", "Sensing how someone else feels.",
           ["I sense well how someone is feeling", "I take other people into account"])
    35 "friendliness" SocialCommunication
        nl("Vriendelijkheid", "Open en vriendelijk zijn tegen iedereen.",
           ["Ik ben vriendelijk en open tegen iedereen", "Ik maak makkelijk contact met nieuwe mensen"])
        en("Friendliness", "Being open and kind to everyone.",
           ["I am friendly and open to everyone", "I easily make contact with new people"])
    36 "persuasiveness" SocialCommunication
        nl("Overtuigingskracht", "Anderen meekrijgen met je idee of product.",
           ["Ik kan anderen goed overtuigen", "Ik leg uit waarom iets een goed idee is"])
        en("Persuasiveness", "Getting others on board with your idea or product.",
           ["I am good at convincing others", "I explain why something is a good idea"])
    37 "leadership" SocialCommunication
        nl("Leidinggeven", "Anderen aansturen en het goede voorbeeld geven.",
           ["Ik neem de leiding als dat nodig is", "Ik geef het goede voorbeeld aan anderen"])
        en("Leadership", "Guiding others and setting a good example.",
           ["I take the lead when it is needed", "I set a good example for others"])
    38 "respecting_differences" SocialCommunication
        nl("Omgaan met verschillen", "Goed omgaan met mensen met een andere achtergrond of mening.",
           ["Ik ga goed om met mensen met een andere achtergrond", "Ik sta open voor andere meningen"])
        en("Respecting differences", "Getting on well with people of other backgrounds or views.",
           ["I get on well with people from other backgrounds", "I am open to other opinions"])
    39 "taking_feedback" SocialCommunication
        nl("Feedback ontvangen", "Iets doen met tips en kritiek.",
           ["Ik sta open voor tips en doe er iets mee", "Ik vraag zelf hoe ik iets beter kan doen"])
        en("Taking feedback", "Doing something with tips and criticism.",
           ["I am open to tips and act on them", "I ask how I can do something better"])
    40 "presentability" SocialCommunication
        nl("Representativiteit", "Verzorgd en netjes overkomen, passend bij het werk.",
           ["Ik zie er verzorgd uit en gedraag me netjes", "Ik weet hoe ik me tegenover klanten opstel"])
        en("Presentability", "Coming across well-groomed and tidy, fitting the work.",
           ["I look well-groomed and behave properly", "I know how to present myself to customers"])
    41 "physical_fitness" PhysicalManual
        nl("Fysieke fitheid", "Lichamelijk zwaar werk aankunnen.",
           ["Ik ben fit en kan goed tegen zwaar werk", "Ik vind het niet erg om de hele dag te staan of te tillen"])
        en("Physical fitness", "Being able to handle physically demanding work.",
           ["I am fit and can handle heavy work", "I do not mind standing or lifting all day"])
    42 "manual_dexterity" PhysicalManual
        nl("Handigheid", "Goed met je handen werken, ook bij klein en precies werk.",
           ["Ik ben handig en werk graag met mijn handen", "Ik doe ook klein en precies werk zonder moeite"])
        en("Manual dexterity", "Working well with your hands, also on small, precise work.",
           ["I am handy and like working with my hands", "I do small, precise work without trouble"])
    43 "working_with_tools" PhysicalManual
        nl("Werken met gereedschap", "Veilig en handig gereedschap gebruiken.",
           ["Ik werk handig en veilig met gereedschap", "Ik houd mijn gereedschap netjes op orde"])
        en("Working with tools", "Using tools safely and skilfully.",
           ["I work skilfully and safely with tools", "I keep my tools neat and in order"])
    44 "operating_machines" PhysicalManual
        nl("Machines bedienen", "Machines en apparaten veilig bedienen en in de gaten houden.",
           ["Ik bedien machines veilig en let goed op", "Ik merk het snel als een machine anders loopt dan normaal"])
        en("Operating machines", "Running machines and equipment safely and keeping an eye on them.",
           ["I operate machines safely and pay close attention", "I quickly notice when a machine runs differently than usual"])
    45 "tidiness" PhysicalManual
        nl("Ordelijkheid", "Alles netjes op de juiste plek houden.",
           ["Ik houd alles netjes op de juiste plek", "Ik ruim op zonder dat iemand het vraagt"])
        en("Tidiness", "Keeping everything neat and in the right place.",
           ["I keep everything neat and in the right place", "I tidy up without being asked"])
    46 "working_outdoors" PhysicalManual
        nl("Buiten werken", "Graag buiten aan de slag, ook bij slecht weer.",
           ["Ik werk graag buiten, ook als het regent", "Ik ben liever buiten dan achter een bureau"])
        en("Working outdoors", "Happy to work outside, also in bad weather.",
           ["I like working outside, even when it rains", "I would rather be outside than behind a desk"])
    47 "working_at_pace" PhysicalManual
        nl("Tempo maken", "Snel en goed doorwerken als dat nodig is.",
           ["Ik werk snel door als het moet", "Ik houd een hoog tempo vol zonder slordig te worden"])
        en("Working at pace", "Working quickly and well when needed.",
           ["I work fast when it is needed", "I keep up a high pace without getting sloppy"])
    48 "caring" LifeSkills
        nl("Zorgzaamheid", "Goed voor anderen zorgen.",
           ["Ik zorg graag voor anderen", "Ik merk het op als iemand hulp nodig heeft"])
        en("Caring", "Taking good care of others.",
           ["I like taking care of others", "I notice when someone needs help"])
    49 "honesty" LifeSkills
        nl("Eerlijkheid", "Oprecht zijn, ook als dat lastig is.",
           ["Ik ben eerlijk, ook als dat lastig is", "Ik ga zorgvuldig om met geld en spullen van anderen"])
        en("Honesty", "Being sincere, also when that is hard.",
           ["I am honest, even when it is hard", "I handle other people's money and things with care"])
    50 "sustainability" LifeSkills
        nl("Duurzaam werken", "Zuinig zijn op spullen, energie en het milieu.",
           ["Ik ga zuinig om met materiaal en energie", "Ik let op afval en scheid het goed"])
        en("Sustainability", "Being careful with materials, energy and the environment.",
           ["I am careful with materials and energy", "I watch out for waste and sort it properly"])
    51 "positive_attitude" LifeSkills
        nl("Positieve instelling", "Met plezier werken en anderen aansteken.",
           ["Ik ga met plezier aan het werk", "Ik houd de sfeer goed, ook op een zware dag"])
        en("Positive attitude", "Working with pleasure and lifting others.",
           ["I go to work with pleasure", "I keep the mood good, even on a tough day"])
}

/// The competence with this code.
pub fn by_code(code: &str) -> Option<&'static Competence> {
    COMPETENCES.iter().find(|c| c.code == code)
}

/// The competence at this bit.
pub fn by_bit(bit: u8) -> Option<&'static Competence> {
    COMPETENCES.get(bit as usize).filter(|c| c.bit == bit)
}

/// The bit mask of a set of competences.
pub fn mask_of<'a>(competences: impl IntoIterator<Item = &'a Competence>) -> i64 {
    competences
        .into_iter()
        .fold(0i64, |m, c| m | (1i64 << c.bit))
}

/// The competences whose bits are set in `mask`, in bit order.
pub fn from_mask(mask: i64) -> impl Iterator<Item = &'static Competence> {
    COMPETENCES
        .iter()
        .filter(move |c| mask & (1i64 << c.bit) != 0)
}

/// A competence code in the contract: an enum of every code in the catalogue, so clients
/// (and fuzzers) know the valid values. Requests still carry plain strings, so that an
/// unknown code gets a field error that names it.
pub struct CompetenceCode;

impl utoipa::PartialSchema for CompetenceCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A competence code from GET /v1/competences"))
            .enum_values(Some(COMPETENCES.iter().map(|c| c.code)))
            .into()
    }
}

impl utoipa::ToSchema for CompetenceCode {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn there_are_exactly_52_competences_with_bits_0_to_51_in_order() {
        assert_eq!(COMPETENCES.len(), 52);
        for (i, c) in COMPETENCES.iter().enumerate() {
            assert_eq!(c.bit as usize, i, "{} is out of bit order", c.code);
        }
    }

    #[test]
    fn codes_are_unique_snake_case() {
        let codes: HashSet<_> = COMPETENCES.iter().map(|c| c.code).collect();
        assert_eq!(codes.len(), 52);
        for c in COMPETENCES {
            assert!(
                c.code
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{}",
                c.code
            );
        }
    }

    #[test]
    fn both_languages_are_complete() {
        for c in COMPETENCES {
            for (lang, t, first) in [("nl", &c.nl, "Ik "), ("en", &c.en, "I ")] {
                assert!(
                    !t.name.is_empty() && !t.description.is_empty(),
                    "{} {lang}",
                    c.code
                );
                assert!(
                    t.description.ends_with('.'),
                    "{} {lang} description",
                    c.code
                );
                assert!(
                    t.statements.len() >= 2,
                    "{} {lang} needs two statements",
                    c.code
                );
                for s in t.statements {
                    assert!(
                        s.starts_with(first),
                        "{} {lang}: {s:?} must start with {first:?}",
                        c.code
                    );
                    assert!(
                        !s.ends_with('.'),
                        "{} {lang}: the generator adds the full stop",
                        c.code
                    );
                    assert!(
                        s.len() <= 90,
                        "{} {lang}: {s:?} is too long for the generator",
                        c.code
                    );
                }
            }
            let names: HashSet<_> = COMPETENCES.iter().map(|c| c.nl.name).collect();
            assert_eq!(names.len(), 52, "Dutch names repeat");
        }
    }

    #[test]
    fn every_cluster_is_used() {
        for cluster in Cluster::ALL {
            assert!(
                COMPETENCES.iter().any(|c| c.cluster == cluster),
                "{cluster:?} unused"
            );
        }
    }

    #[test]
    fn masks_round_trip() {
        let picked = [
            by_code("reliability").unwrap(),
            by_code("teamwork").unwrap(),
            by_code("positive_attitude").unwrap(),
        ];
        let mask = mask_of(picked.iter().copied());
        assert_eq!(mask.count_ones(), 3);
        let back: Vec<_> = from_mask(mask).map(|c| c.code).collect();
        assert_eq!(back, ["reliability", "teamwork", "positive_attitude"]);
        assert_eq!(by_bit(51).unwrap().code, "positive_attitude");
    }
}
