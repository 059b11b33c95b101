//! What an import did: per kind, how many records were imported, updated, unchanged or
//! rejected; each rejection with file, record, line, field and reason; each value it did
//! not keep as given, likewise.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::notes::{Note, NoteKind};
use super::record::{Position, RecordKind, Rejection};

/// Warnings listed one by one at most; the rest are counted (`warnings_left_off`) and,
/// for fields not kept, still counted per field.
pub const MAX_LISTED_WARNINGS: usize = 10_000;

/// A value an imported record did not keep as given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub file: String,
    pub index: usize,
    pub line: Option<usize>,
    pub field: String,
    pub kind: NoteKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    pub imported: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
}

/// When an import commits what it wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Commits {
    /// Each file in one transaction: a file is imported whole or not at all.
    #[default]
    PerFile,
    /// Every so many records, so a long file never holds the write lock for long: an
    /// interrupted import keeps what it committed, and running it again finishes it (the
    /// records already written come back unchanged).
    Every(u64),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportSummary {
    pub kinds: BTreeMap<RecordKind, KindCounts>,
    pub rejections: Vec<Rejection>,
    /// Facilities imported without coordinates: valid, but not on the map.
    pub unlocated_facilities: u64,
    /// Terms kept as free text, with how often they occurred.
    pub unresolved_terms: BTreeMap<String, u64>,
    /// Files that were not the format they claimed (or any format): nothing imported.
    pub unreadable_files: Vec<(String, String)>,
    /// Values of imported records not kept as given: fields dropped, values changed.
    pub warnings: Vec<Warning>,
    /// Warnings beyond [`MAX_LISTED_WARNINGS`], not listed.
    pub warnings_left_off: u64,
    /// Fields not kept, per field (list positions written `[]`), with how often.
    pub fields_not_kept: BTreeMap<String, u64>,
    /// Fields makermatch does not read, kept as the source wrote them, with how often.
    pub fields_kept_as_written: BTreeMap<String, u64>,
    pub dry_run: bool,
    pub commits: Commits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Imported,
    Updated,
    Unchanged,
}

impl ImportSummary {
    pub fn count(&mut self, kind: RecordKind, outcome: Outcome) {
        let c = self.kinds.entry(kind).or_default();
        match outcome {
            Outcome::Imported => c.imported += 1,
            Outcome::Updated => c.updated += 1,
            Outcome::Unchanged => c.unchanged += 1,
        }
    }

    pub fn reject(&mut self, kind: RecordKind, rejection: Rejection) {
        self.kinds.entry(kind).or_default().rejected += 1;
        self.rejections.push(rejection);
    }

    /// Notes what one imported record did not keep as given.
    pub fn warn(&mut self, file: &str, at: &Position, notes: Vec<Note>) {
        for note in notes {
            let per_field = match note.kind {
                NoteKind::NotKept => Some((&mut self.fields_not_kept, any_position(&note.field))),
                NoteKind::KeptAsWritten => {
                    Some((&mut self.fields_kept_as_written, note.field.clone()))
                }
                NoteKind::Changed => None,
            };
            if let Some((counts, field)) = per_field {
                *counts.entry(field).or_default() += 1;
            }
            self.list(Warning {
                file: file.to_owned(),
                index: at.index,
                line: at.line,
                field: note.field,
                kind: note.kind,
                message: note.message,
            });
        }
    }

    /// Lists a warning, or counts it once [`MAX_LISTED_WARNINGS`] are listed.
    fn list(&mut self, warning: Warning) {
        if self.warnings.len() < MAX_LISTED_WARNINGS {
            self.warnings.push(warning);
        } else {
            self.warnings_left_off += 1;
        }
    }

    /// Records imported or updated, of every kind.
    pub fn written(&self) -> u64 {
        self.kinds.values().map(|c| c.imported + c.updated).sum()
    }

    pub fn counts(&self, kind: RecordKind) -> KindCounts {
        self.kinds.get(&kind).copied().unwrap_or_default()
    }

    /// Whether anything went wrong: the command then exits non-zero.
    pub fn has_failures(&self) -> bool {
        !self.rejections.is_empty() || !self.unreadable_files.is_empty()
    }

