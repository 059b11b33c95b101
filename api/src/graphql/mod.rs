//! The GraphQL schema (DESIGN §7): one module per domain, each with its types, inputs,
//! queries and mutations, merged into one `Query` and one `Mutation`, over the machinery
//! the domains share. Resolvers stay thin: they read through the search engine and
//! DataLoaders and write through `crate::services`.

// The domains. A folder splits a domain into `types`, `inputs`, `queries` and `mutations`
// (`subscriptions` for assignments); a domain with one resolver and a type or two is one
// file.
mod assignments;
mod credentials;
mod facilities;
mod imports;
mod jobs;
mod makers;
mod map;
mod matching;
mod node;
mod passport;
mod search;
mod system;
mod taxonomy;
mod ties;

// What the domains share: the policy as GraphQL sees it, errors, geo inputs, loaders,
// engine work off the async workers, plain lists, Relay ids and pages, the date scalars,
// and the search engine's handle.
mod access;
pub mod error;
mod geo;
pub mod loader;
pub mod offload;
mod plain;
pub mod relay;
mod scalars;
mod search_support;

// What a request passes before the executor: persisted and parsed queries, admission and
// limits.
pub mod request;

use std::sync::Arc;

use async_graphql::{MergedObject, Schema};
use makermatch_search::Taxonomy;
use sea_orm::DatabaseConnection;

use crate::config::GraphqlConfig;
use crate::index::IndexHandle;
use crate::services::credentials::verification::CredentialVerifier;
use crate::services::issuance::DeploymentIssuer;

/// Every read: facilities, makers, jobs and programmes, search, matching, the map, the
/// taxonomy, credentials and the server's state.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    facilities::FacilitiesQuery,
    makers::MakersQuery,
    search::SearchQuery,
    assignments::AssignmentsQuery,
    matching::MatchingQuery,
    matching::SkillGapsQuery,
    map::MapQuery,
    taxonomy::TaxonomyQuery,
    taxonomy::MachineModelsQuery,
    system::SystemQuery,
    jobs::JobsQuery,
    credentials::CredentialsQuery,
    passport::PassportQuery,
    ties::TiesQuery,
);

/// Every write; each needs a token, and the access policy decides who may do what.
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
pub struct Viewer {
    pub actor: Option<crate::services::actor::Actor>,
    pub visibility: crate::services::policy::Visibility,
}

impl Viewer {
    pub fn new(actor: Option<crate::services::actor::Actor>) -> Viewer {
        let visibility = crate::services::policy::Visibility::of(actor.as_ref());
        Viewer { actor, visibility }
    }
}

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
    (deployment, verifier): (DeploymentIssuer, CredentialVerifier),
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
        .data(verifier)
        .data(deployment)
        .limit_complexity(config.max_complexity);
    // Depth is checked on admission (`request/depth.rs`), where introspection gets its
    // own bound; async-graphql's limit is the backstop, as deep as the deeper of the two.
    builder = builder.limit_depth(if config.introspection {
        config
            .max_depth
            .max(request::depth::INTROSPECTION_MAX_DEPTH)
    } else {
        config.max_depth
    });
    // No extensions: with one, every field of every query runs through the extension
    // chain. Persisted queries are applied by the HTTP handler (`request/persisted.rs`),
    // and plain lists (`plain.rs`) skip the executor, which an extension would expect to see.
    if !config.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `api/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
