//! The order a bulk load adds documents in: by the Hilbert-curve cell of each entity's
//! public position, so entities near each other get nearby doc ids. The candidates of a
//! map area then sit in a few doc-id runs, and probing them against posting lists reads
//! only the blocks of those runs instead of whole lists. (Tantivy's own index sorting
//! would keep that order through merges too, but it cost half again the indexing time.)

use crate::spatial::LatLon;

/// Cells per side: 2^16 over 360° × 180° is about 600 m × 300 m, much finer than coarse
/// positions.
const ORDER: u32 = 16;

/// Sort key of entities without a position: after everything placed.
pub(crate) const UNPLACED: u64 = u64::MAX;

/// The Hilbert index of a position on a 2^16 × 2^16 longitude/latitude grid.
pub(crate) fn cell(p: LatLon) -> u64 {
    let side = (1u64 << ORDER) - 1;
    let x = (((p.lon() + 180.0) / 360.0) * side as f64).round() as u64;
    let y = (((p.lat() + 90.0) / 180.0) * side as f64).round() as u64;
    hilbert(ORDER, x.min(side), y.min(side))
}

/// Distance along the Hilbert curve of cell (x, y) on a 2^order grid: at each scale, add
/// the quadrant's offset, then rotate the lower bits into that quadrant's frame.
fn hilbert(order: u32, mut x: u64, mut y: u64) -> u64 {
    let n = 1u64 << order;
    let mut d = 0;
    let mut s = n / 2;
    while s > 0 {
        let rx = u64::from(x & s != 0);
        let ry = u64::from(y & s != 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_visits_every_cell_once_in_adjacent_steps() {
        let mut walk: Vec<(u64, u64, u64)> = (0..16)
            .flat_map(|x| (0..16).map(move |y| (hilbert(4, x, y), x, y)))
            .collect();
        walk.sort();
        for (i, w) in walk.iter().enumerate() {
            assert_eq!(w.0, i as u64);
        }
        for pair in walk.windows(2) {
            let step = pair[0].1.abs_diff(pair[1].1) + pair[0].2.abs_diff(pair[1].2);
            assert_eq!(step, 1, "{pair:?}");
        }
    }

    #[test]
    fn near_places_get_near_cells() {
        let accra = LatLon::new(5.6037, -0.1870).unwrap();
        let next_door = LatLon::new(5.6040, -0.1875).unwrap();
        let nairobi = LatLon::new(-1.2921, 36.8219).unwrap();
        let d = |a: u64, b: u64| a.abs_diff(b);
        assert!(d(cell(accra), cell(next_door)) < d(cell(accra), cell(nairobi)));
        assert!(cell(LatLon::new(90.0, 180.0).unwrap()) < UNPLACED);
    }
}
