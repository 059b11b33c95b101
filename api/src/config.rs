//! Configuration: defaults, then `makermatch.toml`, then `MAKERMATCH_*` environment
//! variables, then command-line flags; each layer overrides the one before.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The file read from the working directory when no `--config` is given.
pub const DEFAULT_CONFIG_FILE: &str = "makermatch.toml";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Folder holding the SQLite database, the search index and the generated secret.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Address `serve` listens on.
    pub listen: SocketAddr,
    /// A process taxonomy file replacing the built-in one (same TOML shape as
    /// `search/data/taxonomy.toml`).
    pub taxonomy: Option<PathBuf>,
    pub log: LogConfig,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub graphql: GraphqlConfig,
    pub index: IndexConfig,
    pub auth: AuthConfig,
    pub issuer: IssuerConfig,
    pub verification: VerificationConfig,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines; colours on a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A tracing filter such as `info` or `makermatch_api=debug,info`.
    pub level: String,
}

/// How the server treats connections (see `server::connections`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Longest a request's headers may take, in milliseconds, counted from when the server
    /// starts waiting for the request (so it also bounds the silence before a new or
    /// kept-alive connection's next request).
    pub header_read_timeout_ms: u64,
    /// A connection on which no byte moves either way for this long, in milliseconds, while
    /// no request of it is being answered, is closed. WebSocket sockets are exempt.
    pub idle_timeout_ms: u64,
    /// Most connections open at once; past it a new one is answered 503 and closed.
    /// 0: automatic, below the open-file limit.
    pub max_connections: u32,
    /// Serve Prometheus metrics at `GET /metrics`, without a token (scrape it on an
    /// internal network, or switch it off).
    pub metrics: bool,
    /// Proxies (IP addresses or CIDR ranges such as `10.0.0.0/8`) whose `Forwarded` /
    /// `X-Forwarded-For` headers name the client; from any other peer both are ignored.
    pub trusted_proxies: Vec<String>,
    /// Serve reads only, from a database this server may not write (a PostgreSQL hot
    /// standby): no migrations or start-up writes, mutations refused, no cursor kept.
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Connections in the pool (SQLite and PostgreSQL).
    pub max_connections: u32,
    /// How long a SQLite writer waits for the lock before giving up, in milliseconds.
    pub busy_timeout_ms: u64,
    /// How long to wait for a connection, in seconds.
    pub connect_timeout_secs: u64,
    /// How long a query waits for a connection of the pool, in milliseconds: with the
    /// database unreachable, requests answer `UNAVAILABLE` after this long.
    pub acquire_timeout_ms: u64,
    /// SQLite page cache per connection, in MiB (allocated only as used).
    pub sqlite_cache_mib: u32,
    /// How much of the SQLite file each connection maps into memory, in MiB; 0 reads
    /// through the page cache only.
    pub sqlite_mmap_mib: u32,
    /// A PostgreSQL hot standby of `database_url` to serve queries and index rebuilds
    /// from; mutations, migrations, cursors and requests carrying a consistency token use
    /// `database_url`.
    #[serde(default)]
    pub read_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GraphqlConfig {
    /// Serve GraphiQL on GET /graphql.
    pub graphiql: bool,
    /// Answer introspection queries.
    pub introspection: bool,
    /// Deepest nesting of fields a query may have.
    pub max_depth: usize,
    /// Highest complexity (fields, multiplied by page sizes) a query may have.
    pub max_complexity: usize,
    /// Most aliases a query may use.
    pub max_aliases: usize,
    /// Deepest nesting of brackets in a query's text: selections, arguments and input
    /// values together (a deeper value can be sent as a variable).
    pub max_nesting: usize,
    /// Most fields a query may select once its fragments are expanded.
    pub max_fields: usize,
    /// How long a WebSocket may stay open without sending `connection_init`, in
    /// milliseconds.
    pub connection_init_timeout_ms: u64,
    /// Largest request body (and WebSocket message), in bytes.
    pub max_body_bytes: usize,
    /// Largest answer, in bytes: a larger one is replaced by a `LIMIT_EXCEEDED` error.
    pub max_response_bytes: usize,
    /// Longest a request may take, in milliseconds.
    pub request_timeout_ms: u64,
    /// Origins browsers may call the API from (CORS), e.g. `https://map.example.org`;
    /// `*` allows any. Empty: no cross-origin calls.
    pub cors_origins: Vec<String>,
    /// Rows (facilities, machines, machine properties, members, skill claims) of
    /// facility lists kept in memory between requests, until a write reaches the index;
    /// 0 turns it off.
    pub list_cache_rows: u64,
    /// How long any cache may keep an anonymous query's answer over GET, in seconds
    /// (`Cache-Control: public, max-age=…`); its `ETag` changes once a write reaches the
    /// index. 0: caches revalidate every time.
    pub cache_max_age_secs: u32,
    /// Longest URL (path and parameters) a GraphQL GET may have, in bytes; a longer one
    /// is answered 414 (POST it instead).
    pub max_url_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IndexConfig {
    /// Folder of the search index; empty means `index` in the data dir.
    pub dir: Option<PathBuf>,
    /// This server's name in `index_cursors`: set a distinct one per replica sharing a
    /// PostgreSQL database.
    pub replica: String,
    /// Outbox rows read per batch.
    pub batch: u32,
    /// Longest a change waits before the index commits it, in milliseconds, while writes
    /// keep coming (when they stop, it commits at once).
    pub commit_interval_ms: u64,
    /// How often the outbox is read when no write of this process woke the indexer
    /// (writes by other processes: imports, other replicas), in milliseconds.
    pub poll_interval_ms: u64,
    /// How long a mutation waits for the index to show its effect, in milliseconds.
    pub read_your_writes_timeout_ms: u64,
    /// `/readyz` answers 503 while the index is more than this many outbox entries
    /// behind the newest one (a replica catching up after a restart).
    pub max_ready_lag: u64,
    /// Most search-engine queries running at once, off the async workers; more wait
    /// their turn (within their request's timeout).
    pub max_parallel_queries: usize,
    /// Outbox rows every live replica has applied are pruned once older than this, in
    /// seconds; 0 keeps every row.
    pub outbox_retention_secs: u64,
    /// A replica whose cursor has not moved or been refreshed for this long, in seconds,
    /// no longer holds rows back from pruning; if it returns, it rebuilds its index when
    /// rows it needed are gone. Live replicas refresh their cursor well within it.
    pub cursor_timeout_secs: u64,
    /// How often a replica prunes the outbox, in milliseconds.
    pub prune_interval_ms: u64,
    /// On PostgreSQL, wake the indexer when any replica commits to the outbox (`LISTEN`
    /// on a connection of its own) instead of waiting for the next poll; false leaves
    /// only polling (to compare, or where a pooler drops notifications).
    pub listen: bool,
}

/// A public key tokens may be signed with, chosen by the token's `kid`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// The `kid` tokens name this key by.
    pub kid: String,
    /// `RS256` or `EdDSA`: the one algorithm this key accepts.
    pub algorithm: String,
    /// PEM file of the public key.
    pub public_key: PathBuf,
    /// PEM file of the private key, only where `makermatch token` should sign with it.
    pub private_key: Option<PathBuf>,
}

