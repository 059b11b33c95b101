//! What an import did: per kind, how many records were imported, updated, unchanged or
//! rejected; each rejection with file, record, line, field and reason.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::record::{RecordKind, Rejection};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    pub imported: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
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
    pub dry_run: bool,
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
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(f, "dry run: nothing was written")?;
        }
        for (file, reason) in &self.unreadable_files {
            writeln!(f, "{file}: {reason}; nothing imported from it")?;
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
