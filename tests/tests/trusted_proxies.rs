//! Anonymous callers' rate budgets behind a reverse proxy (issue 24): only when the TCP
//! peer is one of `server.trusted_proxies` do `X-Forwarded-For` / `Forwarded` name the
//! client whose budget is spent; from any other peer the headers change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_tests::{TestApp, TestDb};

/// Each anonymous client may make this many requests before the first refusal (the bucket
/// refills one request every 20 s, far slower than the test runs).
const BUDGET: u32 = 3;

async fn spawn(trusted: &[&str]) -> (TestDb, TestApp) {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.auth.rate_limit_per_minute = BUDGET;
    config.server.trusted_proxies = trusted.iter().map(|p| (*p).to_owned()).collect();
    let app = TestApp::spawn_with(&t, config).await;
    (t, app)
}

/// The status of an anonymous `{ version }` sent with `header: value`.
async fn status(app: &TestApp, header: &str, value: &str) -> u16 {
    app.client
        .post(format!("{}/graphql", app.base))
        .header(header, value)
        .json(&serde_json::json!({ "query": "{ version }" }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Spends `client`'s whole budget, then checks the next request is refused.
async fn exhaust(app: &TestApp, header: &str, client: &str) {
    for n in 0..BUDGET {
        assert_eq!(
            status(app, header, client).await,
            200,
            "request {n} of {client}"
        );
    }
    assert_eq!(
        status(app, header, client).await,
        429,
        "{client} over budget"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    // The test client connects from the loopback address: that is the proxy.
    let (_t, app) = spawn(&["127.0.0.0/8", "::1"]).await;
    exhaust(&app, "x-forwarded-for", "198.51.100.1").await;
    // Another client through the same proxy is untouched by the first one's refusals.
    exhaust(&app, "x-forwarded-for", "198.51.100.2").await;
    // A client cannot escape its budget by writing its own entries in front of the one
    // the proxy appended: only the right-most untrusted entry counts.
    assert_eq!(
        status(&app, "x-forwarded-for", "203.0.113.9, 198.51.100.1").await,
        429
    );
    // RFC 7239 `Forwarded` names clients the same way.
    exhaust(&app, "forwarded", "for=\"[2001:db8::5]:4711\";proto=https").await;
    // Garbage in the header: the request counts against the proxy's own address, and is
    // answered, not failed.
    assert_eq!(status(&app, "x-forwarded-for", "not an address").await, 200);
    app.stop().await;
}

#[tokio::test]
async fn from_an_untrusted_peer_forwarding_headers_give_no_new_budget() {
    // Only some other network is trusted; the loopback peer is not.
    let (_t, app) = spawn(&["10.0.0.0/8"]).await;
    for n in 0..BUDGET {
        let spoofed = format!("198.51.100.{n}");
        assert_eq!(status(&app, "x-forwarded-for", &spoofed).await, 200);
    }
    assert_eq!(status(&app, "x-forwarded-for", "198.51.100.99").await, 429);
    assert_eq!(status(&app, "forwarded", "for=203.0.113.4").await, 429);
    app.stop().await;

    // No proxies configured at all (the default): the same.
    let (_t, app) = spawn(&[]).await;
    for n in 0..BUDGET {
        let spoofed = format!("for=198.51.100.{n}");
        assert_eq!(status(&app, "forwarded", &spoofed).await, 200);
    }
    assert_eq!(status(&app, "forwarded", "for=198.51.100.77").await, 429);
    app.stop().await;
}