#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 shared secret (at least 32 bytes). Empty: a random one is generated into
    /// `jwt-secret` in the data dir on first use, so the CLI and the server agree.
    pub hs256_secret: Option<String>,
    /// Public keys of an identity provider, selected by `kid`.
    pub keys: Vec<KeyConfig>,
    /// A JWKS file (`{"keys": [...]}`) with more public keys, selected by `kid`.
    pub jwks_file: Option<PathBuf>,
    /// The `iss` tokens must carry (and `makermatch token` writes).
    pub issuer: String,
    /// The `aud` tokens must carry (and `makermatch token` writes).
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// Requests per minute allowed per token (or per IP without one); 0 switches it off.
    pub rate_limit_per_minute: u32,
    /// The claim carrying the role: a claim name, or a dotted path into nested claims
    /// (`realm_access.roles`); a string or an array of strings (see `auth::claims`).
    pub role_claim: String,
    /// Identity-provider role names and the makermatch role each stands for.
    pub role_map: BTreeMap<String, String>,
    /// The claim binding a `maker` token to its maker (name or dotted path).
    pub maker_id_claim: String,
    /// The claim binding an `issuer` token to its issuer (name or dotted path).
    pub issuer_id_claim: String,
}

/// This deployment as an issuer of verifiable credentials (`services::issuance`): the
/// address its `did:web` is derived from, its signing key, its name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IssuerConfig {
    /// The address the public reaches this deployment at (`https://makers.example.org`).
    /// Empty: `http://<listen address>`, which only this machine can resolve.
    pub public_url: Option<String>,
    /// The Ed25519 private key (JWK) credentials are signed with. Empty: `issuer-key.jwk`
    /// in the data dir, generated on first use. Replicas must share one.
    pub key_file: Option<PathBuf>,
    /// The issuer's name in its record and in what it signs. Empty: `makermatch at <host>`.
    pub name: Option<String>,
}

