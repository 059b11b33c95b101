#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The matching profiles the index keeps with makers and facilities: what goes in comes
//! back, with the position a match may use, and they follow upserts and deletes.

mod common;

use chrono::{TimeZone, Utc};
use common::{engine, equipment, facility, id, load, maker, skill};
use makermatch_search::matching::{
    Availability, BatchSize, CredentialEvidence, FacilityStatus, Machine, ProofState,
};
use makermatch_search::{Doc, LatLon, SkillFilter, SkillLevel};

#[test]
fn maker_profiles_come_back_as_indexed() {
    let engine = engine();
    let mut welding = skill(
        "TIG welding",
        Some("tig-welding"),
        true,
        SkillLevel::Advanced,
    );
    let credential = CredentialEvidence {
        id: id(900),
        achievement: "Certified TIG welder".into(),
        issuer: "Kumasi Technical Institute".into(),
        issuer_trusted: true,
        proof: ProofState::Verified,
        issued_on: Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap(),
        expires: Some(Utc.with_ymd_and_hms(2028, 3, 1, 0, 0, 0).unwrap()),
        revoked: false,
    };
    welding.credentials.push(credential.clone());
    let mut kofi = maker(1, "Kofi Mensah", vec![welding], Some((6.6885, -1.6244)));
    kofi.shown_name = "Kofi M.".into();
    kofi.coarse_position = Some((6.7, -1.6));
    kofi.availability = Some(Availability {
        hours_per_week: 12.5,
        from: None,
        to: chrono::NaiveDate::from_ymd_opt(2027, 1, 31),
    });
    // No exact position (no consent): a match measures from the public one.
    let mut ama = maker(2, "Ama Owusu", vec![], None);
    ama.coarse_position = Some((5.6, -0.2));
    load(&engine, [Doc::Maker(kofi), Doc::Maker(ama)], 1);

    let found = engine.maker_profiles(&[id(2), id(77), id(1)]).unwrap();
    assert_eq!(found.len(), 2, "an id the index does not hold is left out");
    let (ama, kofi) = (&found[0], &found[1]);
    assert_eq!((ama.id, kofi.id), (id(2), id(1)), "in the order asked");
    assert_eq!(kofi.display_name, "Kofi M.");
    assert_eq!(kofi.position, Some(LatLon::new(6.6885, -1.6244).unwrap()));
    assert_eq!(
        ama.position, None,
        "never a public position standing in for consent"
    );
    assert_eq!(kofi.skills.len(), 1);
    let s = &kofi.skills[0];
    assert_eq!(
        (s.label.as_str(), s.key.as_str()),
        ("TIG welding", "tig welding")
    );
    assert_eq!(s.process_id.as_deref(), Some("tig-welding"));
    assert_eq!(s.level, SkillLevel::Advanced);
    assert_eq!(s.credentials, vec![credential]);
    assert_eq!(
        kofi.availability.as_ref().map(|a| a.hours_per_week),
        Some(12.5)
    );
    assert!(kofi.affiliations.is_empty() && kofi.clearances.is_empty());
    assert!(ama.skills.is_empty());

    // Re-indexed without the skill, then deleted: the profile follows.
    let plain = maker(1, "Kofi Mensah", vec![], Some((6.6885, -1.6244)));
    load(&engine, [Doc::Maker(plain)], 2);
    assert!(
        engine.maker_profiles(&[id(1)]).unwrap()[0]
            .skills
            .is_empty()
    );
    let mut w = engine.writer().unwrap();
    w.delete(makermatch_search::Kind::Maker, id(1)).unwrap();
    w.commit(3).unwrap();
    assert!(engine.maker_profiles(&[id(1)]).unwrap().is_empty());
    assert!(
        engine.facility_profiles(&[id(2)]).unwrap().is_empty(),
        "a maker is not a facility"
    );
}

