//! What the service is and how much it holds.

use async_graphql::{Context, Object, Result, SimpleObject};
use makermatch_entities::prelude::*;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

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

#[Object]
impl SystemQuery {
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
