//! The open-file limit, and how many connections fit under it. Every connection holds a
//! file descriptor, and so do the database pool, the search index's files and the log: with
//! the usual soft limit of 1,024, a thousand idle sockets left none for the index writer.

use crate::config::{Config, ConfigError};
use crate::error::AppError;

/// Descriptors kept for everything but client connections: the search index's files and
/// its writer's merges, the log, the listener, the runtime's own, and connections being
/// refused (see `connections::MAX_REFUSING`); the database pool comes on top.
const RESERVED_FILES: u64 = 256;

/// The automatic connection cap never goes above this, however high the limit: each
/// connection also costs memory (buffers, a task).
const AUTOMATIC_CAP_CEILING: u64 = 10_000;

/// Raises the soft open-file limit to the hard one and returns the limit now in force
/// (`None`: unlimited, or not known on this platform).
pub fn raise() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let before = getrlimit(Resource::Nofile);
        if before.current != before.maximum {
            let raised = Rlimit {
                current: before.maximum,
                maximum: before.maximum,
            };
            if let Err(e) = setrlimit(Resource::Nofile, raised) {
                // An unlimited hard limit cannot be the soft one on Linux (above
                // fs.nr_open) nor on macOS: keep the soft limit, and say so.
                tracing::warn!(
                    soft = ?before.current,
                    hard = ?before.maximum,
                    error = %e,
                    "cannot raise the open-file limit to its hard limit"
                );
            }
        }
        getrlimit(Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The most connections to keep open at once: `server.max_connections`, or automatically
/// the open-file limit less what the database pool and the rest of the server need. A
/// configured cap that does not fit under the limit is refused.
pub fn connection_cap(config: &Config, open_files: Option<u64>) -> Result<usize, AppError> {
    let reserved = RESERVED_FILES + u64::from(config.database.max_connections);
    let room = open_files.map(|limit| limit.saturating_sub(reserved));
    let configured = u64::from(config.server.max_connections);
    let cap = match (configured, room, open_files) {
        (0, None, _) => AUTOMATIC_CAP_CEILING,
        (0, Some(0), Some(limit)) => {
            return Err(ConfigError::Invalid(format!(
                "the open-file limit is {limit}, which leaves no room for connections once {reserved} files are kept for the database pool, the search index and the log; raise it (ulimit -n, systemd LimitNOFILE=, docker --ulimit nofile=) to at least {}",
                reserved + 64
            ))
            .into());
        }
        (0, Some(room), _) => room.min(AUTOMATIC_CAP_CEILING),
        (n, Some(room), Some(limit)) if n > room => {
            return Err(ConfigError::Invalid(format!(
                "server.max_connections = {n} does not fit under the open-file limit of {limit} ({reserved} are kept for the database pool, the search index and the log); set it to at most {room}, or 0 for automatic, or raise the limit (ulimit -n, systemd LimitNOFILE=, docker --ulimit nofile=)"
            ))
            .into());
        }
        (n, _, _) => n,
    };
    Ok(usize::try_from(cap).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(max_connections: u32) -> Config {
        let mut c = Config::default();
        c.server.max_connections = max_connections;
        c
    }

    #[test]
    fn automatic_cap_stays_below_the_limit() {
        let reserved = RESERVED_FILES + 8;
        assert_eq!(
            connection_cap(&config(0), Some(1_024)).unwrap(),
            (1_024 - reserved) as usize
        );
        assert_eq!(
            connection_cap(&config(0), Some(1 << 20)).unwrap(),
            AUTOMATIC_CAP_CEILING as usize
        );
        assert_eq!(
            connection_cap(&config(0), None).unwrap(),
            AUTOMATIC_CAP_CEILING as usize
        );
        let err = connection_cap(&config(0), Some(100))
            .unwrap_err()
            .to_string();
        assert!(err.contains("open-file limit is 100"), "{err}");
    }

    #[test]
    fn a_configured_cap_above_the_limit_is_refused() {
        assert_eq!(connection_cap(&config(500), Some(1_024)).unwrap(), 500);
        assert_eq!(connection_cap(&config(50_000), None).unwrap(), 50_000);
        let err = connection_cap(&config(2_000), Some(1_024))
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.max_connections = 2000"), "{err}");
        assert!(err.contains("at most 760"), "{err}");
    }
}
