#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What words find: typos, accents, the taxonomy's labels in four languages, stems,
//! taxonomy-aware filters, relevance and highlights.

mod common;

use common::*;
use makermatch_search::{
    Doc, ExactPositions, Filters, Kind, LatLon, MakerDoc, PositionAccess, SearchEngine,
    SearchRequest, SkillFilter, SkillLevel,
};
use uuid::Uuid;

fn fixture() -> SearchEngine {
    let engine = engine();
    let mut welder = maker(
        1,
        "Kwame Mensah",
        vec![skill(
            "MIG welding",
            Some("mig-welding"),
            true,
            SkillLevel::Expert,
        )],
        Some((5.6037, -0.1870)),
    );
    welder.bio = Some("Builds steel frames for market stalls.".into());
    welder.city = Some("Accra".into());
    welder.country = Some("GH".into());
    let mut printer = maker(
        2,
        "Amina Njoroge",
        vec![skill(
            "3D printing",
            Some("fdm"),
            false,
            SkillLevel::Intermediate,
        )],
        Some((-1.2921, 36.8219)),
    );
    printer.city = Some("Nairobi".into());
    printer.country = Some("KE".into());
    printer.languages = vec!["sw".into(), "en".into()];
    let mut cameroon = maker(
        3,
        "Paul Biya-Ndongo",
        vec![skill("Couture", None, false, SkillLevel::Advanced)],
        Some((3.8480, 11.5021)),
    );
    cameroon.city = Some("Yaoundé".into());
    cameroon.country = Some("CM".into());
    cameroon.public_profile = false;
    let mut bio_only = maker(4, "Esi Addo", Vec::new(), None);
    bio_only.bio = Some("I sometimes help with welding at the weekend.".into());

    let mut fdm_space = facility(10, "Kumasi Makerspace", Some((6.6885, -1.6244)));
    fdm_space.process_ids = vec!["fdm".into()];
    fdm_space.equipment = vec![equipment("fdm-3d-printer", "Prusa", "MK4")];
    fdm_space.country = Some("GH".into());
    fdm_space.access_type = Some("public".into());
    let mut laser = facility(11, "Lagos Laser Lab", Some((6.5244, 3.3792)));
    laser.equipment = vec![equipment("laser-cutter", "Epilog", "Fusion Pro")];
    laser.country = Some("NG".into());
    laser.status = "PLANNED".into();
    let mut tig = facility(12, "Durban Fabrication", Some((-29.8587, 31.0218)));
    tig.process_ids = vec!["tig-welding".into()];
    tig.material_ids = vec!["stainless-steel".into()];
    tig.description = Some("Stainless steel fabrication and repairs".into());

    let docs: Vec<Doc> = vec![
        welder.into(),
        printer.into(),
        cameroon.into(),
        bio_only.into(),
        fdm_space.into(),
        laser.into(),
        tig.into(),
    ];
    load(&engine, docs, 1);
    engine
}

fn find(engine: &SearchEngine, kind: Kind, text: &str) -> Vec<Uuid> {
    let page = engine
        .search(&SearchRequest::new(kind).text(text).page(0, 50))
        .unwrap();
    ids(&page)
}

#[test]
fn taxonomy_labels_in_four_languages_find_welders() {
    let e = fixture();
    for word in [
        "welding",
        "soudage",
        "soudure",
        "soldagem",
        "kulehemu",
        "Soldadura",
    ] {
        let found = find(&e, Kind::Maker, word);
        assert_eq!(found.first(), Some(&id(1)), "{word}: {found:?}");
    }
    // Facilities too, through the parent of TIG welding.
    assert!(find(&e, Kind::Facility, "kulehemu").contains(&id(12)));
    assert!(find(&e, Kind::Facility, "TIG").contains(&id(12)));
}

#[test]
fn parent_labels_find_children() {
    let e = fixture();
    assert_eq!(find(&e, Kind::Facility, "3D printing"), vec![id(10)]);
    assert_eq!(find(&e, Kind::Facility, "impression 3D"), vec![id(10)]);
    assert_eq!(
        find(&e, Kind::Facility, "additive manufacturing"),
        vec![id(10)]
    );
    assert_eq!(find(&e, Kind::Maker, "fabrication additive"), vec![id(2)]);
    // Equipment make and model, and equipment type labels.
    assert_eq!(find(&e, Kind::Facility, "prusa"), vec![id(10)]);
    assert_eq!(find(&e, Kind::Facility, "laser cutter"), vec![id(11)]);
    assert_eq!(find(&e, Kind::Facility, "stainless steel"), vec![id(12)]);
}

