//! What `makers(…)` filters on and what `createMaker` / `updateMaker` write, turned into
//! engine filters and the service's input.

use std::collections::BTreeSet;

use async_graphql::{Context, ID, InputObject, Result};
use makermatch_entities::skill;
use makermatch_search::skills::{skill_key, skill_process};
use makermatch_search::{Filters, SkillFilter, Taxonomy};

use super::types::SkillLevel;
use crate::graphql::error::bad_input;
use crate::graphql::loader::{AppLoader, ProcessSkills};
use crate::graphql::relay::{NodeType, expect_id};
use crate::graphql::scalars::Date;
use crate::graphql::taxonomy::{process_id, taxonomy};
use crate::services::makers::{
    AffiliationInput, AvailabilityInput, ExperienceInput, MakerInput, SkillClaimInput,
};

/// Facet filters of `makers(…)`. Skills and processes need all of them; countries and
/// languages match any.
#[derive(InputObject, Default)]
pub struct MakerFilter {
    /// ISO 3166-1 alpha-2 codes of home countries.
    pub countries: Option<Vec<String>>,
    /// Skills as written ("TIG welding", "soudure"): matched on the normalised skill, or
    /// on any declared skill of the process the words name or a narrower one ("soudure"
    /// finds "Welding" and "MIG welding").
    pub skills: Option<Vec<String>>,
    /// Least level for every skill in `skills`.
    pub min_level: Option<SkillLevel>,
    /// Only skills backed by a valid credential from a trusted issuer.
    #[graphql(default)]
    pub verified_only: bool,
    /// Processes the maker has a skill in (taxonomy terms; descendants count).
    pub processes: Option<Vec<String>>,
    /// Languages spoken (BCP 47 tags or names); any of them.
    pub languages: Option<Vec<String>>,
}

impl MakerFilter {
    pub async fn to_filters(&self, ctx: &Context<'_>) -> Result<Filters> {
        let tax = taxonomy(ctx)?;
        let mut f = Filters::default();
        for (i, c) in self.countries.iter().flatten().enumerate() {
            let code = c.trim().to_uppercase();
            if code.len() != 2 || !code.chars().all(|ch| ch.is_ascii_uppercase()) {
                return Err(bad_input(
                    &format!("filter.countries[{i}]"),
                    format!("`{c}` is not an ISO 3166-1 alpha-2 code such as GH, KE or ZA"),
                ));
            }
            f.countries.push(code);
        }
        f.skill_alternatives = skill_requirements(
            ctx,
            "filter.skills",
            self.skills.as_deref().unwrap_or_default(),
            self.min_level,
            self.verified_only,
        )
        .await?;
        for (i, p) in self.processes.iter().flatten().enumerate() {
            let id = process_id(tax, &format!("filter.processes[{i}]"), p)?;
            if self.verified_only {
                f.verified_processes.push(id);
            } else {
                f.processes.push(id);
            }
        }
        f.languages = self.languages.clone().unwrap_or_default();
        Ok(f)
    }
}

/// The process a skill's words name: a process id as such, else what the words resolve
/// to ("soudure" → `welding`, "FDM 3D printing" → `fdm`).
fn named_process(tax: &Taxonomy, words: &str) -> Option<String> {
    tax.process(words.trim())
        .map(|p| p.id.clone())
        .or_else(|| skill_process(tax, words))
}

