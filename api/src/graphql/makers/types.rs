//! The `Maker` type and the parts of a passport it shows.

use std::sync::Arc;

use async_graphql::resolver_utils::enum_value;
use async_graphql::{Context, Enum, ID, Result, SimpleObject, Value};
use makermatch_entities::maker;
use uuid::Uuid;

use crate::graphql::access::{shown, visibility};
use crate::graphql::credentials;
use crate::graphql::loader::{
    self, AppLoader, ClaimedSkill, MakerAffiliations, MakerAvailability, MakerClaims,
    MakerExperiences,
};
use crate::graphql::matching::{MatchingJob, Taker, matching_jobs};
use crate::graphql::plain::{PlainValue, SharedList, Viewed, plain_fields};
use crate::graphql::relay::{NodeType, global_id};
use crate::graphql::scalars::{Date, Timestamp};
use crate::services::string_list;

/// PSS skill levels, lowest first.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::skill_claim::SkillLevel")]
pub enum SkillLevel {
    /// Learning; works under guidance.
    Novice,
    /// Works alone on common tasks.
    Intermediate,
    /// Handles difficult work and guides others.
    Advanced,
    /// Recognised authority; sets practice.
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
    /// City or town, as the maker gave it.
    pub city: Option<String>,
    /// Public latitude in WGS 84 degrees (never the home); null without a home position.
    pub lat: Option<f64>,
    /// Public longitude in WGS 84 degrees (never the home); null without a home position.
    pub lon: Option<f64>,
}

/// A maker's home position: private to the maker, and shown to coordinators and admins
/// only when the maker consented (`shareExactLocation`).
#[derive(SimpleObject)]
pub struct ExactLocation {
    /// Home latitude in WGS 84 degrees.
    pub lat: f64,
    /// Home longitude in WGS 84 degrees.
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

impl PlainValue for SkillLevel {
    fn plain(self) -> Value {
        enum_value(self)
    }
}

plain_fields! {
    /// A skill a maker claims.
    impl SkillClaim<'_> {
        /// The level the maker claims.
        #[plain("level")]
        async fn level(&self) -> SkillLevel {
            SkillLevel::from(self.0.level)
        }
        /// Years of practice; null when not stated.
        #[plain("years")]
        async fn years(&self) -> Option<f64> {
            self.0.years
        }
        /// A link to work that shows the skill.
        #[plain("evidenceUrl")]
        async fn evidence_url(&self) -> Option<&str> {
            self.0.evidence_url.as_deref()
        }
        /// The skill as the maker wrote it.
        #[plain("label")]
        async fn label(&self) -> Option<&str> {
            self.0.skill.as_ref().map(|s| s.label.as_str())
        }
        /// The normalised key filters use.
        #[plain("key")]
        async fn key(&self) -> Option<&str> {
            self.0.skill.as_ref().map(|s| s.key.as_str())
        }
        /// The taxonomy process the skill belongs to, when it names one.
        #[plain("processId")]
        async fn process_id(&self) -> Option<&str> {
            self.0.skill.as_ref().and_then(|s| s.process_id.as_deref())
        }
    }
}

/// Work a maker has done.
#[derive(SimpleObject)]
pub struct Experience {
    /// The role or project title.
    pub title: String,
    /// The organisation worked for, when not a facility known here.
    pub organisation: Option<String>,
    /// The facility worked at, when known here.
    pub facility_id: Option<ID>,
    /// First day (ISO 8601 date); null when not stated.
    pub date_from: Option<Date>,
    /// Last day; null when ongoing or not stated.
    pub date_to: Option<Date>,
    /// What the work was.
    pub description: Option<String>,
    /// Process ids used.
    pub processes: Vec<String>,
}

/// When and how much a maker can work.
#[derive(SimpleObject)]
pub struct Availability {
    /// Hours a week the maker can give, 0 to 168.
    pub hours_per_week: f64,
    /// First day of the period; null: from now.
    pub available_from: Option<Date>,
    /// Last day of the period; null: open-ended.
    pub available_to: Option<Date>,
}

