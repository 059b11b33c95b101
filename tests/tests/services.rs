//! The service layer: every write is one transaction with its outbox row; bad input
//! writes nothing. Each test runs on SQLite and, when configured, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use chrono::Utc;
use makermatch_api::services::ServiceError;
use makermatch_api::services::credentials::{
    self, AchievementInput, AlignmentInput, CredentialInput, IssuerInput,
};
use makermatch_api::services::facilities::{
    self, EquipmentInput, FacilityInput, LocationInput, PropertyInput, TermLink,
};
use makermatch_api::services::jobs::{self, JobInput, ProgrammeInput, RequirementInput};
use makermatch_api::services::makers::{self, AffiliationInput, MakerInput, SkillClaimInput};
use makermatch_entities::job_requirement::RequirementKind;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::prelude::*;
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_entities::{equipment_property, outbox};
use makermatch_tests::{TestDb, on_each_backend};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

fn workshop() -> FacilityInput {
    let mut input = FacilityInput::named("Kumasi Hive");
    input.location = LocationInput {
        locality: Some("Kumasi".into()),
        country: Some("gh".into()),
        lat: Some(6.6885),
        lon: Some(-1.6244),
        ..Default::default()
    };
    input.processes = vec![TermLink {
        id: "fdm".into(),
        source_term: Some("https://en.wikipedia.org/wiki/Fused_filament_fabrication".into()),
    }];
    input.materials = vec![TermLink {
        id: "pla".into(),
        source_term: None,
    }];
    input.equipment = vec![EquipmentInput {
        equipment_type: "fdm-3d-printer".into(),
        process_id: Some("fdm".into()),
        make: Some("Prusa Research".into()),
        model: Some("MK4".into()),
        serial_number: None,
        quantity: 3,
        condition: Some("good".into()),
        notes: None,
        properties: vec![
            PropertyInput {
                key: "buildVolumeX".into(),
                number: Some(250.0),
                text: None,
                unit: Some("mm".into()),
            },
            PropertyInput {
                key: "nozzle".into(),
                number: None,
                text: Some("0.4 mm brass".into()),
                unit: None,
            },
        ],
    }];
    input
}

