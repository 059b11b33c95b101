//! Loaders that read a parent with its children in one statement, the children
//! aggregated by the database into one JSON array per parent row. A facility page lists
//! hundreds of claims and machine properties; read as rows, each cost the database
//! driver a handover between threads and a copy of every value. `Facility.equipment`
//! and `Facility.makers` read through them (a facility list prefetches them for its
//! page), and both go through the process-wide `ListCache` when the server has one.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_entities::{equipment, equipment_property, maker};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, QueryResult, Statement, Value};
use uuid::Uuid;

use super::list_cache::through_cache;
use super::{ClaimedSkill, ClaimedSkillName, LoadError, Loaders, padded};
use crate::db::dialect::{bind_parameters, exact_real_text, json_array_rows, parse_exact_real};

/// Runs `sql` (built for `backend` with `ids.len()` parameters) over the padded ids.
async fn rows_for(
    loaders: &Loaders,
    ids: Vec<Uuid>,
    sql: impl FnOnce(DbBackend, usize) -> String,
) -> Result<Vec<QueryResult>, DbErr> {
    let backend = loaders.db.get_database_backend();
    let statement = Statement::from_sql_and_values(
        backend,
        sql(backend, ids.len()),
        ids.into_iter().map(Value::from),
    );
    loaders.db.query_all_raw(statement).await
}

/// Groups `(facility, row)` pairs into one shared list per facility of `ids`, each in
/// the order read; facilities without rows get an empty list.
fn per_facility<V>(ids: &[Uuid], rows: Vec<(Uuid, V)>) -> HashMap<Uuid, Arc<[V]>> {
    let mut lists: HashMap<Uuid, Vec<V>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    for (facility, row) in rows {
        lists.entry(facility).or_default().push(row);
    }
    lists
        .into_iter()
        .map(|(id, list)| (id, Arc::from(list)))
        .collect()
}

/// The makers affiliated with each facility, in id order, each with their skill claims
/// (oldest first) and the claimed skills' names: one statement. `Facility.makers` hands
/// each member their claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FacilityMakersWithClaims(pub Uuid);

/// A member of a facility with the claims of their passport.
#[derive(Debug, Clone)]
pub struct MemberWithClaims {
    pub maker: Arc<maker::Model>,
    pub claims: Arc<[ClaimedSkill]>,
}

/// One aggregated claim: level, years (exact text), evidence, the skill's key, label and
/// process.
type AggregatedClaim = (
    SkillLevel,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn members_with_claims_sql(backend: DbBackend, keys: usize) -> String {
    let years = exact_real_text(backend, "c.years");
    let claims = json_array_rows(
        backend,
        &[
            "c.level",
            &years,
            "c.evidence_url",
            "s.key",
            "s.label",
            "s.process_id",
        ],
        "c.date_created, c.id",
    );
    format!(
        "SELECT a.facility_id AS affiliated_to, m.*, ({claims} FROM skill_claims c \
         LEFT JOIN skills s ON s.id = c.skill_id WHERE c.maker_id = m.id) AS claims_json \
         FROM maker_affiliations a JOIN makers m ON m.id = a.maker_id \
         WHERE a.facility_id IN ({}) ORDER BY a.maker_id",
        bind_parameters(backend, keys)
    )
}

fn parse_claims(json: &str) -> Result<Arc<[ClaimedSkill]>, DbErr> {
    let claims: Vec<AggregatedClaim> = serde_json::from_str(json)
        .map_err(|e| DbErr::Json(format!("a maker's aggregated skill claims: {e}")))?;
    claims
        .into_iter()
        .map(|(level, years, evidence_url, key, label, process_id)| {
            Ok(ClaimedSkill {
                level,
                years: parse_exact_real(years, "a skill claim's years")?,
                evidence_url,
                skill: key.zip(label).map(|(key, label)| ClaimedSkillName {
                    key,
                    label,
                    process_id,
                }),
            })
        })
        .collect()
}

impl Loaders {
    async fn read_members_with_claims(
        &self,
        ids: Vec<Uuid>,
    ) -> Result<HashMap<Uuid, Arc<[MemberWithClaims]>>, DbErr> {
        let rows = rows_for(self, padded(&ids, |id| *id), members_with_claims_sql).await?;
        let mut members = Vec::with_capacity(rows.len());
        for row in rows {
            let facility: Uuid = row.try_get("", "affiliated_to")?;
            let maker = Arc::new(maker::Model::from_query_result(&row, "")?);
            let claims = parse_claims(&row.try_get::<String>("", "claims_json")?)?;
            members.push((facility, MemberWithClaims { maker, claims }));
        }
        Ok(per_facility(&ids, members))
    }
}

impl Loader<FacilityMakersWithClaims> for Loaders {
    type Value = Arc<[MemberWithClaims]>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[FacilityMakersWithClaims],
    ) -> Result<HashMap<FacilityMakersWithClaims, Self::Value>, Self::Error> {
        let cache = self
            .list_cache
            .as_deref()
            .map(|c| (&c.members, c.applied()));
        through_cache(
            cache,
            keys,
            |k| k.0,
            FacilityMakersWithClaims,
            |ids| self.read_members_with_claims(ids),
        )
        .await
    }
}

