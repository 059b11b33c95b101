//! Prometheus metrics at `GET /metrics`: one process-wide recorder (the `metrics` facade
//! takes one), rendered in the text exposition format by every server of the process.
//! What the server does is counted where it happens; what the database and the index hold
//! (outbox head, lag, depth, pool use) is read when scraped.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use async_graphql::{ServerError, Value};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use makermatch_entities::outbox;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::routes::AppState;
use crate::graphql::error::Code;
use crate::import::ImportSummary;

const REQUESTS: &str = "makermatch_graphql_requests_total";
const DURATION: &str = "makermatch_graphql_request_duration_seconds";
const APPLIED_SEQ: &str = "makermatch_index_applied_seq";
const HEAD_SEQ: &str = "makermatch_outbox_head_seq";
const LAG: &str = "makermatch_index_lag";
const DEPTH: &str = "makermatch_outbox_depth";
const REBUILDS: &str = "makermatch_engine_rebuilds_total";
const POOL: &str = "makermatch_db_pool_connections";
const SUBSCRIPTIONS: &str = "makermatch_subscriptions_open";
const IMPORTED: &str = "makermatch_import_records_total";
const INDEX_STEP: &str = "makermatch_index_step_seconds";
const RATE_UNCONFIRMED: &str = "makermatch_rate_budget_unconfirmed_total";

/// Indexer steps take from well under a millisecond (one outbox row) to seconds (a
/// large batch, a slow disk).
const STEP_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Request durations from 5 ms (a cached read) to 30 s (past the default request timeout).
const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Operation names become labels: longer ones, and any past this many distinct ones, count
/// as `other`, so clients cannot grow the series without bound.
const MAX_OPERATION_NAME: usize = 64;
const MAX_OPERATIONS: usize = 256;

/// How often histogram samples are folded in when nobody scrapes (bounds their memory).
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// How long a scrape waits for each database figure before leaving it as it was.
const SCRAPE_DATABASE_TIMEOUT: Duration = Duration::from_millis(800);

/// What renders `/metrics`; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide recorder, installed by the first server that asks (tests start several
/// in one process; their figures add up). `None` when another recorder was installed
/// first, which only embedding code can do.
pub fn install() -> Option<Metrics> {
    RECORDER
        .get_or_init(|| match build() {
            Ok(handle) => {
                describe();
                start_upkeep(handle.clone());
                Some(handle)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot install the metrics recorder; /metrics is off");
                None
            }
        })
        .clone()
        .map(|handle| Metrics { handle })
}

fn build() -> Result<PrometheusHandle, metrics_exporter_prometheus::BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), DURATION_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(INDEX_STEP.to_owned()), STEP_BUCKETS)?
        .install_recorder()
}

fn start_upkeep(handle: PrometheusHandle) {
    let started = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                handle.run_upkeep();
            }
        });
    if let Err(e) = started {
        // Scrapes still fold samples in; only memory between scrapes is unbounded.
        tracing::warn!(error = %e, "cannot start the metrics upkeep thread");
    }
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS,
        "GraphQL operations answered, by operation name and outcome"
    );
    describe_histogram!(
        DURATION,
        Unit::Seconds,
        "Time to answer a GraphQL operation, by operation name and outcome"
    );
    describe_gauge!(APPLIED_SEQ, "Newest outbox entry the search index applied");
    describe_gauge!(HEAD_SEQ, "Newest outbox entry in the database");
    describe_gauge!(
        LAG,
        "Outbox sequence numbers the search index is behind the head"
    );
    describe_gauge!(DEPTH, "Outbox entries the search index has not applied yet");
    describe_counter!(
        REBUILDS,
        "Search engine rebuilds, by cause: refills from the database (new_index, engine_failed) and in-memory restores from the index (restore)"
    );
    describe_counter!(
        RATE_UNCONFIRMED,
        "Requests admitted on this replica's own limit because the shared rate budget's database could not be asked in time (the most the budget may have been exceeded by)"
    );
    describe_gauge!(POOL, "Database pool connections, by state (idle, in_use)");
    describe_gauge!(SUBSCRIPTIONS, "GraphQL subscriptions open on this server");
    describe_counter!(IMPORTED, "Imported records, by kind and outcome");
    describe_histogram!(
        INDEX_STEP,
        Unit::Seconds,
        "Time the indexer spends following the outbox, by phase: read (outbox rows), load (their documents), write (into the index), persist (the commit on disk), publish (searches see it)"
    );
}

