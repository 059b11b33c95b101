//! Deterministic synthetic makers and facilities for the benchmarks: positions clustered
//! around real cities worldwide (antimeridian and high latitudes included) plus a share
//! spread uniformly over the sphere, and a handful of taxonomy skills each.

use makermatch_search::privacy::displace;
use makermatch_search::skills::skill_key;
use makermatch_search::{EquipmentEntry, FacilityDoc, MakerDoc, SkillEntry, SkillLevel, Taxonomy};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// (name, country, latitude, longitude) of city centres.
pub const CITIES: [(&str, &str, f64, f64); 62] = [
    ("Accra", "GH", 5.6037, -0.1870),
    ("Kumasi", "GH", 6.6885, -1.6244),
    ("Lagos", "NG", 6.5244, 3.3792),
    ("Abuja", "NG", 9.0765, 7.3986),
    ("Nairobi", "KE", -1.2921, 36.8219),
    ("Mombasa", "KE", -4.0435, 39.6682),
    ("Kampala", "UG", 0.3476, 32.5825),
    ("Dar es Salaam", "TZ", -6.7924, 39.2083),
    ("Addis Ababa", "ET", 9.0054, 38.7636),
    ("Kigali", "RW", -1.9441, 30.0619),
    ("Johannesburg", "ZA", -26.2041, 28.0473),
    ("Cape Town", "ZA", -33.9249, 18.4241),
    ("Durban", "ZA", -29.8587, 31.0218),
    ("Cairo", "EG", 30.0444, 31.2357),
    ("Casablanca", "MA", 33.5731, -7.5898),
    ("Dakar", "SN", 14.7167, -17.4677),
    ("Abidjan", "CI", 5.3600, -4.0083),
    ("Yaoundé", "CM", 3.8480, 11.5021),
    ("Kinshasa", "CD", -4.4419, 15.2663),
    ("Luanda", "AO", -8.8390, 13.2894),
    ("Maputo", "MZ", -25.9692, 32.5732),
    ("Harare", "ZW", -17.8252, 31.0335),
    ("Lusaka", "ZM", -15.3875, 28.3228),
    ("Tunis", "TN", 36.8065, 10.1815),
    ("London", "GB", 51.5072, -0.1276),
    ("Paris", "FR", 48.8566, 2.3522),
    ("Berlin", "DE", 52.5200, 13.4050),
    ("Madrid", "ES", 40.4168, -3.7038),
    ("Lisbon", "PT", 38.7223, -9.1393),
    ("Rome", "IT", 41.9028, 12.4964),
    ("Amsterdam", "NL", 52.3676, 4.9041),
    ("Stockholm", "SE", 59.3293, 18.0686),
    ("Reykjavik", "IS", 64.1466, -21.9426),
    ("Moscow", "RU", 55.7558, 37.6173),
    ("Istanbul", "TR", 41.0082, 28.9784),
    ("Tehran", "IR", 35.6892, 51.3890),
    ("Dubai", "AE", 25.2048, 55.2708),
    ("Mumbai", "IN", 19.0760, 72.8777),
    ("Delhi", "IN", 28.7041, 77.1025),
    ("Bangalore", "IN", 12.9716, 77.5946),
    ("Dhaka", "BD", 23.8103, 90.4125),
    ("Bangkok", "TH", 13.7563, 100.5018),
    ("Jakarta", "ID", -6.2088, 106.8456),
    ("Manila", "PH", 14.5995, 120.9842),
    ("Singapore", "SG", 1.3521, 103.8198),
    ("Shanghai", "CN", 31.2304, 121.4737),
    ("Tokyo", "JP", 35.6762, 139.6503),
    ("Seoul", "KR", 37.5665, 126.9780),
    ("Sydney", "AU", -33.8688, 151.2093),
    ("Auckland", "NZ", -36.8485, 174.7633),
    ("Suva", "FJ", -18.1248, 178.4501),
    ("Apia", "WS", -13.8507, -171.7514),
    ("Honolulu", "US", 21.3069, -157.8583),
    ("Anchorage", "US", 61.2181, -149.9003),
    ("Vancouver", "CA", 49.2827, -123.1207),
    ("San Francisco", "US", 37.7749, -122.4194),
    ("Mexico City", "MX", 19.4326, -99.1332),
    ("New York", "US", 40.7128, -74.0060),
    ("Bogotá", "CO", 4.7110, -74.0721),
    ("Lima", "PE", -12.0464, -77.0428),
    ("São Paulo", "BR", -23.5505, -46.6333),
    ("Buenos Aires", "AR", -34.6037, -58.3816),
];

/// Share of records placed uniformly on the sphere rather than around a city.
const UNIFORM_SHARE: f64 = 0.1;

const GIVEN: [&str; 12] = [
    "Kwame", "Ama", "Wanjiru", "Otieno", "Amina", "Tariq", "Lucía", "Chen", "Priya", "Ivan",
    "Aroha", "Sipho",
];
const FAMILY: [&str; 12] = [
    "Mensah", "Owusu", "Kamau", "Njeri", "Diallo", "Haddad", "García", "Wang", "Sharma", "Petrov",
    "Ngata", "Dlamini",
];
const MAKES: [&str; 8] = [
    "Prusa", "Creality", "Epilog", "Trotec", "Haas", "Shapeoko", "Lincoln", "Bambu",
];
const STATUSES: [&str; 4] = ["ACTIVE", "ACTIVE", "ACTIVE", "PLANNED"];