async fn outbox_rows(db: &DatabaseConnection) -> Vec<outbox::Model> {
    Outbox::find()
        .order_by_asc(outbox::Column::Seq)
        .all(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_facility_is_written_whole_with_its_outbox_row() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let written = facilities::create(&db, workshop()).await.unwrap();
        let f = &written.value;
        assert_eq!(
            f.country.as_deref(),
            Some("GH"),
            "country codes are upper-cased"
        );
        assert_eq!(Equipment::find().count(&db).await.unwrap(), 1);
        let props = EquipmentProperty::find()
            .order_by_asc(equipment_property::Column::Key)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(props.len(), 2);
        assert_eq!(props[0].number_value, Some(250.0));
        assert_eq!(props[1].text_value.as_deref(), Some("0.4 mm brass"));
        assert_eq!(FacilityProcess::find().count(&db).await.unwrap(), 1);
        let rows = outbox_rows(&db).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].kind, rows[0].entity_id, rows[0].op),
            (IndexedKind::Facility, f.id, OutboxOp::Upsert)
        );
        assert_eq!(rows[0].seq, written.outbox_seq);

        // Replace: children are swapped, creation date kept, a second outbox row appended.
        let mut changed = workshop();
        changed.name = "Kumasi Hive Annex".into();
        changed.equipment.clear();
        let replaced = facilities::replace(&db, f.id, changed).await.unwrap();
        assert_eq!(replaced.value.name, "Kumasi Hive Annex");
        assert_eq!(replaced.value.date_created, f.date_created);
        assert_eq!(Equipment::find().count(&db).await.unwrap(), 0);
        assert!(replaced.outbox_seq > written.outbox_seq);

        let deleted = facilities::delete(&db, f.id).await.unwrap();
        assert_eq!(Facility::find().count(&db).await.unwrap(), 0);
        assert_eq!(
            FacilityProcess::find().count(&db).await.unwrap(),
            0,
            "links go with the facility"
        );
        let last = outbox_rows(&db).await.pop().unwrap();
        assert_eq!((last.op, last.seq), (OutboxOp::Delete, deleted.outbox_seq));
        assert!(matches!(
            facilities::delete(&db, f.id).await,
            Err(ServiceError::NotFound { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let mut bad = workshop();
        bad.location.lat = Some(123.0);
        let err = facilities::create(&db, bad).await.unwrap_err();
        assert!(err.to_string().starts_with("location.lat:"), "{err}");

        // Fails after the facility row was inserted: the transaction must take it back.
        let mut unknown_process = workshop();
        unknown_process.processes.push(TermLink {
            id: "alchemy".into(),
            source_term: None,
        });
        let err = facilities::create(&db, unknown_process).await.unwrap_err();
        assert!(err.to_string().contains("processes[1]"), "{err}");

        let mut zero = workshop();
        zero.equipment[0].quantity = 0;
        let err = facilities::create(&db, zero).await.unwrap_err();
        assert!(
            err.to_string().starts_with("equipment[0].quantity:"),
            "{err}"
        );

        let nameless = MakerInput::default();
        let err = makers::create(&db, nameless).await.unwrap_err();
        assert!(err.to_string().contains("firstName"), "{err}");

        let err = jobs::create_job(&db, JobInput::new("Gowns", 0))
            .await
            .unwrap_err();
        assert!(err.to_string().starts_with("quantity:"), "{err}");

        assert_eq!(Facility::find().count(&db).await.unwrap(), 0);
        assert_eq!(Equipment::find().count(&db).await.unwrap(), 0);
        assert_eq!(Maker::find().count(&db).await.unwrap(), 0);
        assert_eq!(Job::find().count(&db).await.unwrap(), 0);
        assert!(outbox_rows(&db).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_maker_passport_is_written_with_skills_affiliations_and_a_coarse_position() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let space = facilities::create(&db, workshop()).await.unwrap().value;
        let input = MakerInput {
            first_name: Some("Ama".into()),
            lat: Some(6.69312),
            lon: Some(-1.61876),
            country: Some("GH".into()),
            email: Some("ama@example.org".into()),
            skills: vec![
                SkillClaimInput {
                    skill: "TIG  Welding".into(),
                    process_id: None,
                    level: SkillLevel::Advanced,
                    years: Some(6.0),
                    evidence_url: None,
                },
                SkillClaimInput {
                    skill: "tig welding".into(),
                    process_id: None,
                    level: SkillLevel::Novice,
                    years: None,
                    evidence_url: None,
                },
                SkillClaimInput {
                    skill: "FDM 3D printing".into(),
                    process_id: None,
                    level: SkillLevel::Expert,
                    years: None,
                    evidence_url: None,
                },
            ],
            affiliations: vec![AffiliationInput {
                facility_id: space.id,
                role: "staff".into(),
            }],
            ..Default::default()
        };
        let maker = makers::create(&db, input.clone()).await.unwrap().value;
        makermatch_tests::assert_public_position(
            (6.69312, -1.61876),
            (maker.coarse_lat.unwrap(), maker.coarse_lon.unwrap()),
        );
        assert_eq!(
            SkillClaim::find().count(&db).await.unwrap(),
            2,
            "the same skill twice is one claim"
        );
        assert_eq!(Skill::find().count(&db).await.unwrap(), 2);
        assert_eq!(MakerAffiliation::find().count(&db).await.unwrap(), 1);

        // A second maker with the same skill reuses it.
        let mut other = input.clone();
        other.first_name = Some("Li".into());
        makers::create(&db, other).await.unwrap();
        assert_eq!(Skill::find().count(&db).await.unwrap(), 2);

        let mut missing_space = input;
        missing_space.affiliations[0].facility_id = uuid::Uuid::now_v7();
        let err = makers::create(&db, missing_space).await.unwrap_err();
        assert!(
            err.to_string().starts_with("affiliations[0].facilityId:"),
            "{err}"
        );
        assert_eq!(
            Maker::find().count(&db).await.unwrap(),
            2,
            "the failed maker left no row"
        );

        assert_eq!(SkillClaim::find().count(&db).await.unwrap(), 4);
        makers::delete(&db, maker.id).await.unwrap();
        assert_eq!(
            SkillClaim::find().count(&db).await.unwrap(),
            2,
            "the deleted maker's claims go with them"
        );
    })
    .await;
}

#[tokio::test]
async fn credentials_reindex_their_holder_and_revocation_is_recorded() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let maker = makers::create(
            &db,
            MakerInput {
                display_name: Some("Kip".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .value;
        let issuer = credentials::create_issuer(
            &db,
            IssuerInput {
                name: "Guild".into(),
                trusted: true,
                identifier: Some("did:web:guild.example".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let badge = credentials::create_achievement(
            &db,
            AchievementInput {
                issuer_id: issuer.id,
                name: "Certified MIG Welder".into(),
                alignments: vec![AlignmentInput {
                    target_name: "MIG welding".into(),
                    process_id: Some("mig-welding".into()),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let issued = credentials::issue_credential(
            &db,
            CredentialInput {
                maker_id: maker.id,
                achievement_id: badge.id,
                issued_on: Utc::now(),
                expires: None,
                evidence_url: None,
            },
        )
        .await
        .unwrap();
        let row = Outbox::find()
            .filter(outbox::Column::Seq.eq(issued.outbox_seq))
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((row.kind, row.entity_id), (IndexedKind::Maker, maker.id));

        let revoked = credentials::revoke_credential(&db, issued.value.id, "issued in error")
            .await
            .unwrap();
        assert!(revoked.value.revoked);
        assert!(matches!(
            credentials::revoke_credential(&db, issued.value.id, "again").await,
            Err(ServiceError::Conflict(_))
        ));
        let distrusted = credentials::set_issuer_trust(&db, issuer.id, false)
            .await
            .unwrap();
        assert!(!distrusted.value.trusted);
        let last = outbox_rows(&db).await.pop().unwrap();
        assert_eq!(
            last.entity_id, maker.id,
            "distrusting an issuer re-indexes its holders"
        );
    })
    .await;
}

#[tokio::test]
async fn jobs_keep_their_requirements_and_programme() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let programme = jobs::create_programme(
            &db,
            ProgrammeInput {
                name: "IMA trial".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut input = JobInput::new("Face-shield frames", 900);
        input.programme_id = Some(programme.id);
        input.unit_price_minor = Some(200);
        input.currency = Some("usd".into());
        input.requirements = vec![
            RequirementInput {
                kind: RequirementKind::Process,
                term: "fdm".into(),
                required: true,
                min_level: None,
                resolution: None,
            },
            RequirementInput {
                kind: RequirementKind::Skill,
                term: "FDM 3D printing".into(),
                required: false,
                min_level: Some(SkillLevel::Intermediate),
                resolution: None,
            },
        ];
        let job = jobs::create_job(&db, input.clone()).await.unwrap().value;
        assert_eq!(job.currency.as_deref(), Some("USD"));
        assert_eq!(JobRequirement::find().count(&db).await.unwrap(), 2);

        input.requirements.pop();
        input.quantity = 450;
        let replaced = jobs::replace_job(&db, job.id, input.clone())
            .await
            .unwrap()
            .value;
        assert_eq!(replaced.quantity, 450);
        assert_eq!(JobRequirement::find().count(&db).await.unwrap(), 1);

        let mut orphan = input;
        orphan.programme_id = Some(uuid::Uuid::now_v7());
        let err = jobs::create_job(&db, orphan).await.unwrap_err();
        assert!(err.to_string().starts_with("programmeId:"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_all_land_on_sqlite() {
    // IMMEDIATE transactions and the busy timeout: parallel writers wait, none fails.
    let t = TestDb::sqlite().await;
    let db = t.connect().await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut input = workshop();
            input.name = format!("Space {i}");
            facilities::create(&db, input).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(Facility::find().count(&db).await.unwrap(), 16);
    let seqs: Vec<i64> = outbox_rows(&db).await.iter().map(|r| r.seq).collect();
    assert_eq!(seqs.len(), 16);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}
