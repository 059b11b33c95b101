//! The GraphQL schema (DESIGN §7), one module per domain, merged into one `Query` and one
//! `Mutation`. Resolvers stay thin: they read through the search engine and DataLoaders
//! and write through `crate::services`.

mod access;
pub mod admission;
mod assignments;
mod credentials;
pub mod error;
mod facilities;
mod geo;
mod imports;
mod jobs;
pub mod limits;
pub mod loader;
mod makers;
mod map;
mod matching;
mod node;
pub mod offload;
pub mod parsed;
mod passport;
pub mod persisted;
mod plain;
pub mod relay;
mod search;
mod search_support;
mod system;
mod taxonomy;
mod ties;

use std::sync::Arc;

use async_graphql::{MergedObject, Schema};
use makermatch_search::Taxonomy;
use sea_orm::DatabaseConnection;

use crate::config::GraphqlConfig;
use crate::index::IndexHandle;

#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    facilities::FacilitiesQuery,
    makers::MakersQuery,
    search::SearchQuery,
    assignments::AssignmentsQuery,
    matching::MatchingQuery,
    map::MapQuery,
    taxonomy::TaxonomyQuery,
    system::SystemQuery,
    jobs::JobsQuery,
    credentials::CredentialsQuery,
    passport::PassportQuery,
    ties::TiesQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    facilities::FacilitiesMutation,
    makers::MakersMutation,
    assignments::AssignmentsMutation,
    matching::MatchingMutation,
    jobs::JobsMutation,
    credentials::CredentialsMutation,
    imports::ImportMutation,
    passport::PassportMutation,
    ties::TiesMutation,
);

pub use assignments::Subscription;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The caller of a request: the actor of its token, or `None` for anonymous callers.
#[derive(Debug, Clone, Default)]
pub struct Viewer(pub Option<crate::services::actor::Actor>);

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription)
        .register_output_type::<node::Node>()
}

/// Builds the schema with the database, the search index (and the gate engine work
/// passes, `max_parallel_queries` at once) and the taxonomy in its context, and the
/// limits of DESIGN §9.
pub fn build_schema(
    db: DatabaseConnection,
    index: IndexHandle,
    max_parallel_queries: usize,
    taxonomy: Taxonomy,
    events: crate::events::EventBus,
    config: &GraphqlConfig,
) -> AppSchema {
    let gate = offload::EngineGate::new(index.engine().clone(), max_parallel_queries);
    let mut builder = builder()
        .data(db)
        .data(events)
        .data(gate)
        .data(index)
        .data(Arc::new(taxonomy))
        .limit_depth(config.max_depth)
        .limit_complexity(config.max_complexity);
    // No extensions: with one, every field of every query runs through the extension
    // chain. Persisted queries are applied by the HTTP handler (`persisted.rs`), and
    // plain lists (`plain.rs`) skip the executor, which an extension would expect to see.
    if !config.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `api/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
