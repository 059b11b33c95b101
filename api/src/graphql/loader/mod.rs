//! DataLoaders: every relation a query walks is fetched once per request with one
//! `IN (…)` query per relation, however many parents ask (DESIGN §1, the N+1 rule).
//! A fresh loader is made for every request, so what it caches dies with the request;
//! only the relations facility lists show also go through the process-wide
//! `ListCache`, which is kept in step with the index (see there).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_entities::{achievement, achievement_alignment, issuer, programme};
use makermatch_entities::{
    availability, credential, experience, facility, facility_material, facility_process, job,
    job_requirement, machine_clearance, maker, maker_affiliation, skill, skill_claim,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use uuid::Uuid;

/// One loader serving every key type below.
pub struct Loaders {
    db: DatabaseConnection,
    list_cache: Option<Arc<ListCache>>,
}

/// Cached for the one request it lives in, so a relation prefetched by a list resolver
/// (see `prefetch`) is not fetched again by each item.
pub type AppLoader = DataLoader<Loaders, HashMapCache>;

pub fn new_loader(db: DatabaseConnection, list_cache: Option<Arc<ListCache>>) -> AppLoader {
    DataLoader::with_cache(
        Loaders { db, list_cache },
        tokio::spawn,
        HashMapCache::default(),
    )
    .max_batch_size(1_000)
}

/// The error loaders share (cloned to every waiting field).
pub type LoadError = Arc<DbErr>;

mod aggregated;
mod list_cache;
pub use aggregated::{
    FacilityEquipmentWithProperties, FacilityMakersWithClaims, MachineWithProperties,
    MemberWithClaims,
};
pub use list_cache::ListCache;
use list_cache::through_cache;

fn group<K: Eq + Hash, V>(
    rows: impl IntoIterator<Item = V>,
    key: impl Fn(&V) -> K,
) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// Answers every key asked: its rows from `map`, or none.
fn each_key<K: Copy + Eq + Hash, V>(keys: &[K], mut map: HashMap<K, Vec<V>>) -> HashMap<K, Vec<V>> {
    keys.iter()
        .map(|k| (*k, map.remove(k).unwrap_or_default()))
        .collect()
}

/// The values of `keys`, the last one repeated up to the next power of two. An `IN (…)`
/// list then has one of a few lengths, so each connection prepares a relation's
/// statement once per length and reuses it (statements are cached by their text): with
/// exact lengths nearly every request prepared every statement anew.
fn padded<K, V: Clone>(keys: &[K], value: impl Fn(&K) -> V) -> Vec<V> {
    let mut values: Vec<V> = keys.iter().map(value).collect();
    if let Some(last) = values.last().cloned() {
        values.resize(values.len().next_power_of_two(), last);
    }
    values
}

macro_rules! by_id {
    ($key:ident, $entity:ident) => {
        /// Loads rows of this table by primary key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for Loaders {
            type Value = $entity::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::Id.is_in(padded(keys, |k| k.0)))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|r| ($key(r.id), r)).collect())
            }
        }
    };
}

/// Loads facilities by id, through the list cache when the server has one: every
/// facility list reads its page's rows this way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FacilityId(pub Uuid);

impl Loader<FacilityId> for Loaders {
    type Value = Arc<facility::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[FacilityId],
    ) -> Result<HashMap<FacilityId, Self::Value>, Self::Error> {
        let cache = self
            .list_cache
            .as_deref()
            .map(|c| (&c.facilities, c.applied()));
        through_cache(
            cache,
            keys,
            |k| k.0,
            FacilityId,
            |ids| async move {
                let rows = facility::Entity::find()
                    .filter(facility::Column::Id.is_in(padded(&ids, |id| *id)))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|r| (r.id, Arc::new(r))).collect())
            },
        )
        .await
    }
}

by_id!(MakerId, maker);
by_id!(JobId, job);
by_id!(ProgrammeId, programme);
by_id!(IssuerId, issuer);
by_id!(AchievementId, achievement);
by_id!(CredentialId, credential);

