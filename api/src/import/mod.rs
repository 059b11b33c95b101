//! Importers (`makermatch import`): OKW facilities, the IoPA map export, the IoPA machine
//! catalogs, PSS makers, Open Badges and OKH manifests. Parsers are pure (text in,
//! records or rejections out); `write` upserts the records through the service layer, one
//! transaction per file unless told to commit more often, so the outbox and the index see
//! them like any other write. A dry run writes the same way and keeps nothing (see
//! `import_sources`).

pub mod atoms;
pub mod badges;
pub mod catalog;
pub mod depth;
pub mod detect;
pub mod inference;
pub mod iopa_map;
pub mod notes;
pub mod okh;
pub mod okw;
mod ownership;
mod proofs;
pub mod provenance;
pub mod pss;
mod public_export;
pub mod record;
pub mod report;
mod round_trip;
pub mod text;
pub mod values;
pub mod write;

use std::path::Path;

use makermatch_search::Taxonomy;
use sea_orm::DatabaseConnection;

use crate::db::{Snapshot, dialect};
use crate::error::AppError;
use crate::services::credentials::verification::format::looks_like_jws;
use crate::services::credentials::verification::{CredentialVerifier, Incoming, vc_jwt};
use crate::services::issuance::presentation::{JSON_LD_ENVELOPE, JWT_ENVELOPE};
use detect::Document;
use record::{Parsed, Position, RecordKind, Rejection};
pub use report::{Commits, ImportSummary};

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

/// Records handed to the writer at a time while a file is parsed.
pub(crate) const PARSE_BATCH: usize = 1_000;

/// Parses one file's text. `Err` when the file is not the format it claims (or not any
/// format): then nothing of it is imported.
pub fn parse_text(
    text: &str,
    format: Option<ImportFormat>,
    taxonomy: &Taxonomy,
) -> Result<Vec<Parsed>, String> {
    let mut out = Vec::new();
    parse_streaming(text, format, taxonomy, &mut |batch| out.extend(batch))?;
    Ok(out)
}

/// Parses one file's text, handing records to `sink` in batches as they are parsed, so a
/// large JSON array never becomes one tree in memory. The whole text is checked first:
/// a file that turns out not to be valid, or not the claimed format, hands over nothing.
pub fn parse_streaming(
    text: &str,
    format: Option<ImportFormat>,
    taxonomy: &Taxonomy,
    sink: &mut dyn FnMut(Vec<Parsed>),
) -> Result<(), String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if let Some(tokens) = jws_lines(trimmed) {
        return parse_jws(tokens, format, taxonomy, sink);
    }
    let is_catalog = format == Some(ImportFormat::MachineCatalog)
        || (format.is_none() && trimmed.lines().next().is_some_and(catalog::looks_like));
    if trimmed.starts_with('[') && !is_catalog {
        // Nesting and syntax first, without building anything.
        depth::check_json_array(trimmed)?;
        serde_json::from_str::<serde::de::IgnoredAny>(trimmed)
            .map_err(|e| format!("not valid JSON: {e}"))?;
        let lines = detect::json_array_lines(trimmed);
        let alone = lines.len() == 1;
        let mut streamer = RecordStream::new(format, taxonomy, lines, alone, sink);
        let mut de = serde_json::Deserializer::from_str(trimmed);
        let result =
            serde::Deserializer::deserialize_seq(&mut de, EachElement(&mut |v| streamer.push(v)));
        result.map_err(|e| e.to_string())?;
        return streamer.finish();
    }
    let document = detect::read(text, format)?;
    let value = match document {
        Document::Csv => {
            let mut parsed = catalog::parse(text, taxonomy)?;
            while !parsed.is_empty() {
                let rest = parsed.split_off(parsed.len().min(PARSE_BATCH));
                sink(parsed);
                parsed = rest;
            }
            return Ok(());
        }
        Document::Structured(v) => v,
    };
    let items = detect::records(&value);
    for (index, item) in items.iter().enumerate() {
        depth::check(index, item)?;
    }
    let lines = if trimmed.starts_with("- ") {
        detect::yaml_sequence_lines(trimmed)
    } else {
        Vec::new()
    };
    let alone = items.len() == 1;
    let mut streamer = RecordStream::new(format, taxonomy, lines, alone, sink);
    for item in items {
        streamer.push(item.clone())?;
    }
    streamer.finish()
}

