//! Makers (PSS maker passports) over GraphQL: the `Maker` type over the stored row and
//! `makers(…)` through the search engine. Public callers see the public part of a
//! passport and its public position only, never the home (DESIGN §5, §8).

mod inputs;
mod mutations;
mod queries;
mod types;

pub use mutations::MakersMutation;
pub use queries::{MakersQuery, nearby_makers};
pub use types::{Maker, SkillLevel};
