//! Makers (PSS maker passports) over GraphQL: the `Maker` type over the stored row and
//! `makers(…)` through the search engine. Public callers see the public part of a
//! passport and its public position only, never the home (DESIGN §5, §8).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_graphql::parser::types::Field;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject, Value};
use chrono::{DateTime, NaiveDate, Utc};
use makermatch_entities::{facility, maker, skill};
use makermatch_search::skills::{skill_key, skill_process};
use makermatch_search::{Filters, Kind, LatLon, SearchRequest, SkillFilter, Taxonomy, Within};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::access::{
    positions, sees_maker, sees_private_profiles, self_or_staff_field, shown, viewer,
};
use super::error::{bad_input, from_service, internal};
use super::facilities::Deleted;
use super::geo::{BoundingBox, GeoFilter};
use super::loader::{
    AppLoader, ClaimedSkill, MakerAffiliations, MakerAvailability, MakerClaims, MakerExperiences,
    MakerId, ProcessSkills, ordered,
};
use super::plain::{Plain, SharedList, Viewed, plain, plain_list};
use super::relay::{NodeType, Page, PageArgs, expect_id, global_id, page, wants_total};
use super::search_support::{index, run_search};
use super::taxonomy::{process_id, taxonomy};
use crate::services::makers::{
    self as service, AffiliationInput, AvailabilityInput, ExperienceInput, MakerInput,
    SkillClaimInput,
};
use crate::services::string_list;

/// PSS skill levels, lowest first.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::skill_claim::SkillLevel")]
pub enum SkillLevel {
    Novice,
    Intermediate,
    Advanced,
    Expert,
}

impl SkillLevel {
    pub fn to_engine(self) -> makermatch_search::SkillLevel {
        match self {
            SkillLevel::Novice => makermatch_search::SkillLevel::Novice,
            SkillLevel::Intermediate => makermatch_search::SkillLevel::Intermediate,
            SkillLevel::Advanced => makermatch_search::SkillLevel::Advanced,
            SkillLevel::Expert => makermatch_search::SkillLevel::Expert,
        }
    }
}

/// A maker's public whereabouts. The position is the home moved 5.8–10 km in a random
/// direction (drawn once per home) and rounded to 0.01°: at least 5 km from home, so
/// that no query can place a home.
#[derive(SimpleObject)]
pub struct PublicLocation {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub city: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A maker's home position: private to the maker, and shown to coordinators and admins
/// only when the maker consented (`shareExactLocation`).
#[derive(SimpleObject)]
pub struct ExactLocation {
    pub lat: f64,
    pub lon: f64,
}

/// A skill a maker claims: a view of the claim as the loaders read it.
pub struct SkillClaim<'a>(&'a ClaimedSkill);

impl Viewed for ClaimedSkill {
    type View<'a> = SkillClaim<'a>;
    fn view(&self) -> SkillClaim<'_> {
        SkillClaim(self)
    }
}

impl Plain for SkillClaim<'_> {
    fn plain_field(&self, field: &Field) -> Option<Value> {
        match field.name.node.as_str() {
            "level" => Some(enum_value(SkillLevel::from(self.0.level))),
            "years" => plain(self.0.years),
            "evidenceUrl" => plain(self.0.evidence_url.as_deref()),
            "label" => plain(self.0.skill.as_ref().map(|s| s.label.as_str())),
            "key" => plain(self.0.skill.as_ref().map(|s| s.key.as_str())),
            "processId" => plain(self.0.skill.as_ref().and_then(|s| s.process_id.as_deref())),
            _ => None,
        }
    }
}

/// A skill a maker claims.
#[Object]
impl SkillClaim<'_> {
    async fn level(&self) -> SkillLevel {
        SkillLevel::from(self.0.level)
    }
    async fn years(&self) -> Option<f64> {
        self.0.years
    }
    async fn evidence_url(&self) -> Option<&str> {
        self.0.evidence_url.as_deref()
    }
    /// The skill as the maker wrote it.
    async fn label(&self) -> Option<&str> {
        self.0.skill.as_ref().map(|s| s.label.as_str())
    }
    /// The normalised key filters use.
    async fn key(&self) -> Option<&str> {
        self.0.skill.as_ref().map(|s| s.key.as_str())
    }
    /// The taxonomy process the skill belongs to, when it names one.
    async fn process_id(&self) -> Option<&str> {
        self.0.skill.as_ref().and_then(|s| s.process_id.as_deref())
    }
}

