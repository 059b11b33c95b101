//! The router and its handlers.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use sea_orm::DatabaseConnection;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;

use super::client_addr::TrustedProxies;
use super::{get, http_cache};
use crate::auth::rate::RateLimits;
use crate::auth::{self, AuthError, Verifier};
use crate::config::GraphqlConfig;
use crate::graphql::Viewer;
use crate::graphql::error::Code;
use crate::graphql::loader::ListCache;
use crate::graphql::offload::RequestDeadline;
use crate::graphql::request::admission::Admission;
use crate::graphql::request::consistency::{self, Written};
use crate::graphql::request::limits;
use crate::graphql::request::media::{self, ResponseMedia};
use crate::graphql::request::parsed::ParsedQueries;
use crate::graphql::request::persisted::PersistedQueries;
use crate::graphql::{AppSchema, loader};
use crate::index::{IndexHandle, IndexStatus};
use crate::services::actor::Actor;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// The hot standby queries read from (`database.read_url`), if any.
    pub standby: Option<super::read_route::Standby>,
    pub index: IndexHandle,
    pub schema: AppSchema,
    pub graphql: GraphqlConfig,
    pub verifier: Verifier,
    pub rate_limits: RateLimits,
    /// Mutations are refused (`server.read_only`).
    pub read_only: bool,
    /// Whose `Forwarded` / `X-Forwarded-For` headers name the client.
    pub trusted_proxies: Arc<TrustedProxies>,
    /// What facility lists show under each facility, shared by all requests; `None` when
    /// `graphql.list_cache_rows` is 0.
    pub list_cache: Option<Arc<ListCache>>,
    /// Automatic persisted queries over HTTP.
    pub persisted_queries: Arc<PersistedQueries>,
    pub parsed_queries: Arc<ParsedQueries>,
    /// What `/metrics` renders; `None` when `server.metrics` is off.
    pub metrics: Option<super::metrics::Metrics>,
    /// This deployment as a credential issuer: its DID document, key and revocation list.
    pub published: Arc<super::well_known::Published>,
}

/// CORS from `graphql.cors_origins`: none, any (`*`), or a list.
fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            consistency::HEADER,
        ])
        // So browser clients on another origin can read the token to send it back.
        .expose_headers([consistency::HEADER, consistency::STALE_HEADER])
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

/// What `name_refusals` needs to say which limit a refusal was about.
#[derive(Clone, Copy)]
struct HttpLimits {
    max_body_bytes: usize,
    request_timeout_ms: u64,
}

pub fn router(state: AppState) -> Router {
    let cors = cors(&state.graphql.cors_origins);
    let limits = HttpLimits {
        max_body_bytes: state.graphql.max_body_bytes,
        request_timeout_ms: state.graphql.request_timeout_ms,
    };
    let admission = Arc::new(Admission::new(
        &state.graphql,
        state.parsed_queries.clone(),
        state.read_only,
    ));
    Router::new()
        .route(
            "/graphql",
            post(graphql)
                .get(graphql_get)
                .layer(axum::middleware::from_fn(track_operations)),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(super::metrics::scrape))
        .route("/readyz", get(readyz))
        .route(
            "/.well-known/did.json",
            get(super::well_known::did_document),
        )
        .route("/.well-known/jwks.json", get(super::well_known::jwks))
        .route(
            crate::services::issuance::status_list::PATH,
            get(super::well_known::status_list),
        )
        // The GraphQL extractor reads the body itself, so limit the body, not the extractor.
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(limits.request_timeout_ms),
        ))
        .layer(axum::middleware::map_response(move |r| {
            name_refusals(r, limits)
        }))
        .layer(Extension(admission))
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A GraphQL-shaped refusal: `{"errors": [{"message", "extensions": {"code"}}]}`.
fn refuse(status: StatusCode, code: Code, message: impl Into<String>) -> Response {
    let body = async_graphql::Response::from_errors(vec![limits::refusal(code, message)]);
    let mut response = (status, GraphQLResponse::from(body)).into_response();
    response
        .extensions_mut()
        .insert(super::metrics::GraphqlOutcome::refused(code));
    response
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

/// Who is calling: the actor of a valid bearer token, or nobody. A present but invalid
/// token is refused outright (401), never treated as anonymous.
fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Option<Actor>, AuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let verified = value
        .to_str()
        .map_err(|_| AuthError::Malformed)
        .and_then(auth::bearer)
        .and_then(|token| state.verifier.verify(token));
    if let Err(e) = &verified {
        tracing::info!(reason = %e, "refused a token");
    }
    verified.map(Some)
}

