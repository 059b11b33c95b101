//! Coarse public positions (DESIGN §5). A maker's public position is their home moved a
//! random 5.8–10 km in a random direction and rounded to 0.01°: it is always at least
//! 5 km and at most about 11 km from home. Snapping to a fixed grid is not enough: a maker
//! living next to a grid point would be placed within a few hundred metres of home, and
//! distances from three points would give that point away. A displaced position gives
//! away only itself, and it is drawn once per home (see `services::makers`), so repeated
//! queries or edits cannot average the noise out.

use rand::Rng;

use crate::spatial::EARTH_RADIUS_KM;

/// Least distance of the displacement, in km. With the rounding below (at most 0.79 km)
/// the public position stays at least 5 km from home.
pub const MIN_OFFSET_KM: f64 = 5.8;
/// Greatest distance of the displacement, in km.
pub const MAX_OFFSET_KM: f64 = 10.0;
/// Public positions are rounded to this many degrees (about 1.1 km of latitude), so the
/// value carries no more precision than it means.
pub const ROUND_DEG: f64 = 0.01;

/// Least distance between a home and its public position, whatever was drawn.
pub const GUARANTEED_KM: f64 = 5.0;

/// The public position of a home at (`lat`, `lon`): moved `MIN_OFFSET_KM`–`MAX_OFFSET_KM`
/// (uniformly) on a uniformly random bearing, then rounded to `ROUND_DEG`. Use an
/// unpredictable generator (`rand::rng()`, seeded from the OS) for real homes; a seeded
/// one only for synthetic data.
pub fn displace<R: Rng + ?Sized>(lat: f64, lon: f64, rng: &mut R) -> (f64, f64) {
    let bearing = rng.random_range(0.0..std::f64::consts::TAU);
    let km = rng.random_range(MIN_OFFSET_KM..=MAX_OFFSET_KM);
    let (lat, lon) = destination(lat, lon, bearing, km);
    round(lat, lon)
}

/// The point `km` away from (`lat`, `lon`) on the initial `bearing` (radians clockwise
/// from north), along a great circle.
fn destination(lat: f64, lon: f64, bearing: f64, km: f64) -> (f64, f64) {
    let (phi1, lambda1) = (lat.to_radians(), lon.to_radians());
    let delta = km / EARTH_RADIUS_KM;
    let sin_phi2 =
        (phi1.sin() * delta.cos() + phi1.cos() * delta.sin() * bearing.cos()).clamp(-1.0, 1.0);
    let phi2 = sin_phi2.asin();
    let lambda2 = lambda1
        + (bearing.sin() * delta.sin() * phi1.cos()).atan2(delta.cos() - phi1.sin() * sin_phi2);
    (phi2.to_degrees(), wrap_lon(lambda2.to_degrees()))
}

/// A longitude in [-180, 180]; one already in range is returned as it is (the
/// arithmetic below would add rounding noise to it).
fn wrap_lon(lon: f64) -> f64 {
    if (-180.0..=180.0).contains(&lon) {
        return lon;
    }
    let wrapped = (lon + 180.0).rem_euclid(360.0) - 180.0;
    // -180 and 180 are the same meridian; keep the value a caller gave when it is one.
    if wrapped == -180.0 && lon > 0.0 {
        180.0
    } else {
        wrapped
    }
}