/// The parent id of a child row, by the column the macro filtered on.
trait Parent {
    fn parent(&self) -> Uuid;
}

macro_rules! parent {
    ($entity:ident, $field:ident) => {
        impl Parent for $entity::Model {
            fn parent(&self) -> Uuid {
                self.$field
            }
        }
    };
}

macro_rules! child_loader {
    ($key:ident, $entity:ident, $column:ident, $field:ident, $order:ident) => {
        parent!($entity, $field);

        /// Loads the rows of this table belonging to each parent, in a stable order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for Loaders {
            type Value = Vec<$entity::Model>;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::$column.is_in(padded(keys, |k| k.0)))
                    .order_by_asc($entity::Column::$order)
                    .all(&self.db)
                    .await?;
                let map = group(rows, |r| $key(r.parent()));
                Ok(each_key(keys, map))
            }
        }
    };
}

child_loader!(
    FacilityProcesses,
    facility_process,
    FacilityId,
    facility_id,
    ProcessId
);
child_loader!(
    FacilityMaterials,
    facility_material,
    FacilityId,
    facility_id,
    MaterialId
);
child_loader!(MakerExperiences, experience, MakerId, maker_id, DateFrom);
child_loader!(MakerAvailability, availability, MakerId, maker_id, Id);
child_loader!(
    MakerClearances,
    machine_clearance,
    MakerId,
    maker_id,
    GrantedOn
);
child_loader!(MakerCredentials, credential, MakerId, maker_id, IssuedOn);
child_loader!(JobRequirements, job_requirement, JobId, job_id, Id);
child_loader!(
    AchievementAlignments,
    achievement_alignment,
    AchievementId,
    achievement_id,
    Id
);
child_loader!(IssuerAchievements, achievement, IssuerId, issuer_id, Name);

/// The jobs of each programme, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProgrammeJobs(pub Uuid);

impl Loader<ProgrammeJobs> for Loaders {
    type Value = Vec<job::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProgrammeJobs],
    ) -> Result<HashMap<ProgrammeJobs, Self::Value>, Self::Error> {
        let rows = job::Entity::find()
            .filter(job::Column::ProgrammeId.is_in(padded(keys, |k| k.0)))
            .order_by_asc(job::Column::Id)
            .all(&self.db)
            .await?;
        let mut map: HashMap<ProgrammeJobs, Vec<job::Model>> = HashMap::new();
        for row in rows {
            if let Some(p) = row.programme_id {
                map.entry(ProgrammeJobs(p)).or_default().push(row);
            }
        }
        Ok(each_key(keys, map))
    }
}

/// The affiliations of each maker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MakerAffiliations(pub Uuid);

impl Loader<MakerAffiliations> for Loaders {
    type Value = Vec<maker_affiliation::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MakerAffiliations],
    ) -> Result<HashMap<MakerAffiliations, Self::Value>, Self::Error> {
        let rows = maker_affiliation::Entity::find()
            .filter(maker_affiliation::Column::MakerId.is_in(padded(keys, |k| k.0)))
            .order_by_asc(maker_affiliation::Column::FacilityId)
            .all(&self.db)
            .await?;
        let map = group(rows, |r| MakerAffiliations(r.maker_id));
        Ok(each_key(keys, map))
    }
}

/// The skill a claim names, as lists show it.
#[derive(Debug, Clone)]
pub struct ClaimedSkillName {
    pub key: String,
    pub label: String,
    pub process_id: Option<String>,
}

/// A maker's claim with the skill it names.
#[derive(Debug, Clone)]
pub struct ClaimedSkill {
    pub level: SkillLevel,
    pub years: Option<f64>,
    pub evidence_url: Option<String>,
    /// `None` only if the skill row vanished under a concurrent delete.
    pub skill: Option<ClaimedSkillName>,
}