#[test]
fn typos_are_forgiven_but_rank_below_exact() {
    let e = fixture();
    assert_eq!(find(&e, Kind::Maker, "weldng").first(), Some(&id(1)));
    assert_eq!(find(&e, Kind::Maker, "wleding").first(), Some(&id(1)));
    assert_eq!(find(&e, Kind::Maker, "Kwami"), vec![id(1)]);
    assert!(find(&e, Kind::Facility, "makerspce").contains(&id(10)));
    // Below four letters there is no fuzzy matching.
    assert!(find(&e, Kind::Facility, "TOG").is_empty());
    let exact = e
        .search(&SearchRequest::new(Kind::Maker).text("welding"))
        .unwrap();
    let typo = e
        .search(&SearchRequest::new(Kind::Maker).text("weldng"))
        .unwrap();
    assert!(typo.hits[0].score < exact.hits[0].score);
}

#[test]
fn accents_fold_both_ways() {
    let e = fixture();
    assert_eq!(find(&e, Kind::Maker, "yaounde"), vec![id(3)]);
    assert_eq!(find(&e, Kind::Maker, "Yaoundé"), vec![id(3)]);
    assert_eq!(find(&e, Kind::Maker, "YAOUNDE"), vec![id(3)]);
    assert_eq!(find(&e, Kind::Facility, "impressão 3d"), vec![id(10)]);
}

#[test]
fn stems_and_function_words() {
    let e = fixture();
    // "welds" only meets "welding" through the English stem.
    assert!(find(&e, Kind::Maker, "welds").contains(&id(4)));
    // Words under three letters ("la") only add to the score.
    assert_eq!(find(&e, Kind::Maker, "la soudure").first(), Some(&id(1)));
    assert!(find(&e, Kind::Maker, "zzzz").is_empty());
    // A lone short word found nowhere matches nothing, not everything.
    assert!(find(&e, Kind::Maker, "zz").is_empty());
    // Punctuation alone is no text at all: every maker, by id.
    assert_eq!(find(&e, Kind::Maker, "?!").len(), 4);
}

#[test]
fn skills_outrank_a_mention_in_a_bio() {
    let e = fixture();
    let page = e
        .search(&SearchRequest::new(Kind::Maker).text("welding"))
        .unwrap();
    assert_eq!(ids(&page), vec![id(1), id(4)]);
    assert!(page.hits[0].score > page.hits[1].score);
}

#[test]
fn process_filters_know_the_taxonomy() {
    let e = fixture();
    let by = |processes: &[&str]| {
        let filters = Filters {
            processes: processes.iter().map(|s| s.to_string()).collect(),
            ..Filters::default()
        };
        ids(&e
            .search(&SearchRequest::across(vec![]).filters(filters))
            .unwrap())
    };
    let mut welding = by(&["welding"]);
    welding.sort();
    assert_eq!(welding, vec![id(1), id(12)]);
    assert_eq!(by(&["3d-printing"]), vec![id(2), id(10)]);
    assert_eq!(by(&["additive-manufacturing", "fdm"]), vec![id(2), id(10)]);
    assert!(by(&["fdm", "welding"]).is_empty());
    // Laser cutting comes from the equipment type alone.
    assert_eq!(by(&["laser-cutting"]), vec![id(11)]);
}

#[test]
fn facet_filters() {
    let e = fixture();
    let run = |kind, filters: Filters| {
        ids(&e
            .search(&SearchRequest::new(kind).filters(filters))
            .unwrap())
    };
    let f = |f: fn(&mut Filters)| {
        let mut filters = Filters::default();
        f(&mut filters);
        filters
    };
    assert_eq!(
        run(Kind::Facility, f(|f| f.countries = vec!["gh".into()])),
        vec![id(10)]
    );
    assert_eq!(
        run(Kind::Facility, f(|f| f.statuses = vec!["planned".into()])),
        vec![id(11)]
    );
    assert_eq!(
        run(
            Kind::Facility,
            f(|f| f.access_types = vec!["PUBLIC".into()])
        ),
        vec![id(10)]
    );
    assert_eq!(
        run(
            Kind::Facility,
            f(|f| f.equipment_types = vec!["laser-cutter".into()])
        ),
        vec![id(11)]
    );
    assert_eq!(
        run(
            Kind::Facility,
            f(|f| f.materials = vec!["stainless-steel".into()])
        ),
        vec![id(12)]
    );
    assert_eq!(
        run(Kind::Maker, f(|f| f.languages = vec!["SW".into()])),
        vec![id(2)]
    );
    assert_eq!(run(Kind::Maker, f(|f| f.public_only = true)).len(), 3);
    // Only makers have a visibility: facilities stay.
    assert_eq!(
        run(Kind::Facility, f(|f| f.public_only = true)),
        run(Kind::Facility, Filters::default())
    );
    assert_eq!(
        run(
            Kind::Maker,
            f(|f| f.verified_processes = vec!["welding".into()])
        ),
        vec![id(1)]
    );
    let skill = |key: &str, min_level, verified| {
        let filters = Filters {
            skills: vec![SkillFilter {
                key: key.into(),
                min_level,
                verified,
            }],
            ..Filters::default()
        };
        run(Kind::Maker, filters)
    };
    assert_eq!(skill("MIG  Welding", None, false), vec![id(1)]);
    assert_eq!(
        skill("mig welding", Some(SkillLevel::Expert), true),
        vec![id(1)]
    );
    assert_eq!(
        skill("3d printing", Some(SkillLevel::Intermediate), false),
        vec![id(2)]
    );
    assert!(skill("3d printing", Some(SkillLevel::Advanced), false).is_empty());
    assert!(skill("3d printing", None, true).is_empty());

    // Alternatives: each requirement is met by any of its skills, all must hold.
    let alternatives = |groups: &[&[(&str, Option<SkillLevel>)]]| {
        let filters = Filters {
            skill_alternatives: groups
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|(key, min_level)| SkillFilter {
                            key: (*key).into(),
                            min_level: *min_level,
                            verified: false,
                        })
                        .collect()
                })
                .collect(),
            ..Filters::default()
        };
        run(Kind::Maker, filters)
    };
    assert_eq!(
        alternatives(&[&[("soudure", None), ("MIG welding", None)]]),
        vec![id(1)]
    );
    assert_eq!(
        alternatives(&[&[("soudure", None), ("mig welding", Some(SkillLevel::Expert))]]),
        vec![id(1)]
    );
    assert_eq!(
        alternatives(&[&[("mig welding", None), ("3D printing", None)]]),
        vec![id(1), id(2)]
    );
    assert!(alternatives(&[&[("soudure", None)]]).is_empty());
    assert!(alternatives(&[&[("mig welding", None)], &[("3d printing", None)]]).is_empty());
}