/// Rounds to `ROUND_DEG`, so the value prints as the short decimal it stands for.
fn round(lat: f64, lon: f64) -> (f64, f64) {
    let steps = (1.0 / ROUND_DEG).round();
    let lat = ((lat * steps).round() / steps).clamp(-90.0, 90.0);
    // Wrapped first: a longitude in range rounds to one in range.
    let lon = (wrap_lon(lon) * steps).round() / steps;
    (lat, lon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::LatLon;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
        LatLon::new(a.0, a.1)
            .unwrap()
            .distance_km(LatLon::new(b.0, b.1).unwrap())
    }

    /// Draws many public positions of `home` and checks each against the bounds.
    fn check_bounds(home: (f64, f64), draws: usize, seed: u64) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut least, mut most) = (f64::MAX, 0.0f64);
        for _ in 0..draws {
            let public = displace(home.0, home.1, &mut rng);
            assert!(
                LatLon::new(public.0, public.1).is_ok(),
                "{public:?} is not a position"
            );
            let d = km(home, public);
            assert!(d >= GUARANTEED_KM, "{home:?} → {public:?} only {d} km");
            assert!(d <= MAX_OFFSET_KM + 0.8, "{home:?} → {public:?} {d} km");
            // Two decimals exactly, so the value says how precise it is.
            for v in [public.0, public.1] {
                assert_eq!(v, (v * 100.0).round() / 100.0, "{v}");
                assert!(
                    v.to_string().split('.').nth(1).is_none_or(|d| d.len() <= 2),
                    "{v}"
                );
            }
            least = least.min(d);
            most = most.max(d);
        }
        (least, most)
    }

    #[test]
    fn always_between_five_and_eleven_km_from_home() {
        for (i, home) in [
            (5.603_717, -0.186_964),  // Accra
            (-1.292_066, 36.821_945), // Nairobi
            (-33.924_9, 18.424_1),    // Cape Town
            (5.6, -0.2),              // on a round-number point
            (0.0, 0.0),
            (48.856_6, 2.352_2),
        ]
        .into_iter()
        .enumerate()
        {
            let (least, most) = check_bounds(home, 20_000, i as u64);
            // The draws fill the band rather than sit at one distance.
            assert!(least < 6.0 && most > 9.8, "{home:?}: {least}..{most}");
        }
    }

    #[test]
    fn near_the_poles() {
        for (i, home) in [
            (89.99, 12.0),
            (-89.99, -170.0),
            (90.0, 0.0),
            (-90.0, 180.0),
            (89.95, 179.99),
            (-89.9, -179.99),
        ]
        .into_iter()
        .enumerate()
        {
            check_bounds(home, 5_000, 100 + i as u64);
        }
    }

    #[test]
    fn across_the_antimeridian() {
        for (i, home) in [
            (-17.71, 179.999),
            (-17.71, -179.999),
            (65.0, 180.0),
            (65.0, -180.0),
            (0.0, 179.95),
        ]
        .into_iter()
        .enumerate()
        {
            check_bounds(home, 5_000, 200 + i as u64);
        }
        // Both sides of the line are reached from a home on it.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let sides: Vec<f64> = (0..200)
            .map(|_| displace(-17.71, 179.999, &mut rng).1)
            .collect();
        assert!(sides.iter().any(|&l| l > 179.0));
        assert!(sides.iter().any(|&l| l < -179.0));
    }

    #[test]
    fn the_bearing_is_uniform() {
        // Each quadrant around the home gets about a quarter of the draws (the home lies
        // between grid values, so rounding favours no side).
        let home = (5.6037, -0.1867);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut quadrants = [0usize; 4];
        let n = 40_000;
        for _ in 0..n {
            let (lat, lon) = displace(home.0, home.1, &mut rng);
            let q = match (lat >= home.0, lon >= home.1) {
                (true, true) => 0,
                (true, false) => 1,
                (false, true) => 2,
                (false, false) => 3,
            };
            quadrants[q] += 1;
        }
        for count in quadrants {
            let share = count as f64 / n as f64;
            assert!((share - 0.25).abs() < 0.02, "{quadrants:?}");
        }
    }

    #[test]
    fn longitudes_wrap_into_range() {
        assert_eq!(wrap_lon(181.0), -179.0);
        assert_eq!(wrap_lon(-181.0), 179.0);
        assert_eq!(wrap_lon(180.0), 180.0);
        assert_eq!(wrap_lon(-180.0), -180.0);
        assert_eq!(wrap_lon(540.0), 180.0);
        assert_eq!(round(89.999, 179.996), (90.0, 180.0));
    }
}
