//! The GraphQL schema (DESIGN §7), one module per domain, merged into one `Query` and one
//! `Mutation`. Resolvers stay thin: they read through the search engine and DataLoaders
//! and write through `crate::services`.

pub mod error;
mod facilities;
mod geo;
pub mod limits;
pub mod loader;
mod makers;
mod map;
mod node;
pub mod relay;
mod search;
mod search_support;
mod system;
mod taxonomy;

use std::sync::Arc;

use async_graphql::{EmptySubscription, MergedObject, Schema};
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
    map::MapQuery,
    taxonomy::TaxonomyQuery,
    system::SystemQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(facilities::FacilitiesMutation, makers::MakersMutation);

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .register_output_type::<node::Node>()
}

/// Builds the schema with the database, the search index and the taxonomy in its context,
/// and the limits of DESIGN §9.
pub fn build_schema(
    db: DatabaseConnection,
    index: IndexHandle,
    taxonomy: Taxonomy,
    config: &GraphqlConfig,
) -> AppSchema {
    let mut builder = builder()
        .data(db)
        .data(index)
        .data(Arc::new(taxonomy))
        .limit_depth(config.max_depth)
        .limit_complexity(config.max_complexity)
        .extension(
            async_graphql::extensions::apollo_persisted_queries::ApolloPersistedQueries::new(
                async_graphql::extensions::apollo_persisted_queries::LruCacheStorage::new(1_024),
            ),
        );
    if !config.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `api/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