#[test]
fn search_across_kinds_with_highlights() {
    let e = fixture();
    let page = e
        .search(&SearchRequest::across(vec![]).text("welding").highlights())
        .unwrap();
    let kinds = kind_of(&page);
    assert!(kinds.contains(&Kind::Maker) && kinds.contains(&Kind::Facility));
    let welder = page.hits.iter().find(|h| h.id == id(1)).unwrap();
    let skills = welder
        .highlights
        .iter()
        .find(|h| h.field == "skills")
        .unwrap();
    assert_eq!(&skills.fragment[skills.ranges[0].clone()], "welding");
    let bio = page.hits.iter().find(|h| h.id == id(4)).unwrap();
    assert!(bio.highlights.iter().any(|h| h.field == "body"));
}

#[test]
fn makers_are_placed_coarsely_unless_granted() {
    let e = engine();
    // Home 3 km from the centre; its public position is farther.
    let mut m: MakerDoc = maker(1, "Ama", Vec::new(), Some((5.627, -0.187)));
    m.coarse_position = Some((5.7, -0.2));
    load(&e, [m.into()], 1);
    let centre = LatLon::new(5.6037, -0.1870).unwrap();
    let coarse = e
        .search(&SearchRequest::new(Kind::Maker).near(centre, 5.0))
        .unwrap();
    assert!(coarse.hits.is_empty(), "coarse position is ~10.7 km away");
    let wide = e
        .search(&SearchRequest::new(Kind::Maker).near(centre, 50.0))
        .unwrap();
    let d = wide.hits[0].distance_km.unwrap();
    assert!((d - haversine_km((5.6037, -0.1870), (5.7, -0.2))).abs() < 1e-6);
    let exact = e
        .search(
            &SearchRequest::new(Kind::Maker)
                .near(centre, 5.0)
                .positions(PositionAccess::exact(ExactPositions::granted_by("test"))),
        )
        .unwrap();
    assert_eq!(ids(&exact), vec![id(1)]);
    let d = exact.hits[0].distance_km.unwrap();
    assert!((d - haversine_km((5.6037, -0.1870), (5.627, -0.187))).abs() < 1e-6);

    // Without a coarse position the engine derives one rather than use the home.
    let e = engine();
    load(
        &e,
        [maker(2, "Kofi", Vec::new(), Some((5.627, -0.187))).into()],
        1,
    );
    let home = LatLon::new(5.627, -0.187).unwrap();
    let at_home = e
        .search(&SearchRequest::new(Kind::Maker).near(home, 4.99))
        .unwrap();
    assert!(at_home.hits.is_empty(), "placed within 5 km of home");
    let page = e
        .search(&SearchRequest::new(Kind::Maker).near(home, 11.0))
        .unwrap();
    let d = page.hits[0].distance_km.unwrap();
    assert!(
        (5.0..=10.8).contains(&d),
        "derived position {d} km from home"
    );
}

#[test]
fn listing_without_criteria_pages_by_id() {
    let e = fixture();
    let all = SearchRequest::new(Kind::Facility);
    let page = e.search(&all.clone().page(1, 1)).unwrap();
    assert_eq!(ids(&page), vec![id(11)]);
    assert!(page.has_more);
    assert_eq!(page.total, Some(3));
    let last = e.search(&all.page(2, 5)).unwrap();
    assert_eq!(ids(&last), vec![id(12)]);
    assert!(!last.has_more);
    let everything = e
        .search(&SearchRequest::across(vec![]).page(0, 100))
        .unwrap();
    assert_eq!(everything.total, Some(7));
    let mut sorted = ids(&everything);
    sorted.sort();
    assert_eq!(ids(&everything), sorted);
}
