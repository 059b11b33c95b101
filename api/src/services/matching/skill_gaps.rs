//! Where demand for a capability outruns those who hold it: the open jobs of an area
//! tallied per process and per skill they require, for training and outreach. Supply is
//! counted by the caller in the index (facilities able, makers holding the skill).

use std::collections::{BTreeMap, HashMap, HashSet};

use makermatch_entities::job_requirement::RequirementKind;
use makermatch_entities::{job, job_requirement};
use makermatch_search::Taxonomy;
use makermatch_search::matching::SkillTarget;
use makermatch_search::skills::skill_key;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::services::ServiceResult;

/// What a gap is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GapKind {
    /// A process facilities perform.
    Process,
    /// A skill makers hold.
    Skill,
}

/// Demand for one process or skill.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub kind: GapKind,
    /// A process id, or a skill's key.
    pub id: String,
    /// The process's English label, or the skill as the first job wrote it.
    pub label: String,
    /// Open jobs requiring it.
    pub jobs: u64,
    /// Their units.
    pub units: u64,
    /// For a skill: what covers it (the process it names, if any).
    pub skill: Option<SkillTarget>,
}

/// The open jobs `ids` (those of `programme` only, when given) with their requirements.
pub async fn open_jobs<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    programme: Option<Uuid>,
) -> ServiceResult<(Vec<job::Model>, Vec<job_requirement::Model>)> {
    let mut jobs = Vec::new();
    let mut requirements = Vec::new();
    for chunk in ids.chunks(1_000) {
        let mut query = job::Entity::find()
            .filter(job::Column::Id.is_in(chunk.to_vec()))
            .filter(job::Column::Status.eq(job::JobStatus::Open));
        if let Some(p) = programme {
            query = query.filter(job::Column::ProgrammeId.eq(p));
        }
        let found = query.all(db).await?;
        let found_ids: Vec<Uuid> = found.iter().map(|j| j.id).collect();
        requirements.extend(
            job_requirement::Entity::find()
                .filter(job_requirement::Column::JobId.is_in(found_ids))
                .filter(job_requirement::Column::Required.eq(true))
                .all(db)
                .await?,
        );
        jobs.extend(found);
    }
    Ok((jobs, requirements))
}

/// Per process and per skill, the jobs requiring it and their units, most units first. A
/// required process requirement counts toward its process and every broader one (a job
/// needing TIG welding needs welding); a skill counts by its key. A job counts once per
/// row however many of its requirements lead there. Terms the taxonomy does not know are
/// left out of process rows: nothing could be counted against them.
pub fn demand(
    taxonomy: &Taxonomy,
    jobs: &[job::Model],
    requirements: &[job_requirement::Model],
) -> Vec<Demand> {
    let units: HashMap<Uuid, u64> = jobs
        .iter()
        .map(|j| (j.id, u64::try_from(j.quantity).unwrap_or(0)))
        .collect();
    let mut rows: BTreeMap<(GapKind, String), Demand> = BTreeMap::new();
    let mut counted: HashSet<(GapKind, String, Uuid)> = HashSet::new();
    for r in requirements.iter().filter(|r| r.required) {
        let Some(&job_units) = units.get(&r.job_id) else {
            continue;
        };
        let targets: Vec<(GapKind, String, String, Option<SkillTarget>)> = match r.kind {
            RequirementKind::Process => {
                let Some(id) = requirement_process(taxonomy, &r.term) else {
                    continue;
                };
                std::iter::once(id.as_str())
                    .chain(taxonomy.ancestors(&id))
                    .map(|p| {
                        let label = taxonomy.process(p).map_or(p, |x| x.en.as_str());
                        (GapKind::Process, p.to_owned(), label.to_owned(), None)
                    })
                    .collect()
            }
            RequirementKind::Skill => {
                let target = SkillTarget::of(taxonomy, &r.term);
                vec![(
                    GapKind::Skill,
                    skill_key(&r.term),
                    r.term.clone(),
                    Some(target),
                )]
            }
            _ => continue,
        };
        for (kind, id, label, skill) in targets {
            if !counted.insert((kind, id.clone(), r.job_id)) {
                continue;
            }
            let row = rows.entry((kind, id.clone())).or_insert(Demand {
                kind,
                id,
                label,
                jobs: 0,
                units: 0,
                skill,
            });
            row.jobs += 1;
            row.units += job_units;
        }
    }
    let mut out: Vec<Demand> = rows.into_values().collect();
    out.sort_by(|a, b| {
        b.units
            .cmp(&a.units)
            .then(b.jobs.cmp(&a.jobs))
            .then(a.kind.cmp(&b.kind))
            .then(a.id.cmp(&b.id))
    });
    out
}

/// A requirement's process id: the term itself when it is one (terms are stored resolved),
/// else what the taxonomy resolves it to.
fn requirement_process(taxonomy: &Taxonomy, term: &str) -> Option<String> {
    taxonomy
        .process(term)
        .map(|p| p.id.clone())
        .or_else(|| taxonomy.resolve_process(term).map(|r| r.id))
}
