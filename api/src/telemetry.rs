//! Logging with `tracing`: human lines on a terminal, JSON when configured; and, when the
//! `OTEL_*` variables ask for it, the same spans exported as traces (see [`otlp`]).

pub mod otlp;

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogConfig, LogFormat};
use crate::error::AppError;

/// What [`init`] set up that must outlive the work: dropping it sends the spans not yet
/// exported (a server's last requests), waiting at most the exporter's timeout.
#[must_use = "dropping it at once stops trace export"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(traces) = self.traces.take()
            && let Err(e) = traces.shutdown()
        {
            // The subscriber may be the one being torn down: straight to stderr.
            eprintln!("warning: the last traces were not sent to the OTLP collector: {e}");
        }
    }
}

/// Installs the global subscriber, exporting traces when the `OTEL_*` environment
/// variables ask for it ([`otlp::TraceExport::from_env`]).
pub fn init(config: &LogConfig) -> Result<Telemetry, AppError> {
    init_with(config, otlp::TraceExport::from_env())
}

/// Installs the global subscriber. Logs go to standard error so that commands such as
/// `makermatch token` keep standard output for their result. `RUST_LOG` wins over the
/// configured level when set, as operators expect. With `traces`, spans (one per GraphQL
/// request, and those inside it) are also exported over OTLP.
pub fn init_with(
    config: &LogConfig,
    traces: Option<otlp::TraceExport>,
) -> Result<Telemetry, AppError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => EnvFilter::try_new(value),
        // Migration steps are reported once by makermatch itself; sea-orm's own lines repeat them.
        _ => EnvFilter::try_new(format!("{},sea_orm_migration=warn", config.level)),
    }
    .map_err(|e| {
        AppError::InvalidInput(format!(
            "log level `{}` is not a valid filter ({e}); use e.g. `info` or `makermatch_api=debug`",
            config.level
        ))
    })?;
    let provider = traces.map(|t| t.provider()).transpose()?;
    let traces_layer = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(otlp::DEFAULT_SERVICE_NAME)));
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(traces_layer);
    let result = match config.format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Human => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // A subscriber already installed (tests start several servers in one process) is fine;
    // its exporter, if any, stays the one in use.
    let traces = if result.is_ok() { provider } else { None };
    Ok(Telemetry { traces })
}
