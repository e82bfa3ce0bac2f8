//! Occupations where young people start, with the competences each asks (3–8, most important
//! first). A vacancy's competences are suggested from its occupation.

#[derive(Debug)]
pub struct Occupation {
    pub code: &'static str,
    /// ISCO-08 unit group, where one fits.
    pub isco08: Option<&'static str>,
    pub nl: &'static str,
    pub en: &'static str,
    pub competences: &'static [&'static str],
}

macro_rules! occupations {
    ($( $code:literal $isco:tt $nl:literal $en:literal [$($c:literal),+ $(,)?] )*) => {
        /// Every occupation, grouped by sector.
        pub static OCCUPATIONS: &[Occupation] = &[$(
            Occupation { code: $code, isco08: occupations!(@isco $isco), nl: $nl, en: $en, competences: &[$($c),+] },
        )*];
    };
    (@isco -) => { None };
    (@isco $isco:literal) => { Some($isco) };
}

occupations! {
    // Retail
    "shop_assistant" "5223" "Verkoopmedewerker" "Shop assistant" ["customer_focus", "friendliness", "commercial_awareness", "teamwork", "presentability"]
    "cashier" "5230" "Kassamedewerker" "Cashier" ["numeracy", "accuracy", "honesty", "customer_focus", "stress_resistance"]
    "shelf_stacker" "9334" "Vakkenvuller" "Shelf stacker" ["working_at_pace", "tidiness", "physical_fitness", "reliability"]
    "sales_promoter" "5242" "Promotiemedewerker" "Sales promoter" ["persuasiveness", "friendliness", "presentability", "commercial_awareness", "positive_attitude"]
    "telesales_agent" "5244" "Telefonisch verkoper" "Telesales agent" ["persuasiveness", "communication", "listening", "stress_resistance", "perseverance"]
    "webshop_order_processor" "4321" "Orderverwerker webwinkel" "Webshop order processor" ["digital_skills", "accuracy", "working_at_pace", "overview"]
    // Hospitality
    "cook" "5120" "Kok" "Cook" ["hygiene", "working_at_pace", "creativity", "stress_resistance", "teamwork", "planning"]
    "kitchen_helper" "9412" "Keukenhulp" "Kitchen helper" ["hygiene", "working_at_pace", "teamwork", "following_instructions", "physical_fitness"]
    "waiter" "5131" "Bediening" "Waiter" ["customer_focus", "friendliness", "stress_resistance", "overview", "teamwork", "presentability"]
    "bartender" "5132" "Barmedewerker" "Bartender" ["customer_focus", "working_at_pace", "friendliness", "numeracy", "stress_resistance"]
    "fast_food_worker" "9411" "Medewerker fastfood" "Fast food worker" ["working_at_pace", "hygiene", "teamwork", "friendliness"]
    "barista" "5246" "Barista" "Barista" ["customer_focus", "hygiene", "accuracy", "friendliness", "working_at_pace"]
    "hotel_receptionist" "4224" "Receptionist hotel" "Hotel receptionist" ["customer_focus", "languages", "digital_skills", "presentability", "problem_solving"]
    "hotel_housekeeper" "9112" "Kamermeisje / roomboy" "Hotel housekeeper" ["tidiness", "working_at_pace", "accuracy", "hygiene", "independence"]
    // Logistics and transport
    "order_picker" "9333" "Orderpicker" "Order picker" ["accuracy", "working_at_pace", "physical_fitness", "following_instructions", "safety_awareness"]
    "warehouse_worker" "4321" "Magazijnmedewerker" "Warehouse worker" ["tidiness", "accuracy", "physical_fitness", "digital_skills", "teamwork"]
    "forklift_driver" "8344" "Heftruckchauffeur" "Forklift driver" ["safety_awareness", "operating_machines", "accuracy", "reliability"]
    "parcel_courier" "9621" "Pakketbezorger" "Parcel courier" ["punctuality", "independence", "customer_focus", "physical_fitness", "planning"]
    "meal_courier" "8321" "Maaltijdbezorger" "Meal delivery rider" ["punctuality", "safety_awareness", "independence", "working_outdoors", "friendliness"]
    "van_driver" "8322" "Bestelbuschauffeur" "Van driver" ["safety_awareness", "planning", "punctuality", "independence", "customer_focus"]
    "truck_driver" "8332" "Vrachtwagenchauffeur" "Truck driver" ["safety_awareness", "independence", "reliability", "planning", "stress_resistance"]
    "bus_driver" "8331" "Buschauffeur" "Bus driver" ["safety_awareness", "customer_focus", "punctuality", "stress_resistance", "responsibility"]
    "transport_planner" "4323" "Transportplanner" "Transport planner" ["planning", "overview", "problem_solving", "communication", "digital_skills", "decisiveness"]
    "packer" "9321" "Inpakker" "Packer" ["working_at_pace", "accuracy", "manual_dexterity", "following_instructions"]
    // Production and manufacturing
    "production_worker" "9329" "Productiemedewerker" "Production worker" ["following_instructions", "working_at_pace", "safety_awareness", "teamwork", "quality_awareness"]
    "assembler" "8219" "Assemblagemedewerker" "Assembler" ["manual_dexterity", "accuracy", "following_instructions", "quality_awareness"]
    "machine_operator" "8160" "Operator voedingsmiddelen" "Food production operator" ["operating_machines", "hygiene", "safety_awareness", "technical_insight", "accuracy"]
    "cnc_operator" "7223" "CNC-operator" "CNC operator" ["technical_insight", "accuracy", "operating_machines", "numeracy", "quality_awareness"]
    "quality_inspector" "7543" "Kwaliteitscontroleur" "Quality inspector" ["accuracy", "quality_awareness", "analytical_thinking", "reading_writing"]
    "welder" "7212" "Lasser" "Welder" ["manual_dexterity", "safety_awareness", "accuracy", "working_with_tools", "perseverance"]
    "baker" "7512" "Bakker" "Baker" ["hygiene", "accuracy", "punctuality", "creativity", "physical_fitness"]
    "butcher" "7511" "Slager" "Butcher" ["hygiene", "manual_dexterity", "working_with_tools", "customer_focus", "safety_awareness"]
    "furniture_maker" "7522" "Meubelmaker" "Furniture maker" ["manual_dexterity", "working_with_tools", "accuracy", "creativity", "quality_awareness"]
    // Construction and installation
    "construction_labourer" "9313" "Bouwplaatsmedewerker" "Construction labourer" ["physical_fitness", "safety_awareness", "teamwork", "working_outdoors", "following_instructions"]
    "carpenter" "7115" "Timmerman" "Carpenter" ["working_with_tools", "manual_dexterity", "accuracy", "numeracy", "safety_awareness", "technical_insight"]
    "bricklayer" "7112" "Metselaar" "Bricklayer" ["physical_fitness", "accuracy", "working_outdoors", "working_with_tools", "perseverance"]
    "painter" "7131" "Schilder" "Painter" ["accuracy", "manual_dexterity", "quality_awareness", "tidiness", "independence"]
    "electrician" "7411" "Elektricien" "Electrician" ["technical_insight", "safety_awareness", "accuracy", "problem_solving", "working_with_tools"]
    "plumber" "7126" "Installatiemonteur" "Plumber and pipe fitter" ["technical_insight", "problem_solving", "working_with_tools", "customer_focus", "independence"]
    "hvac_mechanic" "7127" "Monteur koeltechniek" "Refrigeration and air-conditioning mechanic" ["technical_insight", "analytical_thinking", "safety_awareness", "customer_focus"]
    "solar_installer" "7411" "Monteur zonnepanelen" "Solar panel installer" ["safety_awareness", "physical_fitness", "working_outdoors", "technical_insight", "teamwork", "sustainability"]
    // Technology and maintenance
    "car_mechanic" "7231" "Automonteur" "Car mechanic" ["technical_insight", "problem_solving", "working_with_tools", "accuracy", "eagerness_to_learn"]
    "bicycle_mechanic" "7234" "Fietsenmaker" "Bicycle mechanic" ["technical_insight", "manual_dexterity", "customer_focus", "working_with_tools"]
    "machinery_mechanic" "7233" "Onderhoudsmonteur" "Maintenance mechanic" ["technical_insight", "analytical_thinking", "problem_solving", "safety_awareness", "independence"]
    "ict_support" "3512" "Helpdeskmedewerker ICT" "IT support assistant" ["digital_skills", "problem_solving", "customer_focus", "communication", "eagerness_to_learn", "listening"]
    "junior_web_developer" "3514" "Junior webdeveloper" "Junior web developer" ["digital_skills", "analytical_thinking", "creativity", "eagerness_to_learn", "accuracy"]
    "av_technician" "3521" "AV-technicus" "Audio-visual technician" ["technical_insight", "stress_resistance", "flexibility", "teamwork", "digital_skills"]
    // Office and customer service
    "office_clerk" "4110" "Administratief medewerker" "Office clerk" ["accuracy", "digital_skills", "planning", "reading_writing", "numeracy"]
    "data_entry_clerk" "4132" "Data-invoerder" "Data entry clerk" ["accuracy", "digital_skills", "self_discipline", "working_at_pace"]
    "customer_service_agent" "4222" "Klantenservicemedewerker" "Customer service agent" ["customer_focus", "listening", "communication", "problem_solving", "stress_resistance", "digital_skills"]
    "receptionist" "4226" "Receptionist" "Receptionist" ["friendliness", "presentability", "communication", "overview", "digital_skills"]
    "medical_assistant" "3256" "Doktersassistent" "Medical assistant" ["empathy", "accuracy", "communication", "hygiene", "planning", "stress_resistance"]
    // Care and welfare
    "care_assistant" "5321" "Helpende zorg en welzijn" "Care assistant" ["caring", "empathy", "hygiene", "teamwork", "reliability", "listening"]
    "home_care_worker" "5322" "Medewerker thuiszorg" "Home care worker" ["caring", "independence", "empathy", "reliability", "respecting_differences"]
    "childcare_worker" "5311" "Pedagogisch medewerker kinderopvang" "Childcare worker" ["caring", "creativity", "empathy", "communication", "safety_awareness", "positive_attitude"]
    "teaching_assistant" "5312" "Onderwijsassistent" "Teaching assistant" ["communication", "empathy", "planning", "leadership", "respecting_differences"]
    "domestic_helper" "9111" "Huishoudelijke hulp" "Domestic helper" ["tidiness", "honesty", "independence", "reliability", "caring"]
    // Cleaning and facilities
    "cleaner" "9112" "Schoonmaker" "Cleaner" ["tidiness", "independence", "reliability", "working_at_pace", "hygiene"]
    "street_cleaner" "9613" "Medewerker straatreiniging" "Street cleaner" ["working_outdoors", "physical_fitness", "sustainability", "reliability"]
    "car_washer" "9122" "Autopoetser" "Car washer" ["accuracy", "physical_fitness", "quality_awareness", "customer_focus"]
    "handyman" "9622" "Klusjesman / conciërge" "Handyman" ["manual_dexterity", "working_with_tools", "problem_solving", "independence", "flexibility"]
    // Security
    "security_guard" "5414" "Beveiliger" "Security guard" ["reliability", "stress_resistance", "communication", "decisiveness", "safety_awareness", "presentability"]
    "enforcement_officer" "5419" "Handhaver" "Enforcement officer" ["communication", "decisiveness", "respecting_differences", "stress_resistance", "honesty"]
    // Agriculture, green and animals
    "gardener" "6113" "Hovenier" "Gardener" ["working_outdoors", "physical_fitness", "creativity", "working_with_tools", "sustainability"]
    "green_space_worker" "9214" "Medewerker groenvoorziening" "Green space worker" ["working_outdoors", "physical_fitness", "teamwork", "operating_machines", "sustainability"]
    "harvest_worker" "9211" "Oogstmedewerker" "Harvest worker" ["physical_fitness", "working_at_pace", "working_outdoors", "perseverance"]
    "dairy_farm_worker" "6121" "Medewerker melkveehouderij" "Dairy farm worker" ["caring", "physical_fitness", "punctuality", "working_outdoors", "operating_machines"]
    "animal_caretaker" "5164" "Dierverzorger" "Animal caretaker" ["caring", "hygiene", "reliability", "accuracy", "empathy"]
    "tractor_driver" "8341" "Trekkerchauffeur loonwerk" "Agricultural machinery driver" ["operating_machines", "safety_awareness", "technical_insight", "working_outdoors", "independence"]
    // Sports, recreation and personal care
    "fitness_instructor" "3423" "Fitnessinstructeur" "Fitness instructor" ["physical_fitness", "communication", "positive_attitude", "leadership", "customer_focus"]
    "recreation_worker" - "Recreatiemedewerker" "Recreation worker" ["friendliness", "creativity", "positive_attitude", "flexibility", "teamwork"]
    "lifeguard" - "Zwembadmedewerker / badmeester" "Lifeguard" ["safety_awareness", "physical_fitness", "decisiveness", "responsibility", "overview"]
    "hairdresser" "5141" "Kapper" "Hairdresser" ["creativity", "manual_dexterity", "customer_focus", "friendliness", "presentability"]
    "beautician" "5142" "Schoonheidsspecialist" "Beautician" ["hygiene", "manual_dexterity", "customer_focus", "empathy", "accuracy"]
}