/// How credentials that come in are checked: what may be fetched to check them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VerificationConfig {
    /// Fetch other issuers' did:web documents and status lists. Off: only keys computed
    /// locally (did:key, did:jwk) or this deployment's own; the rest stays unverified.
    pub fetch: bool,
    /// Let fetches reach loopback and private addresses (tests, closed networks).
    pub allow_private_addresses: bool,
    pub fetch_timeout_ms: u64,
    pub fetch_max_bytes: usize,
    /// How long a fetched document (or a failure) is reused; 0: fetched every time.
    pub cache_secs: u64,
}

impl Default for VerificationConfig {
    fn default() -> Self {
        VerificationConfig {
            fetch: true,
            allow_private_addresses: false,
            fetch_timeout_ms: 5_000,
            fetch_max_bytes: 1 << 20,
            cache_secs: 300,
        }
    }
}

/// The secret never reaches a log line, even through `{:?}`.
impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("keys", &self.keys)
            .field("jwks_file", &self.jwks_file)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("role_claim", &self.role_claim)
            .field("role_map", &self.role_map)
            .field("maker_id_claim", &self.maker_id_claim)
            .field("issuer_id_claim", &self.issuer_id_claim)
            .finish()
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            hs256_secret: None,
            keys: Vec::new(),
            jwks_file: None,
            issuer: "makermatch".to_owned(),
            audience: "makermatch".to_owned(),
            leeway_secs: 30,
            rate_limit_per_minute: 1_200,
            role_claim: "role".to_owned(),
            role_map: BTreeMap::new(),
            maker_id_claim: "maker_id".to_owned(),
            issuer_id_claim: "issuer_id".to_owned(),
        }
    }
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            dir: None,
            replica: "default".to_owned(),
            batch: 1_000,
            commit_interval_ms: 100,
            poll_interval_ms: 250,
            read_your_writes_timeout_ms: 5_000,
            max_ready_lag: 1_000,
            max_parallel_queries: default_parallel_queries(),
            outbox_retention_secs: 86_400,
            cursor_timeout_secs: 3_600,
            prune_interval_ms: 60_000,
            listen: true,
        }
    }
}

/// Twice the cores: a query waiting (for a commit to be applied, for a page of the index
/// from disk) then leaves its core to another.
fn default_parallel_queries() -> usize {
    2 * std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            taxonomy: None,
            log: LogConfig {
                format: LogFormat::Human,
                level: "info".to_owned(),
            },
            server: ServerConfig {
                header_read_timeout_ms: 10_000,
                idle_timeout_ms: 60_000,
                max_connections: 0,
                metrics: true,
                trusted_proxies: Vec::new(),
                read_only: false,
            },
            database: DatabaseConfig {
                max_connections: 8,
                busy_timeout_ms: 5_000,
                connect_timeout_secs: 5,
                acquire_timeout_ms: 3_000,
                sqlite_cache_mib: 32,
                sqlite_mmap_mib: 2047,
                read_url: None,
            },
            graphql: GraphqlConfig {
                graphiql: true,
                introspection: true,
                max_depth: 12,
                max_complexity: 5_000,
                max_aliases: 30,
                max_nesting: 64,
                max_fields: 2_000,
                connection_init_timeout_ms: 10_000,
                max_body_bytes: 2 * 1024 * 1024,
                max_response_bytes: 16 * 1024 * 1024,
                request_timeout_ms: 10_000,
                cors_origins: Vec::new(),
                list_cache_rows: 200_000,
                cache_max_age_secs: 5,
                max_url_bytes: 16 * 1024,
            },
            index: IndexConfig::default(),
            auth: AuthConfig::default(),
            issuer: IssuerConfig::default(),
            verification: VerificationConfig::default(),
        }
    }
}

/// Values given on the command line; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "LogOverrides::is_empty")]
    pub log: LogOverrides,
    #[serde(skip_serializing_if = "ServerOverrides::is_empty")]
    pub server: ServerOverrides,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

