//! `skillGaps`: per process and skill, the open jobs of an area that require it against
//! those there who could do it, for programme staff planning training and outreach.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use makermatch_search::{Filters, Kind, SearchRequest, SkillFilter, Taxonomy, Within};
use sea_orm::DatabaseConnection;

use crate::graphql::access::require;
use crate::graphql::error::from_service;
use crate::graphql::geo::BoundingBox;
use crate::graphql::relay::{NodeType, expect_id};
use crate::graphql::search_support::run_search;
use crate::services::matching::covering_skills;
use crate::services::matching::skill_gaps::{self, GapKind};
use crate::services::policy::Rule;

/// Open jobs of the area read at most; `jobsLeftOut` says how many more were not counted.
const MAX_JOBS: usize = 10_000;
/// Rows answered at most: the most demanded.
const MAX_ROWS: usize = 50;

/// What a gap is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "SkillGapKind")]
pub enum SkillGapKindOut {
    /// A process facilities perform (`id` is the taxonomy's process id).
    Process,
    /// A skill makers hold (`id` is the skill's key).
    Skill,
}

/// Demand for one process or skill in the area, and who there could meet it.
#[derive(SimpleObject)]
pub struct SkillGap {
    /// A process or a skill.
    pub kind: SkillGapKindOut,
    /// The process id, or the skill's key.
    pub id: String,
    /// The process's English label, or the skill as a job wrote it.
    pub label: String,
    /// Open jobs delivered in the area that require it (a narrower process counts toward
    /// the broader ones: a job needing TIG welding needs welding).
    pub open_jobs: u64,
    /// Their units.
    pub units: u64,
    /// For a process: active facilities in the area that perform it (or a narrower one).
    pub facilities: Option<u64>,
    /// For a skill: makers with a public profile in the area who hold it.
    pub makers: Option<u64>,
    /// For a skill: of those, the ones whose claim a verified credential backs.
    pub verified_makers: Option<u64>,
}

/// The answer: rows most demanded first.
#[derive(SimpleObject)]
pub struct SkillGaps {
    /// Per process and skill, most units first (at most 50).
    pub gaps: Vec<SkillGap>,
    /// Open jobs in the area that were counted.
    pub open_jobs: u64,
    /// Open jobs in the area beyond the 10,000 read (none counted): narrow the box.
    pub jobs_left_out: u64,
}

#[derive(Default)]
pub struct SkillGapsQuery;

#[Object]
impl SkillGapsQuery {
    /// Where demand outruns supply (coordinators and admins): per process and skill, the
    /// open jobs delivered within the box that require it (required requirements only)
    /// and their units, against the active facilities in the box able to do it and the
    /// makers with public profiles there who hold the skill, verified or not.
    #[graphql(complexity = 500)]
    async fn skill_gaps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The area: jobs delivered, facilities and makers placed within it.")]
        within: BoundingBox,
        #[graphql(desc = "Only the jobs of this programme (global id or UUID).")]
        programme_id: Option<ID>,
    ) -> Result<SkillGaps> {
        require(ctx, Rule::Staff)?;
        let area = within.to_engine("within")?;
        let programme = programme_id
            .as_ref()
            .map(|id| expect_id("programmeId", id, NodeType::Programme))
            .transpose()?;
        let open = |kind: Kind, statuses: &[&str]| {
            SearchRequest::new(kind)
                .within(Within::Box(area))
                .filters(Filters {
                    statuses: statuses.iter().map(|s| (*s).to_owned()).collect(),
                    ..Filters::default()
                })
        };
        let found = run_search(
            ctx,
            open(Kind::Job, &["OPEN"]).page(0, MAX_JOBS).count_total(),
        )
        .await?;
        let ids: Vec<_> = found.hits.iter().map(|h| h.id).collect();
        let left_out = found.total.unwrap_or(ids.len()).saturating_sub(ids.len()) as u64;
        let db = ctx.data::<DatabaseConnection>()?;
        let taxonomy = ctx.data::<Arc<Taxonomy>>()?.clone();
        let (jobs, requirements) = skill_gaps::open_jobs(db, &ids, programme)
            .await
            .map_err(from_service)?;
        let mut demand = skill_gaps::demand(&taxonomy, &jobs, &requirements);
        demand.truncate(MAX_ROWS);
        // The skills able to cover each skill row, read in one round, in row order.
        let targets: Vec<_> = demand.iter().filter_map(|row| row.skill.clone()).collect();
        let mut covering = covering_skills(db, &taxonomy, &targets)
            .await
            .map_err(from_service)?
            .into_iter();
        let mut gaps = Vec::new();
        for row in demand {
            let count = |request: SearchRequest| async move {
                run_search(ctx, request.page(0, 0).count_total())
                    .await
                    .map(|page| page.total.unwrap_or(page.hits.len()) as u64)
            };
            let (kind, facilities, makers, verified_makers) = match row.kind {
                GapKind::Process => {
                    let mut request = open(Kind::Facility, &["ACTIVE"]);
                    request.filters.processes = vec![row.id.clone()];
                    (
                        SkillGapKindOut::Process,
                        Some(count(request).await?),
                        None,
                        None,
                    )
                }
                GapKind::Skill => {
                    let covering = covering.next().unwrap_or_default();
                    let holders = |verified: bool| {
                        let mut request = open(Kind::Maker, &[]);
                        request.filters.public_only = true;
                        request.filters.skill_alternatives = vec![
                            covering
                                .iter()
                                .map(|s| SkillFilter {
                                    key: s.key.clone(),
                                    min_level: None,
                                    verified,
                                })
                                .collect(),
                        ];
                        request
                    };
                    let (makers, verified) = if covering.is_empty() {
                        (0, 0)
                    } else {
                        (count(holders(false)).await?, count(holders(true)).await?)
                    };
                    (SkillGapKindOut::Skill, None, Some(makers), Some(verified))
                }
            };
            gaps.push(SkillGap {
                kind,
                id: row.id,
                label: row.label,
                open_jobs: row.jobs,
                units: row.units,
                facilities,
                makers,
                verified_makers,
            });
        }
        Ok(SkillGaps {
            gaps,
            open_jobs: jobs.len() as u64,
            jobs_left_out: left_out,
        })
    }
}