/// Times one phase of the indexer following the outbox (see `describe`).
pub fn record_index_step(phase: &'static str, took: Duration) {
    metrics::histogram!(INDEX_STEP, "phase" => phase).record(took.as_secs_f64());
}

/// `GET /metrics`: the text exposition format, with the database's figures read now.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let Some(metrics) = &state.metrics else {
        return (
            StatusCode::NOT_FOUND,
            "metrics are switched off on this server (server.metrics)",
        )
            .into_response();
    };
    refresh_database_figures(&state).await;
    metrics.handle.run_upkeep();
    let mut response = metrics.handle.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn refresh_database_figures(state: &AppState) {
    record_pool(&state.db);
    // The search crate counts its own restores (it knows no metrics); read here, at scrape.
    metrics::counter!(REBUILDS, "cause" => "restore")
        .absolute(makermatch_search::engine::restores_total());
    metrics::counter!(RATE_UNCONFIRMED).absolute(crate::auth::shared_budget::unconfirmed_total());
    let applied = state.index.applied_seq();
    metrics::gauge!(APPLIED_SEQ).set(applied as f64);
    match tokio::time::timeout(
        SCRAPE_DATABASE_TIMEOUT,
        crate::services::outbox::last_seq(&state.db),
    )
    .await
    {
        Ok(Ok(head)) => {
            let head = head.unwrap_or(0);
            metrics::gauge!(HEAD_SEQ).set(head as f64);
            metrics::gauge!(LAG).set(head.saturating_sub(applied).max(0) as f64);
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: cannot read the outbox head"),
        Err(_) => tracing::warn!("metrics: the database was too slow to give the outbox head"),
    }
    // Sequence numbers may have gaps (rolled-back writes), so depth is counted, not derived.
    let depth = outbox::Entity::find()
        .filter(outbox::Column::Seq.gt(applied))
        .count(&state.db);
    match tokio::time::timeout(SCRAPE_DATABASE_TIMEOUT, depth).await {
        Ok(Ok(depth)) => metrics::gauge!(DEPTH).set(depth as f64),
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: cannot count the outbox"),
        Err(_) => tracing::warn!("metrics: the database was too slow to count the outbox"),
    }
}

fn record_pool(db: &DatabaseConnection) {
    use sea_orm::DatabaseConnectionType as Pool;
    let (size, idle) = match &db.inner {
        Pool::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        Pool::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
    metrics::gauge!(POOL, "state" => "idle").set(f64::from(idle));
    metrics::gauge!(POOL, "state" => "in_use").set(f64::from(size - idle));
}

/// How one GraphQL operation over HTTP ended, left on its response for [`track_graphql`].
#[derive(Debug, Clone)]
pub struct GraphqlOutcome {
    operation: String,
    outcome: String,
}

impl GraphqlOutcome {
    /// An answered operation: `ok`, or the first error's code.
    pub fn answered(operation: String, errors: &[ServerError]) -> GraphqlOutcome {
        GraphqlOutcome {
            operation,
            outcome: outcome_of(errors),
        }
    }

    /// A request refused before its operation was read.
    pub fn refused(code: Code) -> GraphqlOutcome {
        GraphqlOutcome {
            operation: "unknown".to_owned(),
            outcome: code.as_str().to_owned(),
        }
    }

    fn record(&self, elapsed: Duration) {
        let labels = [
            ("operation", self.operation.clone()),
            ("outcome", self.outcome.clone()),
        ];
        metrics::counter!(REQUESTS, &labels).increment(1);
        metrics::histogram!(DURATION, &labels).record(elapsed.as_secs_f64());
    }
}

/// Times `POST /graphql` and counts it under what the handler left on the response; a
/// request whose handler never finished (cut by the request timeout, or the client left)
/// counts as `unknown`/`cancelled`.
///
/// The request also runs in a `graphql` span (a trace when OTLP export is on, see
/// `telemetry::otlp`), named after its operation once known: `graphql Stats`.
pub async fn track_graphql(request: Request, next: Next) -> Response {
    use tracing::Instrument;
    let span = tracing::info_span!(
        "graphql",
        otel.kind = "server",
        graphql.operation.name = tracing::field::Empty,
        outcome = tracing::field::Empty,
    );
    let mut pending = Unfinished(Some(Instant::now()));
    let response = next.run(request).instrument(span.clone()).await;
    let started = pending.0.take().unwrap_or_else(Instant::now);
    let outcome = response
        .extensions()
        .get::<GraphqlOutcome>()
        .cloned()
        .unwrap_or_else(|| GraphqlOutcome {
            operation: "unknown".to_owned(),
            outcome: "error".to_owned(),
        });
    // The OpenTelemetry span started when the request entered it, so it is renamed there
    // (recording `otel.name` now would be ignored); without an exporter this does nothing.
    {
        use opentelemetry::trace::TraceContextExt;
        use tracing_opentelemetry::OpenTelemetrySpanExt;
        span.context()
            .span()
            .update_name(format!("graphql {}", outcome.operation));
    }
    span.record("graphql.operation.name", outcome.operation.as_str());
    span.record("outcome", outcome.outcome.as_str());
    outcome.record(started.elapsed());
    response
}

/// Counts a request dropped before its handler answered.
struct Unfinished(Option<Instant>);

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(started) = self.0.take() {
            GraphqlOutcome {
                operation: "unknown".to_owned(),
                outcome: "cancelled".to_owned(),
            }
            .record(started.elapsed());
        }
    }
}

