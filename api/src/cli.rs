//! The command line: `makermatch serve | migrate | import | export | reindex | demo`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigSource, FlagOverrides, LogFormat, LogOverrides};
use crate::demo::DemoSize;
use crate::error::AppError;
use crate::export::{ExportFormat, ExportKind};
use crate::import::ImportFormat;
use crate::{db, demo, server, startup, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "makermatch",
    version,
    about = "Match makers and their skills with facilities and their machines for distributed production",
    long_about = "makermatch joins people and their skills (IoPA People and Skills Specification) with \
places and their machines (Open Know-Where), and matches both to production jobs, over GraphQL.\n\n\
Settings come from defaults, then makermatch.toml (or --config), then MAKERMATCH_* environment \
variables, then these flags.",
    after_help = "Start exploring: makermatch serve --demo, then open http://127.0.0.1:8080/graphql"
)]
pub struct Cli {
    /// Configuration file (TOML). Without it, ./makermatch.toml is read when present.
    #[arg(long, global = true, env = "MAKERMATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Folder for the SQLite database, the search index and generated secrets [default: ./data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Database URL: sqlite://FILE?mode=rwc or postgres://USER@HOST/DB [default: SQLite in the data dir]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Log format: human lines or one JSON object per line [default: human]
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Log filter, e.g. info, debug, or makermatch_api=debug,info [default: info]
    #[arg(long, global = true, value_name = "FILTER")]
    pub log_level: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve GraphQL on /graphql with /healthz and /readyz.
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080 [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Fill an empty database with the generated demo dataset before serving.
        #[arg(long)]
        demo: bool,
        /// Serve reads only, from a database this server may not write (a PostgreSQL hot
        /// standby): no migrations, mutations refused [config: server.read_only]
        #[arg(long)]
        read_only: bool,
    },
    /// Bring the database schema up to date and exit.
    Migrate {
        /// Only list applied and pending migrations; change nothing.
        #[arg(long)]
        status: bool,
    },
    /// Import OKW, IoPA map, machine catalog, PSS, Open Badges or OKH files (format detected
    /// from content). Exits non-zero when any record was rejected.
    Import {
        /// Files to import.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The format of every file, when detection should not decide.
        #[arg(long, value_enum, value_name = "F")]
        format: Option<ImportFormat>,
        /// Check everything and report, but write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the summary and every rejection as JSON to this file.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Commit every N records instead of once per file. By default each file is one
        /// transaction: imported whole or not at all, holding the database's write lock
        /// while it is written. With this, a very large file lets other writers in
        /// between; if the import is interrupted, what it committed stays, and running
        /// the same import again finishes it (records already written count as unchanged).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        commit_every: Option<u64>,
    },
    /// Export facilities or makers as OKW/PSS JSON, GeoJSON (RFC 7946) or CSV.
    Export {
        /// What to export.
        #[arg(long, value_enum)]
        kind: ExportKind,
        /// okw-json (facilities as OKW, makers as PSS records), geojson or csv.
        #[arg(long, value_enum, default_value = "okw-json")]
        format: ExportFormat,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Include private fields: maker contact details, exact location, date of birth,
        /// nationality, non-public profiles, and facility contact details.
        #[arg(long)]
        include_private: bool,
    },
    /// Print the GraphQL schema (SDL), as committed in api/schema.graphql.
    Schema,
    /// Mint a token for an operator, signed with the configured key, printed alone on
    /// standard output.
    Token {
        /// admin, coordinator, inspector, issuer or maker.
        #[arg(long, value_name = "R")]
        role: String,
        /// The subject: who the token stands for (recorded in audit trails).
        #[arg(long, value_name = "S")]
        sub: String,
        /// How long it is valid: 30m, 1h, 7d or seconds.
        #[arg(long, default_value = "1h", value_name = "TTL")]
        ttl: String,
        /// For --role maker: the maker's UUID or global id (as the API shows it).
        #[arg(long, value_name = "ID", value_parser = crate::auth::operator_token::maker_id_arg)]
        maker_id: Option<uuid::Uuid>,
        /// For --role issuer: the issuer's UUID or global id (as the API shows it).
        #[arg(long, value_name = "ID", value_parser = crate::auth::operator_token::issuer_id_arg)]
        issuer_id: Option<uuid::Uuid>,
    },
    /// Rebuild the search index from the database. Refuses while a server holds the index
    /// (a running server keeps it in step by itself).
    Reindex,
    /// Write a generated dataset (facilities, makers, an IMA-style programme) into the database.
    Demo {
        /// Number of facilities to generate.
        #[arg(long, default_value_t = demo::DEFAULT_FACILITIES, value_name = "N")]
        facilities: u32,
        /// Number of makers to generate.
        #[arg(long, default_value_t = demo::DEFAULT_MAKERS, value_name = "M")]
        makers: u32,
        /// Seed: the same seed always generates the same data.
        #[arg(long, default_value_t = demo::DEFAULT_SEED, value_name = "S")]
        seed: u64,
    },
}

