//! makermatch's in-process search engine (DESIGN §1, §4–§6): a pure library that takes
//! data in and gives ranked results out. No database or HTTP in here.

pub mod privacy;
pub mod resolve;
pub mod skills;
pub mod taxonomy;

pub use taxonomy::{Taxonomy, TaxonomyError};
