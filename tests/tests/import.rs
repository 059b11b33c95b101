//! Importers end to end: every format from the project's own fixtures, rejections that
//! name file, record, line, field and reason, idempotent re-imports, dry runs, and the
//! real datasets in ../shared/data when present. On SQLite and, when configured, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::path::PathBuf;

use makermatch_api::import::record::RecordKind;
use makermatch_api::import::{
    Commits, ImportFormat, ImportOptions, ImportSummary, import_paths, import_paths_with,
    import_text,
};
use makermatch_api::startup::Ready;
use makermatch_entities::facility::{AccessType, BatchSize, FacilityStatus};
use makermatch_entities::prelude::*;
use makermatch_entities::{
    equipment, equipment_property, facility, job_requirement, maker, outbox,
};
use makermatch_tests::{TestDb, on_each_backend};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

async fn ready(t: &TestDb) -> Ready {
    makermatch_api::startup::prepare(&t.config).await.unwrap()
}

async fn import(r: &Ready, names: &[&str]) -> ImportSummary {
    let paths: Vec<PathBuf> = names.iter().map(|n| fixture(n)).collect();
    import_paths(&r.db, &r.taxonomy, &Default::default(), &paths, None, false)
        .await
        .unwrap()
}

async fn facility_named(r: &Ready, name: &str) -> facility::Model {
    Facility::find()
        .filter(facility::Column::Name.eq(name))
        .one(&r.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no facility named {name}"))
}

#[tokio::test]
async fn okw_records_import_with_taxonomy_and_catalog() {
    on_each_backend(|t: TestDb| async move {
        let r = ready(&t).await;
        let s = import(
            &r,
            &[
                "printers.csv",
                "lasers.csv",
                "okw-camel.json",
                "okw-snake.yaml",
            ],
        )
        .await;
        assert_eq!(s.counts(RecordKind::Facility).imported, 4, "{s}");
        assert!(
            s.rejections
                .iter()
                .all(|x| x.file.ends_with("printers.csv")),
            "{s}"
        );

        let f = facility_named(&r, "Accra MedLab Makerspace").await;
        assert_eq!(f.source_id.as_deref(), Some("okw-accra-medlab"));
        assert_eq!((f.lat, f.lon), (Some(5.5717), Some(-0.2107)));
        assert_eq!(f.country.as_deref(), Some("GH"));
        assert_eq!(f.street_address.as_deref(), Some("12 Ring Road Central"));
        assert_eq!(f.access_type, Some(AccessType::RestrictedWithPublicHours));
        assert_eq!(f.typical_batch_size, Some(BatchSize::UpTo500));
        assert_eq!((f.headcount, f.floor_size_m2), (Some(14), Some(320.0)));
        assert_eq!(f.uninterrupted_power_supply, Some(true));
        assert_eq!(f.contact_email.as_deref(), Some("hello@medlab.example.org"));
        assert_eq!(f.wheelchair_accessible, Some(true));
        assert!(f.date_verified.is_some());
        assert_eq!(
            f.unresolved_terms,
            serde_json::json!(["Underwater basket weaving"]),
            "unknown terms are kept"
        );

        let mut processes: Vec<String> = FacilityProcess::find()
            .filter(makermatch_entities::facility_process::Column::FacilityId.eq(f.id))
            .all(&r.db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.process_id)
            .collect();
        processes.sort();
        for p in ["fdm", "welding", "quality-control", "laser-cutting", "sla"] {
            assert!(
                processes.contains(&p.to_owned()),
                "{p} missing from {processes:?}"
            );
        }
        let machines = Equipment::find()
            .filter(equipment::Column::FacilityId.eq(f.id))
            .order_by_asc(equipment::Column::EquipmentType)
            .all(&r.db)
            .await
            .unwrap();
        let types: Vec<&str> = machines.iter().map(|m| m.equipment_type.as_str()).collect();
        assert!(types.contains(&"laser-cutter"), "{types:?}");
        assert!(
            types.contains(&"sla-3d-printer"),
            "Form 3 typed from the catalog: {types:?}"
        );
        let printer = machines
            .iter()
            .find(|m| m.model.as_deref() == Some("MK4"))
            .unwrap();
        assert_eq!(printer.quantity, 4);
        let props = EquipmentProperty::find()
            .filter(equipment_property::Column::EquipmentId.eq(printer.id))
            .order_by_asc(equipment_property::Column::Key)
            .all(&r.db)
            .await
            .unwrap();
        let shown: Vec<(String, Option<f64>, Option<String>)> = props
            .into_iter()
            .map(|p| (p.key, p.number_value, p.unit))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("buildVolumeX".into(), Some(250.0), Some("mm".into())),
                ("buildVolumeY".into(), Some(210.0), Some("mm".into())),
                ("buildVolumeZ".into(), Some(220.0), Some("mm".into())),
                ("nozzleSize".into(), Some(0.4), None),
            ]
        );

        let sparse = facility_named(&r, "Sparse Space").await;
        assert_eq!(
            (sparse.lat, sparse.status),
            (None, FacilityStatus::Active),
            "a name alone is a valid facility"
        );
        assert_eq!(s.unlocated_facilities, 1);

        let weld = facility_named(&r, "Nairobi Weld Works").await;
        assert_eq!(weld.status, FacilityStatus::TemporaryClosure);
        assert_eq!((weld.lat, weld.lon), (Some(-1.2921), Some(36.8219)));
        let sew = facility_named(&r, "Kisumu Sewing Cooperative").await;
        assert_eq!((sew.lat, sew.lon), (Some(-0.0917), Some(34.768)));

        // Every imported facility reaches the outbox.
        let rows = Outbox::find()
            .filter(outbox::Column::Kind.eq(makermatch_entities::outbox::IndexedKind::Facility))
            .count(&r.db)
            .await
            .unwrap();
        assert_eq!(rows, 4);
    })
    .await;
}

