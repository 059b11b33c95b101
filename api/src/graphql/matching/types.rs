//! Ranked teams with their scores explained, and allocation reports.

use async_graphql::resolver_utils::EnumType;
use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};
use makermatch_search::TeamMatch;
use uuid::Uuid;

use crate::graphql::access::visibility;
use crate::graphql::error::{Code, coded};
use crate::graphql::facilities::Facility;
use crate::graphql::jobs::RequirementKind;
use crate::graphql::loader::{AppLoader, FacilityId, MakerId};
use crate::graphql::makers::Maker;
use crate::graphql::relay::{NodeType, global_id};
use crate::services::allocation::DecisionReport;

/// A factor of a team's score.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_search::matching::Factor")]
pub enum MatchFactor {
    /// Process requirements met by the facility's processes and machines.
    Process,
    /// Equipment requirements met by its machines.
    Equipment,
    /// Material requirements met by its typical materials.
    Material,
    /// Certification requirements met by its certifications.
    Certification,
    /// Skill requirements covered by the team's makers (verified fully, self-declared
    /// partially).
    Skill,
    /// Closeness to the job's delivery point.
    Distance,
    /// The facility's typical batch size against the job's quantity.
    Capacity,
    /// On-time and prototype pass rates of past assignments.
    TrackRecord,
    /// How recently the facility's record was verified.
    Freshness,
    /// The team's stated availability before the deadline.
    Availability,
    /// The search relevance of the job's free text.
    Relevance,
}

/// What met a requirement.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_search::matching::Source")]
pub enum EvidenceSource {
    /// A process the facility declares.
    FacilityProcess,
    /// One of the facility's machines (`machineId`).
    Machine,
    /// A material the facility works.
    Material,
    /// A certification the facility holds.
    Certification,
    /// A maker's skill backed by a valid credential from a trusted issuer (`credentialId`).
    VerifiedSkill,
    /// A maker's skill with no valid trusted credential: partial credit.
    SelfDeclaredSkill,
}

/// How a team's maker is tied to the team's facility.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(
    name = "TeamMemberRelation",
    remote = "makermatch_search::matching::Relation"
)]
pub enum Relation {
    /// Belongs to or works at the facility.
    Affiliated,
    /// Holds a clearance for one of its machines.
    Cleared,
    /// Lives within reach of it (`makerReachKm`).
    Nearby,
}

/// Why a facility got the quantity it got in an allocation.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_search::allocation::Reason")]
pub enum AllocationReason {
    /// Its capacity is used up across the jobs allocated together.
    AtCapacity,
    /// It got the largest share of the job one facility may have (`maxShare`).
    AtMaxShare,
    /// It is on probation and got the most a facility on probation may have.
    ProbationCap,
    /// It got the most its candidacy allows for this job.
    CandidateLimit,
    /// It is as cheap as other facilities with room: equal-cost work is spread evenly.
    EvenSplit,
    /// The cheapest facility with room left took the rest (or all) of the job.
    Cheapest,
    /// A minimum batch (`minBatch`) set its share.
    MinimumBatch,
    /// It gets nothing because its share would be under the minimum batch.
    BelowMinBatch,
    /// It gets nothing: its capacity went to other jobs.
    NoCapacityLeft,
    /// It gets nothing: cheaper (or equally cheap, better spread) facilities met the
    /// demand.
    NotNeeded,
}

impl AllocationReason {
    /// The reason a report names by its label (`EVEN_SPLIT`): allocation reports keep
    /// reasons as labels, which are this enum's GraphQL names.
    fn from_label(label: &str) -> Result<AllocationReason> {
        AllocationReason::items()
            .iter()
            .find(|item| item.name == label)
            .map(|item| item.value)
            .ok_or_else(|| {
                coded(
                    Code::Internal,
                    format!("the allocation report names an unknown reason `{label}`"),
                )
            })
    }
}

/// The GraphQL kind of a requirement the matcher reports.
fn requirement_kind(kind: makermatch_search::RequirementKind) -> RequirementKind {
    use makermatch_search::RequirementKind as K;
    match kind {
        K::Process => RequirementKind::Process,
        K::Skill => RequirementKind::Skill,
        K::Equipment => RequirementKind::Equipment,
        K::Material => RequirementKind::Material,
        K::Certification => RequirementKind::Certification,
    }
}