/// Times and counts GraphQL operations over HTTP (POST, and GETs that are neither a
/// WebSocket nor GraphiQL's page).
async fn track_operations(request: axum::extract::Request, next: Next) -> Response {
    let operation = request.method() == Method::POST
        || !(get::is_upgrade(request.headers())
            || get::wants_page(request.headers(), request.uri()));
    if operation {
        super::metrics::track_graphql(request, next).await
    } else {
        next.run(request).await
    }
}

/// POST /graphql, answered in the media type the request's `Accept` asks for; no cache
/// keeps the answer.
async fn graphql(
    State(state): State<AppState>,
    Extension(admission): Extension<Arc<Admission>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    let media = ResponseMedia::of(&headers);
    let client = state.trusted_proxies.client(peer, &headers);
    let mut response = answer(
        state,
        admission,
        client,
        &headers,
        Door::Post(request),
        media,
    )
    .await;
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, media.content_type());
    response_headers.insert(header::CACHE_CONTROL, http_cache::no_store());
    response
}

/// How a GraphQL request came: as a POST body, or in a GET's URL (already read, or the
/// refusal to answer). Both then go the same way, but GET runs queries only and its
/// anonymous answers may be cached.
enum Door {
    Post(Result<GraphQLRequest, GraphQLRejection>),
    Get(Result<async_graphql::Request, get::Unreadable>),
}

impl Door {
    /// The request, or why it is refused.
    fn read(
        self,
        state: &AppState,
        headers: &HeaderMap,
    ) -> Result<async_graphql::Request, get::Unreadable> {
        let request = match self {
            Door::Get(request) => return request,
            Door::Post(request) => request,
        };
        if !is_json(headers) {
            return Err(get::Unreadable::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Code::BadUserInput,
                "POST /graphql takes `Content-Type: application/json` with a body like {\"query\": \"{ version }\"}",
            ));
        }
        match request {
            // Without a query nor a persisted query's hash there is nothing to parse: the
            // body's parameters are wrong (a misspelt key, say), not the query.
            Ok(r) if r.0.query.is_empty() && !r.0.extensions.contains_key("persistedQuery") => {
                Err(get::Unreadable::new(
                    StatusCode::BAD_REQUEST,
                    Code::BadUserInput,
                    "the body has no `query`; send JSON like {\"query\": \"{ version }\"}",
                ))
            }
            Ok(r) => Ok(r.into_inner()),
            Err(GraphQLRejection(async_graphql::ParseRequestError::PayloadTooLarge)) => {
                Err(get::Unreadable::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Code::LimitExceeded,
                    format!(
                        "the request body is over {} bytes",
                        state.graphql.max_body_bytes
                    ),
                ))
            }
            Err(GraphQLRejection(e)) => {
                let detail = match e {
                    async_graphql::ParseRequestError::InvalidRequest(inner) => inner.to_string(),
                    other => other.to_string(),
                };
                Err(get::Unreadable::new(
                    StatusCode::BAD_REQUEST,
                    Code::BadUserInput,
                    format!(
                        "the body is not a GraphQL request ({detail}); send JSON like {{\"query\": \"{{ version }}\", \"variables\": {{}}}}"
                    ),
                ))
            }
        }
    }
}

