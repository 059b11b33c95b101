#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Text + geo + facets against brute force: the text-only answer of the engine, filtered
//! by an independent Haversine, ordered by (score, distance, id), must equal the combined
//! query through every planner route, page after page.

mod common;

use common::*;
use makermatch_search::{
    Doc, ExactPositions, Filters, Kind, LatLon, PlannerLimits, PositionAccess, SearchEngine,
    SearchRequest, SkillLevel,
};
use proptest::prelude::*;
use uuid::Uuid;

const CITIES: [(f64, f64); 4] = [
    (5.6037, -0.1870),
    (-1.2921, 36.8219),
    (64.1466, -21.9426),
    (-17.7134, 178.065),
];
const PROCESSES: [&str; 8] = [
    "mig-welding",
    "tig-welding",
    "welding",
    "fdm",
    "sla",
    "cnc-milling",
    "laser-cutting",
    "sewing",
];
const QUERIES: [&str; 7] = [
    "welding",
    "soudure",
    "weldng",
    "3D printing",
    "cnc milling",
    "kulehemu",
    "laser",
];

#[derive(Debug, Clone)]
struct Person {
    exact: (f64, f64),
    coarse: (f64, f64),
    processes: Vec<usize>,
    country: bool,
}

fn person() -> impl Strategy<Value = Person> {
    (
        0..CITIES.len(),
        (-0.6..0.6f64, -0.6..0.6f64),
        prop::collection::vec(0..PROCESSES.len(), 0..4),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(|(c, (dlat, dlon), processes, country, seed)| {
            let (lat, lon) = CITIES[c];
            let mut lon = lon + dlon;
            if lon > 180.0 {
                lon -= 360.0;
            }
            let exact = (lat + dlat, lon);
            let coarse = makermatch_search::privacy::displace(
                exact.0,
                exact.1,
                &mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed),
            );
            Person {
                exact,
                coarse,
                processes,
                country,
            }
        })
}

fn build(people: &[Person]) -> (SearchEngine, Vec<Uuid>) {
    let taxonomy = taxonomy();
    let engine = SearchEngine::in_memory(&taxonomy).unwrap();
    let mut ids = Vec::new();
    let docs: Vec<Doc> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = ((i as u128) * 104_729) % 1_000_003 + 1;
            ids.push(id(n));
            let skills = p
                .processes
                .iter()
                .map(|&k| {
                    let process = taxonomy.process(PROCESSES[k]).unwrap();
                    skill(
                        &process.en,
                        Some(&process.id),
                        k % 2 == 0,
                        SkillLevel::Advanced,
                    )
                })
                .collect();
            let mut m = maker(n, "Maker", skills, Some(p.exact));
            m.coarse_position = Some(p.coarse);
            m.country = Some(if p.country { "GH" } else { "KE" }.into());
            m.into()
        })
        .collect();
    load(&engine, docs, 1);
    (engine, ids)
}

type Row = (Uuid, f32, f64);

/// The whole ordered answer, read page by page.
fn all_pages(engine: &SearchEngine, request: &SearchRequest, page: usize) -> Vec<Row> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let p = engine.search(&request.clone().page(offset, page)).unwrap();
        out.extend(
            p.hits
                .iter()
                .map(|h| (h.id, h.score, h.distance_km.unwrap())),
        );
        if !p.has_more {
            assert!(p.hits.len() <= page);
            break;
        }
        assert_eq!(p.hits.len(), page);
        offset += page;
    }
    out
}

/// The circle a query covers, and which positions it reads.
struct Circle {
    center: (f64, f64),
    radius: f64,
    exact: bool,
}

fn brute(
    engine: &SearchEngine,
    text: Option<&str>,
    filters: &Filters,
    people: &[Person],
    ids: &[Uuid],
    circle: &Circle,
) -> Vec<Row> {
    let Circle {
        center,
        radius,
        exact,
    } = *circle;
    let mut request = SearchRequest::new(Kind::Maker)
        .filters(filters.clone())
        .page(0, 100_000);
    if let Some(t) = text {
        request = request.text(t);
    }
    let matches = engine.search(&request).unwrap();
    let mut rows: Vec<Row> = matches
        .hits
        .iter()
        .filter_map(|h| {
            let i = ids.iter().position(|x| *x == h.id).unwrap();
            let at = if exact {
                people[i].exact
            } else {
                people[i].coarse
            };
            let d = haversine_km(center, at);
            (d <= radius).then_some((h.id, h.score, d))
        })
        .collect();
    rows.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(a.2.total_cmp(&b.2))
            .then(a.0.cmp(&b.0))
    });
    rows
}