/// The credentials of a W3C Verifiable Presentation (a passport export read back), each
/// with the JWS it was enveloped in, if it was; makermatch's own passport summary is left
/// out (it is recomputed, never imported).
fn presentation_members(
    item: &serde_json::Value,
) -> Option<Vec<(serde_json::Value, Option<Incoming>)>> {
    let types = &item["type"];
    let is_presentation = types == "VerifiablePresentation"
        || types
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "VerifiablePresentation"));
    if !is_presentation {
        return None;
    }
    let members = match &item["verifiableCredential"] {
        serde_json::Value::Array(items) => items.clone(),
        serde_json::Value::Null => Vec::new(),
        one => vec![one.clone()],
    };
    Some(
        members
            .into_iter()
            .filter(|m| {
                !m["type"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == "MakerPassportCredential"))
            })
            .filter_map(|m| {
                let id = m["id"].as_str().unwrap_or_default();
                if let Some(jwt) = id.strip_prefix(JWT_ENVELOPE) {
                    let jwt = jwt.to_owned();
                    return vc_jwt::read(&jwt)
                        .ok()
                        .map(|c| (c.credential, Some(Incoming::Jws(jwt))));
                }
                let json_ld = [JSON_LD_ENVELOPE, "data:application/vc+ld+json;base64,"]
                    .iter()
                    .find_map(|prefix| id.strip_prefix(prefix));
                if let Some(encoded) = json_ld {
                    use base64::Engine;
                    let text = base64::engine::general_purpose::STANDARD
                        .decode(encoded.trim())
                        .ok()
                        .and_then(|bytes| String::from_utf8(bytes).ok())?;
                    return Incoming::from_stored(&text).and_then(|incoming| match &incoming {
                        Incoming::Json { value, .. } => Some((value.clone(), Some(incoming))),
                        Incoming::Jws(_) => None,
                    });
                }
                Some((m, None))
            })
            .collect(),
    )
}

/// A file of compact JWS credentials (VC-JWT), one per line: their lines and tokens.
fn jws_lines(text: &str) -> Option<Vec<(usize, &str)>> {
    let tokens: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    (!tokens.is_empty() && tokens.iter().all(|(_, t)| looks_like_jws(t))).then_some(tokens)
}

/// Each JWS's payload read as an Open Badges credential, keeping the JWS as what is
/// checked and stored.
fn parse_jws(
    tokens: Vec<(usize, &str)>,
    format: Option<ImportFormat>,
    taxonomy: &Taxonomy,
    sink: &mut dyn FnMut(Vec<Parsed>),
) -> Result<(), String> {
    if format.is_some_and(|f| f != ImportFormat::OpenBadges) {
        return Err(
            "a file of JWS tokens holds verifiable credentials: import it as open-badges"
                .to_owned(),
        );
    }
    let lines = tokens.iter().map(|(line, _)| *line).collect();
    let mut streamer =
        RecordStream::new(Some(ImportFormat::OpenBadges), taxonomy, lines, false, sink);
    for (index, (line, token)) in tokens.into_iter().enumerate() {
        match vc_jwt::read(token) {
            Ok(claimed) => {
                depth::check(index, &claimed.credential)?;
                streamer.envelope = Some(Incoming::Jws(token.to_owned()));
                streamer.push(claimed.credential)?;
            }
            Err(reason) => streamer.reject(
                Position {
                    index,
                    line: Some(line),
                },
                &reason,
            ),
        }
    }
    streamer.finish()
}