#[tokio::test]
async fn reimporting_changes_nothing_and_changed_records_update_in_place() {
    on_each_backend(|t: TestDb| async move {
        let r = ready(&t).await;
        let first = import(
            &r,
            &["okw-snake.yaml", "iopa-map.json", "pss-passport.json"],
        )
        .await;
        assert_eq!(first.counts(RecordKind::Facility).imported, 4);
        let outbox_before = Outbox::find().count(&r.db).await.unwrap();
        let second = import(
            &r,
            &["okw-snake.yaml", "iopa-map.json", "pss-passport.json"],
        )
        .await;
        for kind in [RecordKind::Facility, RecordKind::Maker] {
            let c = second.counts(kind);
            assert_eq!((c.imported, c.updated), (0, 0), "{kind:?}: {second}");
            assert_eq!(c.unchanged, first.counts(kind).imported, "{kind:?}");
        }
        assert_eq!(
            Outbox::find().count(&r.db).await.unwrap(),
            outbox_before,
            "no write, no outbox row"
        );
        assert_eq!(Facility::find().count(&r.db).await.unwrap(), 4);

        let changed = std::fs::read_to_string(fixture("okw-snake.yaml"))
            .unwrap()
            .replace("Kisumu Sewing Cooperative", "Kisumu Tailoring Cooperative");
        let id_before = facility_named(&r, "Kisumu Sewing Cooperative").await.id;
        let third = import_text(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            "changed.yaml",
            &changed,
            None,
            false,
        )
        .await
        .unwrap();
        let c = third.counts(RecordKind::Facility);
        assert_eq!((c.imported, c.updated, c.unchanged), (0, 1, 1), "{third}");
        assert_eq!(
            facility_named(&r, "Kisumu Tailoring Cooperative").await.id,
            id_before,
            "updated in place"
        );
        assert_eq!(Facility::find().count(&r.db).await.unwrap(), 4);

        // A changed passport keeps its public position while the home stays put: a new
        // draw on every re-import could be averaged back to the home.
        let kip = || async {
            maker::Entity::find()
                .filter(maker::Column::SourceId.eq("passport-kip"))
                .one(&r.db)
                .await
                .unwrap()
                .unwrap()
        };
        let before = kip().await;
        let passport = std::fs::read_to_string(fixture("pss-passport.json")).unwrap();
        let new_bio = passport.replace("Welder and fabricator", "Welder, fabricator");
        let fourth = import_text(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            "bio.json",
            &new_bio,
            None,
            false,
        )
        .await
        .unwrap();
        assert_eq!(fourth.counts(RecordKind::Maker).updated, 1, "{fourth}");
        let after = kip().await;
        assert_eq!(after.id, before.id);
        assert_eq!(after.bio.as_deref(), Some("Welder, fabricator in Nairobi."));
        assert_eq!(
            (after.coarse_lat, after.coarse_lon),
            (before.coarse_lat, before.coarse_lon),
            "same home, same public position"
        );
        let moved = new_bio.replace("\"lat\": -1.2864", "\"lat\": -1.0864");
        import_text(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            "moved.json",
            &moved,
            None,
            false,
        )
        .await
        .unwrap();
        let moved = kip().await;
        assert_eq!(moved.lat, Some(-1.0864));
        let public_lat = moved.coarse_lat.unwrap();
        assert!(
            (public_lat - before.coarse_lat.unwrap()).abs() > 1e-9
                && (public_lat - (-1.0864)).abs() < 0.11,
            "a new home gets a new public position near it: {public_lat}"
        );
    })
    .await;
}