/// One claim row of the joined statement below: maker, level, years, evidence, then the
/// skill's key, label and process.
type ClaimRow = (
    Uuid,
    SkillLevel,
    Option<f64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The skill claims of each maker, oldest first, each with its skill: one statement
/// joining the claims to their skills and reading only the columns a claim shows (a
/// facility page's makers have hundreds of claims, and every row and column read costs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MakerClaims(pub Uuid);

impl Loader<MakerClaims> for Loaders {
    type Value = Arc<[ClaimedSkill]>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MakerClaims],
    ) -> Result<HashMap<MakerClaims, Self::Value>, Self::Error> {
        let rows: Vec<ClaimRow> = skill_claim::Entity::find()
            .select_only()
            .column(skill_claim::Column::MakerId)
            .column(skill_claim::Column::Level)
            .column(skill_claim::Column::Years)
            .column(skill_claim::Column::EvidenceUrl)
            .column(skill::Column::Key)
            .column(skill::Column::Label)
            .column(skill::Column::ProcessId)
            .join(JoinType::LeftJoin, skill_claim::Relation::Skill.def())
            .filter(skill_claim::Column::MakerId.is_in(padded(keys, |k| k.0)))
            .order_by_asc(skill_claim::Column::DateCreated)
            .order_by_asc(skill_claim::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut map: HashMap<MakerClaims, Vec<ClaimedSkill>> = HashMap::new();
        for (maker_id, level, years, evidence_url, key, label, process_id) in rows {
            let skill = key.zip(label).map(|(key, label)| ClaimedSkillName {
                key,
                label,
                process_id,
            });
            map.entry(MakerClaims(maker_id))
                .or_default()
                .push(ClaimedSkill {
                    level,
                    years,
                    evidence_url,
                    skill,
                });
        }
        Ok(each_key(keys, map)
            .into_iter()
            .map(|(k, claims)| (k, Arc::from(claims)))
            .collect())
    }
}

/// Skills by id (the claims point at them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SkillId(pub Uuid);

impl Loader<SkillId> for Loaders {
    type Value = skill::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[SkillId]) -> Result<HashMap<SkillId, Self::Value>, Self::Error> {
        let rows = skill::Entity::find()
            .filter(skill::Column::Id.is_in(padded(keys, |k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (SkillId(r.id), r)).collect())
    }
}

/// The declared skills linked to each process (skill filters that name a process match
/// them all).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProcessSkills(pub String);

impl Loader<ProcessSkills> for Loaders {
    type Value = Vec<skill::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ProcessSkills],
    ) -> Result<HashMap<ProcessSkills, Self::Value>, Self::Error> {
        let rows = skill::Entity::find()
            .filter(skill::Column::ProcessId.is_in(padded(keys, |k| k.0.clone())))
            .order_by_asc(skill::Column::Key)
            .all(&self.db)
            .await?;
        let mut map = group(rows, |r| {
            ProcessSkills(r.process_id.clone().unwrap_or_default())
        });
        Ok(keys
            .iter()
            .map(|k| (k.clone(), map.remove(k).unwrap_or_default()))
            .collect())
    }
}

/// Loads `keys` at once and leaves the values in the request's cache for the per-item
/// resolvers. For callers holding every key already (a list, a prefetch): the loader's
/// own batching waits out a timer (1 ms, often 2) before each round, which a nested query
/// paid once per level.
pub async fn load_now<K, V>(loader: &AppLoader, keys: &[K]) -> Result<HashMap<K, V>, LoadError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Value = V, Error = LoadError>,
    V: Send + Sync + Clone + 'static,
{
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let found = loader.loader().load(keys).await?;
    loader
        .feed_many(found.iter().map(|(k, v)| (k.clone(), v.clone())))
        .await;
    Ok(found)
}

/// Loads many by-id rows keeping the caller's order and skipping missing ones.
pub async fn ordered<K, V>(loader: &AppLoader, keys: Vec<K>) -> Result<Vec<V>, LoadError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Value = V, Error = LoadError>,
    V: Send + Sync + Clone + 'static,
{
    let mut found = load_now(loader, &keys).await?;
    Ok(keys.into_iter().filter_map(|k| found.remove(&k)).collect())
}
