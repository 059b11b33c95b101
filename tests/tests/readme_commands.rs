//! The README's shell commands run as written from a fresh checkout: `makermatch` is not on
//! the `PATH` after `cargo run`, so no command calls it bare, and every `cargo run --release
//! -- …` line passes the real command line's parser.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::path::Path;

use clap::Parser;
use makermatch_api::cli::Cli;

/// The lines of the README's `sh` blocks, comments dropped.
fn shell_lines() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md");
    let mut lines = Vec::new();
    let mut in_block = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_block = line == "```sh";
            continue;
        }
        if in_block {
            let command = line.split(" #").next().unwrap_or_default().trim();
            if !command.is_empty() {
                lines.push(command.to_owned());
            }
        }
    }
    lines
}

/// The words after leading `VAR=value` assignments.
fn command_words(line: &str) -> Vec<&str> {
    line.split_whitespace()
        .skip_while(|w| {
            w.split_once('=')
                .is_some_and(|(k, _)| k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        })
        .collect()
}

#[test]
fn no_readme_command_assumes_makermatch_on_the_path() {
    for line in shell_lines() {
        assert_ne!(
            command_words(&line).first(),
            Some(&"makermatch"),
            "`{line}`: makermatch is not on the PATH after `cargo run`; write `cargo run --release -- …`"
        );
    }
}

#[test]
fn every_cargo_run_command_parses() {
    let mut checked = 0;
    for line in shell_lines() {
        let words = command_words(&line);
        let Some(at) = words
            .windows(3)
            .position(|w| w == ["run", "--release", "--"])
        else {
            continue;
        };
        assert_eq!(words[..at], ["cargo"], "{line}");
        // Placeholders stand for the ids the API shows.
        let args = words[at + 3..].iter().map(|w| match *w {
            "MAKER_ID" | "ISSUER_ID" => "0193a6b0-0000-7000-8000-000000000001",
            other => other,
        });
        if let Err(e) = Cli::try_parse_from(std::iter::once("makermatch").chain(args)) {
            panic!("`{line}` is refused by makermatch: {e}");
        }
        checked += 1;
    }
    assert!(
        checked >= 4,
        "the README's serve and token commands were found"
    );
}