/// Calls a function on each element of a JSON array as it is read.
struct EachElement<'f>(&'f mut dyn FnMut(serde_json::Value) -> Result<(), String>);

impl<'de> serde::de::Visitor<'de> for EachElement<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<serde_json::Value>()? {
            (self.0)(v).map_err(serde::de::Error::custom)?;
        }
        Ok(())
    }
}

/// Turns records into parsed batches once the file's format is known: from the flag, else
/// from the first record that looks like something. Records before that are held back, so
/// a file of another format hands over nothing.
struct RecordStream<'a> {
    claimed: Option<ImportFormat>,
    format: Option<ImportFormat>,
    taxonomy: &'a Taxonomy,
    lines: Vec<usize>,
    /// The file holds one record: a facility without a name may take the file's.
    alone: bool,
    held: Vec<serde_json::Value>,
    batch: Vec<Parsed>,
    index: usize,
    sink: &'a mut dyn FnMut(Vec<Parsed>),
    /// The JWS the next record came in, which its credential keeps instead of its JSON.
    envelope: Option<Incoming>,
}

impl<'a> RecordStream<'a> {
    fn new(
        claimed: Option<ImportFormat>,
        taxonomy: &'a Taxonomy,
        lines: Vec<usize>,
        alone: bool,
        sink: &'a mut dyn FnMut(Vec<Parsed>),
    ) -> Self {
        RecordStream {
            claimed,
            format: None,
            taxonomy,
            lines,
            alone,
            held: Vec::new(),
            batch: Vec::new(),
            index: 0,
            sink,
            envelope: None,
        }
    }

    fn push(&mut self, item: serde_json::Value) -> Result<(), String> {
        if let Some(members) = presentation_members(&item) {
            // Each credential of a presentation is a record of its own (its own position,
            // so one member's proof never vouches for another's records).
            for (member, envelope) in members {
                self.envelope = envelope;
                let pushed = self.push(member);
                self.envelope = None;
                pushed?;
            }
            return Ok(());
        }
        if self.format.is_none() {
            // A format the caller names wins over detection wherever the records can be
            // that format (a facility with a manufacturing process is also what a manifest
            // looks like); records that cannot be refuse the file rather than become
            // nonsense.
            match (self.claimed, detect::classify(&item)) {
                (Some(f), Some(d)) if !compatible(f, d) && !detect::fits(f, &item) => {
                    return Err(format!(
                        "this is not {} data: its records look like {}",
                        f.name(),
                        d.name()
                    ));
                }
                (Some(ImportFormat::MachineCatalog), _) => {
                    return Err(
                        "a machine catalog is a CSV file with Model and Brand columns".to_owned(),
                    );
                }
                (Some(ImportFormat::OkhToml), _) => self.format = Some(ImportFormat::Okh),
                (Some(f), _) | (None, Some(f)) => self.format = Some(f),
                (None, None) => {
                    self.held.push(item);
                    return Ok(());
                }
            }
            for held in std::mem::take(&mut self.held) {
                self.parse(held);
            }
        }
        self.parse(item);
        Ok(())
    }