/// A facility a maker belongs to or works at.
#[derive(SimpleObject)]
pub struct Affiliation {
    /// Global id of the facility.
    pub facility_id: ID,
    /// The maker's role there: `member`, `staff` or `owner`.
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

plain_fields! {
    /// A maker passport (PSS): who a maker is, what they can do and where they work. Public
    /// profiles are visible to anyone; others only to the maker, coordinators and admins.
    impl Maker {
        /// Global id (Relay), usable with `node` and every `id` argument.
        #[plain("id")]
        pub async fn id(&self) -> ID {
            global_id(NodeType::Maker, self.row.id)
        }
        /// The id as a plain UUID (as in exports).
        #[plain("uuid")]
        async fn uuid(&self) -> Uuid {
            self.row.id
        }
        /// The name to show: preferred (or first) name and last name, else the display
        /// name.
        #[plain("name")]
        async fn name(&self) -> String {
            self.row.shown_name()
        }
        /// Given name.
        #[plain("firstName")]
        async fn first_name(&self) -> Option<&str> {
            self.row.first_name.as_deref()
        }
        /// Middle name.
        #[plain("middleName")]
        async fn middle_name(&self) -> Option<&str> {
            self.row.middle_name.as_deref()
        }
        /// Family name.
        #[plain("lastName")]
        async fn last_name(&self) -> Option<&str> {
            self.row.last_name.as_deref()
        }
        /// The first name the maker goes by.
        #[plain("preferredFirstName")]
        async fn preferred_first_name(&self) -> Option<&str> {
            self.row.preferred_first_name.as_deref()
        }
        /// A name to show when no personal name is given (a handle).
        #[plain("displayName")]
        async fn display_name(&self) -> Option<&str> {
            self.row.display_name.as_deref()
        }
        /// The maker's own description.
        #[plain("bio")]
        async fn bio(&self) -> Option<&str> {
            self.row.bio.as_deref()
        }
        /// Languages spoken (BCP 47 tags or names).
        #[plain("languages")]
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
        /// Country of residence, ISO 3166-1 alpha-2.
        #[plain("residenceCountry")]
        async fn residence_country(&self) -> Option<&str> {
            self.row.residence_country.as_deref()
        }
        /// Private: the maker, coordinators and admins (others get null and `FORBIDDEN`).
        async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
            let check = visibility(ctx).maker_private(self.row.id, "email");
            shown(ctx, check, || self.row.email.as_deref())
        }
        /// Private: the maker, coordinators and admins.
        async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
            let check = visibility(ctx).maker_private(self.row.id, "phone");
            shown(ctx, check, || self.row.phone.as_deref())
        }
        /// Private: the maker, coordinators and admins.
        async fn date_of_birth(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
            let check = visibility(ctx).maker_private(self.row.id, "dateOfBirth");
            shown(ctx, check, || self.row.date_of_birth.map(Into::into))
        }
        /// ISO 3166-1 alpha-2. Private: the maker, coordinators and admins.
        async fn nationality(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
            let check = visibility(ctx).maker_private(self.row.id, "nationality");
            shown(ctx, check, || self.row.nationality.as_deref())
        }
        /// The home position. The maker always sees it; coordinators and admins only when
        /// the
        /// maker shares it (`shareExactLocation`); anyone else gets null and `FORBIDDEN`.
        async fn exact_location(&self, ctx: &Context<'_>) -> Result<Option<ExactLocation>> {
            let check = visibility(ctx).maker_home(&self.row, "exactLocation");
            shown(ctx, check, || {
                self.row
                    .lat
                    .zip(self.row.lon)
                    .map(|(lat, lon)| ExactLocation { lat, lon })
            })
        }
        /// The open jobs this maker could take on (the maker, coordinators and admins;
        /// others get null and `FORBIDDEN`): of the 50 open jobs nearest them (within
        /// `radiusKm` when given), those whose every required requirement the maker alone
        /// meets with a facility they may work at (affiliated, cleared on its machines,
        /// or within reach of their home), nearest delivery point first, each with that
        /// team scored and explained as `matchJob` does. Distances are from the home where
        /// the caller may see it, else from the public position.
        // A fixed cost per job (this object's fields cannot see `child_complexity`): each
        // is a match run, its team a handful of fields.
        #[graphql(
            complexity = "first.unwrap_or(10).clamp(0, crate::graphql::relay::MAX_FIRST) as usize * 40 + 1"
        )]
        async fn matching_jobs(
            &self,
            ctx: &Context<'_>,
            #[graphql(desc = "Only jobs delivered within this many kilometres of the maker.")]
            radius_km: Option<f64>,
            #[graphql(desc = "Most jobs returned, 1 to 100 (default 10).")] first: Option<i32>,
        ) -> Result<Option<Vec<MatchingJob>>> {
            let check = visibility(ctx).maker_private(self.row.id, "matchingJobs");
            if shown(ctx, check, || Some(()))?.is_none() {
                return Ok(None);
            }
            let taker = Taker::maker(ctx, &self.row).await?;
            matching_jobs(ctx, taker, radius_km, first).await.map(Some)
        }
        /// When the maker had their passport erased; null for a live passport.
        #[plain("erasedAt")]
        async fn erased_at(&self) -> Option<Timestamp> {
            self.row.erased_at.map(Into::into)
        }
        /// Kilometres from the query's `near` point: to the public position, or for
        /// coordinators and admins to the home when the maker shares it.
        #[plain("distanceKm")]
        async fn distance_km(&self) -> Option<f64> {
            self.distance_km
        }
        /// The maker consented to be listed and found by anyone.
        #[plain("publicProfile")]
        async fn public_profile(&self) -> bool {
            self.row.public_profile
        }
        /// The maker consented to show their home position to coordinators and admins.
        #[plain("shareExactLocation")]
        async fn share_exact_location(&self) -> bool {
            self.row.share_exact_location
        }
        /// When the passport was created.
        #[plain("dateCreated")]
        async fn date_created(&self) -> Timestamp {
            self.row.date_created.into()
        }
        /// When the passport last changed.
        #[plain("lastUpdated")]
        async fn last_updated(&self) -> Timestamp {
            self.row.last_updated.into()
        }
        /// Where the record came from (`makermatch` or an importer).
        #[plain("source")]
        async fn source(&self) -> &str {
            &self.row.source
        }
        /// Skills the maker claims, as declared.
        #[plain("skills")]
        async fn skills(&self) -> SharedList<ClaimedSkill> {
            // Plain when the list that found the maker read its claims with it.
            self.claims.clone().map(SharedList)
        } else |ctx| {
            let claims = ctx
                .data::<AppLoader>()?
                .load_one(MakerClaims(self.row.id))
                .await?
                .unwrap_or_default();
            SharedList(claims)
        }
        /// Work the maker has done.
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
                    date_from: e.date_from.map(Into::into),
                    date_to: e.date_to.map(Into::into),
                    description: e.description,
                    processes: string_list(&e.processes),
                })
                .collect())
        }
        /// When and how much the maker can work.
        async fn availability(&self, ctx: &Context<'_>) -> Result<Vec<Availability>> {
            let loader = ctx.data::<AppLoader>()?;
            Ok(loader
                .load_one(MakerAvailability(self.row.id))
                .await?
                .unwrap_or_default()
                .into_iter()
                .map(|a| Availability {
                    hours_per_week: a.hours_per_week,
                    available_from: a.available_from.map(Into::into),
                    available_to: a.available_to.map(Into::into),
                })
                .collect())
        }
        /// Credentials the maker holds, oldest first, revoked and expired ones included
        /// (see
        /// `valid`).
        async fn credentials(
            &self,
            ctx: &Context<'_>,
        ) -> Result<Vec<credentials::Credential>> {
            let loader = ctx.data::<AppLoader>()?;
            Ok(loader
                .load_one(loader::MakerCredentials(self.row.id))
                .await?
                .unwrap_or_default()
                .into_iter()
                .map(credentials::Credential)
                .collect())
        }
        /// Facilities the maker is tied to, with the role.
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
}
