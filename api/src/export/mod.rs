//! `makermatch export`: facilities or makers as OKW/PSS JSON, GeoJSON (RFC 7946) or CSV,
//! streamed page by page so a million records never sit in memory at once. What is
//! exported imports back to the same records (tested).

pub(crate) mod facilities;
pub(crate) mod makers;
pub(crate) mod source_fields;

use std::io::Write;

use sea_orm::DatabaseConnection;

use crate::error::AppError;
use crate::services::policy::Visibility;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportKind {
    Facilities,
    Makers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Facilities as OKW records (camelCase), makers as PSS records: both import back.
    OkwJson,
    /// An RFC 7946 FeatureCollection: [lon, lat] points, null geometry when unlocated.
    Geojson,
    /// One row per record, lists joined with "; ".
    Csv,
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub kind: ExportKind,
    pub format: ExportFormat,
    /// What the export shows: the public's view, or the operator's (`--include-private`).
    pub visibility: Visibility,
}

/// Records fetched per page.
pub(crate) const PAGE: u64 = 1_000;

pub(crate) fn io(e: impl std::fmt::Display) -> AppError {
    AppError::Io(format!("cannot write the export: {e}"))
}

/// Writes the export; returns how many records it holds.
pub async fn export(
    db: &DatabaseConnection,
    options: ExportOptions,
    mut out: impl Write,
) -> Result<u64, AppError> {
    let n = match options.kind {
        ExportKind::Facilities => facilities::export(db, &options, &mut out).await?,
        ExportKind::Makers => makers::export(db, &options, &mut out).await?,
    };
    out.flush().map_err(io)?;
    Ok(n)
}

/// Streams a JSON array or a GeoJSON FeatureCollection item by item.
pub(crate) struct JsonStream {
    first: bool,
    close: &'static str,
}

impl JsonStream {
    pub fn start(out: &mut impl Write, geojson: bool) -> Result<JsonStream, AppError> {
        if geojson {
            out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")
                .map_err(io)?;
            Ok(JsonStream {
                first: true,
                close: "\n]}\n",
            })
        } else {
            out.write_all(b"[\n").map_err(io)?;
            Ok(JsonStream {
                first: true,
                close: "\n]\n",
            })
        }
    }

    pub fn item(
        &mut self,
        out: &mut impl Write,
        value: &serde_json::Value,
    ) -> Result<(), AppError> {
        if !self.first {
            out.write_all(b",\n").map_err(io)?;
        }
        self.first = false;
        serde_json::to_writer(&mut *out, value).map_err(io)
    }

    pub fn finish(self, out: &mut impl Write) -> Result<(), AppError> {
        out.write_all(self.close.as_bytes()).map_err(io)
    }
}

/// A GeoJSON Feature: geometry null when there is no position (RFC 7946 §3.2).
pub(crate) fn feature(
    id: String,
    position: Option<(f64, f64)>,
    properties: serde_json::Value,
) -> serde_json::Value {
    let geometry = match position {
        Some((lat, lon)) => serde_json::json!({ "type": "Point", "coordinates": [lon, lat] }),
        None => serde_json::Value::Null,
    };
    serde_json::json!({ "type": "Feature", "id": id, "geometry": geometry, "properties": properties })
}