/// The occupation with this code.
pub fn by_code(code: &str) -> Option<&'static Occupation> {
    OCCUPATIONS.iter().find(|o| o.code == code)
}

/// Lower-case and strip accents, so "ZORG" finds "zorg" and "conciërge" finds "concierge".
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

/// Occupations whose Dutch or English name contains `query` (case and accent insensitive);
/// every occupation for an empty query. In catalogue order, each with its place in it (what a
/// page's cursor keeps).
pub fn search(query: &str) -> impl Iterator<Item = (usize, &'static Occupation)> {
    let q = fold(query.trim());
    OCCUPATIONS
        .iter()
        .enumerate()
        .filter(move |(_, o)| q.is_empty() || fold(o.nl).contains(&q) || fold(o.en).contains(&q))
}

/// An occupation's place in the catalogue, by its code.
pub fn position(code: &str) -> Option<usize> {
    OCCUPATIONS.iter().position(|o| o.code == code)
}

/// An occupation code in the contract: an enum of every code, so clients know the values.
pub struct OccupationCode;

impl utoipa::PartialSchema for OccupationCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An occupation code from GET /v1/occupations"))
            .enum_values(Some(OCCUPATIONS.iter().map(|o| o.code)))
            .into()
    }
}

impl utoipa::ToSchema for OccupationCode {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::competences::catalogue;
    use std::collections::HashSet;