impl ServerOverrides {
    fn is_empty(&self) -> bool {
        self.read_only.is_none()
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LogOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

impl LogOverrides {
    fn is_empty(&self) -> bool {
        self.format.is_none() && self.level.is_none()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "config file {path} cannot be read: {reason}; fix the path given to --config or MAKERMATCH_CONFIG"
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error("invalid configuration: {0}; see the configuration table in the README")]
    Invalid(String),
}

/// Where the config file comes from: an explicit path must exist, the default one may not.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    Explicit(PathBuf),
    Default,
}

impl Config {
    /// Builds the configuration from every layer, reading `MAKERMATCH_*` from the process
    /// environment; `__` separates nesting (`MAKERMATCH_LOG__FORMAT=json`).
    pub fn load(source: &ConfigSource, flags: &FlagOverrides) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match source {
            ConfigSource::Explicit(path) => {
                check_readable(path)?;
                figment = figment.merge(Toml::file_exact(path));
            }
            ConfigSource::Default => {
                let path = Path::new(DEFAULT_CONFIG_FILE);
                if path.exists() {
                    check_readable(path)?;
                    figment = figment.merge(Toml::file_exact(path));
                }
            }
        }
        // MAKERMATCH_CONFIG selects the file and MAKERMATCH_TEST_* belongs to the test suite:
        // neither is a setting.
        figment = figment.merge(
            Env::prefixed("MAKERMATCH_")
                .ignore(&["CONFIG"])
                .filter(|key| !key.as_str().to_ascii_uppercase().starts_with("TEST_"))
                .split("__"),
        );
        figment = figment.merge(Serialized::defaults(flags));
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(describe_figment_error(e)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid(format!(
                "database_url `{}` is neither sqlite:… nor postgres://…; set MAKERMATCH_DATABASE_URL to e.g. postgres://user@host/db",
                redact_url(url)
            )));
        }
        if let Some(url) = self.read_database_url() {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(ConfigError::Invalid(format!(
                    "database.read_url `{}` is not postgres://…; it names a PostgreSQL hot standby (unset it for SQLite)",
                    redact_url(url)
                )));
            }
            if self.uses_sqlite() {
                return Err(ConfigError::Invalid(
                    "database.read_url needs a PostgreSQL database_url (the primary the standby follows); unset it, or set MAKERMATCH_DATABASE_URL".to_owned(),
                ));
            }
        }
        if self.database.max_connections < 2 {
            return Err(ConfigError::Invalid(
                "database.max_connections must be at least 2 (readers and the writer share the pool)".to_owned(),
            ));
        }
        if self.database.acquire_timeout_ms == 0 {
            return Err(ConfigError::Invalid(
                "database.acquire_timeout_ms must be at least 1 (3000 is a good value)".to_owned(),
            ));
        }
        if self.server.header_read_timeout_ms == 0 || self.server.idle_timeout_ms == 0 {
            return Err(ConfigError::Invalid(
                "server.header_read_timeout_ms and server.idle_timeout_ms must be at least 1 (10000 and 60000 are good values)".to_owned(),
            ));
        }
        if self.index.cursor_timeout_secs == 0 || self.index.prune_interval_ms == 0 {
            return Err(ConfigError::Invalid(
                "index.cursor_timeout_secs and index.prune_interval_ms must be at least 1 (3600 and 60000 are good values; index.outbox_retention_secs = 0 switches pruning off)".to_owned(),
            ));
        }
        if self.graphql.max_url_bytes < 256 {
            return Err(ConfigError::Invalid(format!(
                "graphql.max_url_bytes is {}, too short for any query URL; use at least 256 (16384 is a good value)",
                self.graphql.max_url_bytes
            )));
        }
        crate::server::client_addr::TrustedProxies::parse(&self.server.trusted_proxies)
            .map_err(ConfigError::Invalid)?;
        for origin in &self.graphql.cors_origins {
            if origin != "*" && axum::http::HeaderValue::from_str(origin).is_err()
                || !(origin == "*"
                    || origin.starts_with("http://")
                    || origin.starts_with("https://"))
            {
                return Err(ConfigError::Invalid(format!(
                    "graphql.cors_origins: `{origin}` is not an origin; write it like https://map.example.org, or `*` for any"
                )));
            }
        }
        if let Some(secret) = &self.auth.hs256_secret
            && !secret.is_empty()
            && secret.len() < 32
        {
            return Err(ConfigError::Invalid(
                "auth.hs256_secret is shorter than 32 bytes; use a long random secret, or leave it empty to have one generated in the data dir".to_owned(),
            ));
        }
        for key in &self.auth.keys {
            if !matches!(key.algorithm.as_str(), "RS256" | "EdDSA") {
                return Err(ConfigError::Invalid(format!(
                    "auth.keys `{}`: algorithm `{}` is not supported; use RS256 or EdDSA",
                    key.kid, key.algorithm
                )));
            }
        }
        crate::auth::claims::check_config(&self.auth).map_err(ConfigError::Invalid)?;
        if self.index.replica.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "index.replica is empty; name this server, e.g. `default` or its host name"
                    .to_owned(),
            ));
        }
        if self.index.max_parallel_queries == 0 {
            return Err(ConfigError::Invalid(
                "index.max_parallel_queries must be at least 1 (search-engine queries run at once; twice the CPU cores is a good value)"
                    .to_owned(),
            ));
        }
        if self.index.batch == 0 {
            return Err(ConfigError::Invalid(
                "index.batch must be at least 1 (outbox rows read per batch; 1000 is a good value)"
                    .to_owned(),
            ));
        }
        if let Some(url) = self
            .issuer
            .public_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            crate::services::issuance::PublicUrl::parse(url)
                .map_err(|e| ConfigError::Invalid(format!("issuer.public_url: {e}")))?;
        }
        if self.verification.fetch_timeout_ms == 0 || self.verification.fetch_max_bytes == 0 {
            return Err(ConfigError::Invalid(
                "verification.fetch_timeout_ms and verification.fetch_max_bytes must be more than 0; set verification.fetch = false to fetch nothing".to_owned(),
            ));
        }
        if self.log.level.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "log.level is empty; use e.g. `info` or `debug`".to_owned(),
            ));
        }
        Ok(())
    }

    /// The database URL actually used: the configured one, or the SQLite file in the data dir.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("makermatch.db").display()
            ),
        }
    }

    /// The hot standby reads are served from, if one is configured.
    pub fn read_database_url(&self) -> Option<&str> {
        self.database
            .read_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
    }

    pub fn uses_sqlite(&self) -> bool {
        self.effective_database_url().starts_with("sqlite:")
    }
}