/// Counts an operation answered over a WebSocket.
pub fn record_operation(operation: String, errors: &[ServerError], started: Instant) {
    GraphqlOutcome::answered(operation, errors).record(started.elapsed());
}

/// The span of a query or mutation over a WebSocket, named like an HTTP request's
/// (`graphql <operation>`): its name is known before it starts, so it is given at once.
pub fn socket_operation_span(operation: &str) -> tracing::Span {
    tracing::info_span!(
        "graphql",
        otel.name = %format_args!("graphql {operation}"),
        otel.kind = "server",
        graphql.operation.name = operation,
        transport = "websocket",
        outcome = tracing::field::Empty,
    )
}

/// Records the outcome of `errors` on a span made by [`socket_operation_span`].
pub fn record_span_outcome(span: &tracing::Span, errors: &[ServerError]) {
    span.record("outcome", outcome_of(errors).as_str());
}

/// The label of the operation `request` runs: its name, `anonymous`, `other` (too long,
/// too many names, or no such operation), or `unknown` (a text that does not parse). The request must have been admitted: its
/// text is parsed here when it was not yet (execution reuses the parse).
pub fn operation_of(request: &mut async_graphql::Request) -> String {
    let wanted = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return named_operation(wanted.as_deref());
    };
    let name = match (&wanted, &doc.operations) {
        (Some(wanted), ops) => ops
            .iter()
            .find(|(name, _)| name.is_some_and(|n| n.as_str() == wanted))
            .map(|_| Some(wanted.clone())),
        (None, async_graphql::parser::types::DocumentOperations::Single(_)) => Some(None),
        (None, async_graphql::parser::types::DocumentOperations::Multiple(ops))
            if ops.len() == 1 =>
        {
            ops.keys().next().map(|n| Some(n.to_string()))
        }
        (None, _) => None,
    };
    match name {
        Some(Some(name)) => bounded_operation(&name),
        Some(None) => "anonymous".to_owned(),
        None => "other".to_owned(),
    }
}

