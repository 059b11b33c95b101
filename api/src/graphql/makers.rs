//! Makers (PSS maker passports) over GraphQL: the `Maker` type over the stored row and
//! `makers(…)` through the search engine. Public callers see the public part of a
//! passport and the coarse, city-level position only (DESIGN §5, §8).

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use makermatch_entities::maker;
use makermatch_search::skills::skill_key;
use makermatch_search::{Filters, Kind, SearchRequest, SkillFilter, Within};
use uuid::Uuid;

use super::access::{positions, viewer};
use super::error::bad_input;
use super::geo::{BoundingBox, GeoFilter};
use super::loader::{
    AppLoader, MakerAffiliations, MakerAvailability, MakerClaims, MakerExperiences, MakerId,
    SkillId, ordered,
};
use super::relay::{NodeType, Page, PageArgs, expect_id, global_id, page};
use super::search_support::run_search;
use super::taxonomy::{process_id, taxonomy};

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

/// A maker's public, city-level whereabouts. The position is rounded to about 0.1°
/// (some 10 km) so that no query can place a home.
#[derive(SimpleObject)]
pub struct PublicLocation {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub city: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A skill a maker claims.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SkillClaim {
    #[graphql(skip)]
    pub skill_id: Uuid,
    pub level: SkillLevel,
    pub years: Option<f64>,
    pub evidence_url: Option<String>,
}

#[ComplexObject]
impl SkillClaim {
    /// The skill as the maker wrote it.
    async fn label(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(SkillId(self.skill_id))
            .await?
            .map(|s| s.label))
    }
    /// The normalised key filters use.
    async fn key(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(SkillId(self.skill_id))
            .await?
            .map(|s| s.key))
    }
    /// The taxonomy process the skill belongs to, when it names one.
    async fn process_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(SkillId(self.skill_id))
            .await?
            .and_then(|s| s.process_id))
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
    pub row: maker::Model,
    /// Kilometres from the `near` point, measured from the coarse position.
    pub distance_km: Option<f64>,
}

impl Maker {
    pub fn new(row: maker::Model) -> Maker {
        Maker {
            row,
            distance_km: None,
        }
    }

    /// The name to show: preferred or first name with the last name, else the display name.
    fn shown_name(&self) -> String {
        let r = &self.row;
        let given = r.preferred_first_name.as_ref().or(r.first_name.as_ref());
        let parts: Vec<&str> = [given, r.last_name.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if parts.is_empty() {
            r.display_name.clone().unwrap_or_default()
        } else {
            parts.join(" ")
        }
    }
}

fn strings(json: &serde_json::Value) -> Vec<String> {
    json.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
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
        self.shown_name()
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
        strings(&self.row.languages)
    }
    /// City-level location, safe to show anyone.
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
    /// Kilometres from the query's `near` point: to the city-level position, or for
    /// coordinators and admins to the exact one.
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
    async fn skills(&self, ctx: &Context<'_>) -> Result<Vec<SkillClaim>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(MakerClaims(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|c| SkillClaim {
                skill_id: c.skill_id,
                level: c.level.into(),
                years: c.years,
                evidence_url: c.evidence_url,
            })
            .collect())
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
                processes: strings(&e.processes),
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
    /// Skills as written ("TIG welding", "soudure"): matched on the normalised skill.
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
    pub fn to_filters(&self, ctx: &Context<'_>) -> Result<Filters> {
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
        for (i, s) in self.skills.iter().flatten().enumerate() {
            let key = skill_key(s);
            if key.is_empty() {
                return Err(bad_input(
                    &format!("filter.skills[{i}]"),
                    "a skill needs words",
                ));
            }
            f.skills.push(SkillFilter {
                key,
                min_level: self.min_level.map(SkillLevel::to_engine),
                verified: self.verified_only,
            });
        }
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
            row,
        })
        .collect())
}

#[derive(Default)]
pub struct MakersQuery;

#[Object]
impl MakersQuery {
    /// Makers matching `text` (names, bio, skills in any language), `filter`, and `near`
    /// or `within`, measured on city-level positions. Ordered like `facilities`.
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
        request.count_total = true;
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            request = request.text(text);
        }
        let mut filters = match &filter {
            Some(f) => f.to_filters(ctx)?,
            None => Filters::default(),
        };
        // Staff see every passport and exact positions; others public profiles at city level.
        filters.public_only = !viewer(ctx).is_some_and(|a| a.is_staff());
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
        let staff = viewer(ctx).is_some_and(|a| a.is_staff());
        let own = |id: Uuid| viewer(ctx).and_then(|a| a.maker_id) == Some(id);
        Ok(loader
            .load_one(MakerId(uuid))
            .await?
            .filter(|m| m.public_profile || staff || own(m.id))
            .map(Maker::new))
    }
}