/// The refusal of a mutation or subscription sent over GET: 405 with `Allow: POST`, as the
/// GraphQL-over-HTTP spec has it.
fn not_over_get(kind: OperationType) -> Response {
    let message = match kind {
        OperationType::Subscription => {
            "a subscription does not run over GET; open a WebSocket to /graphql (graphql-transport-ws)"
        }
        _ => "a mutation does not run over GET; POST it to /graphql",
    };
    let mut response = refuse(StatusCode::METHOD_NOT_ALLOWED, Code::BadUserInput, message);
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// A request error (it did not parse, or the schema refused it) under
/// `application/graphql-response+json`: HTTP 400 and only the errors.
fn request_error(errors: &[async_graphql::ServerError]) -> Response {
    let mut response = Response::new(axum::body::Body::from(media::request_error_body(errors)));
    *response.status_mut() = media::REQUEST_ERROR_STATUS;
    response
}

/// `client` is the caller's address: the TCP peer, or whom a trusted proxy forwards for.
async fn answer(
    state: AppState,
    admission: Arc<Admission>,
    client: SocketAddr,
    headers: &HeaderMap,
    door: Door,
    media: ResponseMedia,
) -> Response {
    let actor = match authenticate(&state, headers) {
        Ok(actor) => actor,
        Err(e) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                Code::Unauthenticated,
                format!(
                    "{e}; send `Authorization: Bearer <token>` with a valid token, or none to read public data"
                ),
            );
        }
    };
    let caller = match &actor {
        Some(a) => format!("sub:{}", a.subject),
        None => format!("ip:{}", client.ip()),
    };
    if let Err(wait) = state.rate_limits.check(&caller).await {
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            Code::LimitExceeded,
            format!("too many requests; retry in {} s", wait.as_secs().max(1)),
        );
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return response;
    }
    let wanted = match consistency_wanted(headers) {
        Ok(wanted) => wanted,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, Code::BadUserInput, message),
    };
    let over_get = matches!(door, Door::Get(_));
    let signed_in = actor.is_some();
    let mut request = match door.read(&state, headers) {
        Ok(request) => request,
        Err(unreadable) => {
            return refuse(unreadable.status, unreadable.code, unreadable.message);
        }
    };
    let prepared = state
        .persisted_queries
        .apply(&mut request)
        .and_then(|()| admission.admit(&mut request));
    if let Err(e) = prepared {
        let operation = super::metrics::named_operation(request.operation_name.as_deref());
        let outcome = super::metrics::GraphqlOutcome::answered(operation, std::slice::from_ref(&e));
        let errors = std::slice::from_ref(&e);
        let mut refused = if media.is_request_error(false, errors) {
            request_error(errors)
        } else {
            GraphQLResponse::from(async_graphql::Response::from_errors(vec![e])).into_response()
        };
        refused.extensions_mut().insert(outcome);
        return refused;
    }
    if over_get
        && let Some(kind @ (OperationType::Mutation | OperationType::Subscription)) =
            get::operation_type(&mut request)
    {
        return not_over_get(kind);
    }
    let operation = super::metrics::operation_of(&mut request);
    // Waited for before the tag is computed, so the tag names the position the answer
    // comes from.
    let stale = match wanted {
        Some(seq) => !state.index.wait_for(seq).await,
        None => false,
    };
    // Read before executing, so an answer is never tagged with a position newer than the
    // data it was computed from.
    let tag = (over_get && !signed_in && !stale)
        .then(|| http_cache::etag(state.index.applied_seq(), &request, media));
    if let Some(tag) = &tag
        && http_cache::matches(headers, tag)
    {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        http_cache::public(
            &mut not_modified,
            tag.clone(),
            state.graphql.cache_max_age_secs,
        );
        not_modified
            .extensions_mut()
            .insert(super::metrics::GraphqlOutcome::answered(operation, &[]));
        return not_modified;
    }
    let written = Written::default();
    let (request, on_standby) =
        super::read_route::route(request, state.standby.as_ref(), wanted.is_some());
    let request = if on_standby {
        request
    } else {
        request.data(loader::new_loader(
            state.db.clone(),
            state.list_cache.clone(),
        ))
    };
    let request =
        request
            .data(Viewer::new(actor))
            .data(written.clone())
            .data(RequestDeadline::after(Duration::from_millis(
                state.graphql.request_timeout_ms,
            )));
    let mut response = state.schema.execute(request).await;
    admission.name_answer_errors(&mut response);
    consistency::annotate(&mut response, &written, stale);
    let has_data = response.data != async_graphql::Value::Null;
    // An answer replaced for its size is an error answer: no cache keeps it.
    let mut replaced = false;
    let mut http = if media.is_request_error(has_data, &response.errors) {
        request_error(&response.errors)
    } else {
        let body = admission.serialize(&response).unwrap_or_else(|refusal| {
            replaced = true;
            refusal
        });
        Response::new(axum::body::Body::from(body))
    };
    // Nothing could be answered because the database or the index is away: 503, so load
    // balancers and retrying clients see it.
    if !has_data && http.status() == StatusCode::OK {
        *http.status_mut() = crate::graphql::error::http_status(&response.errors);
    }
    // The content type is set by `graphql`, from the request's `Accept`.
    http.headers_mut().extend(response.http_headers);
    if let Some(seq) = written.seq()
        && let Ok(value) = HeaderValue::from_str(&consistency::token(seq))
    {
        http.headers_mut().insert(consistency::HEADER, value);
    }
    if stale {
        http.headers_mut()
            .insert(consistency::STALE_HEADER, HeaderValue::from_static("true"));
    }
    match tag {
        Some(tag) if response.errors.is_empty() && !replaced && http.status() == StatusCode::OK => {
            http_cache::public(&mut http, tag, state.graphql.cache_max_age_secs);
        }
        _ if signed_in => {
            http.headers_mut()
                .insert(header::CACHE_CONTROL, http_cache::private());
        }
        // Answers with errors: `no-store`, set by the door's handler.
        _ => {}
    }
    http.extensions_mut()
        .insert(super::metrics::GraphqlOutcome::answered(
            operation,
            &response.errors,
        ));
    http
}