#[test]
fn facility_profiles_come_back_as_indexed() {
    let engine = engine();
    let mut f = facility(10, "Kumasi Hive", Some((6.69, -1.62)));
    f.status = "TEMPORARY_CLOSURE".into();
    f.batch_size = Some("50-500".into());
    f.process_ids = vec!["fdm".into()];
    f.material_ids = vec!["pla".into()];
    f.certifications = vec!["ISO 13485".into()];
    f.date_verified = Some(Utc.with_ymd_and_hms(2026, 5, 4, 0, 0, 0).unwrap());
    let printer = equipment("fdm-3d-printer", "Prusa", "MK4");
    f.equipment.push(printer.clone());
    load(&engine, [Doc::Facility(f)], 1);

    let found = engine.facility_profiles(&[id(10)]).unwrap();
    assert_eq!(found.len(), 1);
    let p = &found[0];
    assert_eq!(p.name, "Kumasi Hive");
    assert_eq!(p.status, FacilityStatus::TemporaryClosure);
    assert_eq!(p.batch_size, Some(BatchSize::UpTo500));
    assert_eq!(p.position, Some(LatLon::new(6.69, -1.62).unwrap()));
    assert_eq!(p.process_ids, ["fdm"]);
    assert_eq!(p.material_ids, ["pla"]);
    assert_eq!(p.certifications, ["ISO 13485"]);
    assert_eq!(
        p.date_verified,
        Some(Utc.with_ymd_and_hms(2026, 5, 4, 0, 0, 0).unwrap())
    );
    assert_eq!(
        p.equipment,
        [Machine {
            id: printer.id,
            equipment_type: "fdm-3d-printer".into(),
            process_id: None,
            make: Some("Prusa".into()),
            model: Some("MK4".into()),
        }]
    );
    assert_eq!(p.track_record, Default::default(), "filled by the caller");
}

#[test]
fn makers_linked_to_facilities_follow_their_links() {
    use makermatch_search::matching::Clearance;
    let engine = engine();
    let (workshop, lab, elsewhere) = (id(100), id(101), id(102));
    let mut kofi = maker(1, "Kofi Mensah", vec![], None);
    kofi.affiliations = vec![workshop];
    let mut ama = maker(2, "Ama Owusu", vec![], None);
    ama.clearances = vec![Clearance {
        facility_id: lab,
        equipment_id: Some(id(900)),
        // Expired: still a link; whether it counts is the matcher's call.
        expires_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
    }];
    let mut yaw = maker(
        3,
        "Yaw Boateng",
        vec![skill("TIG welding", None, false, SkillLevel::Advanced)],
        None,
    );
    yaw.affiliations = vec![workshop, lab];
    yaw.clearances = vec![Clearance {
        facility_id: workshop,
        equipment_id: None,
        expires_on: None,
    }];
    let loner = maker(4, "Esi Asante", vec![], None);
    load(
        &engine,
        [
            Doc::Maker(kofi.clone()),
            Doc::Maker(ama),
            Doc::Maker(yaw.clone()),
            Doc::Maker(loner),
        ],
        1,
    );

    assert_eq!(
        engine.linked_makers(&[workshop], &[]).unwrap(),
        vec![id(1), id(3)]
    );
    assert_eq!(
        engine.linked_makers(&[lab], &[]).unwrap(),
        vec![id(2), id(3)]
    );
    assert_eq!(
        engine
            .linked_makers(&[lab, workshop, elsewhere], &[])
            .unwrap(),
        vec![id(1), id(2), id(3)],
        "each maker once, by id"
    );
    assert!(engine.linked_makers(&[elsewhere], &[]).unwrap().is_empty());
    let holding = |key: &str| SkillFilter {
        key: key.into(),
        min_level: None,
        verified: false,
    };
    assert_eq!(
        engine
            .linked_makers(
                &[lab, workshop],
                &[holding("tig welding"), holding("sewing")]
            )
            .unwrap(),
        vec![id(3)],
        "only the linked makers holding one of the skills"
    );
    assert!(
        engine
            .linked_makers(&[lab, workshop], &[holding("sewing")])
            .unwrap()
            .is_empty()
    );
    assert!(engine.linked_makers(&[], &[]).unwrap().is_empty());

    let profiles = engine.maker_profiles(&[id(3)]).unwrap();
    assert_eq!(profiles[0].affiliations, vec![workshop, lab]);
    assert_eq!(
        profiles[0].clearances, yaw.clearances,
        "the links come with the profile"
    );

    // Kofi leaves the workshop; Yaw's passport is erased from the index.
    kofi.affiliations.clear();
    let mut w = engine.writer().unwrap();
    w.upsert(&Doc::Maker(kofi)).unwrap();
    w.delete(makermatch_search::Kind::Maker, id(3)).unwrap();
    w.commit(2).unwrap();
    assert!(engine.linked_makers(&[workshop], &[]).unwrap().is_empty());
    assert_eq!(
        engine.linked_makers(&[lab, workshop], &[]).unwrap(),
        vec![id(2)]
    );
    assert!(
        engine.maker_profiles(&[id(1)]).unwrap()[0]
            .affiliations
            .is_empty()
    );
}