/// The way a requirement's term was read.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_search::matching::ResolutionMethod")]
pub enum ResolutionMethod {
    /// The taxonomy's id or label.
    Exact,
    /// One of its aliases.
    Alias,
    /// An OKH-LOSH TsDC code.
    Tsdc,
    /// A Wikidata id or URL.
    Wikidata,
    /// A Wikipedia article's URL.
    Wikipedia,
    /// The nearest name by spelling: `confidence` says how near.
    Fuzzy,
    /// Not written: inferred from the design's files, keywords or title.
    Inferred,
}

/// How a requirement's term was read: the words given, the taxonomy entry taken, how, and
/// how sure.
#[derive(SimpleObject)]
pub struct TermResolution {
    /// The words as written; empty for an inferred requirement.
    pub term: String,
    /// The taxonomy id it was taken to mean.
    pub resolved_to: String,
    /// How it was recognised.
    pub method: ResolutionMethod,
    /// In (0, 1]: 1 for every exact way of naming, the similarity for a fuzzy match, the
    /// inference's own for an inferred one.
    pub confidence: f64,
    /// For an inferred requirement: what it rests on (design files, keywords, title).
    pub evidence: Option<String>,
}

impl TermResolution {
    pub fn of(r: &makermatch_search::matching::TermResolution) -> TermResolution {
        TermResolution {
            term: r.written.clone(),
            resolved_to: r.resolved_to.clone(),
            method: r.method.into(),
            confidence: r.confidence,
            evidence: r.evidence.clone(),
        }
    }
}

/// One factor of a score.
#[derive(SimpleObject)]
pub struct FactorScore {
    /// The factor.
    pub factor: MatchFactor,
    /// Whether the factor applies to this job (a job without materials is not scored on
    /// them).
    pub applicable: bool,
    /// In [0, 1].
    pub value: f64,
    /// The factor's weight: the default, or the one given in `weights`.
    pub weight: f64,
    /// Its share of the score.
    pub contribution: f64,
    /// How the value came about, in words.
    pub note: String,
}

/// What satisfied a requirement.
#[derive(SimpleObject)]
pub struct MatchEvidence {
    /// What the requirement names.
    pub kind: RequirementKind,
    /// The requirement's term (taxonomy id, skill or certification).
    pub term: String,
    /// Required (`true`) or preferred (`false`).
    pub required: bool,
    /// What met it.
    pub source: EvidenceSource,
    /// The capability that matched: a process or equipment type id, a material, a
    /// certification or the maker's skill label.
    pub capability: String,
    /// The machine that met it, for machine evidence.
    pub machine_id: Option<ID>,
    /// The maker who met it, for skill evidence.
    pub maker_id: Option<ID>,
    /// The credential that verifies the skill, for verified skills.
    pub credential_id: Option<ID>,
    /// Credit in [0, 1]: full for verified skills, partial for self-declared ones.
    pub credit: f64,
    /// How the requirement was met, in words.
    pub detail: String,
    /// How the requirement's term was read (processes, machines, materials).
    pub resolution: Option<TermResolution>,
}

/// A requirement nobody in the team meets.
#[derive(SimpleObject)]
pub struct MissingRequirement {
    /// What the requirement names.
    pub kind: RequirementKind,
    /// The requirement's term.
    pub term: String,
    /// Required (`true`) or preferred (`false`).
    pub required: bool,
    /// Why nothing in the team meets it, in words.
    pub reason: String,
    /// How the requirement's term was read (processes, machines, materials).
    pub resolution: Option<TermResolution>,
}

/// A maker of a team.
#[derive(SimpleObject)]
#[graphql(name = "TeamMember", complex)]
pub struct TeamMemberOut {
    /// The maker's global id.
    pub maker_id: ID,
    /// The maker's name to show.
    pub name: String,
    /// How the maker is tied to the team's facility.
    pub relation: Relation,
    /// Kilometres from the maker's usable (usually public) position to the facility.
    pub distance_km: Option<f64>,
    /// The job's skills this maker covers.
    pub covers: Vec<String>,
    #[graphql(skip)]
    pub maker_uuid: Uuid,
}

impl TeamMemberOut {
    fn of(m: &makermatch_search::matching::TeamMember) -> TeamMemberOut {
        TeamMemberOut {
            maker_id: global_id(NodeType::Maker, m.maker_id),
            name: m.name.clone(),
            relation: m.relation.into(),
            distance_km: m.distance_km,
            covers: m.covers.clone(),
            maker_uuid: m.maker_id,
        }
    }
}

