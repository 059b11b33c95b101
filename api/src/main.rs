//! The `makermatch` binary.

use std::process::ExitCode;

use clap::Parser;
use makermatch_api::cli::{Cli, run};
use makermatch_api::db::sqlite_library;

// Bulk imports and GraphQL responses are made of many small allocations, which glibc's
// allocator spent a tenth of the import's time on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Still one thread: the only moment SQLite takes process-wide settings.
    if let Err(code) = sqlite_library::configure_before_first_use() {
        eprintln!("warning: SQLite kept its memory statistics on (sqlite3_config returned {code})");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
