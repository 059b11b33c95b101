//! Importers (`makermatch import`): OKW facilities, the IoPA map export, the IoPA machine
//! catalogs, PSS makers, Open Badges and OKH manifests. Parsers are pure (text in,
//! records or rejections out); `write` upserts the records through the service layer in
//! batched transactions, so the outbox and the index see them like any other write.

pub mod badges;
pub mod catalog;
pub mod detect;
pub mod iopa_map;
pub mod okh;
pub mod okw;
pub mod pss;
pub mod record;
pub mod report;
pub mod values;
pub mod write;

use std::path::Path;

use makermatch_search::Taxonomy;
use sea_orm::DatabaseConnection;

use crate::error::AppError;
use detect::Document;
use record::{Parsed, Position, RecordKind, Rejection};
pub use report::ImportSummary;

/// `source` of Open Badges issuers, achievements and credentials.
pub const BADGES_SOURCE: &str = "openbadges";
/// `source` of catalog machine models.
pub const CATALOG_SOURCE: &str = catalog::SOURCE;
/// Files above this size are refused before reading (DESIGN §9).
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportFormat {
    /// Open Know-Where facilities, JSON or YAML, camelCase or snake_case.
    Okw,
    /// The IoPA map export (facility / address / region / geocoding records).
    IopaMap,
    /// An IoPA machine catalog CSV (3D printers, laser cutters).
    MachineCatalog,
    /// PSS maker records (user schema, PubPub names, maker-passport profiles).
    Pss,
    /// Open Badges 2.0 Issuer / BadgeClass / Assertion or 3.0 OpenBadgeCredential.
    OpenBadges,
    /// OKH manifests, v1 YAML/JSON.
    Okh,
    /// OKH-LOSH manifests in TOML.
    OkhToml,
}

impl ImportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::Okw => "okw",
            ImportFormat::IopaMap => "iopa-map",
            ImportFormat::MachineCatalog => "machine-catalog",
            ImportFormat::Pss => "pss",
            ImportFormat::OpenBadges => "open-badges",
            ImportFormat::Okh => "okh",
            ImportFormat::OkhToml => "okh-toml",
        }
    }
}

/// Parses one file's text. `Err` when the file is not the format it claims (or not any
/// format): then nothing of it is imported.
pub fn parse_text(
    text: &str,
    format: Option<ImportFormat>,
    taxonomy: &Taxonomy,
) -> Result<Vec<Parsed>, String> {
    let document = detect::read(text, format)?;
    let value = match document {
        Document::Csv => return catalog::parse(text, taxonomy),
        Document::Structured(v) => v,
    };
    let items = detect::records(&value);
    if items.is_empty() {
        return Err("the file holds no records".to_owned());
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let lines = if trimmed.starts_with('[') {
        detect::json_array_lines(trimmed)
    } else if trimmed.starts_with("- ") {
        detect::yaml_sequence_lines(trimmed)
    } else {
        Vec::new()
    };
    // The format is decided once per file: from the flag, else from the first record
    // that looks like something. A file of another format is refused whole.
    let detected = items.iter().find_map(|r| detect::classify(r));
    let format = match (format, detected) {
        (Some(ImportFormat::OkhToml), _) => ImportFormat::Okh,
        (Some(f), Some(d)) if !compatible(f, d) => {
            return Err(format!(
                "this is not {} data: its records look like {}",
                f.name(),
                d.name()
            ));
        }
        (Some(f), _) => f,
        (None, Some(d)) => d,
        (None, None) => {
            return Err("no record looks like OKW, the IoPA map export, PSS, Open Badges or OKH; name the format with --format".to_owned());
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let at = Position {
            index,
            line: lines.get(index).copied(),
        };
        match format {
            ImportFormat::Okw => out.push(okw::parse(item, at, taxonomy)),
            ImportFormat::IopaMap => out.push(iopa_map::parse(item, at, taxonomy)),
            ImportFormat::Pss => out.push(pss::parse(item, at, taxonomy)),
            ImportFormat::OpenBadges => out.extend(badges::parse(item, at)),
            ImportFormat::Okh | ImportFormat::OkhToml => out.push(okh::parse(item, at, taxonomy)),
            ImportFormat::MachineCatalog => {
                return Err(
                    "a machine catalog is a CSV file with Model and Brand columns".to_owned(),
                );
            }
        }
    }
    Ok(out)
}

fn compatible(claimed: ImportFormat, detected: ImportFormat) -> bool {
    claimed == detected
        || matches!(
            (claimed, detected),
            (ImportFormat::Okh, ImportFormat::OkhToml) | (ImportFormat::OkhToml, ImportFormat::Okh)
        )
}

/// Reads and parses one file, turning parse rejections into summary entries.
fn load_file(
    path: &Path,
    format: Option<ImportFormat>,
    taxonomy: &Taxonomy,
    summary: &mut ImportSummary,
) -> Vec<(String, Position, record::Record)> {
    let label = path.display().to_string();
    let text = match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            summary.unreadable_files.push((
                label,
                format!(
                    "{} MB is over the {} MB import limit",
                    m.len() / 1_000_000,
                    MAX_FILE_BYTES / 1_000_000
                ),
            ));
            return Vec::new();
        }
        Ok(_) => match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                summary
                    .unreadable_files
                    .push((label, format!("cannot be read: {e}")));
                return Vec::new();
            }
        },
        Err(e) => {
            summary
                .unreadable_files
                .push((label, format!("cannot be read: {e}")));
            return Vec::new();
        }
    };
    collect(&label, parse_text(&text, format, taxonomy), summary)
}

