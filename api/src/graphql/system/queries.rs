//! `me`, `searchIndex`, `version` and `stats`.

use async_graphql::{Context, Object, Result};
use makermatch_entities::prelude::*;
use makermatch_search::Kind;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use super::types::{IndexState, Me, SearchIndexInfo, Stats};
use crate::graphql::access;
use crate::graphql::relay;
use crate::index::{IndexHandle, IndexStatus};

#[derive(Default)]
pub struct SystemQuery;

#[Object]
impl SystemQuery {
    /// Who the request's token stands for; null for anonymous callers.
    async fn me(&self, ctx: &Context<'_>) -> Option<Me> {
        access::viewer(ctx).map(|a| Me {
            subject: a.subject.clone(),
            role: a.role.as_str().to_owned(),
            maker_id: a
                .maker_id
                .map(|id| relay::global_id(relay::NodeType::Maker, id)),
            issuer_id: a
                .issuer_id
                .map(|id| relay::global_id(relay::NodeType::Issuer, id)),
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
