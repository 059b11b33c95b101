//! The HTTP server: `/graphql` (POST and GET queries, GraphiQL for browsers, WebSockets),
//! `/healthz`, `/readyz`, `/metrics`.

mod activity;
pub mod client_addr;
mod connections;
mod file_limit;
mod get;
mod http_cache;
pub mod metrics;
mod read_route;
mod routes;
mod shutdown;
mod websocket;
mod well_known;

use std::net::SocketAddr;
use std::time::Duration;

use makermatch_search::Taxonomy;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::error::AppError;
use crate::graphql::build_schema;
use crate::index;
use crate::services::issuance::DeploymentIssuer;

pub use shutdown::shutdown_signal;

/// A server running in the background; dropping it does not stop it, `stop` does.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Stops accepting, lets requests in flight finish, and waits for the server to end.
    pub async fn stop(mut self) -> Result<(), AppError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait().await
    }

    /// Waits until the server ends on its own.
    pub async fn wait(self) -> Result<(), AppError> {
        match self.task.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(AppError::Io(format!("server failed: {e}"))),
            Err(e) => Err(AppError::Io(format!("server task failed: {e}"))),
        }
    }
}

/// Opens the search index and starts its indexer (failing when another process holds
/// it), binds `config.listen` (port 0 picks a free port) and serves until `shutdown`
/// resolves or `stop` is called; then the indexer commits what is pending and lets go.
pub async fn serve(
    config: &Config,
    db: DatabaseConnection,
    taxonomy: &Taxonomy,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<RunningServer, AppError> {
    let limits = connection_limits(config)?;
    let engine = index::open_engine(config, taxonomy)?;
    let standby_db = crate::db::connect_standby(config).await?;
    let (events, event_feed) = crate::events::EventBus::start(
        db.clone(),
        std::time::Duration::from_millis(config.index.poll_interval_ms.max(10)),
    )
    .await;
    let (index, indexer) = index::start_with(
        db.clone(),
        standby_db.as_ref().map(|(db, _)| db.clone()),
        engine,
        &config.index,
        vec![(crate::db::dialect::EVENTS_CHANNEL, events.waker())],
        config.server.read_only,
    )?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| AppError::Listen {
            addr: config.listen.to_string(),
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| AppError::Listen {
        addr: config.listen.to_string(),
        reason: e.to_string(),
    })?;
    let deployment = DeploymentIssuer::for_config(config, addr)?;
    let credential_verifier = deployment.verifier(config)?;
    // Re-checking stores outcomes: the primary's replicas do it.
    let recheck = (!config.server.read_only).then(|| {
        tokio::spawn(crate::services::credentials::recheck::run(
            db.clone(),
            credential_verifier.clone(),
        ))
    });
    tracing::info!(did = deployment.did(), "signing credentials as");
    let schema = build_schema(
        db.clone(),
        index.clone(),
        config.index.max_parallel_queries,
        taxonomy.clone(),
        (deployment.clone(), credential_verifier),
        events,
        &config.graphql,
    );
    let list_cache = crate::graphql::loader::ListCache::new(
        config.graphql.list_cache_rows,
        index.applied_watch(),
    );
    let rate_limits = if config.server.read_only {
        // Sharing the budget writes to the database.
        crate::auth::rate::RateLimits::new(config.auth.rate_limit_per_minute)
    } else {
        crate::auth::rate::RateLimits::shared(config.auth.rate_limit_per_minute, &db)
    };
    let (standby, standby_watch) = match standby_db {
        Some((standby, up)) => {
            let (standby, watch) = read_route::Standby::watch(standby, up);
            (Some(standby), Some(watch))
        }
        None => (None, None),
    };
    let app = routes::router(routes::AppState {
        read_only: config.server.read_only,
        db,
        standby,
        index,
        schema,
        graphql: config.graphql.clone(),
        verifier: crate::auth::Verifier::new(config)?,
        rate_limits,
        trusted_proxies: std::sync::Arc::new(
            client_addr::TrustedProxies::parse(&config.server.trusted_proxies)
                .map_err(crate::config::ConfigError::Invalid)?,
        ),
        list_cache,
        persisted_queries: std::sync::Arc::new(
            crate::graphql::request::persisted::PersistedQueries::new(1_024),
        ),
        parsed_queries: std::sync::Arc::new(crate::graphql::request::parsed::ParsedQueries::new(
            4 << 20,
        )),
        metrics: if config.server.metrics {
            metrics::install()
        } else {
            None
        },
        published: well_known::Published::new(deployment),
    });
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        connections::serve(listener, app, limits, async move {
            tokio::select! {
                _ = shutdown => {},
                _ = stop_rx => {},
            }
            tracing::info!("shutting down: finishing requests in flight");
        })
        .await;
        if let Some(recheck) = recheck {
            recheck.abort();
        }
        if let Some(standby_watch) = standby_watch {
            standby_watch.abort();
        }
        event_feed.stop().await;
        indexer.stop().await;
        Ok(())
    });
    Ok(RunningServer {
        addr,
        stop: Some(stop_tx),
        task,
    })
}

/// Raises the open-file limit and sizes the connection cap under it (refusing a configured
/// cap that does not fit).
fn connection_limits(config: &Config) -> Result<connections::Limits, AppError> {
    let open_files = file_limit::raise();
    let max_connections = file_limit::connection_cap(config, open_files)?;
    tracing::info!(
        open_files = open_files.map_or_else(|| "unlimited".to_owned(), |n| n.to_string()),
        max_connections,
        "connection limits"
    );
    Ok(connections::Limits {
        header_read_timeout: Duration::from_millis(config.server.header_read_timeout_ms),
        idle_timeout: Duration::from_millis(config.server.idle_timeout_ms),
        max_connections,
    })
}
