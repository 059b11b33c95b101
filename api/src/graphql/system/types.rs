//! Record counts, the search index's state, and the caller.

use async_graphql::{Enum, SimpleObject};

/// How many records of each kind the database holds.
#[derive(SimpleObject)]
pub struct Stats {
    pub facilities: u64,
    pub makers: u64,
    pub jobs: u64,
    pub programmes: u64,
    pub issuers: u64,
    pub credentials: u64,
    pub processes: u64,
}

/// Where the search indexer stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum IndexState {
    /// Filling the index from the database; search results are incomplete.
    Rebuilding,
    /// Tailing the database's outbox; results include every write up to `appliedSeq`.
    Ready,
    /// The indexer hit an error and is retrying; see the server log.
    Failing,
    Stopped,
}

/// The search index of this server.
#[derive(SimpleObject)]
pub struct SearchIndexInfo {
    pub state: IndexState,
    /// The last outbox sequence number the index has applied.
    pub applied_seq: i64,
    pub makers: u64,
    pub facilities: u64,
    pub jobs: u64,
}

/// The caller, as their token says.
#[derive(SimpleObject)]
pub struct Me {
    pub subject: String,
    /// `admin`, `coordinator`, `inspector`, `issuer` or `maker`.
    pub role: String,
    pub maker_id: Option<async_graphql::ID>,
    pub issuer_id: Option<async_graphql::ID>,
}