/// Work a maker has done.
#[derive(SimpleObject)]
pub struct Experience {
    pub title: String,
    pub organisation: Option<String>,
    pub facility_id: Option<ID>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub description: Option<String>,
    /// Process ids used.
    pub processes: Vec<String>,
}

/// When and how much a maker can work.
#[derive(SimpleObject)]
pub struct Availability {
    pub hours_per_week: f64,
    pub available_from: Option<NaiveDate>,
    pub available_to: Option<NaiveDate>,
}

/// A facility a maker belongs to or works at.
#[derive(SimpleObject)]
pub struct Affiliation {
    pub facility_id: ID,
    /// e.g. `member`, `staff`, `owner`.
    pub role: String,
}

/// A maker passport (PSS).
pub struct Maker {
    /// Shared with the loaders' caches.
    pub row: Arc<maker::Model>,
    /// The passport's claims when the list that found the maker read them already.
    pub claims: Option<Arc<[ClaimedSkill]>>,
    /// Kilometres from the `near` point, measured from the coarse position.
    pub distance_km: Option<f64>,
}

impl Maker {
    pub fn new(row: maker::Model) -> Maker {
        Maker {
            row: Arc::new(row),
            claims: None,
            distance_km: None,
        }
    }

    /// A maker read with their claims (a facility's members).
    pub fn with_claims(row: Arc<maker::Model>, claims: Arc<[ClaimedSkill]>) -> Maker {
        Maker {
            row,
            claims: Some(claims),
            distance_km: None,
        }
    }
}

impl Plain for Maker {
    fn plain_field(&self, field: &Field) -> Option<Value> {
        match field.name.node.as_str() {
            "id" => plain(global_id(NodeType::Maker, self.row.id)),
            "uuid" => plain(self.row.id),
            "name" => plain(self.row.shown_name()),
            "firstName" => plain(self.row.first_name.as_deref()),
            "middleName" => plain(self.row.middle_name.as_deref()),
            "lastName" => plain(self.row.last_name.as_deref()),
            "preferredFirstName" => plain(self.row.preferred_first_name.as_deref()),
            "displayName" => plain(self.row.display_name.as_deref()),
            "bio" => plain(self.row.bio.as_deref()),
            "languages" => plain(string_list(&self.row.languages)),
            "residenceCountry" => plain(self.row.residence_country.as_deref()),
            "erasedAt" => plain(self.row.erased_at),
            "distanceKm" => plain(self.distance_km),
            "publicProfile" => plain(self.row.public_profile),
            "shareExactLocation" => plain(self.row.share_exact_location),
            "dateCreated" => plain(self.row.date_created),
            "lastUpdated" => plain(self.row.last_updated),
            "source" => plain(self.row.source.as_str()),
            // Claims a list read with its makers; otherwise a loader fetches them.
            "skills" => plain_list(
                self.claims.as_deref()?.iter().map(Viewed::view),
                &field.selection_set.node,
            ),
            _ => None,
        }
    }
}

