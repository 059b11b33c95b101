//! The router and its handlers.

use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::GraphqlConfig;
use crate::graphql::error::Code;
use crate::graphql::{AppSchema, limits, loader};
use crate::index::{IndexHandle, IndexStatus};

/// Request bodies above this are refused before parsing (DESIGN §9).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Requests taking longer are answered 408 (DESIGN §9).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub index: IndexHandle,
    pub schema: AppSchema,
    pub graphql: GraphqlConfig,
}

/// CORS from `graphql.cors_origins`: none, any (`*`), or a list.
fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(Duration::from_secs(3_600));
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(AllowOrigin::any())
    } else {
        // Checked when the configuration was loaded; an unparsable one is skipped.
        layer.allow_origin(AllowOrigin::list(
            origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
    }
}

pub fn router(state: AppState) -> Router {
    let cors = cors(&state.graphql.cors_origins);
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        // The GraphQL extractor reads the body itself, so limit the body, not the extractor.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(name_refusals))
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A GraphQL-shaped refusal: `{"errors": [{"message", "extensions": {"code"}}]}`.
fn refuse(status: StatusCode, code: Code, message: impl Into<String>) -> Response {
    let body = async_graphql::Response::from_errors(vec![limits::refusal(code, message)]);
    (status, GraphQLResponse::from(body)).into_response()
}

/// POST bodies must be JSON: a form or text/plain post is refused, so a browser page of
/// another site cannot send queries with the user's cookies (CSRF).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| v == "application/json" || v == "application/graphql-response+json")
}

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    if !is_json(&headers) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadUserInput,
            "POST /graphql takes `Content-Type: application/json` with a body like {\"query\": \"{ version }\"}",
        );
    }
    let request = match request {
        Ok(r) => r.into_inner(),
        Err(GraphQLRejection(async_graphql::ParseRequestError::PayloadTooLarge)) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                Code::LimitExceeded,
                format!("the request body is over {MAX_BODY_BYTES} bytes"),
            );
        }
        Err(GraphQLRejection(e)) => {
            let detail = match e {
                async_graphql::ParseRequestError::InvalidRequest(inner) => inner.to_string(),
                other => other.to_string(),
            };
            return refuse(
                StatusCode::BAD_REQUEST,
                Code::BadUserInput,
                format!(
                    "the body is not a GraphQL request ({detail}); send JSON like {{\"query\": \"{{ version }}\", \"variables\": {{}}}}"
                ),
            );
        }
    };
    if let Err(e) = limits::check_aliases(&request.query, state.graphql.max_aliases) {
        return GraphQLResponse::from(async_graphql::Response::from_errors(vec![e]))
            .into_response();
    }
    let request = request.data(loader::new_loader(state.db.clone()));
    let mut response = state.schema.execute(request).await;
    limits::name_limit_errors(
        &mut response.errors,
        state.graphql.max_depth,
        state.graphql.max_complexity,
    );
    crate::graphql::error::name_input_errors(&mut response.errors);
    GraphQLResponse::from(response).into_response()
}

/// Over-limit bodies stopped by the body-limit layer (before the extractor) get the same
/// JSON answer as the ones the extractor catches.
async fn name_refusals(response: Response) -> Response {
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE if !is_json(response.headers()) => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::LimitExceeded,
            format!("the request body is over {MAX_BODY_BYTES} bytes"),
        ),
        StatusCode::REQUEST_TIMEOUT => refuse(
            StatusCode::REQUEST_TIMEOUT,
            Code::LimitExceeded,
            format!(
                "the request took longer than {} s",
                REQUEST_TIMEOUT.as_secs()
            ),
        ),
        _ => response,
    }
}

async fn graphiql(State(state): State<AppState>) -> Response {
    if state.graphql.graphiql {
        Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            "GraphiQL is switched off on this server; POST GraphQL queries to /graphql",
        )
            .into_response()
    }
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and the search index is usable (not rebuilding, its
/// indexer not failing).
async fn readyz(State(state): State<AppState>) -> Response {
    if let Err(e) = state.db.execute_unprepared("SELECT 1").await {
        tracing::warn!(error = %e, "readiness check failed: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response();
    }
    match state.index.status() {
        IndexStatus::Ready => (StatusCode::OK, "ready").into_response(),
        IndexStatus::Rebuilding { reason } => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("search index rebuilding from the database ({reason})"),
        )
            .into_response(),
        IndexStatus::Failing { .. } => (
            StatusCode::SERVICE_UNAVAILABLE,
            "search indexer failing; see the server log",
        )
            .into_response(),
        IndexStatus::Stopped => (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response(),
    }
}