impl Cli {
    fn flag_overrides(&self) -> FlagOverrides {
        let (listen, read_only) = match &self.command {
            Command::Serve {
                listen, read_only, ..
            } => (*listen, read_only.then_some(true)),
            _ => (None, None),
        };
        FlagOverrides {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            listen,
            log: LogOverrides {
                format: self.log_format,
                level: self.log_level.clone(),
            },
            server: crate::config::ServerOverrides { read_only },
        }
    }

    pub fn load_config(&self) -> Result<Config, AppError> {
        let source = match &self.config {
            Some(path) => ConfigSource::Explicit(path.clone()),
            None => ConfigSource::Default,
        };
        Ok(Config::load(&source, &self.flag_overrides())?)
    }
}

/// Runs the parsed command to completion.
pub async fn run(cli: Cli) -> Result<(), AppError> {
    if let Command::Schema = cli.command {
        // Needs no configuration, database or data dir.
        print!("{}", crate::graphql::sdl());
        return Ok(());
    }
    let config = cli.load_config()?;
    // Held to the end of the command: dropping it sends the last spans.
    let _telemetry = telemetry::init(&config.log)?;
    match cli.command {
        Command::Serve {
            demo: with_demo, ..
        } => {
            if with_demo && config.server.read_only {
                return Err(AppError::InvalidInput(
                    "--demo writes the demo dataset and --read-only (server.read_only) writes nothing: give one of them".to_owned(),
                ));
            }
            let ready = startup::prepare(&config).await?;
            if with_demo {
                demo::fill_if_empty(&ready.db, &ready.taxonomy, DemoSize::default()).await?;
            }
            let running = server::serve(
                &config,
                ready.db.clone(),
                &ready.taxonomy,
                server::shutdown_signal(),
            )
            .await?;
            tracing::info!(
                "makermatch {} listening on http://{}/graphql",
                env!("CARGO_PKG_VERSION"),
                running.addr
            );
            running.wait().await?;
            ready.db.close().await?;
            tracing::info!("stopped");
            Ok(())
        }
        Command::Migrate { status } => {
            let url = config.effective_database_url();
            let conn = db::connect(&config).await?;
            if status {
                db::check_not_newer(&conn, &url).await?;
                let status = db::migration_status(&conn).await?;
                for name in &status.applied {
                    println!("applied  {name}");
                }
                for name in &status.pending {
                    println!("pending  {name}");
                }
            } else {
                let applied = db::migrate(&conn, &url).await?;
                if applied.is_empty() {
                    println!("database is up to date");
                } else {
                    println!("applied {} migration(s)", applied.len());
                }
            }
            conn.close().await?;
            Ok(())
        }
        Command::Import {
            paths,
            format,
            dry_run,
            report,
            commit_every,
        } => {
            let ready = startup::prepare(&config).await?;
            let verifier = crate::services::issuance::DeploymentIssuer::command_verifier(&config)?;
            let options = crate::import::ImportOptions {
                format,
                dry_run,
                commits: commit_every.map_or(crate::import::Commits::PerFile, |n| {
                    crate::import::Commits::Every(n)
                }),
            };
            let summary = crate::import::import_paths_with(
                &ready.db,
                &ready.taxonomy,
                &verifier,
                &paths,
                options,
            )
            .await?;
            print!("{summary}");
            if let Some(path) = report {
                let json = serde_json::to_string_pretty(&summary)
                    .map_err(|e| AppError::Io(format!("cannot write the report: {e}")))?;
                std::fs::write(&path, json).map_err(|e| {
                    AppError::Io(format!(
                        "cannot write the report to {}: {e}",
                        path.display()
                    ))
                })?;
            }
            ready.db.close().await?;
            if summary.has_failures() {
                return Err(AppError::InvalidInput(format!(
                    "{} record(s) rejected and {} file(s) unreadable; see above{}",
                    summary.rejections.len(),
                    summary.unreadable_files.len(),
                    if summary.dry_run {
                        " (dry run: nothing written)"
                    } else {
                        "; the good records were imported"
                    }
                )));
            }
            Ok(())
        }
        Command::Export {
            kind,
            format,
            output,
            include_private,
        } => {
            let ready = startup::prepare(&config).await?;
            let visibility = if include_private {
                crate::services::policy::Visibility::operator()
            } else {
                crate::services::policy::Visibility::public()
            };
            let options = crate::export::ExportOptions {
                kind,
                format,
                visibility,
            };
            let written = match &output {
                Some(path) => {
                    let file = std::fs::File::create(path).map_err(|e| {
                        AppError::Io(format!("cannot create {}: {e}", path.display()))
                    })?;
                    crate::export::export(&ready.db, options, std::io::BufWriter::new(file)).await?
                }
                None => {
                    crate::export::export(
                        &ready.db,
                        options,
                        std::io::BufWriter::new(std::io::stdout().lock()),
                    )
                    .await?
                }
            };
            tracing::info!(records = written, "export written");
            ready.db.close().await?;
            Ok(())
        }
        Command::Schema => Ok(()),
        Command::Token {
            role,
            sub,
            ttl,
            maker_id,
            issuer_id,
        } => {
            let request = crate::auth::operator_token::TokenRequest {
                role,
                sub,
                ttl,
                maker_id,
                issuer_id,
            };
            let minted = crate::auth::operator_token::mint(&config, &request)?;
            if let Some(warning) = &minted.warning {
                eprintln!("warning: {warning}");
            }
            println!("{}", minted.token);
            Ok(())
        }
        Command::Reindex => {
            let ready = startup::prepare(&config).await?;
            if !config.server.read_only {
                crate::index::ensure_statistics(&ready.db).await;
            }
            // A hot standby (`database.read_url`) takes the whole scan off the primary.
            let source = match crate::db::connect_standby(&config).await? {
                Some((standby, true)) => standby,
                _ => ready.db.clone(),
            };
            let result = crate::index::reindex(&source, &config, &ready.taxonomy).await;
            ready.db.close().await?;
            let (report, seconds) = result?;
            println!(
                "search index rebuilt in {seconds:.1} s: {} facilities, {} makers, {} jobs (outbox position {})",
                report.facilities, report.makers, report.jobs, report.applied_seq
            );
            Ok(())
        }
        Command::Demo {
            facilities,
            makers,
            seed,
        } => {
            let ready = startup::prepare(&config).await?;
            let size = DemoSize {
                facilities,
                makers,
                seed,
            };
            let summary = demo::generate(&ready.db, &ready.taxonomy, size).await?;
            println!("{summary}");
            ready.db.close().await?;
            Ok(())
        }
    }
}