/// A production chain: facilities that together meet what none meets alone, the work
/// travelling from part to part and then to the delivery point.
#[derive(SimpleObject)]
pub struct ProductionChain {
    /// The facilities in route order: the work starts at the first and is delivered from
    /// the last.
    pub parts: Vec<ChainPart>,
    /// From each part to the next, then from the last to the delivery point (when the job
    /// has one).
    pub legs: Vec<TransportLeg>,
    /// The legs' total, in km.
    pub route_km: f64,
    /// What the hand-offs cost: the score is the factors' weighted mean times this (the
    /// breakdown's weights sum to it).
    pub discount: f64,
}

impl ProductionChain {
    fn of(c: &makermatch_search::matching::Chain) -> ProductionChain {
        ProductionChain {
            parts: c
                .parts
                .iter()
                .map(|p| ChainPart {
                    facility_id: global_id(NodeType::Facility, p.facility_id),
                    covers: p.covers.clone(),
                    machine_ids: p
                        .machine_ids
                        .iter()
                        .map(|id| global_id(NodeType::Equipment, *id))
                        .collect(),
                    makers: p.makers.iter().map(TeamMemberOut::of).collect(),
                    distance_km: p.distance_km,
                    facility_uuid: p.facility_id,
                })
                .collect(),
            legs: c
                .legs
                .iter()
                .map(|l| TransportLeg {
                    from_facility_id: global_id(NodeType::Facility, l.from),
                    to_facility_id: l.to.map(|id| global_id(NodeType::Facility, id)),
                    km: l.km,
                })
                .collect(),
            route_km: c.route_km,
            discount: c.discount,
        }
    }
}

/// One facility's part in a production chain.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ChainPart {
    /// The facility's global id.
    pub facility_id: ID,
    /// The requirements (terms) this part meets for the chain, in the job's order.
    pub covers: Vec<String>,
    /// The machines that meet them (global ids).
    pub machine_ids: Vec<ID>,
    /// The part's makers: members of the facility's team covering its skill requirements.
    pub makers: Vec<TeamMemberOut>,
    /// Kilometres from the facility to the job's delivery point.
    pub distance_km: Option<f64>,
    #[graphql(skip)]
    pub facility_uuid: Uuid,
}

#[ComplexObject]
impl ChainPart {
    /// The facility; null if it was deleted since.
    async fn facility(&self, ctx: &Context<'_>) -> Result<Option<Facility>> {
        facility_at(ctx, self.facility_uuid, self.distance_km).await
    }
}

/// Facility `id` as a team shows it, `distance_km` from the delivery point; `None` if it
/// was deleted since.
async fn facility_at(
    ctx: &Context<'_>,
    id: Uuid,
    distance_km: Option<f64>,
) -> Result<Option<Facility>> {
    let loader = ctx.data::<AppLoader>()?;
    Ok(loader
        .load_one(FacilityId(id))
        .await?
        .map(|row| Facility { row, distance_km }))
}

/// One transport leg of a production chain.
#[derive(SimpleObject)]
pub struct TransportLeg {
    /// The facility the work leaves.
    pub from_facility_id: ID,
    /// The facility it goes to next; null: the job's delivery point.
    pub to_facility_id: Option<ID>,
    /// Great-circle kilometres.
    pub km: f64,
}

#[ComplexObject]
impl TeamMemberOut {
    /// The maker's passport; null when the caller may not see it.
    async fn maker(&self, ctx: &Context<'_>) -> Result<Option<Maker>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(MakerId(self.maker_uuid))
            .await?
            .filter(|m| visibility(ctx).sees_maker(m))
            .map(Maker::new))
    }
}

/// A facility (or a production chain of them) and the makers who cover the job's skills,
/// scored and explained.
pub struct TeamMatchOut(pub TeamMatch);

