//! Logging with `tracing`: human lines on a terminal, JSON when configured.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogConfig, LogFormat};
use crate::error::AppError;

/// Installs the global subscriber. Logs go to standard error so that commands such as
/// `makermatch token` keep standard output for their result. `RUST_LOG` wins over the
/// configured level when set, as operators expect.
pub fn init(config: &LogConfig) -> Result<(), AppError> {
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
    let registry = tracing_subscriber::registry().with(filter);
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
    // A subscriber already installed (tests start several servers in one process) is fine.
    let _ = result;
    Ok(())
}