/// Skill requirements for the engine, one per term, each met by the skill as written
/// (normalised with `skill_key`) or by any declared skill linked to the process the term
/// names or a narrower one. One query on the skills table (batched across resolvers)
/// finds those skills.
pub async fn skill_requirements(
    ctx: &Context<'_>,
    field: &str,
    terms: &[String],
    min_level: Option<SkillLevel>,
    verified: bool,
) -> Result<Vec<Vec<SkillFilter>>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let tax = taxonomy(ctx)?;
    let mut wanted: Vec<(String, Vec<String>)> = Vec::with_capacity(terms.len());
    for (i, term) in terms.iter().enumerate() {
        let key = skill_key(term);
        if key.is_empty() {
            return Err(bad_input(&format!("{field}[{i}]"), "a skill needs words"));
        }
        let narrower: Vec<String> = match named_process(tax, term) {
            Some(named) => tax
                .processes()
                .iter()
                .filter(|p| tax.satisfies(&p.id, &named))
                .map(|p| p.id.clone())
                .collect(),
            None => Vec::new(),
        };
        wanted.push((key, narrower));
    }
    let processes: BTreeSet<&String> = wanted.iter().flat_map(|(_, p)| p).collect();
    let linked: Vec<skill::Model> = if processes.is_empty() {
        Vec::new()
    } else {
        let loader = ctx.data::<AppLoader>()?;
        loader
            .load_many(processes.into_iter().cloned().map(ProcessSkills))
            .await?
            .into_values()
            .flatten()
            .collect()
    };
    let filter = |key: &str| SkillFilter {
        key: key.to_owned(),
        min_level: min_level.map(SkillLevel::to_engine),
        verified,
    };
    Ok(wanted
        .into_iter()
        .map(|(key, narrower)| {
            let mut keys: BTreeSet<&str> = BTreeSet::from([key.as_str()]);
            keys.extend(
                linked
                    .iter()
                    .filter(|s| s.process_id.as_ref().is_some_and(|p| narrower.contains(p)))
                    .map(|s| s.key.as_str()),
            );
            keys.into_iter().map(filter).collect()
        })
        .collect())
}

/// A maker's home. Country and city are public; the exact position is private: public
/// searches and answers use a position drawn 5.8–10 km away from it.
#[derive(InputObject, Default)]
pub struct MakerLocationInput {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// City or town; public.
    pub city: Option<String>,
    /// Exact latitude in degrees (private). Give both coordinates or neither.
    pub lat: Option<f64>,
    /// Exact longitude in degrees (private).
    pub lon: Option<f64>,
}

/// A skill the maker claims (self-declared until a credential backs it).
#[derive(InputObject)]
#[graphql(name = "SkillClaimInput")]
pub struct SkillClaimInputGql {
    /// The skill in the maker's words ("TIG welding", "soudure", "KiCad"); stored under
    /// its normalised key and linked to the process it names, if any.
    pub skill: String,
    /// The level claimed.
    pub level: SkillLevel,
    /// Years of practice, zero or more.
    pub years: Option<f64>,
    /// An http(s) link to work that shows the skill.
    pub evidence_url: Option<String>,
}

/// Work the maker has done.
#[derive(InputObject)]
#[graphql(name = "ExperienceInput")]
pub struct ExperienceInputGql {
    /// The role or project title; not empty.
    pub title: String,
    /// The organisation worked for, when it is not a facility known here.
    pub organisation: Option<String>,
    /// The facility worked at: its id (global or plain UUID).
    pub facility_id: Option<ID>,
    /// First day.
    pub date_from: Option<Date>,
    /// Not before `dateFrom`.
    pub date_to: Option<Date>,
    /// What the work was.
    pub description: Option<String>,
    /// Processes used: taxonomy terms (ids, labels in any language, aliases, Wikipedia
    /// URLs, TSDC codes), stored as process ids.
    #[graphql(default)]
    pub processes: Vec<String>,
}

/// When and how much the maker can work.
#[derive(InputObject)]
#[graphql(name = "AvailabilityInput")]
pub struct AvailabilityInputGql {
    /// 0 to 168.
    pub hours_per_week: f64,
    /// First day; absent: from now.
    pub available_from: Option<Date>,
    /// Not before `availableFrom`.
    pub available_to: Option<Date>,
}

/// A facility the maker belongs to or works at.
#[derive(InputObject)]
#[graphql(name = "AffiliationInput")]
pub struct AffiliationInputGql {
    /// The facility's id (global or plain UUID).
    pub facility_id: ID,
    /// The maker's role there: `member`, `staff` or `owner`.
    #[graphql(default_with = "String::from(\"member\")")]
    pub role: String,
}

