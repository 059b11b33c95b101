//! Writes of makers (passports): names, location, skills, experience, availability,
//! affiliations.

mod batch;
mod clearances;

pub use batch::{MakerWrite, write_batch};
pub use clearances::{ClearanceInput, grant_batch};

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_entities::{
    availability, experience, facility, maker, maker_affiliation, skill, skill_claim,
};
use makermatch_search::privacy::displace;
use makermatch_search::skills::skill_key;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::actor::Actor;
use super::credentials::stated as stated_credentials;
use super::credentials::stated::StatedCredentialInput;
use super::values::{BirthDate, Email, Phone, WebUrl, check_span};
use super::{ServiceError, ServiceResult, Written, bulk, outbox, validate};
use crate::db::begin_write;

/// `source` of records created in makermatch itself rather than imported.
pub const NATIVE_SOURCE: &str = "makermatch";

#[derive(Debug, Clone, PartialEq)]
pub struct SkillClaimInput {
    /// Free text; stored under its normalised key.
    pub skill: String,
    /// The process the skill names, when known (see `makermatch_search::skills::skill_process`).
    pub process_id: Option<String>,
    pub level: SkillLevel,
    pub years: Option<f64>,
    pub evidence_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExperienceInput {
    pub title: String,
    pub organisation: Option<String>,
    pub facility_id: Option<Uuid>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub description: Option<String>,
    pub processes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AvailabilityInput {
    pub hours_per_week: f64,
    pub available_from: Option<NaiveDate>,
    pub available_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AffiliationInput {
    pub facility_id: Uuid,
    pub role: String,
}

#[derive(Debug, Clone, Default)]
pub struct MakerInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    pub preferred_first_name: Option<String>,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub languages: Vec<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub nationality: Option<String>,
    pub residence_country: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub public_profile: bool,
    pub share_exact_location: bool,
    pub skills: Vec<SkillClaimInput>,
    pub experiences: Vec<ExperienceInput>,
    pub availability: Vec<AvailabilityInput>,
    pub affiliations: Vec<AffiliationInput>,
    pub source: Option<String>,
    pub source_id: Option<String>,
    /// When the source says the profile was made (PSS `dateCreated`); none: when
    /// makermatch first wrote it.
    pub date_created: Option<DateTime<Utc>>,
    /// Fields of an imported record the model has no column for, as the source wrote
    /// them (a sparse copy of it); `None` keeps those already stored (a write through
    /// the API), an empty object clears them.
    pub source_fields: Option<serde_json::Value>,
}

fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Languages trimmed, each once (compared without case), in the order given.
fn languages(given: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(given.len());
    for language in given {
        let language = language.trim();
        if !out.iter().any(|l| l.eq_ignore_ascii_case(language)) {
            out.push(language.to_owned());
        }
    }
    out
}

impl MakerInput {
    pub(crate) fn to_row(&self, id: Uuid, now: DateTime<Utc>) -> ServiceResult<maker::Model> {
        let names = [
            clean(&self.first_name),
            clean(&self.last_name),
            clean(&self.middle_name),
            clean(&self.preferred_first_name),
            clean(&self.display_name),
        ];
        // PSS allows any one name; short names ("Ama", "Li") are valid names.
        if names.iter().all(Option::is_none) {
            return Err(ServiceError::invalid(
                "firstName",
                "give at least one of firstName, lastName, preferredFirstName or displayName",
            ));
        }
        super::values::optional_position("location", self.lat, self.lon)?;
        let country = validate::country("location.country", self.country.as_deref())?;
        let nationality = validate::country("nationality", self.nationality.as_deref())?;
        let residence_country =
            validate::country("residenceCountry", self.residence_country.as_deref())?;
        let date_of_birth = self
            .date_of_birth
            .map(|d| BirthDate::parse("dateOfBirth", d).map(BirthDate::date))
            .transpose()?;
        let email = clean(&self.email)
            .map(|e| Email::parse("email", &e).map(Email::into_inner))
            .transpose()?;
        let phone = clean(&self.phone)
            .map(|p| Phone::parse("phone", &p).map(Phone::into_inner))
            .transpose()?;
        for (i, language) in self.languages.iter().enumerate() {
            if language.trim().is_empty() {
                return Err(ServiceError::invalid(
                    format!("languages[{i}]"),
                    "must not be empty; give a tag such as en or sw",
                ));
            }
        }
        for (i, s) in self.skills.iter().enumerate() {
            if skill_key(&s.skill).is_empty() {
                return Err(ServiceError::invalid(
                    format!("skills[{i}].skill"),
                    "must name a skill",
                ));
            }
            validate::non_negative_f64(&format!("skills[{i}].years"), s.years)?;
            if let Some(url) = clean(&s.evidence_url) {
                WebUrl::parse(&format!("skills[{i}].evidenceUrl"), &url)?;
            }
        }
        for (i, e) in self.experiences.iter().enumerate() {
            validate::non_empty(&format!("experiences[{i}].title"), &e.title)?;
            check_span(&format!("experiences[{i}].dateTo"), e.date_from, e.date_to)?;
        }
        for (i, a) in self.availability.iter().enumerate() {
            let field = format!("availability[{i}].hoursPerWeek");
            if !a.hours_per_week.is_finite() || !(0.0..=168.0).contains(&a.hours_per_week) {
                return Err(ServiceError::invalid(field, "must be between 0 and 168"));
            }
            check_span(
                &format!("availability[{i}].availableTo"),
                a.available_from,
                a.available_to,
            )?;
        }
        // Drawn from the OS-seeded generator: a predictable offset could be subtracted.
        let coarse = match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => Some(displace(lat, lon, &mut rand::rng())),
            _ => None,
        };
        let [
            first_name,
            last_name,
            middle_name,
            preferred_first_name,
            display_name,
        ] = names;
        Ok(maker::Model {
            id,
            first_name,
            last_name,
            middle_name,
            preferred_first_name,
            display_name,
            bio: clean(&self.bio),
            languages: json!(languages(&self.languages)),
            country,
            city: clean(&self.city),
            lat: self.lat,
            lon: self.lon,
            coarse_lat: coarse.map(|c| c.0),
            coarse_lon: coarse.map(|c| c.1),
            nationality,
            residence_country,
            date_of_birth,
            email,
            phone,
            public_profile: self.public_profile,
            share_exact_location: self.share_exact_location,
            source: self
                .source
                .clone()
                .unwrap_or_else(|| NATIVE_SOURCE.to_owned()),
            source_id: self.source_id.clone(),
            source_hash: None,
            source_fields: self
                .source_fields
                .clone()
                .filter(|v| v.as_object().is_some_and(|fields| !fields.is_empty())),
            date_created: self.date_created.unwrap_or(now),
            last_updated: now,
            erased_at: None,
        })
    }

    /// The claims that become rows, in order: those whose skill has an id in `skill_ids`
    /// (see [`ensure_skills`]); a skill claimed twice keeps its first claim.
    pub(crate) fn claimed_skills<'a>(
        &'a self,
        skill_ids: &HashMap<String, Uuid>,
    ) -> Vec<Claim<'a>> {
        let mut claims = Vec::with_capacity(self.skills.len());
        let mut seen = std::collections::HashSet::new();
        for s in &self.skills {
            let key = skill_key(&s.skill);
            let Some(&skill_id) = skill_ids.get(&key) else {
                continue;
            };
            if seen.insert(skill_id) {
                claims.push(Claim {
                    input: s,
                    key,
                    skill_id,
                });
            }
        }
        claims
    }

    /// How many ids [`MakerInput::child_rows`] takes: a seeded caller draws them up front.
    pub(crate) fn child_ids_needed(&self, skill_ids: &HashMap<String, Uuid>) -> usize {
        self.claimed_skills(skill_ids).len() + self.experiences.len() + self.availability.len()
    }

    /// Child rows; `skill_ids` maps each skill key to its id (see [`ensure_skills`]). Ids
    /// are taken for the claims, then the experiences, then the availability.
    pub(crate) fn child_rows(
        &self,
        maker_id: Uuid,
        now: DateTime<Utc>,
        skill_ids: &HashMap<String, Uuid>,
        new_id: &mut impl FnMut() -> Uuid,
    ) -> MakerChildren {
        let mut children = MakerChildren::default();
        for claim in self.claimed_skills(skill_ids) {
            let s = claim.input;
            children.claims.push(skill_claim::Model {
                id: new_id(),
                maker_id,
                skill_id: claim.skill_id,
                level: s.level,
                years: s.years,
                evidence_url: clean(&s.evidence_url),
                date_created: now,
            });
        }
        for e in &self.experiences {
            children.experiences.push(experience::Model {
                id: new_id(),
                maker_id,
                title: e.title.trim().to_owned(),
                organisation: e.organisation.clone(),
                facility_id: e.facility_id,
                date_from: e.date_from,
                date_to: e.date_to,
                description: e.description.clone(),
                processes: json!(e.processes),
            });
        }
        for a in &self.availability {
            children.availability.push(availability::Model {
                id: new_id(),
                maker_id,
                hours_per_week: a.hours_per_week,
                available_from: a.available_from,
                available_to: a.available_to,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.affiliations {
            if seen.insert(a.facility_id) {
                children.affiliations.push(maker_affiliation::Model {
                    maker_id,
                    facility_id: a.facility_id,
                    role: a.role.clone(),
                });
            }
        }
        children
    }
}

/// A skill claim that becomes a row: the input, its skill's key and id.
pub(crate) struct Claim<'a> {
    pub input: &'a SkillClaimInput,
    pub key: String,
    pub skill_id: Uuid,
}

/// What a replacement of makers' children does with the credentials their source stated.
pub(crate) enum Stated {
    /// Kept as they are: the writer says nothing of them (a passport edited here).
    Kept,
    /// Those of the replaced makers dropped, these written: (maker id, the maker's source
    /// id, what the source states).
    Replaced(Vec<(Uuid, String, Vec<StatedCredentialInput>)>),
}

#[derive(Debug, Default)]
pub(crate) struct MakerChildren {
    pub claims: Vec<skill_claim::Model>,
    pub experiences: Vec<experience::Model>,
    pub availability: Vec<availability::Model>,
    pub affiliations: Vec<maker_affiliation::Model>,
}

impl MakerChildren {
    pub fn append(&mut self, other: MakerChildren) {
        self.claims.extend(other.claims);
        self.experiences.extend(other.experiences);
        self.availability.extend(other.availability);
        self.affiliations.extend(other.affiliations);
    }

    pub async fn insert<C: crate::db::InsertSink>(self, tx: &C) -> Result<(), sea_orm::DbErr> {
        bulk::insert_models::<skill_claim::Entity, _>(tx, self.claims, 7).await?;
        bulk::insert_models::<experience::Entity, _>(tx, self.experiences, 9).await?;
        bulk::insert_models::<availability::Entity, _>(tx, self.availability, 5).await?;
        bulk::insert_models::<maker_affiliation::Entity, _>(tx, self.affiliations, 3).await?;
        Ok(())
    }

    /// The one way makers' children change: drops the claims, experiences, availability
    /// and affiliations of `replaced`, then inserts these rows (which may hold new makers'
    /// children too), and does with stated credentials what `stated` says. Credentials
    /// granted by others and machine clearances stay.
    pub async fn replace<C: crate::db::InsertSink>(
        self,
        tx: &C,
        replaced: &[Uuid],
        stated: Stated,
    ) -> Result<(), sea_orm::DbErr> {
        for chunk in replaced.chunks(500) {
            skill_claim::Entity::delete_many()
                .filter(skill_claim::Column::MakerId.is_in(chunk.iter().copied()))
                .exec(tx)
                .await?;
            experience::Entity::delete_many()
                .filter(experience::Column::MakerId.is_in(chunk.iter().copied()))
                .exec(tx)
                .await?;
            availability::Entity::delete_many()
                .filter(availability::Column::MakerId.is_in(chunk.iter().copied()))
                .exec(tx)
                .await?;
            maker_affiliation::Entity::delete_many()
                .filter(maker_affiliation::Column::MakerId.is_in(chunk.iter().copied()))
                .exec(tx)
                .await?;
            if matches!(stated, Stated::Replaced(_)) {
                stated_credentials::delete_for(tx, chunk).await?;
            }
        }
        self.insert(tx).await?;
        if let Stated::Replaced(makers) = stated {
            for (maker_id, maker_key, credentials) in makers {
                stated_credentials::write_for(tx, maker_id, &maker_key, &credentials).await?;
            }
        }
        Ok(())
    }
}

/// Makes sure every skill named exists, creating the missing ones; returns key → id.
pub(crate) async fn ensure_skills<C: ConnectionTrait>(
    tx: &C,
    labels: impl IntoIterator<Item = (String, Option<String>)>,
) -> Result<HashMap<String, Uuid>, sea_orm::DbErr> {
    let mut wanted: HashMap<String, (String, Option<String>)> = HashMap::new();
    for (label, process_id) in labels {
        let key = skill_key(&label);
        if !key.is_empty() {
            wanted
                .entry(key)
                .or_insert((label.trim().to_owned(), process_id));
        }
    }
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<skill::ActiveModel> = wanted
        .iter()
        .map(|(key, (label, process_id))| skill::ActiveModel {
            id: Set(Uuid::now_v7()),
            key: Set(key.clone()),
            label: Set(label.clone()),
            process_id: Set(process_id.clone()),
            esco_uri: Set(None),
        })
        .collect();
    for chunk in rows.chunks(5_000) {
        skill::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(skill::Column::Key)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
    }
    let keys: Vec<String> = wanted.into_keys().collect();
    let mut ids = HashMap::new();
    for chunk in keys.chunks(5_000) {
        for s in skill::Entity::find()
            .filter(skill::Column::Key.is_in(chunk.iter().cloned()))
            .all(tx)
            .await?
        {
            ids.insert(s.key, s.id);
        }
    }
    Ok(ids)
}

async fn check_facilities<C: ConnectionTrait>(tx: &C, input: &MakerInput) -> ServiceResult<()> {
    for (i, a) in input.affiliations.iter().enumerate() {
        if facility::Entity::find_by_id(a.facility_id)
            .one(tx)
            .await?
            .is_none()
        {
            return Err(ServiceError::invalid(
                format!("affiliations[{i}].facilityId"),
                format!("facility {} does not exist", a.facility_id),
            ));
        }
    }
    for (i, e) in input.experiences.iter().enumerate() {
        if let Some(f) = e.facility_id
            && facility::Entity::find_by_id(f).one(tx).await?.is_none()
        {
            return Err(ServiceError::invalid(
                format!("experiences[{i}].facilityId"),
                format!("facility {f} does not exist"),
            ));
        }
    }
    Ok(())
}

/// The child rows of one passport, its facilities checked and its skills made sure of.
async fn children_of<C: ConnectionTrait>(
    tx: &C,
    id: Uuid,
    now: DateTime<Utc>,
    input: &MakerInput,
) -> ServiceResult<MakerChildren> {
    check_facilities(tx, input).await?;
    let skill_ids = ensure_skills(
        tx,
        input
            .skills
            .iter()
            .map(|s| (s.skill.clone(), s.process_id.clone())),
    )
    .await?;
    Ok(input.child_rows(id, now, &skill_ids, &mut Uuid::now_v7))
}

pub async fn create(
    db: &DatabaseConnection,
    input: MakerInput,
) -> ServiceResult<Written<maker::Model>> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let row = input.to_row(id, now)?;
    let tx = begin_write(db).await?;
    let model = maker::ActiveModel::from(row).insert(&tx).await?;
    children_of(&tx, id, now, &input).await?.insert(&tx).await?;
    let seq = outbox::record(&tx, IndexedKind::Maker, id, OutboxOp::Upsert).await?;
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

/// Replaces a maker's passport: fields, skills, experience, availability, affiliations.
/// Credentials and machine clearances are kept: they are granted by others. So are ties to
/// facilities: `actor` may drop the maker's own ties, but only staff may add one or change
/// its role (DESIGN §8), since a tie lets a maker act for the facility.
pub async fn replace(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    input: MakerInput,
) -> ServiceResult<Written<maker::Model>> {
    let now = Utc::now();
    let mut row = input.to_row(id, now)?;
    let tx = begin_write(db).await?;
    let existing = maker::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "maker",
            id: id.to_string(),
        })?;
    if existing.erased_at.is_some() {
        return Err(ServiceError::Conflict(format!(
            "maker {id} was erased at their request; create a new passport instead"
        )));
    }
    super::policy::may_hold_ties(&tx, actor, id, &input.affiliations).await?;
    row.date_created = existing.date_created;
    if input.source_fields.is_none() {
        row.source_fields = existing.source_fields.clone();
    }
    keep_public_position(&mut row, &existing);
    let model = maker::ActiveModel::from(row)
        .reset_all()
        .update(&tx)
        .await?;
    children_of(&tx, id, now, &input)
        .await?
        .replace(&tx, &[id], Stated::Kept)
        .await?;
    let seq = outbox::record(&tx, IndexedKind::Maker, id, OutboxOp::Upsert).await?;
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

/// An update that leaves the home where it was keeps its public position: drawing a new
/// one on every edit would let someone who edits (or watches) a passport average the
/// draws back to the home. Batched updates keep it too.
pub(crate) fn keep_public_position(row: &mut maker::Model, existing: &maker::Model) {
    let same_home = row.lat.is_some() && row.lat == existing.lat && row.lon == existing.lon;
    if same_home && existing.coarse_lat.is_some() && existing.coarse_lon.is_some() {
        row.coarse_lat = existing.coarse_lat;
        row.coarse_lon = existing.coarse_lon;
    }
}

pub async fn delete(db: &DatabaseConnection, id: Uuid) -> ServiceResult<Written<Uuid>> {
    let tx = begin_write(db).await?;
    let result = maker::Entity::delete_by_id(id).exec(&tx).await?;
    if result.rows_affected == 0 {
        return Err(ServiceError::NotFound {
            kind: "maker",
            id: id.to_string(),
        });
    }
    let seq = outbox::record(&tx, IndexedKind::Maker, id, OutboxOp::Delete).await?;
    tx.commit().await?;
    Ok(Written {
        value: id,
        outbox_seq: seq,
    })
}
