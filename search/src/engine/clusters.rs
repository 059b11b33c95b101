//! Grid clusters for maps: every entity of a kind inside a box, counted per grid cell, so
//! a world view gets a few hundred features instead of a million points. The R-tree's
//! slots already group entities at one position, so the walk touches distinct positions
//! only (coarse maker positions put thousands of makers on one slot).

use std::collections::BTreeMap;

use uuid::Uuid;

use tantivy::Term;

use super::SearchEngine;
use crate::SearchError;
use crate::access::PositionAccess;
use crate::budget::checkpoint;
use crate::document::Kind;
use crate::query::ord_set::holders;
use crate::spatial::{BoundingBox, LatLon};

/// The entities of one grid cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Entities in the cell.
    pub count: usize,
    /// Mean position of the members (inside the cell).
    pub center: LatLon,
    /// The smallest box holding every member: south, west, north, east.
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
    /// Up to `max_ids` member ids, in id order (all of them for small clusters).
    pub ids: Vec<Uuid>,
}

struct Acc {
    count: usize,
    lat_sum: f64,
    lon_sum: f64,
    positions: usize,
    south: f64,
    west: f64,
    north: f64,
    east: f64,
    ids: Vec<Uuid>,
}

impl SearchEngine {
    /// Clusters of `kind` inside `bbox` on a grid of `cell_deg` degrees, cells in
    /// (row, column) order. Each cluster lists up to `max_ids` member ids. With
    /// `public_only`, makers whose profile is not public are not drawn or counted at all.
    pub fn clusters(
        &self,
        kind: Kind,
        bbox: &BoundingBox,
        cell_deg: f64,
        positions: &PositionAccess,
        max_ids: usize,
        public_only: bool,
    ) -> Result<Vec<Cluster>, SearchError> {
        if !cell_deg.is_finite() || cell_deg <= 0.0 {
            return Err(SearchError::InvalidRequest(format!(
                "cluster cell size must be a positive number of degrees, got {cell_deg}"
            )));
        }
        let cells = self.reading(|inner, state, _| {
            let private = if public_only && kind == Kind::Maker {
                let term = Term::from_field_text(inner.fields.visibility, "private");
                Some(holders(inner, state, Kind::Maker, term)?)
            } else {
                None
            };
            let mut shown: Vec<u32> = Vec::new();
            let layer = state.layers.get(kind, positions);
            let mut cells: BTreeMap<(i64, i64), Acc> = BTreeMap::new();
            for slot_no in layer.in_envelope(&bbox.envelope()) {
                checkpoint()?;
                let slot = layer.slot(slot_no);
                if !bbox.contains(slot.at) {
                    continue;
                }
                let (lat, lon) = (slot.at.lat(), slot.at.lon());
                let key = (
                    ((lat + 90.0) / cell_deg).floor() as i64,
                    ((lon + 180.0) / cell_deg).floor() as i64,
                );
                let members = match &private {
                    Some(private) => {
                        shown.clear();
                        shown.extend(slot.members().iter().filter(|&&o| !private.contains(o)));
                        if shown.is_empty() {
                            continue;
                        }
                        shown.as_slice()
                    }
                    None => slot.members(),
                };
                let acc = cells.entry(key).or_insert(Acc {
                    count: 0,
                    lat_sum: 0.0,
                    lon_sum: 0.0,
                    positions: 0,
                    south: lat,
                    west: lon,
                    north: lat,
                    east: lon,
                    ids: Vec::new(),
                });
                acc.count += members.len();
                acc.lat_sum += lat;
                acc.lon_sum += lon;
                acc.positions += 1;
                acc.south = acc.south.min(lat);
                acc.north = acc.north.max(lat);
                acc.west = acc.west.min(lon);
                acc.east = acc.east.max(lon);
                for ord in members {
                    if acc.ids.len() >= max_ids {
                        break;
                    }
                    if let Some(e) = state.entity(*ord) {
                        acc.ids.push(e.id);
                    }
                }
            }
            Ok(cells)
        })?;
        let mut out = Vec::with_capacity(cells.len());
        for acc in cells.into_values() {
            let n = acc.positions.max(1) as f64;
            let mut ids = acc.ids;
            ids.sort();
            out.push(Cluster {
                count: acc.count,
                // Cells never straddle the antimeridian (their columns start at -180), so
                // a plain mean stays inside the cell.
                center: LatLon::new(acc.lat_sum / n, acc.lon_sum / n)?,
                south: acc.south,
                west: acc.west,
                north: acc.north,
                east: acc.east,
                ids,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Doc, FacilityDoc};
    use crate::taxonomy::Taxonomy;

    fn facility(n: u128, lat: f64, lon: f64) -> Doc {
        Doc::Facility(FacilityDoc {
            id: Uuid::from_u128(n),
            name: format!("F{n}"),
            description: None,
            country: None,
            locality: None,
            status: "ACTIVE".into(),
            access_type: None,
            batch_size: None,
            process_ids: vec![],
            material_ids: vec![],
            equipment: vec![],
            position: Some((lat, lon)),
            certifications: vec![],
            date_verified: None,
            other_terms: Vec::new(),
        })
    }

    #[test]
    fn clusters_count_every_point_in_the_box_once() {
        let engine = SearchEngine::in_memory(&Taxonomy::builtin().unwrap()).unwrap();
        let mut w = engine.writer().unwrap();
        let mut n = 0;
        for lat in [-60.0, -10.0, 0.5, 40.0] {
            for lon in [-179.5, -100.0, 0.0, 0.2, 120.0, 179.9] {
                n += 1;
                w.upsert(&facility(n, lat, lon)).unwrap();
            }
        }
        w.commit(1).unwrap();
        let world = BoundingBox::new(-90.0, -180.0, 90.0, 180.0).unwrap();
        let clusters = engine
            .clusters(
                Kind::Facility,
                &world,
                45.0,
                &PositionAccess::Coarse,
                3,
                true,
            )
            .unwrap();
        assert_eq!(clusters.iter().map(|c| c.count).sum::<usize>(), 24);
        assert!(clusters.len() < 24);
        for c in &clusters {
            assert!(c.south <= c.center.lat() && c.center.lat() <= c.north);
            assert!(c.ids.len() == c.count.min(3));
        }
        // A box across the antimeridian sees both sides and nothing else.
        let pacific = BoundingBox::new(-90.0, 170.0, 90.0, -170.0).unwrap();
        let clusters = engine
            .clusters(
                Kind::Facility,
                &pacific,
                1.0,
                &PositionAccess::Coarse,
                10,
                true,
            )
            .unwrap();
        assert_eq!(clusters.iter().map(|c| c.count).sum::<usize>(), 8);
    }
}
