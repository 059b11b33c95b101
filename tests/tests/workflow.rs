//! The assignment workflow in the service layer (DESIGN §3), on both databases: a full
//! prototype → QA → production → delivery run with its audit trail and track record,
//! every invalid transition refused without change, who may do what, and the quantity
//! invariant under concurrent proposals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::ServiceError;
use makermatch_api::services::actor::{Actor, Role};
use makermatch_api::services::assignments::{
    self, ProposalInput, Transition, active_quantity, track_records,
};
use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_api::services::jobs::{self, JobInput};
use makermatch_api::services::makers::{self, AffiliationInput, MakerInput};
use makermatch_entities::assignment::AssignmentStatus as Status;
use makermatch_entities::{assignment, assignment_event, facility};
use makermatch_tests::{TestDb, on_each_backend};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

fn coordinator() -> Actor {
    Actor {
        subject: "coord@ima".into(),
        role: Role::Coordinator,
        maker_id: None,
        issuer_id: None,
    }
}

fn inspector(subject: &str) -> Actor {
    Actor {
        subject: subject.into(),
        role: Role::Inspector,
        maker_id: None,
        issuer_id: None,
    }
}

fn maker(id: Uuid) -> Actor {
    Actor {
        subject: format!("maker:{id}"),
        role: Role::Maker,
        maker_id: Some(id),
        issuer_id: None,
    }
}

struct Scene {
    job: Uuid,
    facility: Uuid,
    member: Uuid,
    outsider: Uuid,
}

