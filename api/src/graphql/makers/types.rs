//! The `Maker` type and the parts of a passport it shows.

use std::sync::Arc;

use async_graphql::resolver_utils::enum_value;
use async_graphql::{Context, Enum, ID, Result, SimpleObject, Value};
use chrono::{DateTime, NaiveDate, Utc};
use makermatch_entities::maker;
use uuid::Uuid;

use crate::graphql::access::{shown, visibility};
use crate::graphql::credentials;
use crate::graphql::loader::{
    self, AppLoader, ClaimedSkill, MakerAffiliations, MakerAvailability, MakerClaims,
    MakerExperiences,
};
use crate::graphql::plain::{PlainValue, SharedList, Viewed, plain_fields};
use crate::graphql::relay::{NodeType, global_id};
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

impl PlainValue for SkillLevel {
    fn plain(self) -> Value {
        enum_value(self)
    }
}

plain_fields! {
    /// A skill a maker claims.
    impl SkillClaim<'_> {
        #[plain("level")]
        async fn level(&self) -> SkillLevel {
            SkillLevel::from(self.0.level)
        }
        #[plain("years")]
        async fn years(&self) -> Option<f64> {
            self.0.years
        }
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

plain_fields! {
    impl Maker {
        #[plain("id")]
        pub async fn id(&self) -> ID {
            global_id(NodeType::Maker, self.row.id)
        }
        #[plain("uuid")]
        async fn uuid(&self) -> Uuid {
            self.row.id
        }
        /// The name to show: preferred (or first) name and last name, else the display name.
        #[plain("name")]
        async fn name(&self) -> String {
            self.row.shown_name()
        }
        #[plain("firstName")]
        async fn first_name(&self) -> Option<&str> {
            self.row.first_name.as_deref()
        }
        #[plain("middleName")]
        async fn middle_name(&self) -> Option<&str> {
            self.row.middle_name.as_deref()
        }
        #[plain("lastName")]
        async fn last_name(&self) -> Option<&str> {
            self.row.last_name.as_deref()
        }
        #[plain("preferredFirstName")]
        async fn preferred_first_name(&self) -> Option<&str> {
            self.row.preferred_first_name.as_deref()
        }
        #[plain("displayName")]
        async fn display_name(&self) -> Option<&str> {
            self.row.display_name.as_deref()
        }
        #[plain("bio")]
        async fn bio(&self) -> Option<&str> {
            self.row.bio.as_deref()
        }
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
        async fn date_of_birth(&self, ctx: &Context<'_>) -> Result<Option<NaiveDate>> {
            let check = visibility(ctx).maker_private(self.row.id, "dateOfBirth");
            shown(ctx, check, || self.row.date_of_birth)
        }
        /// ISO 3166-1 alpha-2. Private: the maker, coordinators and admins.
        async fn nationality(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
            let check = visibility(ctx).maker_private(self.row.id, "nationality");
            shown(ctx, check, || self.row.nationality.as_deref())
        }
        /// The home position. The maker always sees it; coordinators and admins only when the
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
        /// When the maker had their passport erased; null for a live passport.
        #[plain("erasedAt")]
        async fn erased_at(&self) -> Option<DateTime<Utc>> {
            self.row.erased_at
        }
        /// Kilometres from the query's `near` point: to the public position, or for
        /// coordinators and admins to the home when the maker shares it.
        #[plain("distanceKm")]
        async fn distance_km(&self) -> Option<f64> {
            self.distance_km
        }
        #[plain("publicProfile")]
        async fn public_profile(&self) -> bool {
            self.row.public_profile
        }
        #[plain("shareExactLocation")]
        async fn share_exact_location(&self) -> bool {
            self.row.share_exact_location
        }
        #[plain("dateCreated")]
        async fn date_created(&self) -> DateTime<Utc> {
            self.row.date_created
        }
        #[plain("lastUpdated")]
        async fn last_updated(&self) -> DateTime<Utc> {
            self.row.last_updated
        }
        #[plain("source")]
        async fn source(&self) -> &str {
            &self.row.source
        }
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
