//! `search(text, kinds, near, first)`: one box searching makers, facilities and jobs at
//! once, with relevance scores and highlighted fragments.

mod queries;
mod types;

pub use queries::SearchQuery;
