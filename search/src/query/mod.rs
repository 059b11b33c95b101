//! Queries: the request and result types, text and filter translation, and the planner
//! that combines tantivy with the R-trees.

pub(crate) mod capability;
pub(crate) mod execute;
pub(crate) mod filters;
pub(crate) mod linked;
pub(crate) mod matcher;
pub(crate) mod nearby;
pub(crate) mod ord_set;
pub(crate) mod plan;
pub(crate) mod request;
pub(crate) mod text;

pub use capability::{CapabilityRequest, Facet, RankedFacility, Want};
pub use nearby::NearbyRequest;
pub use plan::PlannerLimits;
pub use request::{
    DEFAULT_LIMIT, Filters, Highlight, Hit, Near, SearchPage, SearchRequest, SkillFilter, Within,
};