/// `rows` with each run of ties put in id order. Rows with equal scores whose distances
/// differ by less than a micrometre are ties: the engine measures from the point it stored
/// and the brute force from the input, so the two may differ in the last bits and order
/// such a pair either way.
fn ties_by_id(rows: &[Row]) -> Vec<Row> {
    let mut rows = rows.to_vec();
    let mut start = 0;
    while start < rows.len() {
        let mut end = start + 1;
        while end < rows.len()
            && rows[end].1 == rows[start].1
            && (rows[end].2 - rows[start].2).abs() < 1e-9
        {
            end += 1;
        }
        rows[start..end].sort_by_key(|r| r.0);
        start = end;
    }
    rows
}

fn same(got: &[Row], expected: &[Row]) {
    assert_eq!(got.len(), expected.len(), "{got:?}\nvs\n{expected:?}");
    let (got, expected) = (ties_by_id(got), ties_by_id(expected));
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!((g.0, g.1), (e.0, e.1), "{got:?}\nvs\n{expected:?}");
        assert!((g.2 - e.2).abs() < 1e-6);
    }
}

/// Text-first, geo-first by seeks and by scans, a small bound, geo-first abandoned.
const ROUTES: [(usize, usize, usize); 5] = [
    (1 << 20, 1 << 20, 1 << 20),
    (0, 1 << 20, 1 << 20),
    (0, 1 << 20, 1),
    (5, 1 << 20, 2),
    (0, 7, 1),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn text_geo_and_facets_equal_brute_force(
        people in prop::collection::vec(person(), 1..250),
        query in 0..QUERIES.len(),
        city in 0..CITIES.len(),
        radius in prop_oneof![1.0..30.0f64, 30.0..150.0f64, 150.0..20_000.0f64],
        ghana_only in any::<bool>(),
        exact in any::<bool>(),
        page in 1usize..9,
    ) {
        let (engine, ids) = build(&people);
        let center = CITIES[city];
        prop_assume!(people.iter().all(|p| {
            let at = if exact { p.exact } else { p.coarse };
            (haversine_km(center, at) - radius).abs() > 1e-6
        }));
        let filters = Filters {
            countries: if ghana_only { vec!["GH".into()] } else { vec![] },
            ..Filters::default()
        };
        let positions = if exact {
            PositionAccess::exact(ExactPositions::granted_by("test"))
        } else {
            PositionAccess::Coarse
        };
        let c = LatLon::new(center.0, center.1).unwrap();
        for text in [Some(QUERIES[query]), None] {
            let circle = Circle { center, radius, exact };
            let expected = brute(&engine, text, &filters, &people, &ids, &circle);
            let mut request = SearchRequest::new(Kind::Maker)
                .near(c, radius)
                .filters(filters.clone())
                .positions(positions.clone());
            if let Some(t) = text {
                request = request.text(t);
            }
            for (text_first_max, area_gather_max, scan_from) in ROUTES {
                engine.set_planner_limits(PlannerLimits { text_first_max, area_gather_max, scan_from }).unwrap();
                same(&all_pages(&engine, &request, page), &expected);
                let counted = engine.search(&request.clone().count_total()).unwrap();
                prop_assert_eq!(counted.total, Some(expected.len()));
            }
        }
    }
}

#[test]
fn process_labels_find_every_maker_of_the_family() {
    let taxonomy = taxonomy();
    let people: Vec<Person> = (0..PROCESSES.len())
        .map(|k| Person {
            exact: CITIES[k % CITIES.len()],
            coarse: CITIES[k % CITIES.len()],
            processes: vec![k],
            country: true,
        })
        .collect();
    let (engine, ids) = build(&people);
    for (query, family) in [
        ("welding", "welding"),
        ("kulehemu", "welding"),
        ("3D printing", "3d-printing"),
    ] {
        let found = ids_of(&engine, query);
        for (i, p) in people.iter().enumerate() {
            let member = p
                .processes
                .iter()
                .any(|&k| taxonomy.satisfies(PROCESSES[k], family));
            assert_eq!(
                found.contains(&ids[i]),
                member,
                "{query}: {}",
                PROCESSES[p.processes[0]]
            );
        }
    }
}

fn ids_of(engine: &SearchEngine, text: &str) -> Vec<Uuid> {
    ids(&engine
        .search(&SearchRequest::new(Kind::Maker).text(text).page(0, 1000))
        .unwrap())
}