#[Object]
impl Maker {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Maker, self.row.id)
    }
    async fn uuid(&self) -> Uuid {
        self.row.id
    }
    /// The name to show: preferred (or first) name and last name, else the display name.
    async fn name(&self) -> String {
        self.row.shown_name()
    }
    async fn first_name(&self) -> Option<&str> {
        self.row.first_name.as_deref()
    }
    async fn middle_name(&self) -> Option<&str> {
        self.row.middle_name.as_deref()
    }
    async fn last_name(&self) -> Option<&str> {
        self.row.last_name.as_deref()
    }
    async fn preferred_first_name(&self) -> Option<&str> {
        self.row.preferred_first_name.as_deref()
    }
    async fn display_name(&self) -> Option<&str> {
        self.row.display_name.as_deref()
    }
    async fn bio(&self) -> Option<&str> {
        self.row.bio.as_deref()
    }
    async fn languages(&self) -> Vec<String> {
        string_list(&self.row.languages)
    }
    /// Country, city and the public position, safe to show anyone.
    async fn location(&self) -> PublicLocation {
        PublicLocation {
            country: self.row.country.clone(),
            city: self.row.city.clone(),
            lat: self.row.coarse_lat,
            lon: self.row.coarse_lon,
        }
    }
    async fn residence_country(&self) -> Option<&str> {
        self.row.residence_country.as_deref()
    }
    /// Private: the maker, coordinators and admins (others get null and `FORBIDDEN`).
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let check = self_or_staff_field(ctx, self.row.id, "email");
        shown(ctx, check, || self.row.email.as_deref())
    }
    /// Private: the maker, coordinators and admins.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let check = self_or_staff_field(ctx, self.row.id, "phone");
        shown(ctx, check, || self.row.phone.as_deref())
    }
    /// Private: the maker, coordinators and admins.
    async fn date_of_birth(&self, ctx: &Context<'_>) -> Result<Option<NaiveDate>> {
        let check = self_or_staff_field(ctx, self.row.id, "dateOfBirth");
        shown(ctx, check, || self.row.date_of_birth)
    }
    /// ISO 3166-1 alpha-2. Private: the maker, coordinators and admins.
    async fn nationality(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let check = self_or_staff_field(ctx, self.row.id, "nationality");
        shown(ctx, check, || self.row.nationality.as_deref())
    }
    /// The home position. The maker always sees it; coordinators and admins only when the
    /// maker shares it (`shareExactLocation`); anyone else gets null and `FORBIDDEN`.
    async fn exact_location(&self, ctx: &Context<'_>) -> Result<Option<ExactLocation>> {
        let own = viewer(ctx).is_some_and(|a| a.maker_id == Some(self.row.id));
        let check = self_or_staff_field(ctx, self.row.id, "exactLocation").and_then(|()| {
            if own || self.row.share_exact_location {
                Ok(())
            } else {
                Err(
                    "`exactLocation` is withheld: the maker has not consented to share it \
                     (shareExactLocation is false)"
                        .to_owned(),
                )
            }
        });
        shown(ctx, check, || {
            self.row
                .lat
                .zip(self.row.lon)
                .map(|(lat, lon)| ExactLocation { lat, lon })
        })
    }
    /// When the maker had their passport erased; null for a live passport.
    async fn erased_at(&self) -> Option<DateTime<Utc>> {
        self.row.erased_at
    }
    /// Kilometres from the query's `near` point: to the public position, or for
    /// coordinators and admins to the home when the maker shares it.
    async fn distance_km(&self) -> Option<f64> {
        self.distance_km
    }
    async fn public_profile(&self) -> bool {
        self.row.public_profile
    }
    async fn share_exact_location(&self) -> bool {
        self.row.share_exact_location
    }
    async fn date_created(&self) -> DateTime<Utc> {
        self.row.date_created
    }
    async fn last_updated(&self) -> DateTime<Utc> {
        self.row.last_updated
    }
    async fn source(&self) -> &str {
        &self.row.source
    }
    async fn skills(&self, ctx: &Context<'_>) -> Result<SharedList<ClaimedSkill>> {
        let claims = match &self.claims {
            Some(claims) => claims.clone(),
            None => ctx
                .data::<AppLoader>()?
                .load_one(MakerClaims(self.row.id))
                .await?
                .unwrap_or_default(),
        };
        Ok(SharedList(claims))
    }
    async fn experiences(&self, ctx: &Context<'_>) -> Result<Vec<Experience>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(MakerExperiences(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|e| Experience {
                title: e.title,
                organisation: e.organisation,
                facility_id: e.facility_id.map(|f| global_id(NodeType::Facility, f)),
                date_from: e.date_from,
                date_to: e.date_to,
                description: e.description,
                processes: string_list(&e.processes),
            })
            .collect())
    }
    async fn availability(&self, ctx: &Context<'_>) -> Result<Vec<Availability>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(MakerAvailability(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|a| Availability {
                hours_per_week: a.hours_per_week,
                available_from: a.available_from,
                available_to: a.available_to,
            })
            .collect())
    }
    /// Credentials the maker holds, oldest first, revoked and expired ones included (see
    /// `valid`).
    async fn credentials(&self, ctx: &Context<'_>) -> Result<Vec<super::credentials::Credential>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(super::loader::MakerCredentials(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(super::credentials::Credential)
            .collect())
    }
    async fn affiliations(&self, ctx: &Context<'_>) -> Result<Vec<Affiliation>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(MakerAffiliations(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|a| Affiliation {
                facility_id: global_id(NodeType::Facility, a.facility_id),
                role: a.role,
            })
            .collect())
    }
}

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