#[tokio::test]
async fn bad_records_are_reported_and_good_ones_still_import() {
    on_each_backend(|t: TestDb| async move {
        let r = ready(&t).await;
        let s = import(&r, &["okw-broken.json", "bad.json"]).await;
        assert!(s.has_failures());
        let c = s.counts(RecordKind::Facility);
        assert_eq!((c.imported, c.rejected), (2, 6), "{s}");
        let by_index = |i: usize| {
            s.rejections
                .iter()
                .find(|x| x.index == i && x.file.ends_with("okw-broken.json"))
                .unwrap()
        };
        assert_eq!(
            (by_index(1).line, by_index(1).field.as_str()),
            (Some(3), "location.gpsCoordinates")
        );
        assert!(by_index(2).reason.contains("swapped"), "{:?}", by_index(2));
        assert_eq!(by_index(3).field, "equipment[0].quantity");
        assert_eq!(by_index(4).field, "name");
        assert_eq!(by_index(5).field, "facilityStatus");
        assert!(
            by_index(6).reason.contains("duplicate id \"ok-1\""),
            "{:?}",
            by_index(6)
        );
        assert_eq!(s.unreadable_files.len(), 1);
        assert!(
            s.unreadable_files[0].1.starts_with("not valid JSON"),
            "{:?}",
            s.unreadable_files
        );
        assert_eq!(*s.unresolved_terms.get("Quantum folding").unwrap(), 1);
        let names: Vec<String> = Facility::find()
            .all(&r.db)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert!(
            names.contains(&"Good Space".to_owned()) && names.contains(&"Mystery Works".to_owned()),
            "{names:?}"
        );

        // A file that is not the format it claims imports nothing and says why.
        let wrong = import_paths(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            &[fixture("pss-pubpub.json")],
            Some(ImportFormat::Okw),
            false,
        )
        .await
        .unwrap();
        assert_eq!(wrong.unreadable_files.len(), 1);
        assert!(
            wrong.unreadable_files[0].1.contains("not okw data"),
            "{:?}",
            wrong.unreadable_files
        );
        assert_eq!(Maker::find().count(&r.db).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn dry_runs_write_nothing() {
    on_each_backend(|t: TestDb| async move {
        let r = ready(&t).await;
        let paths = vec![fixture("okw-camel.json"), fixture("pss-user-schema.json")];
        let s = import_paths(&r.db, &r.taxonomy, &Default::default(), &paths, None, true)
            .await
            .unwrap();
        assert!(s.dry_run);
        assert_eq!(s.counts(RecordKind::Facility).imported, 2);
        assert_eq!(s.counts(RecordKind::Maker).imported, 1);
        assert_eq!(Facility::find().count(&r.db).await.unwrap(), 0);
        assert_eq!(Maker::find().count(&r.db).await.unwrap(), 0);
        assert_eq!(Outbox::find().count(&r.db).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn makers_badges_and_manifests_link_up() {
    on_each_backend(|t: TestDb| async move {
        let r = ready(&t).await;
        let s = import(
            &r,
            &[
                "okw-camel.json",
                "okw-snake.yaml",
                "printers.csv",
                "pss-user-schema.json",
                "pss-pubpub.json",
                "pss-passport.json",
                "badge-issuer.json",
                "badge-class.json",
                "badge-assertion.json",
                "badge-ob3.json",
                "badge-orphan.json",
                "okh-v1.yml",
                "okh-losh.toml",
            ],
        )
        .await;
        assert_eq!(s.counts(RecordKind::Maker).imported, 3, "{s}");
        assert_eq!(s.counts(RecordKind::Maker).rejected, 2, "{s}");
        let ama = Maker::find()
            .filter(maker::Column::Email.eq("ama@example.org"))
            .one(&r.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (ama.first_name.as_deref(), ama.last_name.as_deref()),
            (Some("Ama"), Some("Ko")),
            "short names are names"
        );
        assert_eq!(
            (ama.country.as_deref(), ama.city.as_deref()),
            (Some("GH"), Some("Accra"))
        );
        assert!(ama.date_of_birth.is_some());
        let li = Maker::find()
            .filter(maker::Column::SourceId.eq("pubpub-li"))
            .one(&r.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (li.nationality.as_deref(), li.residence_country.as_deref()),
            (Some("KE"), Some("KE"))
        );

        let kip = Maker::find()
            .filter(maker::Column::Email.eq("kip@example.org"))
            .one(&r.db)
            .await
            .unwrap()
            .unwrap();
        makermatch_tests::assert_public_position(
            (-1.2864, 36.8172),
            (kip.coarse_lat.unwrap(), kip.coarse_lon.unwrap()),
        );
        let claims = SkillClaim::find()
            .filter(makermatch_entities::skill_claim::Column::MakerId.eq(kip.id))
            .find_also_related(Skill)
            .all(&r.db)
            .await
            .unwrap();
        let linked: Vec<(String, Option<String>)> = claims
            .iter()
            .map(|(_, s)| {
                s.as_ref()
                    .map(|s| (s.key.clone(), s.process_id.clone()))
                    .unwrap()
            })
            .collect();
        assert!(
            linked.contains(&("mig welding".into(), Some("mig-welding".into()))),
            "{linked:?}"
        );
        assert!(
            linked.contains(&("soudure".into(), Some("welding".into()))),
            "French skill linked: {linked:?}"
        );
        assert!(
            linked.contains(&("project management".into(), None)),
            "{linked:?}"
        );
        // Affiliations by facility name and by source id.
        for m in [kip.id, ama.id] {
            let n = MakerAffiliation::find()
                .filter(makermatch_entities::maker_affiliation::Column::MakerId.eq(m))
                .count(&r.db)
                .await
                .unwrap();
            assert_eq!(n, 1);
        }

        // Open Badges: hashed recipient matched to Kip, 3.0 credential to Ama, stated
        // certification from an untrusted issuer, orphan rejected.
        let creds = Credential::find().all(&r.db).await.unwrap();
        assert_eq!(
            creds.iter().filter(|c| c.maker_id == kip.id).count(),
            2,
            "badge + stated certification"
        );
        assert_eq!(creds.iter().filter(|c| c.maker_id == ama.id).count(), 1);
        assert!(
            Issuer::find()
                .all(&r.db)
                .await
                .unwrap()
                .iter()
                .all(|i| !i.trusted),
            "imports never grant trust"
        );
        assert!(
            s.rejections
                .iter()
                .any(|x| x.file.ends_with("badge-orphan.json") && x.field == "recipient"),
            "{s}"
        );

        // OKH manifests become draft jobs with resolved requirements.
        let jobs = Job::find().all(&r.db).await.unwrap();
        assert_eq!(jobs.len(), 2);
        let lamp = jobs
            .iter()
            .find(|j| j.title.starts_with("Neonatal"))
            .unwrap();
        let reqs: Vec<(String, String)> = JobRequirement::find()
            .filter(job_requirement::Column::JobId.eq(lamp.id))
            .all(&r.db)
            .await
            .unwrap()
            .into_iter()
            .map(|q| (format!("{:?}", q.kind), q.term))
            .collect();
        for want in [
            ("Process", "pcb-fabrication"),
            ("Process", "laser-cutting"),
            ("Process", "soldering"),
            ("Material", "pmma"),
            ("Material", "fr-4"),
        ] {
            assert!(
                reqs.contains(&(want.0.into(), want.1.into())),
                "{want:?} not in {reqs:?}"
            );
        }
        assert!(
            reqs.iter()
                .any(|(k, t)| k == "Equipment" && t == "laser-cutter"),
            "{reqs:?}"
        );
        assert!(
            !reqs.iter().any(|(_, t)| t.contains("screwdriver")),
            "hand tools are not requirements"
        );
        let loom = jobs.iter().find(|j| j.title.starts_with("Loom")).unwrap();
        let loom_reqs = JobRequirement::find()
            .filter(job_requirement::Column::JobId.eq(loom.id))
            .all(&r.db)
            .await
            .unwrap();
        assert!(
            loom_reqs.iter().any(|q| q.term == "3d-printing")
                && loom_reqs.iter().any(|q| q.term == "laser-cutting")
        );
        // The module's own TsDC code (MEC, a mechanical assembly) names a process too.
        assert!(
            loom_reqs.iter().any(|q| q.term == "mechanical-assembly"),
            "{:?}",
            loom_reqs.iter().map(|q| &q.term).collect::<Vec<_>>()
        );
    })
    .await;
}

#[tokio::test]
async fn the_real_datasets_import_whole() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/okw");
    if !shared.exists() {
        println!("skipped: ../shared/data is absent (it is present in CI)");
        return;
    }
    on_each_backend(|t: TestDb| {
        let shared = shared.clone();
        async move {
            let r = ready(&t).await;
            let paths = vec![
                shared.join(
                    "iop-alliance__okw_data_management/data/preliminary_iop_okw_fac_source_01.json",
                ),
                shared.join("iop-alliance__okw_machines_catalog/3d_printers.csv"),
                shared.join("iop-alliance__okw_machines_catalog/laser.csv"),
            ];
            let s = import_paths(&r.db, &r.taxonomy, &Default::default(), &paths, None, false)
                .await
                .unwrap();
            assert!(s.rejections.is_empty(), "{s}");
            assert_eq!(s.counts(RecordKind::Facility).imported, 2_237);
            assert_eq!(
                s.counts(RecordKind::MachineModel).imported
                    + s.counts(RecordKind::MachineModel).unchanged,
                855 + 227,
                "{s}"
            );
            assert_eq!(Facility::find().count(&r.db).await.unwrap(), 2_237);
            let located = Facility::find()
                .filter(facility::Column::Lat.is_not_null())
                .count(&r.db)
                .await
                .unwrap();
            assert_eq!(located, 2_036);
            assert_eq!(s.unlocated_facilities, 2_237 - 2_036);
        }
    })
    .await;
}

/// A maker's search document carries the maker's machine clearances; re-importing a
/// changed facility replaces its machines (the clearances on them go too), so it must
/// queue the makers cleared there for re-indexing.
#[tokio::test]
async fn a_changed_facility_requeues_the_makers_cleared_on_its_machines() {
    use makermatch_entities::machine_clearance;
    use makermatch_entities::outbox::{IndexedKind, OutboxOp};
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    on_each_backend(|t: TestDb| async move {
        let r = ready(&t).await;
        import(&r, &["okw-snake.yaml", "pss-passport.json"]).await;
        let weld = facility_named(&r, "Nairobi Weld Works").await;
        let welder = equipment::Entity::find()
            .filter(equipment::Column::FacilityId.eq(weld.id))
            .one(&r.db)
            .await
            .unwrap()
            .expect("Nairobi Weld Works has a MIG welder");
        let kip = maker::Entity::find()
            .filter(maker::Column::SourceId.eq("passport-kip"))
            .one(&r.db)
            .await
            .unwrap()
            .unwrap();
        machine_clearance::Model {
            id: uuid::Uuid::now_v7(),
            maker_id: kip.id,
            equipment_id: welder.id,
            facility_id: weld.id,
            granted_by: "workshop lead".into(),
            granted_on: chrono::Utc::now().date_naive(),
            expires_on: None,
        }
        .into_active_model()
        .insert(&r.db)
        .await
        .unwrap();
        let last = Outbox::find()
            .order_by_desc(outbox::Column::Seq)
            .one(&r.db)
            .await
            .unwrap()
            .map_or(0, |o| o.seq);

        let changed = std::fs::read_to_string(fixture("okw-snake.yaml"))
            .unwrap()
            .replace("Nairobi Weld Works", "Nairobi Welding Works");
        let summary = import_text(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            "changed.yaml",
            &changed,
            None,
            false,
        )
        .await
        .unwrap();
        assert_eq!(summary.counts(RecordKind::Facility).updated, 1, "{summary}");
        let queued = Outbox::find()
            .filter(outbox::Column::Seq.gt(last))
            .all(&r.db)
            .await
            .unwrap();
        let has = |kind: IndexedKind, id: uuid::Uuid| {
            queued
                .iter()
                .any(|o| o.kind == kind && o.entity_id == id && o.op == OutboxOp::Upsert)
        };
        assert!(has(IndexedKind::Facility, weld.id), "{queued:?}");
        assert!(
            has(IndexedKind::Maker, kip.id),
            "the cleared maker is re-indexed: {queued:?}"
        );
        assert_eq!(
            MachineClearance::find().count(&r.db).await.unwrap(),
            0,
            "the clearance went with the replaced machine"
        );
    })
    .await;
}

/// A file in another encoding than UTF-8 is refused whole, saying where and how to convert
/// it, instead of importing with replacement characters; UTF-16 with a byte-order mark is
/// read.
#[tokio::test]
async fn a_file_that_is_not_utf8_is_refused_not_garbled() {
    on_each_backend(|t| async move {
        let r = ready(&t).await;
        let dir = tempfile::tempdir().unwrap();
        let record = r#"[{"id": "okw-fabrica-abierta", "name": "Fábrica Abierta", "facilityStatus": "Active", "location": {"address": {"city": "Madrid", "country": "es"}}}]"#;
        // In Latin-1 every character of the record is one byte (á is 0xE1).
        let latin1 = dir.path().join("latin1.json");
        std::fs::write(&latin1, record.chars().map(|c| c as u32 as u8).collect::<Vec<u8>>())
            .unwrap();
        let refused = import_paths(&r.db, &r.taxonomy, &Default::default(), &[latin1], Some(ImportFormat::Okw), false)
            .await
            .unwrap();
        assert_eq!(refused.unreadable_files.len(), 1, "{refused:?}");
        assert!(
            refused.unreadable_files[0].1.contains("not UTF-8"),
            "{:?}",
            refused.unreadable_files
        );
        assert_eq!(Facility::find().count(&r.db).await.unwrap(), 0);

        // The same record in UTF-16 with a byte-order mark imports, its name intact.
        let utf16 = dir.path().join("utf16.json");
        let mut bytes = vec![0xFF, 0xFE];
        for unit in record.encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        std::fs::write(&utf16, bytes).unwrap();
        let read = import_paths(&r.db, &r.taxonomy, &Default::default(), &[utf16], Some(ImportFormat::Okw), false)
            .await
            .unwrap();
        assert!(read.unreadable_files.is_empty(), "{read:?}");
        facility_named(&r, "Fábrica Abierta").await;
    })
    .await;
}

#[tokio::test]
async fn an_inactive_or_expired_pss_account_is_not_a_public_profile() {
    on_each_backend(|t: TestDb| async move {
        let r = ready(&t).await;
        let account = |id: &str, name: &str, extra: serde_json::Value| {
            let mut a = serde_json::json!({
                "username": name.to_lowercase(),
                "id": id,
                "type": "maker",
                "publicProfile": true,
                "personal": { "firstName": name, "lastName": "Mensah" }
            });
            for (k, v) in extra.as_object().unwrap() {
                a[k] = v.clone();
            }
            a
        };
        let records = serde_json::json!([
            account(
                "7d0f3c1e-2222-4a55-9b11-000000000001",
                "Active",
                serde_json::json!({ "active": true, "expirationDate": "2099-01-01T00:00:00Z" })
            ),
            account(
                "7d0f3c1e-2222-4a55-9b11-000000000002",
                "Inactive",
                serde_json::json!({ "active": false })
            ),
            account(
                "7d0f3c1e-2222-4a55-9b11-000000000003",
                "Expired",
                serde_json::json!({ "active": true, "expirationDate": "2020-01-01T00:00:00Z" })
            ),
        ]);
        let summary = import_text(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            "accounts.json",
            &records.to_string(),
            Some(ImportFormat::Pss),
            false,
        )
        .await
        .unwrap();
        assert_eq!(summary.counts(RecordKind::Maker).imported, 3, "{summary}");
        for (name, public) in [("Active", true), ("Inactive", false), ("Expired", false)] {
            let m = Maker::find()
                .filter(maker::Column::FirstName.eq(name))
                .one(&r.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(m.public_profile, public, "{name}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_minimal_facility_is_a_facility_and_a_named_format_always_wins() {
    on_each_backend(|t: TestDb| async move {
        let r = ready(&t).await;
        let text = |r: &Ready, label: &'static str, body: String, format| {
            let (db, taxonomy) = (r.db.clone(), r.taxonomy.clone());
            async move {
                import_text(
                    &db,
                    &taxonomy,
                    &Default::default(),
                    label,
                    &body,
                    format,
                    false,
                )
                .await
            }
        };
        // OKW v1.0's smallest facility: no status, no equipment, no coordinates.
        let minimal = serde_json::json!({
            "name": "Kisumu Print Lab",
            "location": { "address": { "country": "Kenya", "locality": "Kisumu" } },
            "manufacturingProcesses": ["https://en.wikipedia.org/wiki/3D_printing"],
            "typicalMaterials": ["PLA"]
        });
        let found = text(&r, "minimal.json", minimal.to_string(), None)
            .await
            .unwrap();
        assert_eq!(found.counts(RecordKind::Facility).imported, 1, "{found}");
        assert_eq!(found.counts(RecordKind::Job).imported, 0, "{found}");
        let named = text(
            &r,
            "minimal.json",
            minimal.to_string(),
            Some(ImportFormat::Okw),
        )
        .await
        .unwrap();
        assert_eq!(named.counts(RecordKind::Facility).unchanged, 1, "{named}");

        // A record that looks like a manifest is still read as the format named.
        let manifest_like = serde_json::json!({
            "title": "Eldoret Works",
            "name": "Eldoret Works",
            "manufacturingProcesses": ["welding"],
            "toolList": ["angle grinder"]
        });
        let detected = text(&r, "works.json", manifest_like.to_string(), None)
            .await
            .unwrap();
        assert_eq!(detected.counts(RecordKind::Job).imported, 1, "{detected}");
        let as_okw = text(
            &r,
            "works.json",
            manifest_like.to_string(),
            Some(ImportFormat::Okw),
        )
        .await
        .unwrap();
        assert_eq!(as_okw.counts(RecordKind::Facility).imported, 1, "{as_okw}");
        let works = Facility::find()
            .filter(facility::Column::Name.eq("Eldoret Works"))
            .count(&r.db)
            .await
            .unwrap();
        assert_eq!(works, 1);
    })
    .await;
}

#[tokio::test]
async fn the_okh_template_is_refused_not_made_a_job() {
    let template = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../shared/data/okw/iop-alliance__open-knowledge-framework/OpenKnowHow/okh.template.yml",
    );
    if !template.exists() {
        println!("skipped: ../shared/data is absent (it is present in CI)");
        return;
    }
    on_each_backend(|t: TestDb| {
        let template = template.clone();
        async move {
            let r = ready(&t).await;
            let s = import_paths(
                &r.db,
                &r.taxonomy,
                &Default::default(),
                &[template],
                None,
                false,
            )
            .await
            .unwrap();
            assert_eq!(s.counts(RecordKind::Job).imported, 0, "{s}");
            assert_eq!(s.rejections.len(), 1, "{s}");
            assert_eq!(s.rejections[0].field, "title");
            assert!(
                s.rejections[0].reason.contains("template placeholder"),
                "{s}"
            );
            assert_eq!(Job::find().count(&r.db).await.unwrap(), 0);
        }
    })
    .await;
}

#[tokio::test]
async fn a_pss_skill_list_written_as_one_text_is_several_skills() {
    on_each_backend(|t: TestDb| async move {
        let r = ready(&t).await;
        let record = serde_json::json!([{
            "username": "wanjiru",
            "id": "7d0f3c1e-3333-4a55-9b11-000000000001",
            "type": "maker",
            "personal": { "firstName": "Wanjiru", "lastName": "Kamau" },
            "skills": "TIG welding, soldering; sewing"
        }]);
        let s = import_text(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            "wanjiru.json",
            &record.to_string(),
            Some(ImportFormat::Pss),
            false,
        )
        .await
        .unwrap();
        assert_eq!(s.counts(RecordKind::Maker).imported, 1, "{s}");
        let m = Maker::find().one(&r.db).await.unwrap().unwrap();
        let claims = makermatch_entities::skill_claim::Entity::find()
            .filter(makermatch_entities::skill_claim::Column::MakerId.eq(m.id))
            .count(&r.db)
            .await
            .unwrap();
        assert_eq!(
            claims, 3,
            "three skills, not one called \"TIG welding, soldering; sewing\""
        );
    })
    .await;
}

/// OKW's record dates (§9) are the source's: kept as given, and kept when a later version
/// of the record leaves them out, instead of becoming the moment of each import.
#[tokio::test]
async fn the_sources_record_dates_are_kept() {
    on_each_backend(|t| async move {
        let r = ready(&t).await;
        let dated = r#"[{"id": "okw-dated", "name": "Dated Works", "dateCreated": "2019-04-01", "lastUpdated": "2024-02-10T09:30:00Z"}]"#;
        let s = import_text(&r.db, &r.taxonomy, &Default::default(), "dated.json", dated, Some(ImportFormat::Okw), false)
            .await
            .unwrap();
        assert_eq!(s.counts(RecordKind::Facility).imported, 1, "{s}");
        let f = facility_named(&r, "Dated Works").await;
        assert_eq!(f.date_created.to_rfc3339(), "2019-04-01T00:00:00+00:00");
        assert_eq!(f.last_updated.to_rfc3339(), "2024-02-10T09:30:00+00:00");

        let undated = r#"[{"id": "okw-dated", "name": "Dated Works", "description": "now with a description"}]"#;
        let s = import_text(&r.db, &r.taxonomy, &Default::default(), "undated.json", undated, Some(ImportFormat::Okw), false)
            .await
            .unwrap();
        assert_eq!(s.counts(RecordKind::Facility).updated, 1, "{s}");
        let f = facility_named(&r, "Dated Works").await;
        assert_eq!(f.date_created.to_rfc3339(), "2019-04-01T00:00:00+00:00");
        assert!(f.last_updated.timestamp() > 1_767_000_000, "{}", f.last_updated);

        // A PSS profile's dateCreated likewise.
        import(&r, &["pss-pubpub.json"]).await;
        let li = Maker::find()
            .filter(maker::Column::SourceId.eq("pubpub-li"))
            .one(&r.db)
            .await
            .unwrap()
            .expect("the PSS profile pubpub-li");
        assert_eq!(li.date_created.to_rfc3339(), "2023-05-02T00:00:00+00:00");

        let bad = r#"[{"id": "okw-dated", "name": "Dated Works", "lastUpdated": "last Tuesday"}]"#;
        let s = import_text(&r.db, &r.taxonomy, &Default::default(), "bad.json", bad, Some(ImportFormat::Okw), false)
            .await
            .unwrap();
        assert_eq!(s.rejections.len(), 1, "{s}");
        assert_eq!(s.rejections[0].field, "lastUpdated", "{s}");
    })
    .await;
}

/// OKW facilities `0..n` of a file, record `refused` (if any) named so the trigger of
/// [`refuse_one_facility`] fails its insert.
fn okw_file(
    dir: &std::path::Path,
    name: &str,
    prefix: &str,
    n: usize,
    refused: Option<usize>,
) -> PathBuf {
    let records: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let name = if Some(i) == refused {
                "Refused by the database".to_owned()
            } else {
                format!("{prefix} Workshop {i}")
            };
            serde_json::json!({
                "id": format!("{prefix}-{i}"),
                "name": name,
                "location": { "address": { "locality": "Kumasi", "country": "GH" } },
                "manufacturingProcesses": ["laser cutting"],
            })
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(&records).unwrap()).unwrap();
    path
}

/// A write that fails part way, as a full disk or a lost connection would: the database
/// refuses to insert one facility.
async fn refuse_one_facility(t: &TestDb, r: &Ready) {
    use sea_orm::ConnectionTrait;
    let statements: &[&str] = match t.backend {
        makermatch_tests::Backend::Sqlite => {
            &["CREATE TRIGGER refuse_one BEFORE INSERT ON facilities \
             WHEN NEW.name = 'Refused by the database' \
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"]
        }
        makermatch_tests::Backend::Postgres => &[
            "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN \
             IF NEW.name = 'Refused by the database' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_one BEFORE INSERT ON facilities FOR EACH ROW EXECUTE FUNCTION refuse_one()",
        ],
    };
    for sql in statements {
        r.db.execute_unprepared(sql).await.unwrap();
    }
}

async fn facilities(r: &Ready) -> u64 {
    Facility::find().count(&r.db).await.unwrap()
}

#[test]
fn commit_every_is_a_positive_count_of_records() {
    use clap::Parser;
    let cli = makermatch_api::cli::Cli::try_parse_from([
        "makermatch",
        "import",
        "a.json",
        "--commit-every",
        "500",
    ])
    .unwrap();
    assert!(
        matches!(
            cli.command,
            makermatch_api::cli::Command::Import {
                commit_every: Some(500),
                ..
            }
        ),
        "{:?}",
        cli.command
    );
    let refused = makermatch_api::cli::Cli::try_parse_from([
        "makermatch",
        "import",
        "a.json",
        "--commit-every",
        "0",
    ])
    .unwrap_err();
    assert!(refused.to_string().contains("--commit-every"), "{refused}");
}

#[tokio::test]
async fn a_file_imports_whole_or_not_at_all() {
    on_each_backend(|t| async move {
        let r = ready(&t).await;
        let dir = tempfile::tempdir().unwrap();
        let first = okw_file(dir.path(), "first.json", "first", 10, None);
        let second = okw_file(dir.path(), "second.json", "second", 2_500, Some(2_200));
        refuse_one_facility(&t, &r).await;

        // By default each file is one transaction: the failure 2,200 records into the
        // second file keeps none of it, and the first file whole.
        let err = import_paths(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            &[first.clone(), second.clone()],
            None,
            false,
        )
        .await
        .expect_err("the refused insert stops the import");
        let message = err.to_string();
        assert!(message.contains("second.json"), "{message}");
        assert!(
            message.contains("nothing of it was kept (the files before it were)"),
            "{message}"
        );
        assert_eq!(facilities(&r).await, 10, "only the first file is kept");
        let outbox_rows = Outbox::find().count(&r.db).await.unwrap();

        // Committing every 1,000 records keeps the batches before the failure, and says so.
        let every = ImportOptions {
            commits: Commits::Every(1_000),
            ..Default::default()
        };
        let err = import_paths_with(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            std::slice::from_ref(&second),
            every,
        )
        .await
        .expect_err("the refused insert stops the import");
        assert!(
            err.to_string().contains("what it had committed stays"),
            "{err}"
        );
        assert_eq!(facilities(&r).await, 2_010);
        assert!(
            Outbox::find().count(&r.db).await.unwrap() > outbox_rows,
            "committed records reach the outbox"
        );

        // Running it again, once the cause is gone, finishes it.
        use sea_orm::ConnectionTrait;
        let drop = match t.backend {
            makermatch_tests::Backend::Sqlite => "DROP TRIGGER refuse_one",
            makermatch_tests::Backend::Postgres => "DROP TRIGGER refuse_one ON facilities",
        };
        r.db.execute_unprepared(drop).await.unwrap();
        let again = import_paths_with(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            std::slice::from_ref(&second),
            every,
        )
        .await
        .unwrap();
        let counts = again.counts(RecordKind::Facility);
        assert_eq!(
            (counts.unchanged, counts.imported),
            (2_000, 500),
            "{again:?}"
        );
        assert!(
            again.to_string().contains("committed every 1000 records"),
            "{again}"
        );
        assert_eq!(facilities(&r).await, 2_510);

        // The default import of the whole file is now all unchanged, and says it is whole.
        let whole = import_paths(
            &r.db,
            &r.taxonomy,
            &Default::default(),
            &[second],
            None,
            false,
        )
        .await
        .unwrap();
        assert_eq!(
            whole.counts(RecordKind::Facility).unchanged,
            2_500,
            "{whole:?}"
        );
        assert!(
            whole.to_string().contains("imported whole or not at all"),
            "{whole}"
        );
    })
    .await;
}

#[tokio::test]
async fn what_a_record_does_not_keep_is_reported_field_by_field() {
    on_each_backend(|t| async move {
        let r = ready(&t).await;
        let okw = r#"[
  {
    "id": "warn-1",
    "name": "Kisumu Makers",
    "location": { "address": { "locality": "Kisumu", "country": "Kenya", "building": "Block C" } },
    "typicalMaterials": "PLA, plywood",
    "wheelchairAccessibility": "Ramp at the side entrance",
    "storage": "40 m2 of shelving",
    "equipment": [{ "equipmentType": "laser cutter", "currentFirmware": "2.1" }]
  }
]"#;
        let s = import_text(&r.db, &r.taxonomy, &Default::default(), "kisumu.json", okw, None, false)
            .await
            .unwrap();
        assert_eq!(s.counts(RecordKind::Facility).imported, 1, "{s:?}");
        let said = |field: &str| {
            s.warnings
                .iter()
                .find(|w| w.field == field)
                .unwrap_or_else(|| panic!("no warning on {field}: {:?}", s.warnings))
                .clone()
        };
        let country = said("location.address.country");
        assert!(country.message.contains("\"Kenya\" stored as its code KE"), "{country:?}");
        assert_eq!((country.file.as_str(), country.index, country.line), ("kisumu.json", 0, Some(2)));
        assert!(said("typicalMaterials").message.contains("read as a list of 2"));
        assert!(said("wheelchairAccessibility").message.contains("not yes or no: not kept"));
        // Fields makermatch does not read are kept as written, except inside a list.
        for kept in ["storage", "location.address.building"] {
            assert!(said(kept).message.starts_with("kept as written"), "{kept}");
        }
        assert!(said("equipment[0].currentFirmware").message.starts_with("not kept"));
        assert_eq!(s.fields_kept_as_written.get("storage"), Some(&1), "{:?}", s.fields_kept_as_written);
        assert_eq!(s.fields_not_kept.get("equipment[].currentFirmware"), Some(&1), "{:?}", s.fields_not_kept);
        // What was kept is not warned about.
        for kept in ["name", "id", "location.address.locality", "equipment[0].equipmentType"] {
            assert!(s.warnings.iter().all(|w| w.field != kept), "{kept}: {:?}", s.warnings);
        }
        let shown = s.to_string();
        assert!(shown.contains("fields not kept"), "{shown}");
        assert!(shown.contains("kept as written for exports: location.address.building (1), storage (1)"), "{shown}");
        assert!(shown.contains("changed kisumu.json record 0 line 2: location.address.country"), "{shown}");

        // A PSS record's second address and a skill list written as one text.
        let pss = r#"[{
  "id": "warn-maker",
  "personal": { "firstName": "Achieng", "lastName": "Otieno" },
  "addresses": [ { "city": "Kisumu", "countryId": "KE" }, { "city": "Nairobi", "countryId": "KE" } ],
  "skills": "TIG welding, soldering"
}]"#;
        let s = import_text(&r.db, &r.taxonomy, &Default::default(), "makers.json", pss, None, false)
            .await
            .unwrap();
        assert_eq!(s.counts(RecordKind::Maker).imported, 1, "{s:?}");
        assert!(s.warnings.iter().any(|w| w.field == "addresses[1].city"), "{:?}", s.warnings);
        assert!(
            s.warnings.iter().any(|w| w.field == "skills" && w.message.contains("read as 2 skills")),
            "{:?}",
            s.warnings
        );
        assert!(s.warnings.iter().all(|w| w.field != "addresses[0].city"), "{:?}", s.warnings);
    })
    .await;
}

/// Helpful Engineering's OKW records list their tools, stock and processes as "atoms"
/// (Wikidata ids with a description). They import as facilities, not as jobs and not as
/// "no record looks like OKW": tools become equipment, stock materials, a one-text contact
/// its name and e-mail; the atom lists come back out whole, ids and links with them, and
/// reading that export back duplicates nothing. The one record with neither a name nor an
/// owner is named after its file, with a warning.
#[tokio::test]
async fn helpful_engineering_atom_records_import_as_facilities() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/okw/helpfulengineering__library/alpha/okw");
    if !dir.exists() {
        println!("skipped: ../shared/data is absent (it is present in CI)");
        return;
    }
    on_each_backend(|t: TestDb| {
        let dir = dir.clone();
        async move {
            let r = ready(&t).await;
            let paths: Vec<PathBuf> = [
                "ChairParts.okw.yml",
                "DevhawkEngineering.okw.yml",
                "RobTestOKWForSewing.yml",
                "RobsArduinoShop.yml",
            ]
            .iter()
            .map(|f| dir.join(f))
            .collect();
            let s = import_paths(&r.db, &r.taxonomy, &Default::default(), &paths, None, false)
                .await
                .unwrap();
            assert!(
                s.unreadable_files.is_empty() && s.rejections.is_empty(),
                "{s}"
            );
            assert_eq!(s.counts(RecordKind::Facility).imported, 4, "{s}");
            assert_eq!(s.counts(RecordKind::Job).imported, 0, "{s}");
            assert!(
                s.warnings
                    .iter()
                    .any(|w| w.file.ends_with("RobsArduinoShop.yml")
                        && w.field == "name"
                        && w.message.contains("named after its file")),
                "{s}"
            );
            facility_named(&r, "Robs Arduino Shop").await;

            let tools = |name: &'static str| {
                let db = r.db.clone();
                async move {
                    let f = Facility::find()
                        .filter(facility::Column::Name.eq(name))
                        .one(&db)
                        .await
                        .unwrap()
                        .unwrap_or_else(|| panic!("{name} imported"));
                    let mut types: Vec<String> = Equipment::find()
                        .filter(equipment::Column::FacilityId.eq(f.id))
                        .all(&db)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|e| e.equipment_type)
                        .collect();
                    types.sort();
                    (f, types)
                }
            };
            let (_, devhawk) = tools("James Maker Space").await;
            assert_eq!(devhawk, ["hammer", "saw", "screw driver"]);
            let (sewing, sewing_tools) = tools("Robert's test OKW for Sewing").await;
            assert_eq!(sewing_tools.len(), 6, "{sewing_tools:?}");
            assert!(sewing_tools.iter().any(|t| t == "Scissors"));
            assert_eq!(
                sewing.contact_email.as_deref(),
                Some("read.robert@gmail.com")
            );
            assert_eq!(sewing.contact_name.as_deref(), Some("Robert L. Read, PhD"));
            let free: Vec<String> =
                serde_json::from_value(sewing.unresolved_terms.clone()).unwrap();
            assert!(
                free.iter()
                    .any(|t| t.starts_with("General purpose cotton fabric")),
                "stock is read as materials: {free:?}"
            );

            let mut out = Vec::new();
            makermatch_api::export::export(
                &r.db,
                makermatch_api::export::ExportOptions {
                    kind: makermatch_api::export::ExportKind::Facilities,
                    format: makermatch_api::export::ExportFormat::OkwJson,
                    visibility: makermatch_api::services::policy::Visibility::operator(),
                },
                &mut out,
            )
            .await
            .unwrap();
            let exported = String::from_utf8(out).unwrap();
            for kept in [
                "tool-list-atoms",
                "Q49013",
                "inventory-atoms",
                "Q8231603",
                "product-atoms",
                "Q2160801",
                "supply-atoms",
                "Q79928004",
            ] {
                assert!(exported.contains(kept), "{kept} comes back out: {exported}");
            }
            let again = import_text(
                &r.db,
                &r.taxonomy,
                &Default::default(),
                "export.json",
                &exported,
                None,
                false,
            )
            .await
            .unwrap();
            assert!(again.rejections.is_empty(), "{again}");
            assert_eq!(again.counts(RecordKind::Facility).unchanged, 4, "{again}");
            assert_eq!(Facility::find().count(&r.db).await.unwrap(), 4);
            let (_, sewing_tools_again) = tools("Robert's test OKW for Sewing").await;
            assert_eq!(
                sewing_tools_again, sewing_tools,
                "the tools are not read twice"
            );
        }
    })
    .await;
}

/// Maps of Making spaces as the Open Hardware Manager holds them (`space`, `name`,
/// `lat`/`lon`, `processes`): facilities on the map, keyed on their page, their processes
/// resolved; the map's "confirmed" reads as open and the summary says so.
#[tokio::test]
async fn maps_of_making_spaces_import_as_facilities_on_the_map() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../shared/data/okw/helpfulengineering__supply-graph-ai/tests/matching/fixtures/mom_spaces_3dp.json",
    );
    if !file.exists() {
        println!("skipped: ../shared/data is absent (it is present in CI)");
        return;
    }
    on_each_backend(|t: TestDb| {
        let file = file.clone();
        async move {
            let r = ready(&t).await;
            let s = import_paths(
                &r.db,
                &r.taxonomy,
                &Default::default(),
                &[file],
                None,
                false,
            )
            .await
            .unwrap();
            assert!(
                s.rejections.is_empty() && s.unreadable_files.is_empty(),
                "{s}"
            );
            assert_eq!(s.counts(RecordKind::Facility).imported, 3, "{s}");
            assert_eq!(s.unlocated_facilities, 0, "{s}");
            assert!(
                s.warnings
                    .iter()
                    .any(|w| w.field == "status" && w.message.contains("confirmed")),
                "{s}"
            );
            let lab = facility_named(&r, "Harness MoM 3DP Lab").await;
            assert_eq!(lab.status, FacilityStatus::Active);
            assert_eq!(lab.lat, Some(52.37));
            assert_eq!(lab.locality.as_deref(), Some("Amsterdam"));
            assert_eq!(
                lab.source_id.as_deref(),
                Some("https://maps.ofmaking.org/space/harness-3dp-lab")
            );
            let free: Vec<String> = serde_json::from_value(lab.unresolved_terms).unwrap();
            assert!(free.is_empty(), "3d_printing is a known process: {free:?}");
        }
    })
    .await;
}
