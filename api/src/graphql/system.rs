//! What the service is and how much it holds.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use makermatch_entities::prelude::*;
use makermatch_search::Kind;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::index::{IndexHandle, IndexStatus};

#[derive(Default)]
pub struct SystemQuery;

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

#[Object]
impl SystemQuery {
    /// Who the request's token stands for; null for anonymous callers.
    async fn me(&self, ctx: &Context<'_>) -> Option<Me> {
        super::access::viewer(ctx).map(|a| Me {
            subject: a.subject.clone(),
            role: a.role.as_str().to_owned(),
            maker_id: a
                .maker_id
                .map(|id| super::relay::global_id(super::relay::NodeType::Maker, id)),
            issuer_id: a
                .issuer_id
                .map(|id| super::relay::global_id(super::relay::NodeType::Issuer, id)),
        })
    }

    /// The search index's state and document counts (compare with `stats`).
    async fn search_index(&self, ctx: &Context<'_>) -> Result<SearchIndexInfo> {
        let index = ctx.data::<IndexHandle>()?;
        // Inline, not `offload::on_engine`: three counters read off the engine's state,
        // cheaper than the hop to another thread.
        let engine = index.engine();
        let state = match index.status() {
            IndexStatus::Rebuilding { .. } => IndexState::Rebuilding,
            IndexStatus::Ready => IndexState::Ready,
            IndexStatus::Failing { .. } => IndexState::Failing,
            IndexStatus::Stopped => IndexState::Stopped,
        };
        Ok(SearchIndexInfo {
            state,
            applied_seq: index.applied_seq(),
            makers: engine.count(Kind::Maker)? as u64,
            facilities: engine.count(Kind::Facility)? as u64,
            jobs: engine.count(Kind::Job)? as u64,
        })
    }

    /// The makermatch version serving this request.
    async fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// Record counts, for dashboards and smoke tests.
    async fn stats(&self, ctx: &Context<'_>) -> Result<Stats> {
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(Stats {
            facilities: Facility::find().count(db).await?,
            makers: Maker::find().count(db).await?,
            jobs: Job::find().count(db).await?,
            programmes: Programme::find().count(db).await?,
            issuers: Issuer::find().count(db).await?,
            credentials: Credential::find().count(db).await?,
            processes: Process::find().count(db).await?,
        })
    }
}