/// A maker passport as written by `createMaker` and `updateMaker` (which replaces the
/// whole passport with this one; credentials and machine clearances, granted by others,
/// are kept). At least one name or a display name is needed. Contact details, the exact
/// position, date of birth and nationality are private: only the maker, coordinators and
/// admins read them (the exact position only with `shareExactLocation`, for staff).
#[derive(InputObject)]
#[graphql(name = "MakerInput")]
pub struct MakerInputGql {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// The first name the maker goes by.
    pub preferred_first_name: Option<String>,
    /// A name to show when no personal name is given.
    pub display_name: Option<String>,
    /// The maker's own description.
    pub bio: Option<String>,
    /// Languages spoken, as BCP 47 tags (`en`, `fr`, `sw`) or names.
    #[graphql(default)]
    pub languages: Vec<String>,
    /// Home country, city and (private) position.
    #[graphql(default)]
    pub location: MakerLocationInput,
    /// ISO 3166-1 alpha-2 (private).
    pub nationality: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub residence_country: Option<String>,
    /// Private; not in the future.
    pub date_of_birth: Option<Date>,
    /// Private.
    pub email: Option<String>,
    /// Private.
    pub phone: Option<String>,
    /// Consent to be listed and found by anyone. Off unless given.
    #[graphql(default)]
    pub public_profile: bool,
    /// Consent to show the exact position to those allowed to see contact details. Off
    /// unless given.
    #[graphql(default)]
    pub share_exact_location: bool,
    /// Skills claimed.
    #[graphql(default)]
    pub skills: Vec<SkillClaimInputGql>,
    /// Work done.
    #[graphql(default)]
    pub experiences: Vec<ExperienceInputGql>,
    /// When and how much the maker can work.
    #[graphql(default)]
    pub availability: Vec<AvailabilityInputGql>,
    /// Facilities the maker belongs to or works at.
    #[graphql(default)]
    pub affiliations: Vec<AffiliationInputGql>,
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl MakerInputGql {
    /// The service's input: ids decoded, taxonomy terms resolved. Every other rule (names,
    /// position, countries, e-mail, phone, links, dates, hours, facility existence) is the
    /// service's, the same for every door, reported under the same `input.` field names.
    pub(super) fn into_service(self, ctx: &Context<'_>) -> Result<MakerInput> {
        let tax = taxonomy(ctx)?;
        let mut input = MakerInput {
            first_name: self.first_name,
            last_name: self.last_name,
            middle_name: self.middle_name,
            preferred_first_name: self.preferred_first_name,
            display_name: self.display_name,
            bio: trimmed(self.bio),
            languages: self.languages,
            country: self.location.country,
            city: self.location.city,
            lat: self.location.lat,
            lon: self.location.lon,
            nationality: self.nationality,
            residence_country: self.residence_country,
            date_of_birth: self.date_of_birth.map(Into::into),
            email: trimmed(self.email),
            phone: trimmed(self.phone),
            public_profile: self.public_profile,
            share_exact_location: self.share_exact_location,
            ..MakerInput::default()
        };
        for s in self.skills {
            input.skills.push(SkillClaimInput {
                process_id: named_process(tax, &s.skill),
                skill: s.skill,
                level: s.level.into(),
                years: s.years,
                evidence_url: trimmed(s.evidence_url),
            });
        }
        for (i, e) in self.experiences.into_iter().enumerate() {
            let field = format!("input.experiences[{i}]");
            let facility_id = e
                .facility_id
                .map(|id| expect_id(&format!("{field}.facilityId"), &id, NodeType::Facility))
                .transpose()?;
            let mut processes: Vec<String> = Vec::new();
            for (j, term) in e.processes.iter().enumerate() {
                let id = process_id(tax, &format!("{field}.processes[{j}]"), term)?;
                if !processes.contains(&id) {
                    processes.push(id);
                }
            }
            input.experiences.push(ExperienceInput {
                title: e.title,
                organisation: trimmed(e.organisation),
                facility_id,
                date_from: e.date_from.map(Into::into),
                date_to: e.date_to.map(Into::into),
                description: trimmed(e.description),
                processes,
            });
        }
        for a in self.availability {
            input.availability.push(AvailabilityInput {
                hours_per_week: a.hours_per_week,
                available_from: a.available_from.map(Into::into),
                available_to: a.available_to.map(Into::into),
            });
        }
        for (i, a) in self.affiliations.into_iter().enumerate() {
            let field = format!("input.affiliations[{i}]");
            let facility_id = expect_id(
                &format!("{field}.facilityId"),
                &a.facility_id,
                NodeType::Facility,
            )?;
            let role = a.role.trim().to_owned();
            if role.is_empty() {
                return Err(bad_input(
                    &format!("{field}.role"),
                    "must not be empty; e.g. member, staff or owner",
                ));
            }
            input
                .affiliations
                .push(AffiliationInput { facility_id, role });
        }
        Ok(input)
    }
}
