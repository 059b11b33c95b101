//! Coarse public positions (DESIGN §5): makers are placed on a 0.1° grid (about 11 km at
//! the equator) for every query made without the right to see exact positions, so that
//! distances to many points cannot triangulate a home.

/// Grid step of coarse positions, in degrees.
pub const COARSE_STEP_DEG: f64 = 0.1;

/// Snaps a position to the coarse grid.
pub fn coarsen(lat: f64, lon: f64) -> (f64, f64) {
    let snap = |v: f64| (v / COARSE_STEP_DEG).round() * COARSE_STEP_DEG;
    let lat = snap(lat).clamp(-90.0, 90.0);
    let mut lon = snap(lon);
    if lon > 180.0 {
        lon -= 360.0;
    } else if lon < -180.0 {
        lon += 360.0;
    }
    // Keep one decimal exactly, so the value prints as the grid point it is.
    ((lat * 10.0).round() / 10.0, (lon * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snaps_to_a_tenth_of_a_degree() {
        assert_eq!(coarsen(5.603_717, -0.186_964), (5.6, -0.2));
        assert_eq!(coarsen(-1.292_066, 36.821_945), (-1.3, 36.8));
        assert_eq!(coarsen(89.99, 179.97), (90.0, 180.0));
        assert_eq!(coarsen(-33.92, -179.99), (-33.9, -180.0));
    }

    #[test]
    fn never_moves_more_than_half_a_step() {
        for i in 0..1000 {
            let lat = -89.0 + (i as f64) * 0.178;
            let lon = -179.0 + (i as f64) * 0.3571;
            let (clat, clon) = coarsen(lat, lon);
            assert!((clat - lat).abs() <= 0.05 + 1e-9);
            assert!((clon - lon).abs() <= 0.05 + 1e-9);
        }
    }
}