    #[test]
    fn there_are_at_least_60_occupations_with_unique_codes() {
        assert!(OCCUPATIONS.len() >= 60, "{}", OCCUPATIONS.len());
        let codes: HashSet<_> = OCCUPATIONS.iter().map(|o| o.code).collect();
        assert_eq!(codes.len(), OCCUPATIONS.len());
    }

    #[test]
    fn every_occupation_asks_3_to_8_existing_distinct_competences() {
        for o in OCCUPATIONS {
            assert!((3..=8).contains(&o.competences.len()), "{}", o.code);
            let distinct: HashSet<_> = o.competences.iter().collect();
            assert_eq!(
                distinct.len(),
                o.competences.len(),
                "{} repeats a competence",
                o.code
            );
            for c in o.competences {
                assert!(
                    catalogue::by_code(c).is_some(),
                    "{} asks unknown competence {c}",
                    o.code
                );
            }
            if let Some(isco) = o.isco08 {
                assert!(
                    isco.len() == 4 && isco.bytes().all(|b| b.is_ascii_digit()),
                    "{}",
                    o.code
                );
            }
        }
    }

    #[test]
    fn search_ignores_case_and_accents_in_both_languages() {
        let hits = |q: &str| search(q).map(|(_, o)| o.code).collect::<Vec<_>>();
        assert!(hits("CONCIERGE").contains(&"handyman"));
        assert!(hits("kok").contains(&"cook"));
        assert!(hits("Mechanic").contains(&"car_mechanic"));
        assert!(hits("zorg").contains(&"care_assistant"));
        assert!(hits("xyzzy").is_empty());
        assert_eq!(search("").count(), OCCUPATIONS.len());
        assert!(
            search("").enumerate().all(|(n, (i, _))| n == i),
            "places in catalogue order"
        );
    }
}
