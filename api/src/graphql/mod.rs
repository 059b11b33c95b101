//! The GraphQL schema (DESIGN §7), one module per domain, merged into one `Query`.
//! Resolvers stay thin: they read through the database connection in the context and
//! write through `crate::services`.

mod system;

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema};
use sea_orm::DatabaseConnection;

use crate::config::GraphqlConfig;

#[derive(MergedObject, Default)]
pub struct Query(system::SystemQuery);

pub type AppSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema with the database in its context.
pub fn build_schema(db: DatabaseConnection, config: &GraphqlConfig) -> AppSchema {
    let mut builder = Schema::build(Query::default(), EmptyMutation, EmptySubscription).data(db);
    if !config.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `api/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}
