//! One rate budget per caller across replicas (issue 24): three replicas on one PostgreSQL
//! database, one token, requests spread over all three. Each replica alone would admit the
//! whole budget (three times it in all); together they admit about the budget once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use makermatch_tests::{TestApp, TestDb};
use serde_json::json;

const BUDGET: u32 = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tokens_budget_holds_across_three_replicas() {
    let Some(url) = makermatch_tests::postgres_url() else {
        println!("skipped: set MAKERMATCH_TEST_POSTGRES_URL to run the replica budget test");
        return;
    };
    let t = TestDb::postgres(&url).await;
    let mut replicas = Vec::new();
    for name in ["a", "b", "c"] {
        let mut config = t.config.clone();
        config.index.replica = name.to_owned();
        config.data_dir = t.dir.path().join(format!("replica-{name}"));
        config.database_url = Some(t.config.effective_database_url());
        config.auth.hs256_secret = Some("budget-test-secret-shared-by-the-replicas".to_owned());
        config.auth.rate_limit_per_minute = BUDGET;
        replicas.push(TestApp::spawn_with(&t, config).await);
    }
    // The budget is per clock minute: start well inside one.
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 45 {
        tokio::time::sleep(Duration::from_secs((61 - second) as u64)).await;
    }
    let token = replicas[0].token.clone();
    let mut admitted = [0u32; 3];
    let mut refused = 0;
    for n in 0..(3 * BUDGET) as usize {
        let replica = &replicas[n % 3];
        let answer = replica
            .gql_as(Some(&token), "{ __typename }", json!({}))
            .await;
        match answer["errors"][0]["extensions"]["code"].as_str() {
            None => admitted[n % 3] += 1,
            Some("LIMIT_EXCEEDED") => refused += 1,
            Some(other) => panic!("unexpected answer {other}: {answer}"),
        }
    }
    let total: u32 = admitted.iter().sum();
    println!("admitted {admitted:?} (total {total}), refused {refused}");
    // Up to a lease per replica may be stranded, and up to four admitted per replica
    // while a lease was being fetched (the most a replica runs ahead of the database);
    // never the three budgets separate replicas would give.
    assert!(
        (BUDGET - 3..=BUDGET + 12).contains(&total),
        "admitted {total} of {} across the replicas, budget {BUDGET}: {admitted:?}",
        3 * BUDGET
    );
    assert!(
        admitted.iter().all(|n| *n > 0),
        "every replica took part: {admitted:?}"
    );
    for replica in replicas {
        replica.stop().await;
    }
}