    fn parse(&mut self, item: serde_json::Value) {
        let at = Position {
            index: self.index,
            line: self.lines.get(self.index).copied(),
        };
        self.index += 1;
        let taxonomy = self.taxonomy;
        match self.format {
            // Records the model holds field by field: what they do not read is reported,
            // and kept as written where exports give the same standard back (the IoPA
            // map's facilities go out as OKW). Badges and manifests are kept whole.
            Some(ImportFormat::Okw) => {
                let mut parsed = noted(&item, true, || okw::parse(&item, at, taxonomy));
                if !self.alone {
                    okw::refuse_unnamed(&mut parsed);
                }
                self.batch.push(parsed)
            }
            Some(ImportFormat::IopaMap) => self
                .batch
                .push(noted(&item, false, || iopa_map::parse(&item, at, taxonomy))),
            Some(ImportFormat::Pss) => self
                .batch
                .push(noted(&item, true, || pss::parse(&item, at, taxonomy))),
            Some(ImportFormat::OpenBadges) => {
                let mut parsed = badges::parse(&item, at);
                if let Some(envelope) = self.envelope.take() {
                    for p in &mut parsed {
                        if let Ok(record::Record::Credential(c)) = &mut p.outcome {
                            c.document = Some(envelope.clone());
                        }
                    }
                }
                self.batch.extend(parsed)
            }
            Some(ImportFormat::Okh | ImportFormat::OkhToml) => {
                self.batch.push(okh::parse(&item, at, taxonomy))
            }
            Some(ImportFormat::MachineCatalog) | None => {}
        }
        if self.batch.len() >= PARSE_BATCH {
            (self.sink)(std::mem::take(&mut self.batch));
        }
    }

    /// A record that could not be read at all.
    fn reject(&mut self, at: Position, reason: &str) {
        self.index += 1;
        self.batch.push(Parsed {
            at,
            kind: RecordKind::Credential,
            outcome: Err(("record".to_owned(), reason.to_owned())),
            unresolved: Vec::new(),
            notes: Vec::new(),
        });
    }

    fn finish(mut self) -> Result<(), String> {
        if self.format.is_none() {
            return Err(if self.held.is_empty() {
                "the file holds no records".to_owned()
            } else {
                "no record looks like OKW, the IoPA map export, PSS, Open Badges or OKH; name the format with --format".to_owned()
            });
        }
        if !self.batch.is_empty() {
            (self.sink)(std::mem::take(&mut self.batch));
        }
        Ok(())
    }
}

/// A record parsed with what it did not keep as given; with `keep`, the fields it does not
/// read are kept as written, for exports in the same standard to give back.
pub(crate) fn noted(
    item: &serde_json::Value,
    keep: bool,
    parse: impl FnOnce() -> Parsed,
) -> Parsed {
    let (mut parsed, untaken) = notes::reading(item, keep, parse);
    parsed.notes.extend(untaken.notes);
    let mut kept = untaken.kept;
    if !untaken.as_written.is_empty() {
        kept.insert(
            notes::AS_WRITTEN_KEY.to_owned(),
            serde_json::Value::Object(untaken.as_written),
        );
    }
    // What the parser noted itself (unresolved terms by field) joins the untaken fields.
    if let Ok(record::Record::Facility(f)) = &parsed.outcome
        && let Some(serde_json::Value::Object(own)) = &f.input.source_fields
    {
        kept.extend(own.clone());
    }
    let kept = Some(serde_json::Value::Object(kept));
    match &mut parsed.outcome {
        Ok(record::Record::Facility(f)) if keep => f.input.source_fields = kept,
        Ok(record::Record::Maker(m)) if keep => m.input.source_fields = kept,
        _ => {}
    }
    parsed
}

fn compatible(claimed: ImportFormat, detected: ImportFormat) -> bool {
    claimed == detected
        || matches!(
            (claimed, detected),
            (ImportFormat::Okh, ImportFormat::OkhToml) | (ImportFormat::OkhToml, ImportFormat::Okh)
        )
}

/// Reads one file, refusing files over the limit.
fn read_file(path: &Path) -> Result<String, String> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => Err(format!(
            "{} MB is over the {} MB import limit",
            m.len() / 1_000_000,
            MAX_FILE_BYTES / 1_000_000
        )),
        Ok(_) => std::fs::read(path)
            .map_err(|e| format!("cannot be read: {e}"))
            .and_then(|bytes| text::decode(&bytes)),
        Err(e) => Err(format!("cannot be read: {e}")),
    }
}