/// The outbox position the request's `X-Makermatch-Consistency` header asks this replica
/// to have applied first, or why the header is refused.
fn consistency_wanted(headers: &HeaderMap) -> Result<Option<i64>, String> {
    let Some(value) = headers.get(consistency::HEADER) else {
        return Ok(None);
    };
    // A value that is not text is refused like any other foreign token.
    consistency::parse(value.to_str().unwrap_or("")).map(Some)
}

/// Over-limit bodies stopped by the body-limit layer (before the extractor) get the same
/// JSON answer as the ones the extractor catches.
async fn name_refusals(response: Response, limits: HttpLimits) -> Response {
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE if !is_json(response.headers()) => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::LimitExceeded,
            format!("the request body is over {} bytes", limits.max_body_bytes),
        ),
        StatusCode::REQUEST_TIMEOUT if !is_json(response.headers()) => refuse(
            StatusCode::REQUEST_TIMEOUT,
            Code::LimitExceeded,
            format!(
                "the request took longer than {} ms",
                limits.request_timeout_ms
            ),
        ),
        _ => response,
    }
}

/// What a WebSocket's `connection_init` payload carries: the token as
/// `{"Authorization": "Bearer …"}` (any case) or `{"token": "…"}`. A connection without one
/// is anonymous; one with a bad token is closed. Also gives the token's subject.
pub(super) fn connection_data(
    verifier: &Verifier,
    db: &sea_orm::DatabaseConnection,
    list_cache: Option<Arc<ListCache>>,
    payload: &serde_json::Value,
) -> async_graphql::Result<(async_graphql::Data, Option<String>)> {
    let header = payload.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .and_then(|(_, v)| v.as_str())
    });
    let token = payload.get("token").and_then(|v| v.as_str());
    let actor = match (header, token) {
        (Some(h), _) => Some(auth::bearer(h).and_then(|t| verifier.verify(t))),
        (None, Some(t)) => Some(verifier.verify(t)),
        (None, None) => None,
    }
    .transpose()
    .map_err(|e| async_graphql::Error::new(format!("{e}; send the token in connection_init")))?;
    let subject = actor.as_ref().map(|a| a.subject.clone());
    let mut data = async_graphql::Data::default();
    data.insert(Viewer::new(actor));
    data.insert(loader::new_loader(db.clone(), list_cache));
    Ok((data, subject))
}