pub struct Generator {
    rng: ChaCha8Rng,
    /// Draws public positions apart from `rng`, so the rest of the data set stays what it
    /// was before positions were displaced.
    privacy: ChaCha8Rng,
    processes: Vec<(String, String)>,
    equipment_types: Vec<String>,
    materials: Vec<String>,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl Generator {
    pub fn new(seed: u64, taxonomy: &Taxonomy) -> Generator {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            privacy: ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15),
            processes: taxonomy
                .processes()
                .iter()
                .map(|p| (p.id.clone(), p.en.clone()))
                .collect(),
            equipment_types: taxonomy
                .equipment_types()
                .iter()
                .map(|e| e.id.clone())
                .collect(),
            materials: taxonomy.materials().iter().map(|m| m.id.clone()).collect(),
        }
    }

    fn uuid(&mut self) -> Uuid {
        Uuid::from_u128(self.rng.random())
    }

    /// A position near a random city (spread `sigma_deg`), or anywhere on Earth; and the
    /// city it belongs to.
    pub fn position(&mut self, sigma_deg: f64) -> ((f64, f64), usize) {
        let city = self.rng.random_range(0..CITIES.len());
        if self.rng.random_bool(UNIFORM_SHARE) {
            let z: f64 = self.rng.random_range(-1.0..=1.0);
            let lon: f64 = self.rng.random_range(-180.0..=180.0);
            return ((z.asin().to_degrees(), lon), city);
        }
        let (_, _, lat, lon) = CITIES[city];
        let lat = (lat + sigma_deg * normal(&mut self.rng)).clamp(-90.0, 90.0);
        let stretch = lat.to_radians().cos().max(0.05);
        let mut lon = lon + sigma_deg * normal(&mut self.rng) / stretch;
        while lon > 180.0 {
            lon -= 360.0;
        }
        while lon < -180.0 {
            lon += 360.0;
        }
        ((lat, lon), city)
    }

    pub fn maker(&mut self) -> MakerDoc {
        let (exact, city) = self.position(0.15);
        let n_skills = self.rng.random_range(1..=5);
        let skills = (0..n_skills)
            .map(|_| {
                let (id, label) =
                    self.processes[self.rng.random_range(0..self.processes.len())].clone();
                SkillEntry {
                    key: skill_key(&label),
                    label,
                    process_id: Some(id),
                    verified: self.rng.random_bool(0.2),
                    level: SkillLevel::ALL[self.rng.random_range(0..4)],
                    credentials: Vec::new(),
                }
            })
            .collect();
        let (name, country, _, _) = CITIES[city];
        let given = GIVEN[self.rng.random_range(0..GIVEN.len())];
        let family = FAMILY[self.rng.random_range(0..FAMILY.len())];
        MakerDoc {
            id: self.uuid(),
            names: vec![given.to_string(), family.to_string()],
            display_name: None,
            shown_name: format!("{given} {family}"),
            bio: Some(format!("{given} makes things in {name}.")),
            skills,
            languages: vec!["en".into()],
            country: Some(country.into()),
            city: Some(name.into()),
            exact_position: Some(exact),
            coarse_position: Some(displace(exact.0, exact.1, &mut self.privacy)),
            public_profile: self.rng.random_bool(0.8),
            availability: None,
            affiliations: Vec::new(),
            clearances: Vec::new(),
        }
    }

    pub fn facility(&mut self) -> FacilityDoc {
        let (position, city) = self.position(0.3);
        let n = self.rng.random_range(1..=6);
        let process_ids = (0..n)
            .map(|_| {
                self.processes[self.rng.random_range(0..self.processes.len())]
                    .0
                    .clone()
            })
            .collect();
        let n = self.rng.random_range(0..=3);
        let equipment = (0..n)
            .map(|_| EquipmentEntry {
                id: self.uuid(),
                equipment_type: self.equipment_types
                    [self.rng.random_range(0..self.equipment_types.len())]
                .clone(),
                process_id: None,
                make: Some(MAKES[self.rng.random_range(0..MAKES.len())].into()),
                model: Some(format!("M{}", self.rng.random_range(1..40))),
            })
            .collect();
        let material_ids = (0..self.rng.random_range(0..3))
            .map(|_| self.materials[self.rng.random_range(0..self.materials.len())].clone())
            .collect();
        let (name, country, _, _) = CITIES[city];
        FacilityDoc {
            id: self.uuid(),
            name: format!("{name} Makerspace {}", self.rng.random_range(1..1000)),
            description: Some(format!("A shared workshop in {name}.")),
            country: Some(country.into()),
            locality: Some(name.into()),
            status: STATUSES[self.rng.random_range(0..STATUSES.len())].into(),
            access_type: Some("PUBLIC".into()),
            batch_size: Some("0-50".into()),
            process_ids,
            material_ids,
            equipment,
            position: Some(position),
            certifications: Vec::new(),
            date_verified: None,
            other_terms: Vec::new(),
        }
    }
}