/// Machine catalogs go first, so equipment named by make and model can be typed.
fn catalogs_first(paths: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let is_catalog = |p: &std::path::PathBuf| {
        std::fs::read(p)
            .ok()
            .and_then(|b| {
                String::from_utf8_lossy(&b[..b.len().min(4096)])
                    .lines()
                    .next()
                    .map(catalog::looks_like)
            })
            .unwrap_or(false)
    };
    let (mut first, rest): (Vec<_>, Vec<_>) = paths.iter().cloned().partition(is_catalog);
    first.extend(rest);
    first
}

/// How every document of one import is read.
struct Reading<'a> {
    format: Option<ImportFormat>,
    taxonomy: &'a Taxonomy,
    verifier: &'a CredentialVerifier,
    parse_first: bool,
}

/// Parses `text` on a blocking thread while the writer writes what is already parsed.
/// With `parse_first` all of it is parsed before anything is written: a dry run on
/// PostgreSQL does that, so its (rolled back) transaction, and the locks it takes, are held
/// only while its records are written, never while it parses.
async fn import_one(
    writer: &mut write::Writer<'_>,
    label: String,
    text: String,
    how: &Reading<'_>,
    total: &mut ImportSummary,
) -> Result<(), AppError> {
    // The file's own counts join the total only once the file is kept.
    let mut file = ImportSummary::default();
    let summary = &mut file;
    let (format, parse_first) = (how.format, how.parse_first);
    let taxonomy = how.taxonomy.clone();
    let verifier = how.verifier.clone();
    let runtime = tokio::runtime::Handle::current();
    let file_name = label.clone();
    let checked = move |mut batch: Vec<Parsed>| -> Vec<Fingerprinted> {
        for parsed in &mut batch {
            okw::name_after_file(parsed, &file_name);
        }
        let mut batch = fingerprinted(batch);
        proofs::check(&mut batch, &verifier, &runtime);
        batch
    };
    let parsed = if parse_first {
        let parser = tokio::task::spawn_blocking(move || {
            let mut batches = Vec::new();
            parse_streaming(&text, format, &taxonomy, &mut |batch| {
                batches.push(checked(batch))
            })
            .map(|()| batches)
        });
        match parser.await {
            Ok(Ok(batches)) => {
                for batch in batches {
                    let records = collect(&label, batch, summary);
                    writer.write(records, summary).await?;
                }
                Ok(Ok(()))
            }
            Ok(Err(reason)) => Ok(Err(reason)),
            Err(e) => Err(e),
        }
    } else {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Fingerprinted>>(4);
        let parser = tokio::task::spawn_blocking(move || {
            parse_streaming(&text, format, &taxonomy, &mut |batch| {
                // The writer stopping (an error) closes the channel; parsing then just ends.
                let _ = tx.blocking_send(checked(batch));
            })
        });
        while let Some(batch) = rx.recv().await {
            let records = collect(&label, batch, summary);
            writer.write(records, summary).await?;
        }
        parser.await
    };
    match parsed {
        Ok(Ok(())) => {
            writer.end_file().await?;
            total.merge(file);
        }
        Ok(Err(reason)) => {
            let kept = writer.keeps_partial_files();
            writer.abandon_file().await?;
            let reason = if kept {
                total.merge(file);
                format!("{reason}; the records before the problem were committed and kept")
            } else {
                format!("{reason}; nothing imported from it")
            };
            total.unreadable_files.push((label, reason));
        }
        Err(e) => return Err(AppError::Io(format!("the parser of {label} stopped: {e}"))),
    }
    Ok(())
}

/// Fingerprints are computed on the parsing thread, so the writer only compares them.
fn fingerprinted(batch: Vec<Parsed>) -> Vec<Fingerprinted> {
    batch
        .into_iter()
        .map(|p| {
            let fingerprint = p.outcome.as_ref().ok().map(record::Record::fingerprint);
            (p, fingerprint)
        })
        .collect()
}