/// The label of an operation known only by the name the request gave (one refused before
/// its text was read): `unknown` when it gave none.
pub fn named_operation(name: Option<&str>) -> String {
    name.map_or_else(|| "unknown".to_owned(), bounded_operation)
}

/// The operation name as a label, `other` past the length or the distinct-name bound.
fn bounded_operation(name: &str) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    if name.len() > MAX_OPERATION_NAME {
        return "other".to_owned();
    }
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if seen.contains(name) {
        return name.to_owned();
    }
    if seen.len() >= MAX_OPERATIONS {
        return "other".to_owned();
    }
    seen.insert(name.to_owned());
    name.to_owned()
}

/// `ok`, the first error's code, or `error` when it has none (or an unexpected one).
fn outcome_of(errors: &[ServerError]) -> String {
    let Some(first) = errors.first() else {
        return "ok".to_owned();
    };
    match first.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(Value::String(code))
            if code.len() <= 32 && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') =>
        {
            code.clone()
        }
        _ => "error".to_owned(),
    }
}

/// One subscription stream open; dropping it (the stream ends or the socket closes)
/// closes it.
pub struct OpenSubscription(());

impl OpenSubscription {
    pub fn open() -> OpenSubscription {
        metrics::gauge!(SUBSCRIPTIONS).increment(1.0);
        OpenSubscription(())
    }
}

impl Drop for OpenSubscription {
    fn drop(&mut self) {
        metrics::gauge!(SUBSCRIPTIONS).decrement(1.0);
    }
}

/// Counts a search index refill from the database; `cause` is `new_index` or
/// `engine_failed` (`restore`, the engine's own rebuilds from the index, is read at scrape).
pub fn record_rebuild(cause: &'static str) {
    metrics::counter!(REBUILDS, "cause" => cause).increment(1);
}

/// Counts what a finished import did, per kind and outcome (dry runs are not counted).
pub fn record_import(summary: &ImportSummary) {
    if summary.dry_run {
        return;
    }
    for (kind, counts) in &summary.kinds {
        let kind = kind_label(*kind);
        for (outcome, n) in [
            ("imported", counts.imported),
            ("updated", counts.updated),
            ("unchanged", counts.unchanged),
            ("rejected", counts.rejected),
        ] {
            metrics::counter!(IMPORTED, "kind" => kind, "outcome" => outcome).increment(n);
        }
    }
}

fn kind_label(kind: crate::import::record::RecordKind) -> &'static str {
    use crate::import::record::RecordKind;
    match kind {
        RecordKind::Facility => "facility",
        RecordKind::Maker => "maker",
        RecordKind::Issuer => "issuer",
        RecordKind::Achievement => "achievement",
        RecordKind::Credential => "credential",
        RecordKind::Job => "job",
        RecordKind::MachineModel => "machine_model",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_bounded() {
        let named = |q: &str, name: Option<&str>| {
            let mut r = async_graphql::Request::new(q);
            if let Some(name) = name {
                r = r.operation_name(name);
            }
            operation_of(&mut r)
        };
        assert_eq!(named("query Stats { version }", None), "Stats");
        assert_eq!(named("{ version }", None), "anonymous");
        assert_eq!(
            named("query A { version } query B { version }", Some("B")),
            "B"
        );
        assert_eq!(
            named("query A { version } query B { version }", None),
            "other"
        );
        assert_eq!(named("query A { version }", Some("Missing")), "other");
        let long = format!("query {} {{ version }}", "L".repeat(65));
        assert_eq!(named(&long, None), "other");
        assert_eq!(named("query {", None), "unknown");
    }

    #[test]
    fn outcome_is_ok_or_the_first_code() {
        assert_eq!(outcome_of(&[]), "ok");
        let coded = crate::graphql::error::coded(Code::NotFound, "no such maker")
            .into_server_error(async_graphql::Pos::default());
        assert_eq!(outcome_of(&[coded]), "NOT_FOUND");
        let bare = ServerError::new("boom", None);
        assert_eq!(outcome_of(&[bare]), "error");
    }
}
