//! The demo generator: deterministic, batched, IMA-shaped, on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::demo::{self, DemoSize};
use makermatch_entities::facility::FacilityStatus;
use makermatch_entities::job::JobStatus;
use makermatch_entities::prelude::*;
use makermatch_entities::{facility, job, maker};
use makermatch_tests::{TestDb, postgres_url};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

const SIZE: DemoSize = DemoSize {
    facilities: 40,
    makers: 300,
    seed: 7,
};

#[tokio::test]
async fn the_demo_is_deterministic_and_holds_the_ima_programme() {
    let on_sqlite = check(TestDb::sqlite().await).await;
    assert_eq!(
        on_sqlite,
        check(TestDb::sqlite().await).await,
        "same seed, same rows"
    );
    if let Some(url) = postgres_url() {
        assert_eq!(
            on_sqlite,
            check(TestDb::postgres(&url).await).await,
            "same rows on PostgreSQL"
        );
    }
}

/// Generates the demo into `t`, checks its shape, and returns the ids it got.
async fn check(t: TestDb) -> (Vec<uuid::Uuid>, Vec<uuid::Uuid>) {
    let size = SIZE;
    {
        {
            let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
            let db = ready.db;
            let summary = demo::generate(&db, &ready.taxonomy, size).await.unwrap();
            assert_eq!(summary.facilities, 40);
            assert_eq!(summary.makers, 300);
            assert_eq!(Facility::find().count(&db).await.unwrap(), 40);
            assert_eq!(Maker::find().count(&db).await.unwrap(), 300);
            assert!(Equipment::find().count(&db).await.unwrap() >= 40);
            assert!(SkillClaim::find().count(&db).await.unwrap() >= 300);
            assert!(Credential::find().count(&db).await.unwrap() > 0);
            assert_eq!(
                Outbox::find().count(&db).await.unwrap(),
                40 + 300 + summary.jobs
            );

            // Nine active IMA spaces, three in each country, and three tiers of 9 × per-space.
            let programme = Programme::find()
                .one(&db)
                .await
                .unwrap()
                .expect("a programme");
            let tiers = Job::find()
                .filter(job::Column::ProgrammeId.eq(programme.id))
                .order_by_desc(job::Column::Quantity)
                .all(&db)
                .await
                .unwrap();
            let shape: Vec<(i32, Option<i64>, Option<&str>)> = tiers
                .iter()
                .map(|j| (j.quantity, j.unit_price_minor, j.tier.as_deref()))
                .collect();
            assert_eq!(
                shape,
                vec![
                    (900, Some(200), Some("SIMPLE_DEVICE")),
                    (180, Some(1_000), Some("SIMPLE_PRODUCT")),
                    (45, Some(8_000), Some("COMPLEX_PRODUCT")),
                ]
            );
            assert_eq!(tiers.iter().map(|j| j.quantity).sum::<i32>(), 1_125);
            assert!(
                tiers
                    .iter()
                    .all(|j| j.status == JobStatus::Open && j.prototype_first)
            );
            for country in ["GH", "KE", "ZA"] {
                let ready_spaces = Facility::find()
                    .filter(facility::Column::Country.eq(country))
                    .all(&db)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|f| f.status == FacilityStatus::Active)
                    .filter(|f| {
                        f.certifications
                            .as_array()
                            .is_some_and(|c| c.iter().any(|v| v == "ISO 13485"))
                    })
                    .count();
                assert!(
                    ready_spaces >= 3,
                    "{country}: {ready_spaces} IMA-ready spaces"
                );
            }

            // Same seed, same data, on either database.
            let facility_ids: Vec<uuid::Uuid> = Facility::find()
                .order_by_asc(facility::Column::SourceId)
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.id)
                .collect();
            let maker_ids: Vec<uuid::Uuid> = Maker::find()
                .order_by_asc(maker::Column::SourceId)
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.id)
                .collect();
            // The same seed twice is refused; nothing is added.
            let err = demo::generate(&db, &ready.taxonomy, size)
                .await
                .unwrap_err()
                .to_string();
            assert!(err.contains("seed 7"), "{err}");
            assert_eq!(Facility::find().count(&db).await.unwrap(), 40);

            // fill_if_empty leaves a non-empty database alone.
            assert!(
                demo::fill_if_empty(&db, &ready.taxonomy, DemoSize::default())
                    .await
                    .unwrap()
                    .is_none()
            );
            (facility_ids, maker_ids)
        }
    }
}

/// The demo's IMA programme names its nine spaces (in Ghana, Kenya and South Africa) as
/// participants and those countries as its region: its allocation lands on them alone.
#[tokio::test]
async fn the_ima_programme_lands_on_its_nine_spaces() {
    let t = TestDb::sqlite().await;
    let app = makermatch_tests::TestApp::spawn(&t).await;
    demo::generate(&app.db, &app.taxonomy, SIZE).await.unwrap();
    let last = Outbox::find()
        .order_by_desc(makermatch_entities::outbox::Column::Seq)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .seq;
    app.wait_indexed(last).await;
    let programme = Programme::find().one(&app.db).await.unwrap().unwrap();
    let d = app
        .data(
            "query($p: ID!) { programme(id: $p) { region participantIds } }",
            serde_json::json!({ "p": programme.id.to_string() }),
        )
        .await;
    assert_eq!(
        d["programme"]["region"],
        serde_json::json!(["GH", "KE", "ZA"])
    );
    let nine: Vec<String> = d["programme"]["participantIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(nine.len(), 9, "{d}");

    let a = app
        .data(
            "mutation($p: ID!) { allocateProgramme(programmeId: $p, options: { dryRun: true }) { jobs { decisions { facilityId quantity } } } }",
            serde_json::json!({ "p": programme.id.to_string() }),
        )
        .await;
    let mut placed = 0;
    for job in a["allocateProgramme"]["jobs"].as_array().unwrap() {
        for decision in job["decisions"].as_array().unwrap() {
            let id = decision["facilityId"].as_str().unwrap().to_owned();
            assert!(nine.contains(&id), "{id} is not one of the nine: {a}");
            placed += decision["quantity"].as_i64().unwrap();
        }
    }
    assert!(placed > 0, "{a}");
    app.stop().await;
}