/// Keeps the good records of a parse, noting rejections and unresolved terms.
pub(crate) fn collect(
    label: &str,
    parsed: Vec<Fingerprinted>,
    summary: &mut ImportSummary,
) -> Vec<write::Item> {
    let mut records = Vec::with_capacity(parsed.len());
    for (p, fingerprint) in parsed {
        for term in p.unresolved {
            *summary.unresolved_terms.entry(term).or_default() += 1;
        }
        match p.outcome {
            Ok(record) => {
                summary.warn(label, &p.at, p.notes);
                let fingerprint = fingerprint.unwrap_or_else(|| record.fingerprint());
                records.push((label.to_owned(), p.at, record, fingerprint))
            }
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

/// A parsed record with its content fingerprint (none for a rejection).
pub(crate) type Fingerprinted = (Parsed, Option<String>);

/// Where an import gets one document's text.
enum Source<'t> {
    File(std::path::PathBuf),
    Text(&'t str),
}

impl Source<'_> {
    fn read(self) -> Result<String, String> {
        match self {
            Source::File(path) => read_file(&path),
            Source::Text(text) => Ok(text.to_owned()),
        }
    }
}

/// Imports that wrote at least this many records refresh PostgreSQL's statistics.
const ANALYZE_AFTER_RECORDS: u64 = 10_000;

/// How an import reads and writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// The format of every file; detected from each file's content when `None`.
    pub format: Option<ImportFormat>,
    /// Check and report everything, keep nothing.
    pub dry_run: bool,
    pub commits: Commits,
}

/// Imports files in order (machine catalogs first), each parsed while it is written, each
/// whole or not at all.
pub async fn import_paths(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    verifier: &CredentialVerifier,
    paths: &[std::path::PathBuf],
    format: Option<ImportFormat>,
    dry_run: bool,
) -> Result<ImportSummary, AppError> {
    let options = ImportOptions {
        format,
        dry_run,
        commits: Commits::PerFile,
    };
    import_paths_with(db, taxonomy, verifier, paths, options).await
}

/// [`import_paths`], choosing when it commits.
pub async fn import_paths_with(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    verifier: &CredentialVerifier,
    paths: &[std::path::PathBuf],
    options: ImportOptions,
) -> Result<ImportSummary, AppError> {
    let sources = catalogs_first(paths)
        .into_iter()
        .map(|path| (path.display().to_string(), Source::File(path)))
        .collect();
    import_sources(db, taxonomy, verifier, sources, options).await
}

/// Imports one document given as text (the GraphQL `importDocument` mutation).
pub async fn import_text(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    verifier: &CredentialVerifier,
    label: &str,
    text: &str,
    format: Option<ImportFormat>,
    dry_run: bool,
) -> Result<ImportSummary, AppError> {
    let sources = vec![(label.to_owned(), Source::Text(text))];
    let options = ImportOptions {
        format,
        dry_run,
        commits: Commits::PerFile,
    };
    import_sources(db, taxonomy, verifier, sources, options).await
}

/// A dry run on SQLite imports into a private copy of the database, so it never takes the
/// live database's write lock, which would stop every other writer for as long as the
/// import writes (the copy costs time and disk in proportion to the database). On
/// PostgreSQL it runs in a transaction rolled back at the end. Either way it takes the
/// same path as a real import, so it checks the same.
async fn import_sources(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    verifier: &CredentialVerifier,
    sources: Vec<(String, Source<'_>)>,
    options: ImportOptions,
) -> Result<ImportSummary, AppError> {
    let dry_run = options.dry_run;
    let copy = if dry_run && dialect::writer_locks_database(db.get_database_backend()) {
        Some(Snapshot::take(db).await?)
    } else {
        None
    };
    let target = copy.as_ref().map_or(db, Snapshot::db);
    // Nobody else waits on a copy's locks: there, parsing may overlap writing.
    let parse_first = dry_run && copy.is_none();
    let summary = write_sources(target, taxonomy, verifier, sources, options, parse_first).await;
    if let Ok(summary) = &summary {
        crate::server::metrics::record_import(summary);
        if !dry_run && summary.written() >= ANALYZE_AFTER_RECORDS {
            // A large load can leave PostgreSQL planning with the statistics of much
            // smaller tables until autovacuum comes round; the import is done either way.
            if let Err(e) = dialect::analyze(db).await {
                tracing::warn!(error = %e, "cannot refresh the planner's statistics after the import");
            }
        }
    }
    // On failure too; dropping the copy (a cancelled request) deletes it as well.
    if let Some(copy) = copy {
        copy.discard().await;
    }
    summary
}

async fn write_sources(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    verifier: &CredentialVerifier,
    sources: Vec<(String, Source<'_>)>,
    options: ImportOptions,
    parse_first: bool,
) -> Result<ImportSummary, AppError> {
    let mut summary = ImportSummary {
        dry_run: options.dry_run,
        commits: options.commits,
        ..Default::default()
    };
    let mut writer = write::Writer::start(db, taxonomy, options.dry_run, options.commits).await?;
    let how = Reading {
        format: options.format,
        taxonomy,
        verifier,
        parse_first,
    };
    let mut files_kept = 0_usize;
    for (label, source) in sources {
        match source.read() {
            Ok(text) => {
                let kept = match (options.dry_run, writer.keeps_partial_files()) {
                    (true, _) => "nothing was written",
                    (false, true) => "what it had committed stays",
                    (false, false) if files_kept > 0 => {
                        "nothing of it was kept (the files before it were)"
                    }
                    (false, false) => "nothing of it was kept",
                };
                import_one(&mut writer, label.clone(), text, &how, &mut summary)
                    .await
                    .map_err(|e| AppError::Io(format!("importing {label} stopped: {e}; {kept}")))?;
                files_kept += 1;
            }
            Err(reason) => summary
                .unreadable_files
                .push((label, format!("{reason}; nothing imported from it"))),
        }
    }
    writer.finish().await?;
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

    fn facility(parsed: &Parsed) -> &crate::services::facilities::FacilityInput {
        match &parsed.outcome {
            Ok(record::Record::Facility(f)) => &f.input,
            other => panic!("not a facility: {:?}", other.as_ref().err()),
        }
    }

    #[test]
    fn a_nameless_facility_takes_its_owners_name_and_one_text_contact_splits() {
        let taxonomy = Taxonomy::builtin().unwrap();
        let text = "owner: { name: Tema Metal Co-op }\ncontact: \"Kojo Asante, kojo@tema.example.org\"\ninventory-atoms: [{ identifier: Q11427, description: steel }]\n";
        let parsed = parse_text(text, None, &taxonomy).unwrap();
        let f = facility(&parsed[0]);
        assert_eq!(f.name, "Tema Metal Co-op");
        assert_eq!(f.contact.contact_name.as_deref(), Some("Kojo Asante"));
        assert_eq!(f.contact.email.as_deref(), Some("kojo@tema.example.org"));
        let fields: Vec<&str> = parsed[0].notes.iter().map(|n| n.field.as_str()).collect();
        assert!(
            fields.contains(&"name") && fields.contains(&"contact"),
            "{fields:?}"
        );
    }

    #[test]
    fn nameless_facilities_among_others_are_refused_by_field() {
        let taxonomy = Taxonomy::builtin().unwrap();
        let text = r#"[{"inventoryAtoms": [{"description": "steel"}]}, {"inventoryAtoms": [{"description": "wood"}]}]"#;
        let parsed = parse_text(text, None, &taxonomy).unwrap();
        assert_eq!(parsed.len(), 2);
        for p in &parsed {
            let (field, reason) = p.outcome.as_ref().err().unwrap();
            assert_eq!(field, "name", "{reason}");
        }
    }

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
