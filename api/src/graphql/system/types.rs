//! Record counts, the search index's state, and the caller.

use async_graphql::{Enum, SimpleObject};

/// How many records of each kind the database holds.
#[derive(SimpleObject)]
pub struct Stats {
    /// Facilities stored.
    pub facilities: u64,
    /// Maker passports stored, private ones included.
    pub makers: u64,
    /// Jobs stored.
    pub jobs: u64,
    /// Programmes stored.
    pub programmes: u64,
    /// Credential issuers stored.
    pub issuers: u64,
    /// Credentials stored, revoked ones included.
    pub credentials: u64,
    /// Processes in the taxonomy.
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
    /// The indexer has stopped (the server is shutting down); results no longer follow
    /// writes.
    Stopped,
}

/// The search index of this server.
#[derive(SimpleObject)]
pub struct SearchIndexInfo {
    /// Where the indexer stands.
    pub state: IndexState,
    /// The last outbox sequence number the index has applied.
    pub applied_seq: i64,
    /// Maker documents in the index.
    pub makers: u64,
    /// Facility documents in the index.
    pub facilities: u64,
    /// Job documents in the index.
    pub jobs: u64,
}

/// The caller, as their token says.
#[derive(SimpleObject)]
pub struct Me {
    /// The token's subject (`sub`).
    pub subject: String,
    /// `admin`, `coordinator`, `inspector`, `issuer` or `maker`.
    pub role: String,
    /// The caller's maker passport, for maker tokens.
    pub maker_id: Option<async_graphql::ID>,
    /// The caller's issuer, for issuer tokens.
    pub issuer_id: Option<async_graphql::ID>,
}