fn check_readable(path: &Path) -> Result<(), ConfigError> {
    std::fs::read_to_string(path)
        .map(|_| ())
        .map_err(|e| ConfigError::Unreadable {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

/// figment's errors name the key and the layer; keep it on one line.
fn describe_figment_error(e: figment::Error) -> String {
    e.into_iter()
        .map(|err| err.to_string().replace('\n', " "))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A URL with its password replaced, fit for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn layers_override_in_order() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "mm.toml",
                "listen = \"127.0.0.1:9000\"\ndata_dir = \"/from/file\"\n[log]\nformat = \"json\"\n",
            )?;
            jail.set_env("MAKERMATCH_LISTEN", "127.0.0.1:9100");
            jail.set_env("MAKERMATCH_DATA_DIR", "/from/env");
            jail.set_env("MAKERMATCH_DATABASE__MAX_CONNECTIONS", "4");
            jail.set_env("MAKERMATCH_TEST_POSTGRES_URL", "postgres://ignored");
            let flags = FlagOverrides {
                data_dir: Some(PathBuf::from("/from/flag")),
                ..Default::default()
            };
            let config = Config::load(&ConfigSource::Explicit("mm.toml".into()), &flags).unwrap();
            assert_eq!(
                config.listen,
                "127.0.0.1:9100".parse().unwrap(),
                "env beats file"
            );
            assert_eq!(
                config.data_dir,
                PathBuf::from("/from/flag"),
                "flag beats env"
            );
            assert_eq!(config.log.format, LogFormat::Json, "file beats default");
            assert_eq!(config.database.max_connections, 4);
            assert_eq!(config.graphql, Config::default().graphql);
            Ok(())
        });
    }

    #[test]
    fn default_file_is_read_from_the_working_directory() {
        Jail::expect_with(|jail| {
            jail.create_file(DEFAULT_CONFIG_FILE, "[graphql]\ngraphiql = false\n")?;
            let config = Config::load(&ConfigSource::Default, &FlagOverrides::default()).unwrap();
            assert!(!config.graphql.graphiql);
            Ok(())
        });
    }

    #[test]
    fn get_caching_keys_come_from_the_environment_and_are_checked() {
        Jail::expect_with(|jail| {
            jail.set_env("MAKERMATCH_GRAPHQL__CACHE_MAX_AGE_SECS", "0");
            jail.set_env("MAKERMATCH_GRAPHQL__MAX_URL_BYTES", "4096");
            let config = Config::load(&ConfigSource::Default, &FlagOverrides::default()).unwrap();
            assert_eq!(config.graphql.cache_max_age_secs, 0);
            assert_eq!(config.graphql.max_url_bytes, 4096);
            jail.set_env("MAKERMATCH_GRAPHQL__MAX_URL_BYTES", "10");
            let err = Config::load(&ConfigSource::Default, &FlagOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("graphql.max_url_bytes"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_come_from_the_environment_and_are_checked() {
        Jail::expect_with(|jail| {
            jail.set_env(
                "MAKERMATCH_SERVER__TRUSTED_PROXIES",
                r#"["10.0.0.0/8", "192.0.2.7"]"#,
            );
            let config = Config::load(&ConfigSource::Default, &FlagOverrides::default()).unwrap();
            assert_eq!(config.server.trusted_proxies, ["10.0.0.0/8", "192.0.2.7"]);
            jail.set_env("MAKERMATCH_SERVER__TRUSTED_PROXIES", r#"["proxy.local"]"#);
            let err = Config::load(&ConfigSource::Default, &FlagOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("server.trusted_proxies") && err.contains("proxy.local"),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn default_url_is_sqlite_in_data_dir() {
        let config = Config::default();
        assert_eq!(
            config.effective_database_url(),
            "sqlite://data/makermatch.db?mode=rwc"
        );
        assert!(config.uses_sqlite());
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        Jail::expect_with(|jail| {
            jail.create_file("mm.toml", "lisen = \"127.0.0.1:9000\"\n")?;
            let err = Config::load(
                &ConfigSource::Explicit("mm.toml".into()),
                &FlagOverrides::default(),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("lisen"), "{err}");

            jail.create_file("mm.toml", "listen = \"not an address\"\n")?;
            let err = Config::load(
                &ConfigSource::Explicit("mm.toml".into()),
                &FlagOverrides::default(),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("listen"), "{err}");

            jail.set_env("MAKERMATCH_DATABASE_URL", "mysql://x");
            let err = Config::load(&ConfigSource::Default, &FlagOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("database_url"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_read_url_names_a_postgres_standby_of_a_postgres_primary() {
        Jail::expect_with(|jail| {
            jail.set_env("MAKERMATCH_DATABASE__READ_URL", "postgres://standby/mm");
            let err = Config::load(&ConfigSource::Default, &FlagOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("database.read_url needs a PostgreSQL database_url"),
                "{err}"
            );

            jail.set_env("MAKERMATCH_DATABASE_URL", "postgres://primary/mm");
            let config = Config::load(&ConfigSource::Default, &FlagOverrides::default()).unwrap();
            assert_eq!(config.read_database_url(), Some("postgres://standby/mm"));

            jail.set_env("MAKERMATCH_DATABASE__READ_URL", "sqlite://copy.db");
            let err = Config::load(&ConfigSource::Default, &FlagOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("database.read_url `sqlite://copy.db` is not postgres"),
                "{err}"
            );

            jail.set_env("MAKERMATCH_DATABASE__READ_URL", "");
            let config = Config::load(&ConfigSource::Default, &FlagOverrides::default()).unwrap();
            assert_eq!(config.read_database_url(), None);
            Ok(())
        });
    }

    #[test]
    fn parallel_queries_default_to_twice_the_cores_and_must_be_positive() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        assert_eq!(Config::default().index.max_parallel_queries, 2 * cores);
        Jail::expect_with(|jail| {
            jail.set_env("MAKERMATCH_INDEX__MAX_PARALLEL_QUERIES", "0");
            let err = Config::load(&ConfigSource::Default, &FlagOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("index.max_parallel_queries"), "{err}");
            jail.set_env("MAKERMATCH_INDEX__MAX_PARALLEL_QUERIES", "3");
            let config = Config::load(&ConfigSource::Default, &FlagOverrides::default()).unwrap();
            assert_eq!(config.index.max_parallel_queries, 3);
            Ok(())
        });
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let err = Config::load(
            &ConfigSource::Explicit(PathBuf::from("/nonexistent/makermatch.toml")),
            &FlagOverrides::default(),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::Unreadable { .. }));
        assert!(err.to_string().contains("/nonexistent/makermatch.toml"));
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://mm:secret@db:5432/mm"),
            "postgres://mm:***@db:5432/mm"
        );
        assert_eq!(redact_url("postgres://db/mm"), "postgres://db/mm");
    }
}