/// GET /graphql: a `graphql-transport-ws` (or legacy `graphql-ws`) subscription socket
/// when the request upgrades, GraphiQL for a browser asking for a page, else a query read
/// from the URL and answered as POST answers it (cacheable when anonymous).
async fn graphql_get(
    State(state): State<AppState>,
    Extension(admission): Extension<Arc<Admission>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let client = state.trusted_proxies.client(peer, &headers);
    if let (Some(protocol), Ok(upgrade)) = (super::websocket::protocol(&headers), upgrade) {
        return super::websocket::upgrade(state, admission, client, protocol, upgrade);
    }
    if get::wants_page(&headers, &uri) {
        // The same URL answers JSON to other clients: caches must tell them apart.
        let mut page = graphiql(state).await;
        http_cache::finish_get(&mut page);
        return page;
    }
    let media = ResponseMedia::of(&headers);
    let request = get::read(&uri, state.graphql.max_url_bytes);
    let mut response = answer(
        state,
        admission,
        client,
        &headers,
        Door::Get(request),
        media,
    )
    .await;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    http_cache::finish_get(&mut response);
    response
}

async fn graphiql(state: AppState) -> Response {
    if state.graphql.graphiql {
        Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql")
                .finish(),
        )
        .into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            "GraphiQL is switched off on this server; send GraphQL queries to /graphql by POST, or by GET with a `query` parameter",
        )
            .into_response()
    }
}

/// Liveness: 503 with the reason when this server cannot answer searches by itself any
/// more (its indexer task ended, or the search engine's state can be rebuilt neither from
/// its index nor from the database), so that a restart is due. Never touches the database.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.index.liveness() {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, reason).into_response(),
    }
}

/// How long `/readyz` waits for the database's `SELECT 1`.
const READINESS_DATABASE_TIMEOUT: Duration = Duration::from_millis(800);

/// Readiness: the database answers and the search index is usable (not rebuilding, its
/// indexer not failing).
async fn readyz(State(state): State<AppState>) -> Response {
    // Bounded: with the database unreachable the pool would wait its whole acquire
    // timeout, and a readiness probe must answer within a second.
    if let Err(e) = crate::db::ping(&state.db, READINESS_DATABASE_TIMEOUT).await {
        tracing::warn!(error = %e, "readiness check failed: database unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response();
    }
    match index_readiness(&state).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, reason).into_response(),
    }
}

/// How long `/readyz` waits for the outbox head.
const READINESS_OUTBOX_TIMEOUT: Duration = Duration::from_millis(800);

/// The index part of readiness: usable (not rebuilding, its indexer not failing, the
/// engine not recovering) and at most `index.max_ready_lag` outbox entries behind the
/// newest one, so a replica restarted far behind takes no traffic until it caught up.
async fn index_readiness(state: &AppState) -> Result<(), String> {
    match state.index.status() {
        IndexStatus::Ready => {}
        IndexStatus::Rebuilding { reason } => {
            return Err(format!(
                "search index rebuilding from the database ({reason})"
            ));
        }
        IndexStatus::Failing { .. } => {
            return Err("search indexer failing; see the server log".to_owned());
        }
        IndexStatus::Stopped => return Err("shutting down".to_owned()),
    }
    if !state.index.engine().health().is_healthy() {
        return Err("search engine recovering from an internal failure".to_owned());
    }
    // The newest outbox entry: one index lookup (max of the primary key).
    let head = tokio::time::timeout(
        READINESS_OUTBOX_TIMEOUT,
        crate::services::outbox::last_seq(&state.db),
    )
    .await
    .map_err(|_| "database too slow to read the outbox head".to_owned())?
    .map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed: cannot read the outbox head");
        "cannot read the outbox head".to_owned()
    })?
    .unwrap_or(0);
    let applied = state.index.applied_seq();
    let behind = u64::try_from(head.saturating_sub(applied)).unwrap_or(0);
    let allowed = state.index.max_ready_lag();
    if behind > allowed {
        return Err(format!(
            "search index {behind} outbox entries behind (at {applied} of {head}); ready \
             within {allowed} (index.max_ready_lag)"
        ));
    }
    Ok(())
}
