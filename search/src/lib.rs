//! makermatch's in-process search engine (DESIGN §1, §4–§6): a pure library that takes
//! data in and gives ranked results out — full text, geo, taxonomy, and the matching
//! (`matching`) and allocation (`allocation`) of production jobs. No database or HTTP in
//! here.

pub mod access;
pub mod allocation;
pub mod budget;
pub mod document;
pub mod engine;
mod error;
mod index;
pub mod matching;
pub mod privacy;
pub mod query;
pub mod resolve;
pub mod skills;
pub mod spatial;
pub mod taxonomy;

pub use access::{ExactPositions, PositionAccess};
pub use allocation::{
    Allocation, AllocationError, AllocationOptions, AllocationProblem, allocate_job,
    allocate_programme,
};
pub use budget::Budget;
pub use document::{
    Doc, EquipmentEntry, FacilityDoc, JobDoc, Kind, MakerDoc, RequirementEntry, RequirementKind,
    SkillEntry, SkillLevel,
};
pub use engine::{
    Cluster, CommitReport, EngineHealth, EngineWriter, OnMismatch, OpenOptions, Opened,
    SearchEngine, WriterOptions,
};
pub use error::SearchError;
pub use index::schema::SCHEMA_VERSION;
pub use matching::{MatchError, MatchInput, MatchOptions, TeamMatch, match_job};
pub use query::{
    CapabilityRequest, Facet, Filters, Highlight, Hit, Near, NearbyRequest, PlannerLimits,
    RankedFacility, SearchPage, SearchRequest, SkillFilter, Want, Within,
};
pub use spatial::{BoundingBox, GeoPolygon, LatLon};
pub use taxonomy::{Taxonomy, TaxonomyError};