/// Keeps the good records of a parse, noting rejections and unresolved terms.
pub(crate) fn collect(
    label: &str,
    parsed: Result<Vec<Parsed>, String>,
    summary: &mut ImportSummary,
) -> Vec<(String, Position, record::Record)> {
    let parsed = match parsed {
        Ok(p) => p,
        Err(reason) => {
            summary.unreadable_files.push((label.to_owned(), reason));
            return Vec::new();
        }
    };
    let mut records = Vec::with_capacity(parsed.len());
    for p in parsed {
        for term in p.unresolved {
            *summary.unresolved_terms.entry(term).or_default() += 1;
        }
        match p.outcome {
            Ok(record) => records.push((label.to_owned(), p.at, record)),
            Err((field, reason)) => summary.reject(
                p.kind,
                Rejection {
                    file: label.to_owned(),
                    index: p.at.index,
                    line: p.at.line,
                    field,
                    reason,
                },
            ),
        }
    }
    records
}

/// Imports files: parses them all, then writes their records in dependency order
/// (catalog models, facilities, makers, issuers, achievements, credentials, jobs).
pub async fn import_paths(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    paths: &[std::path::PathBuf],
    format: Option<ImportFormat>,
    dry_run: bool,
) -> Result<ImportSummary, AppError> {
    let mut summary = ImportSummary {
        dry_run,
        ..Default::default()
    };
    let mut records = Vec::new();
    for path in paths {
        records.extend(load_file(path, format, taxonomy, &mut summary));
    }
    write::write_all(db, taxonomy, records, dry_run, &mut summary).await?;
    Ok(summary)
}

/// Imports one document given as text (the GraphQL `importDocument` mutation).
pub async fn import_text(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    label: &str,
    text: &str,
    format: Option<ImportFormat>,
    dry_run: bool,
) -> Result<ImportSummary, AppError> {
    let mut summary = ImportSummary {
        dry_run,
        ..Default::default()
    };
    let records = collect(label, parse_text(text, format, taxonomy), &mut summary);
    write::write_all(db, taxonomy, records, dry_run, &mut summary).await?;
    Ok(summary)
}

/// The order kinds are written in, so references resolve.
pub(crate) const WRITE_ORDER: &[RecordKind] = &[
    RecordKind::MachineModel,
    RecordKind::Facility,
    RecordKind::Maker,
    RecordKind::Issuer,
    RecordKind::Achievement,
    RecordKind::Credential,
    RecordKind::Job,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FORMATS: &[Option<ImportFormat>] = &[
        None,
        Some(ImportFormat::Okw),
        Some(ImportFormat::IopaMap),
        Some(ImportFormat::MachineCatalog),
        Some(ImportFormat::Pss),
        Some(ImportFormat::OpenBadges),
        Some(ImportFormat::Okh),
        Some(ImportFormat::OkhToml),
    ];

    /// Fragments real files are made of, so the generator reaches deep into the parsers.
    fn plausible() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"name\"",
            "\"x\"",
            "1e400",
            "-91",
            "\"5.6, -0.2\"",
            "null",
            "true",
            "\"equipment\"",
            "\"quantity\"",
            "\"gpsCoordinates\"",
            "\"facility\"",
            "\"region\"",
            "\"skills\"",
            "\"personal\"",
            "\"type\"",
            "\"Assertion\"",
            "\"badge\"",
            "\"recipient\"",
            "\"okhv\"",
            "\"tsdc\"",
            "Model,Brand\n",
            "a,b\n",
            "\"%\"",
            "\u{feff}",
            "- ",
            "\n",
            "title: x\n",
            "x = 1\n",
            "[[part]]\n",
            "\"300 х 200 mm\"",
            "\"https://fr.wikipedia.org/wiki/%C3\"",
            "é",
        ]);
        prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), f in 0usize..8) {
            let taxonomy = Taxonomy::builtin().unwrap();
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse_text(&text, FORMATS[f], &taxonomy);
        }

        #[test]
        fn plausible_fragments_never_panic(text in plausible(), f in 0usize..8) {
            let taxonomy = Taxonomy::builtin().unwrap();
            let _ = parse_text(&text, FORMATS[f], &taxonomy);
        }
    }
}
