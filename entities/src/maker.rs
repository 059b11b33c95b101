//! A maker: one PSS record, the "maker passport".

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "makers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    pub preferred_first_name: Option<String>,
    /// Shown when no personal name is given (PSS allows a display name alone).
    pub display_name: Option<String>,
    pub bio: Option<String>,
    /// Languages spoken, as BCP 47 tags or names (JSON array of strings).
    #[sea_orm(column_type = "JsonBinary")]
    pub languages: Json,
    /// Home country, ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub city: Option<String>,
    /// Exact home position: private to the maker, admins and coordinators.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Public position: the home moved 5.8–10 km at random and rounded to 0.01°
    /// (`makermatch_search::privacy::displace`), used for every query without the right
    /// to see exact positions, so distances cannot triangulate a home.
    pub coarse_lat: Option<f64>,
    pub coarse_lon: Option<f64>,
    pub nationality: Option<String>,
    pub residence_country: Option<String>,
    pub date_of_birth: Option<Date>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub public_profile: bool,
    pub share_exact_location: bool,
    /// Where the record came from (`makermatch`, `demo`, an importer name) and its id there.
    pub source: String,
    pub source_id: Option<String>,
    /// Fingerprint of the imported record\'s content: re-importing it unchanged is a no-op.
    pub source_hash: Option<String>,
    /// Fields of the imported record the model has no column for, as the source wrote
    /// them (a sparse copy of the record), given back by exports.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub source_fields: Option<Json>,
    pub date_created: DateTimeUtc,
    pub last_updated: DateTimeUtc,
    /// Set when the maker had their passport erased: the row is then an anonymous
    /// tombstone kept for the assignments that name it.
    pub erased_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::skill_claim::Entity")]
    SkillClaim,
    #[sea_orm(has_many = "super::experience::Entity")]
    Experience,
    #[sea_orm(has_many = "super::credential::Entity")]
    Credential,
    #[sea_orm(has_many = "super::machine_clearance::Entity")]
    MachineClearance,
    #[sea_orm(has_many = "super::availability::Entity")]
    Availability,
    #[sea_orm(has_many = "super::maker_affiliation::Entity")]
    MakerAffiliation,
}

impl Model {
    /// The name to show (see [`shown_name`]).
    pub fn shown_name(&self) -> String {
        shown_name(
            self.preferred_first_name.as_deref(),
            self.first_name.as_deref(),
            self.last_name.as_deref(),
            self.display_name.as_deref(),
        )
    }
}

/// The name to show for a maker: the preferred (or first) name with the last name, else
/// the display name, else empty. A free function so reads of only these columns (lists,
/// matching) name makers exactly as a full row does.
pub fn shown_name(
    preferred_first: Option<&str>,
    first: Option<&str>,
    last: Option<&str>,
    display: Option<&str>,
) -> String {
    let parts: Vec<&str> = [preferred_first.or(first), last]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() {
        display.unwrap_or_default().to_owned()
    } else {
        parts.join(" ")
    }
}

impl Related<super::skill_claim::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SkillClaim.def()
    }
}

impl Related<super::experience::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Experience.def()
    }
}

impl Related<super::credential::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Credential.def()
    }
}

impl Related<super::machine_clearance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MachineClearance.def()
    }
}

impl Related<super::availability::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Availability.def()
    }
}

impl Related<super::maker_affiliation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MakerAffiliation.def()
    }
}

impl Related<super::facility::Entity> for Entity {
    fn to() -> RelationDef {
        super::maker_affiliation::Relation::Facility.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::maker_affiliation::Relation::Maker.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