async fn scene(db: &DatabaseConnection, quantity: i32, prototype_first: bool) -> Scene {
    let mut f = FacilityInput::named("Kumasi Hive");
    f.on_probation = true;
    let facility = facilities::create(db, f).await.unwrap().value.id;
    let member = makers::create(
        db,
        MakerInput {
            first_name: Some("Ama".into()),
            affiliations: vec![AffiliationInput {
                facility_id: facility,
                role: "member".into(),
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .value
    .id;
    let outsider = makers::create(
        db,
        MakerInput {
            first_name: Some("Kofi".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .value
    .id;
    let mut job = JobInput::new("Pulse oximeter housings", quantity);
    job.prototype_first = prototype_first;
    job.qa_inspector = Some("qa@ima".into());
    job.unit_price_minor = Some(200);
    job.currency = Some("USD".into());
    let job = jobs::create_job(db, job).await.unwrap().value.id;
    Scene {
        job,
        facility,
        member,
        outsider,
    }
}

fn proposal(s: &Scene, quantity: i32) -> ProposalInput {
    ProposalInput {
        job_id: s.job,
        facility_id: s.facility,
        quantity,
        unit_price_minor: None,
        currency: None,
        due_on: None,
        maker_ids: vec![s.member],
    }
}

#[tokio::test]
async fn a_full_run_from_proposal_to_completion() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let s = scene(&db, 100, true).await;
        let a = assignments::propose(&db, &coordinator(), proposal(&s, 100))
            .await
            .unwrap();
        assert_eq!(a.assignment.status, Status::Proposed);
        assert_eq!(a.assignment.unit_price_minor, Some(200), "the job's price");
        let id = a.assignment.id;
        let steps = [
            (maker(s.member), Transition::Accept, Status::Accepted),
            (
                maker(s.member),
                Transition::SubmitPrototype,
                Status::PrototypeSubmitted,
            ),
            (
                inspector("qa@ima"),
                Transition::RejectPrototype,
                Status::PrototypeRejected,
            ),
            (
                maker(s.member),
                Transition::SubmitPrototype,
                Status::PrototypeSubmitted,
            ),
            (
                inspector("qa@ima"),
                Transition::ApprovePrototype,
                Status::PrototypeApproved,
            ),
            (
                maker(s.member),
                Transition::StartProduction,
                Status::InProduction,
            ),
            (maker(s.member), Transition::Deliver, Status::Delivered),
            (coordinator(), Transition::Complete, Status::Completed),
        ];
        for (actor, step, to) in steps {
            let changed = assignments::transition(&db, &actor, id, step, Some("ok".into()))
                .await
                .unwrap_or_else(|e| panic!("{step:?}: {e}"));
            assert_eq!(changed.assignment.status, to);
            assert_eq!(changed.event.to_status, to);
            assert_eq!(changed.event.actor, actor.subject);
        }
        let trail = assignment_event::Entity::find()
            .filter(assignment_event::Column::AssignmentId.eq(id))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(trail, 9, "the proposal and eight transitions");
        let f = facility::Entity::find_by_id(s.facility)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert!(!f.on_probation, "a completed assignment ends probation");
        let record = track_records(&db, &[s.facility]).await.unwrap()[&s.facility];
        assert_eq!(record.completed, 1);
        assert_eq!(record.on_time, 1);
        assert_eq!(
            (record.prototypes_approved, record.prototypes_rejected),
            (1, 1)
        );
    })
    .await;
}

#[tokio::test]
async fn invalid_transitions_and_wrong_actors_change_nothing() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let s = scene(&db, 50, true).await;
        let id = assignments::propose(&db, &coordinator(), proposal(&s, 20))
            .await
            .unwrap()
            .assignment
            .id;
        // Who may not.
        for (actor, step) in [
            (maker(s.outsider), Transition::Accept),
            (inspector("someone-else"), Transition::ApprovePrototype),
            (coordinator(), Transition::ApprovePrototype),
            (maker(s.member), Transition::Cancel),
            (maker(s.member), Transition::Complete),
        ] {
            let e = assignments::transition(&db, &actor, id, step, None)
                .await
                .unwrap_err();
            assert!(
                matches!(e, ServiceError::Forbidden(_)),
                "{step:?} by {actor:?}: {e}"
            );
        }
        // From which state not: everything but accept, decline and cancel from PROPOSED.
        for step in [
            Transition::SubmitPrototype,
            Transition::StartProduction,
            Transition::Deliver,
            Transition::Complete,
        ] {
            let e = assignments::transition(&db, &coordinator(), id, step, None)
                .await
                .unwrap_err();
            assert!(matches!(e, ServiceError::Conflict(_)), "{step:?}: {e}");
        }
        let e = assignments::transition(
            &db,
            &inspector("qa@ima"),
            id,
            Transition::ApprovePrototype,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, ServiceError::Conflict(_)), "{e}");
        // A job that needs a prototype cannot go straight to production.
        assignments::transition(&db, &maker(s.member), id, Transition::Accept, None)
            .await
            .unwrap();
        let e =
            assignments::transition(&db, &maker(s.member), id, Transition::StartProduction, None)
                .await
                .unwrap_err();
        assert!(e.to_string().contains("approved prototype"), "{e}");
        assignments::transition(&db, &coordinator(), id, Transition::Cancel, None)
            .await
            .unwrap();
        let e = assignments::transition(&db, &coordinator(), id, Transition::Cancel, None)
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::Conflict(_)));
        let row = assignment::Entity::find_by_id(id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, Status::Cancelled);
        let trail = assignment_event::Entity::find()
            .filter(assignment_event::Column::AssignmentId.eq(id))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(
            trail, 3,
            "proposal, accept, cancel: refusals leave no trace"
        );
        // Cancelled quantity is free again.
        assert_eq!(active_quantity(&db, s.job).await.unwrap(), 0);
        // Only staff propose.
        let e = assignments::propose(&db, &maker(s.member), proposal(&s, 1))
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)));
    })
    .await;
}