/// A facility (or a production chain of two or three) and the makers who cover the job's
/// skills, scored and explained.
#[Object(name = "TeamMatch")]
impl TeamMatchOut {
    /// The team's facility (a chain's last, which delivers); null if it was deleted since.
    async fn facility(&self, ctx: &Context<'_>) -> Result<Option<Facility>> {
        facility_at(ctx, self.0.facility_id, self.0.distance_km).await
    }
    /// In [0, 1]: the weighted mean of the applicable factors (a chain's times its
    /// `discount`).
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// Kilometres from the job's delivery point.
    async fn distance_km(&self) -> Option<f64> {
        self.0.distance_km
    }
    /// The makers who cover the job's skills, with how they are tied to the facility.
    async fn makers(&self) -> Vec<TeamMemberOut> {
        self.0.makers.iter().map(TeamMemberOut::of).collect()
    }
    /// Set when the team is a production chain: two or three facilities that together
    /// meet what none meets alone, each making its part (`facility` is then the last,
    /// which delivers, and `makers` every part's). Null for a single facility.
    async fn chain(&self) -> Option<ProductionChain> {
        self.0.chain.as_ref().map(ProductionChain::of)
    }
    /// The score, factor by factor.
    async fn breakdown(&self) -> Vec<FactorScore> {
        self.0
            .breakdown
            .iter()
            .map(|f| FactorScore {
                factor: f.factor.into(),
                applicable: f.applicable,
                value: f.value,
                weight: f.weight,
                contribution: f.contribution,
                note: f.note.clone(),
            })
            .collect()
    }
    /// What met each requirement.
    async fn evidence(&self) -> Vec<MatchEvidence> {
        self.0
            .evidence
            .iter()
            .map(|e| MatchEvidence {
                kind: requirement_kind(e.kind),
                term: e.term.clone(),
                required: e.required,
                source: e.source.into(),
                capability: e.capability.clone(),
                machine_id: e.machine_id.map(|id| global_id(NodeType::Equipment, id)),
                maker_id: e.maker_id.map(|id| global_id(NodeType::Maker, id)),
                credential_id: e
                    .credential_id
                    .map(|id| global_id(NodeType::Credential, id)),
                credit: e.credit,
                detail: e.detail.clone(),
                resolution: e.resolution.as_deref().map(TermResolution::of),
            })
            .collect()
    }
    /// Requirements nobody in the team meets.
    async fn missing(&self) -> Vec<MissingRequirement> {
        self.0
            .missing
            .iter()
            .map(|m| MissingRequirement {
                kind: requirement_kind(m.kind),
                term: m.term.clone(),
                required: m.required,
                reason: m.reason.clone(),
                resolution: m.resolution.as_deref().map(TermResolution::of),
            })
            .collect()
    }
}

/// Why a facility got what it got.
#[derive(SimpleObject)]
#[graphql(name = "AllocationDecision")]
pub struct AllocationDecisionOut {
    /// Global id of the facility.
    pub facility_id: ID,
    /// The facility's name.
    pub facility_name: String,
    /// Items given to it; 0 when it gets nothing (`reason` says why).
    pub quantity: i32,
    /// Cost of its items in minor units (price and transport).
    pub cost_minor: i64,
    /// Why it got this quantity.
    pub reason: AllocationReason,
    /// The reason in words, with the figures behind it.
    pub detail: String,
    /// The assignment proposed for it, unless a dry run or nothing.
    pub assignment_id: Option<ID>,
}

impl TryFrom<&DecisionReport> for AllocationDecisionOut {
    type Error = async_graphql::Error;

    fn try_from(d: &DecisionReport) -> Result<Self> {
        Ok(AllocationDecisionOut {
            facility_id: global_id(NodeType::Facility, d.facility_id),
            facility_name: d.facility_name.clone(),
            quantity: i32::try_from(d.quantity).unwrap_or(i32::MAX),
            cost_minor: d.cost_minor,
            reason: AllocationReason::from_label(&d.reason)?,
            detail: d.detail.clone(),
            assignment_id: d
                .assignment_id
                .map(|id| global_id(NodeType::Assignment, id)),
        })
    }
}

/// An allocation of a job's open quantity over the ranked teams.
#[derive(SimpleObject)]
#[graphql(name = "Allocation")]
pub struct AllocationOut {
    /// Global id of the job.
    pub job_id: ID,
    /// Whether all of the open quantity found a facility.
    pub complete: bool,
    /// Total cost in minor units (price and transport).
    pub cost_minor: i64,
    /// One decision per candidate facility, those that got nothing included.
    pub decisions: Vec<AllocationDecisionOut>,
    /// This is the answer of an earlier call with the same `idempotencyKey`: nothing new
    /// was proposed.
    pub replayed: bool,
}

/// Allocations of every job of a programme, solved together.
#[derive(SimpleObject)]
#[graphql(name = "ProgrammeAllocation")]
pub struct ProgrammeAllocationOut {
    /// Global id of the programme.
    pub programme_id: ID,
    /// Whether every job's open quantity found facilities.
    pub complete: bool,
    /// Total cost of every job in minor units (price and transport).
    pub cost_minor: i64,
    /// The allocation of each job.
    pub jobs: Vec<AllocationOut>,
    /// This is the answer of an earlier call with the same `idempotencyKey`: nothing new
    /// was proposed.
    pub replayed: bool,
}
