//! `importDocument`: one document posted as text, imported by the same importers as
//! `makermatch import` (the request body limit, 2 MB, bounds it). Returns the summary per
//! kind and every rejected record, once searches on this server see what was written.

mod mutations;
pub(crate) mod types;

pub use mutations::ImportMutation;