#[tokio::test]
async fn concurrent_proposals_never_exceed_the_job_quantity() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let s = scene(&db, 100, false).await;
        // 12 proposals of 15 race for 100 items: at most 6 can win.
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let db = db.clone();
            let p = proposal(&s, 15);
            tasks.push(tokio::spawn(async move {
                assignments::propose(&db, &coordinator(), p).await
            }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(ServiceError::Conflict(m)) => assert!(m.contains("at most"), "{m}"),
                Err(e) => panic!("unexpected: {e}"),
            }
        }
        assert_eq!(won, 6);
        assert_eq!(active_quantity(&db, s.job).await.unwrap(), 90);
        // Concurrent acceptances and declines do not change the sum past the quantity.
        let ids: Vec<Uuid> = assignment::Entity::find()
            .filter(assignment::Column::JobId.eq(s.job))
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        let mut tasks = Vec::new();
        for (i, id) in ids.into_iter().enumerate() {
            let step = if i % 2 == 0 {
                Transition::Accept
            } else {
                Transition::Decline
            };
            let member = s.member;
            let db1 = db.clone();
            tasks.push(tokio::spawn(async move {
                assignments::transition(&db1, &maker(member), id, step, None).await
            }));
            let db2 = db.clone();
            let p = proposal(&s, 10);
            tasks.push(tokio::spawn(async move {
                assignments::propose(&db2, &coordinator(), p).await
            }));
        }
        for task in tasks {
            let _ = task.await.unwrap();
        }
        let held = active_quantity(&db, s.job).await.unwrap();
        assert!(held <= 100, "{held} active items for a job of 100");
    })
    .await;
}

#[tokio::test]
async fn programme_summary_counts_items_and_money_per_facility_country_and_tier() {
    use makermatch_api::services::jobs::ProgrammeInput;
    use makermatch_api::services::programmes;
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
        .unwrap()
        .id;
        let mut places = Vec::new();
        for (name, country) in [("Kumasi Hive", "GH"), ("Gearbox", "KE")] {
            let mut f = FacilityInput::named(name);
            f.location.country = Some(country.into());
            places.push(facilities::create(&db, f).await.unwrap().value.id);
        }
        let mut job_ids = Vec::new();
        for (tier, quantity, price) in [("SIMPLE_DEVICE", 200, 200), ("COMPLEX_PRODUCT", 10, 8_000)]
        {
            let mut j = JobInput::new(format!("{tier} order"), quantity);
            j.programme_id = Some(programme);
            j.tier = Some(tier.into());
            j.unit_price_minor = Some(price);
            j.currency = Some("USD".into());
            job_ids.push(jobs::create_job(&db, j).await.unwrap().value.id);
        }
        let mut ids = Vec::new();
        for (job, q) in [(job_ids[0], 100), (job_ids[1], 5)] {
            for facility in &places {
                let p = ProposalInput {
                    job_id: job,
                    facility_id: *facility,
                    quantity: q,
                    unit_price_minor: None,
                    currency: None,
                    due_on: None,
                    maker_ids: vec![],
                };
                ids.push(
                    assignments::propose(&db, &coordinator(), p)
                        .await
                        .unwrap()
                        .assignment
                        .id,
                );
            }
        }
        // Kumasi's simple devices go all the way; Gearbox declines its complex products.
        for step in [
            Transition::Accept,
            Transition::StartProduction,
            Transition::Deliver,
        ] {
            assignments::transition(&db, &coordinator(), ids[0], step, None)
                .await
                .unwrap();
        }
        assignments::transition(&db, &coordinator(), ids[3], Transition::Decline, None)
            .await
            .unwrap();
        let s = programmes::summary(&db, programme).await.unwrap();
        assert_eq!(s.currency.as_deref(), Some("USD"));
        assert_eq!(s.total.proposed, 205);
        assert_eq!(s.total.accepted, 100);
        assert_eq!(s.total.delivered, 100);
        assert_eq!(s.total.value_delivered_minor, 100 * 200);
        assert_eq!(s.total.value_proposed_minor, 200 * 200 + 5 * 8_000);
        let gh = s.by_country.iter().find(|g| g.key == "GH").unwrap();
        assert_eq!(gh.stages.proposed, 105);
        let complex = s
            .by_tier
            .iter()
            .find(|g| g.key == "COMPLEX_PRODUCT")
            .unwrap();
        assert_eq!(
            complex.stages.proposed, 5,
            "the declined share does not count"
        );
        assert_eq!(s.by_facility.len(), 2);
        let csv = programmes::assignments_csv(&db, programme).await.unwrap();
        assert_eq!(csv.lines().count(), 5, "{csv}");
        assert!(csv.lines().nth(1).unwrap().contains("DELIVERED"), "{csv}");
    })
    .await;
}