    pub fn merge(&mut self, other: ImportSummary) {
        for (kind, c) in other.kinds {
            let mine = self.kinds.entry(kind).or_default();
            mine.imported += c.imported;
            mine.updated += c.updated;
            mine.unchanged += c.unchanged;
            mine.rejected += c.rejected;
        }
        self.rejections.extend(other.rejections);
        self.unlocated_facilities += other.unlocated_facilities;
        for (term, n) in other.unresolved_terms {
            *self.unresolved_terms.entry(term).or_default() += n;
        }
        self.unreadable_files.extend(other.unreadable_files);
        for w in other.warnings {
            self.list(w);
        }
        self.warnings_left_off += other.warnings_left_off;
        for (field, n) in other.fields_not_kept {
            *self.fields_not_kept.entry(field).or_default() += n;
        }
        for (field, n) in other.fields_kept_as_written {
            *self.fields_kept_as_written.entry(field).or_default() += n;
        }
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(f, "dry run: nothing was written")?;
        }
        match self.commits {
            _ if self.dry_run => {}
            Commits::PerFile => writeln!(
                f,
                "each file was written in one transaction: imported whole or not at all"
            )?,
            Commits::Every(n) => writeln!(
                f,
                "committed every {n} records: were the import interrupted, what it committed \
                 stays; running it again finishes it"
            )?,
        }
        for (file, reason) in &self.unreadable_files {
            writeln!(f, "{file}: {reason}")?;
        }
        for (kind, c) in &self.kinds {
            writeln!(
                f,
                "{:<15} imported {:>7}  updated {:>7}  unchanged {:>7}  rejected {:>7}",
                kind.plural(),
                c.imported,
                c.updated,
                c.unchanged,
                c.rejected
            )?;
        }
        if self.unlocated_facilities > 0 {
            writeln!(
                f,
                "{} facilities have no coordinates: imported, not on the map",
                self.unlocated_facilities
            )?;
        }
        if !self.unresolved_terms.is_empty() {
            let mut terms: Vec<(&String, &u64)> = self.unresolved_terms.iter().collect();
            terms.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let shown: Vec<String> = terms
                .iter()
                .take(10)
                .map(|(t, n)| format!("{t} ({n})"))
                .collect();
            writeln!(
                f,
                "{} terms kept as free text (not in the taxonomy): {}{}",
                terms.len(),
                shown.join(", "),
                if terms.len() > 10 { ", …" } else { "" }
            )?;
        }
        for (fields, what) in [
            (
                &self.fields_not_kept,
                "fields not kept (makermatch has no place for them yet)",
            ),
            (
                &self.fields_kept_as_written,
                "fields makermatch does not read, kept as written for exports",
            ),
        ] {
            if fields.is_empty() {
                continue;
            }
            let mut fields: Vec<(&String, &u64)> = fields.iter().collect();
            fields.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let shown: Vec<String> = fields
                .iter()
                .take(10)
                .map(|(field, n)| format!("{field} ({n})"))
                .collect();
            writeln!(
                f,
                "{} {what}: {}{}",
                fields.len(),
                shown.join(", "),
                if fields.len() > 10 {
                    ", … (see --report)"
                } else {
                    ""
                }
            )?;
        }
        let changes: Vec<&Warning> = self
            .warnings
            .iter()
            .filter(|w| w.kind == NoteKind::Changed)
            .collect();
        for w in changes.iter().take(20) {
            let line = w.line.map(|l| format!(" line {l}")).unwrap_or_default();
            writeln!(
                f,
                "changed {} record {}{}: {}: {}",
                w.file, w.index, line, w.field, w.message
            )?;
        }
        if changes.len() > 20 {
            writeln!(
                f,
                "… and {} more changes (see --report)",
                changes.len() - 20
            )?;
        }
        for r in self.rejections.iter().take(20) {
            let line = r.line.map(|l| format!(" line {l}")).unwrap_or_default();
            writeln!(
                f,
                "rejected {} record {}{}: {}: {}",
                r.file, r.index, line, r.field, r.reason
            )?;
        }
        if self.rejections.len() > 20 {
            writeln!(
                f,
                "… and {} more rejections (see --report)",
                self.rejections.len() - 20
            )?;
        }
        Ok(())
    }
}

/// `equipment[3].notes` as `equipment[].notes`, so a field counts once whatever its item.
fn any_position(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut in_brackets = false;
    for c in field.chars() {
        match c {
            '[' => {
                in_brackets = true;
                out.push('[');
            }
            ']' => {
                in_brackets = false;
                out.push(']');
            }
            _ if in_brackets => {}
            _ => out.push(c),
        }
    }
    out
}