/// Loads the makers of `hits` in hit order, carrying their distances.
pub async fn makers_of(ctx: &Context<'_>, hits: &[makermatch_search::Hit]) -> Result<Vec<Maker>> {
    let loader = ctx.data::<AppLoader>()?;
    let rows = ordered(loader, hits.iter().map(|h| MakerId(h.id)).collect()).await?;
    let distances: HashMap<Uuid, Option<f64>> =
        hits.iter().map(|h| (h.id, h.distance_km)).collect();
    Ok(rows
        .into_iter()
        .map(|row| Maker {
            distance_km: distances.get(&row.id).copied().flatten(),
            claims: None,
            row: Arc::new(row),
        })
        .collect())
}

#[derive(Default)]
pub struct MakersQuery;

#[Object]
impl MakersQuery {
    /// Makers matching `text` (names, bio, skills in any language), `filter`, and `near`
    /// or `within`, measured on public positions (for coordinators and admins: on homes
    /// their makers share). Ordered like `facilities`.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "first.unwrap_or(super::relay::DEFAULT_FIRST).clamp(0, super::relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn makers(
        &self,
        ctx: &Context<'_>,
        text: Option<String>,
        filter: Option<MakerFilter>,
        near: Option<GeoFilter>,
        within: Option<BoundingBox>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Maker>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let mut request = SearchRequest::new(Kind::Maker).page(args.offset, args.limit);
        request.count_total = wants_total(ctx);
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            request = request.text(text);
        }
        let mut filters = match &filter {
            Some(f) => f.to_filters(ctx).await?,
            None => Filters::default(),
        };
        // Staff see every passport and shared homes; others public profiles at public positions.
        filters.public_only = !sees_private_profiles(ctx);
        request = request.filters(filters).positions(positions(ctx));
        if let Some(near) = near {
            request.near = Some(near.to_near("near")?);
        }
        if let Some(within) = within {
            request = request.within(Within::Box(within.to_engine("within")?));
        }
        let result = run_search(ctx, request).await?;
        let items = makers_of(ctx, &result.hits).await?;
        let total = result.total.unwrap_or(args.offset + items.len()) as u64;
        Ok(page(args, items, total))
    }

    /// One maker by id (global or plain UUID). Non-public profiles are not shown.
    async fn maker(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Maker>> {
        let uuid = expect_id("id", &id, NodeType::Maker)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(MakerId(uuid))
            .await?
            .filter(|m| sees_maker(ctx, m))
            .map(Maker::new))
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

/// `Facility.nearbyMakers`: makers within `radius_km` of the facility having every skill,
/// nearest first. Like `makers`: public profiles on public positions, and for staff every
/// passport on shared homes.
pub async fn nearby_makers(
    ctx: &Context<'_>,
    facility: &facility::Model,
    skills: Option<Vec<String>>,
    radius_km: f64,
    first: Option<i32>,
) -> Result<Vec<Maker>> {
    let first = super::relay::page_size("first", first, super::relay::DEFAULT_FIRST)?;
    if !radius_km.is_finite() || radius_km <= 0.0 || radius_km > MAX_RADIUS_KM {
        return Err(bad_input(
            "radiusKm",
            format!(
                "{radius_km} is not a usable radius; give kilometres above 0 and at most {MAX_RADIUS_KM}"
            ),
        ));
    }
    let skills = skill_requirements(
        ctx,
        "skills",
        skills.as_deref().unwrap_or_default(),
        None,
        false,
    )
    .await?;
    let (Some(lat), Some(lon)) = (facility.lat, facility.lon) else {
        return Ok(Vec::new());
    };
    // Stored positions were checked when written; a bad one is ours, not the caller's.
    let center = LatLon::new(lat, lon).map_err(internal)?;
    let filters = Filters {
        skill_alternatives: skills,
        public_only: !sees_private_profiles(ctx),
        ..Filters::default()
    };
    let request = SearchRequest::new(Kind::Maker)
        .filters(filters)
        .positions(positions(ctx))
        .near(center, radius_km)
        .page(0, first);
    let result = run_search(ctx, request).await?;
    makers_of(ctx, &result.hits).await
}

/// Every point of the Earth lies within this many kilometres of any other.
const MAX_RADIUS_KM: f64 = 20_038.0;

/// A maker's home. Country and city are public; the exact position is private: public
/// searches and answers use a position drawn 5.8–10 km away from it.
#[derive(InputObject, Default)]
pub struct MakerLocationInput {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
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
    pub title: String,
    /// The organisation worked for, when it is not a facility known here.
    pub organisation: Option<String>,
    /// The facility worked at: its id (global or plain UUID).
    pub facility_id: Option<ID>,
    pub date_from: Option<NaiveDate>,
    /// Not before `dateFrom`.
    pub date_to: Option<NaiveDate>,
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
    pub available_from: Option<NaiveDate>,
    /// Not before `availableFrom`.
    pub available_to: Option<NaiveDate>,
}

/// A facility the maker belongs to or works at.
#[derive(InputObject)]
#[graphql(name = "AffiliationInput")]
pub struct AffiliationInputGql {
    /// The facility's id (global or plain UUID).
    pub facility_id: ID,
    /// e.g. `member`, `staff`, `owner`.
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
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    pub preferred_first_name: Option<String>,
    /// A name to show when no personal name is given.
    pub display_name: Option<String>,
    pub bio: Option<String>,
    /// Languages spoken, as BCP 47 tags (`en`, `fr`, `sw`) or names.
    #[graphql(default)]
    pub languages: Vec<String>,
    #[graphql(default)]
    pub location: MakerLocationInput,
    /// ISO 3166-1 alpha-2 (private).
    pub nationality: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub residence_country: Option<String>,
    /// Private; not in the future.
    pub date_of_birth: Option<NaiveDate>,
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
    #[graphql(default)]
    pub skills: Vec<SkillClaimInputGql>,
    #[graphql(default)]
    pub experiences: Vec<ExperienceInputGql>,
    #[graphql(default)]
    pub availability: Vec<AvailabilityInputGql>,
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
    fn into_service(self, ctx: &Context<'_>) -> Result<MakerInput> {
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
            date_of_birth: self.date_of_birth,
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
                date_from: e.date_from,
                date_to: e.date_to,
                description: trimmed(e.description),
                processes,
            });
        }
        for a in self.availability {
            input.availability.push(AvailabilityInput {
                hours_per_week: a.hours_per_week,
                available_from: a.available_from,
                available_to: a.available_to,
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

#[derive(Default)]
pub struct MakersMutation;

#[Object]
impl MakersMutation {
    /// Creates a maker passport. Returns once searches on this server include it (when
    /// its profile is public). Nothing is written when any part of the input is refused.
    async fn create_maker(&self, ctx: &Context<'_>, input: MakerInputGql) -> Result<Maker> {
        super::access::staff(ctx)?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::create(db, input).await.map_err(from_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Maker::new(written.value))
    }

    /// Replaces a maker's passport: every field, skills, experience, availability and
    /// affiliations. Credentials and machine clearances are kept.
    async fn update_maker(&self, ctx: &Context<'_>, id: ID, input: MakerInputGql) -> Result<Maker> {
        let uuid = expect_id("id", &id, NodeType::Maker)?;
        let actor = super::access::self_or_staff(ctx, uuid)?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::replace(db, actor, uuid, input)
            .await
            .map_err(from_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Maker::new(written.value))
    }

    /// Deletes a maker passport with its skills, experience, availability, affiliations,
    /// credentials and clearances.
    async fn delete_maker(&self, ctx: &Context<'_>, id: ID) -> Result<Deleted> {
        let uuid = expect_id("id", &id, NodeType::Maker)?;
        super::access::self_or_staff(ctx, uuid)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::delete(db, uuid).await.map_err(from_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Deleted {
            id: global_id(NodeType::Maker, written.value),
        })
    }
}