/// The machines of each facility, in id order, each with its properties (by key): one
/// statement. `Facility.equipment` hands each machine its properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FacilityEquipmentWithProperties(pub Uuid);

/// A machine with its properties.
#[derive(Debug, Clone)]
pub struct MachineWithProperties {
    pub machine: Arc<equipment::Model>,
    pub properties: Arc<[equipment_property::Model]>,
}

/// One aggregated property: key, number (exact text), text, unit.
type AggregatedProperty = (String, Option<String>, Option<String>, Option<String>);

fn machines_with_properties_sql(backend: DbBackend, keys: usize) -> String {
    let number = exact_real_text(backend, "p.number_value");
    let properties = json_array_rows(
        backend,
        &["p.key", &number, "p.text_value", "p.unit"],
        "p.key",
    );
    format!(
        "SELECT e.*, ({properties} FROM equipment_properties p WHERE p.equipment_id = e.id) \
         AS properties_json FROM equipment e WHERE e.facility_id IN ({}) ORDER BY e.id",
        bind_parameters(backend, keys)
    )
}

fn parse_properties(machine: Uuid, json: &str) -> Result<Arc<[equipment_property::Model]>, DbErr> {
    let properties: Vec<AggregatedProperty> = serde_json::from_str(json)
        .map_err(|e| DbErr::Json(format!("a machine's aggregated properties: {e}")))?;
    properties
        .into_iter()
        .map(|(key, number, text_value, unit)| {
            Ok(equipment_property::Model {
                equipment_id: machine,
                key,
                number_value: parse_exact_real(number, "a machine property's number")?,
                text_value,
                unit,
            })
        })
        .collect()
}

impl Loaders {
    async fn read_machines_with_properties(
        &self,
        ids: Vec<Uuid>,
    ) -> Result<HashMap<Uuid, Arc<[MachineWithProperties]>>, DbErr> {
        let rows = rows_for(self, padded(&ids, |id| *id), machines_with_properties_sql).await?;
        let mut machines = Vec::with_capacity(rows.len());
        for row in rows {
            let machine = equipment::Model::from_query_result(&row, "")?;
            let properties =
                parse_properties(machine.id, &row.try_get::<String>("", "properties_json")?)?;
            machines.push((
                machine.facility_id,
                MachineWithProperties {
                    machine: Arc::new(machine),
                    properties,
                },
            ));
        }
        Ok(per_facility(&ids, machines))
    }
}

impl Loader<FacilityEquipmentWithProperties> for Loaders {
    type Value = Arc<[MachineWithProperties]>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[FacilityEquipmentWithProperties],
    ) -> Result<HashMap<FacilityEquipmentWithProperties, Self::Value>, Self::Error> {
        let cache = self
            .list_cache
            .as_deref()
            .map(|c| (&c.machines, c.applied()));
        through_cache(
            cache,
            keys,
            |k| k.0,
            FacilityEquipmentWithProperties,
            |ids| self.read_machines_with_properties(ids),
        )
        .await
    }
}
