//! Ties are granted, never taken: a maker asks for a tie to a facility, and until its staff
//! (a maker tied to it as staff or owner) or a coordinator confirms it, the request grants
//! nothing; nobody else may confirm it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::actor::Role;
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};

const REQUEST: &str = "mutation($f: ID!, $r: String!) { requestTie(facilityId: $f, role: $r) { makerId facilityId role } }";
const CONFIRM: &str =
    "mutation($m: ID!, $f: ID!) { confirmTie(makerId: $m, facilityId: $f) { role } }";
const DECLINE: &str =
    "mutation($m: ID!, $f: ID!) { declineTie(makerId: $m, facilityId: $f) { role } }";
const REQUESTS: &str = "query($f: ID) { tieRequests(facilityId: $f) { makerId role } }";
const ACCEPT: &str =
    "mutation($id: ID!) { transitionAssignment(id: $id, step: ACCEPT) { status } }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

/// A maker and a token acting for them; `ties` as (facility id, role), set by an admin.
async fn maker(app: &TestApp, name: &str, ties: &[(&str, &str)]) -> (String, String) {
    let affiliations: Vec<Value> = ties
        .iter()
        .map(|(f, r)| json!({ "facilityId": f, "role": r }))
        .collect();
    let d = app
        .data(
            "mutation($input: MakerInput!) { createMaker(input: $input) { id uuid } }",
            json!({ "input": { "firstName": name, "affiliations": affiliations } }),
        )
        .await;
    let id = d["createMaker"]["id"].as_str().unwrap().to_owned();
    let uuid = d["createMaker"]["uuid"].as_str().unwrap().parse().unwrap();
    (id, app.token_for(Role::Maker, name, Some(uuid), None))
}

#[tokio::test]
async fn a_requested_tie_grants_nothing_until_the_facility_confirms_it() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let facility = app
            .data(
                "mutation { createFacility(input: { name: \"Kumasi Hive\" }) { id } }",
                json!({}),
            )
            .await["createFacility"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let job = app
            .data(
                "mutation { createJob(input: { title: \"Face shields\", quantity: 10, status: OPEN }) { id } }",
                json!({}),
            )
            .await["createJob"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let work = app
            .data(
                "mutation($input: ProposeAssignmentInput!) { proposeAssignment(input: $input) { id } }",
                json!({ "input": { "jobId": job, "facilityId": facility, "quantity": 5 } }),
            )
            .await["proposeAssignment"]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let (ama, ama_token) = maker(&app, "Ama", &[]).await;
        let (_, kofi_token) = maker(&app, "Kofi", &[]).await;
        let (_, esi_token) = maker(&app, "Esi", &[(facility.as_str(), "staff")]).await;

        // Ama asks to own the facility: the request is there, and it grants nothing.
        let asked = app
            .gql_as(Some(&ama_token), REQUEST, json!({ "f": facility, "r": "owner" }))
            .await;
        assert_eq!(asked["data"]["requestTie"]["role"], json!("owner"), "{asked}");
        let accept = app.gql_as(Some(&ama_token), ACCEPT, json!({ "id": work })).await;
        assert_eq!(code(&accept), "FORBIDDEN", "{accept}");

        // Neither she, nor a maker with no tie, may confirm it; a bad role is refused.
        for token in [&ama_token, &kofi_token] {
            let body = app
                .gql_as(Some(token), CONFIRM, json!({ "m": ama, "f": facility }))
                .await;
            assert_eq!(code(&body), "FORBIDDEN", "{body}");
            let body = app
                .gql_as(Some(token), REQUESTS, json!({ "f": facility }))
                .await;
            assert_eq!(code(&body), "FORBIDDEN", "{body}");
        }
        let bad = app
            .gql_as(Some(&kofi_token), REQUEST, json!({ "f": facility, "r": "emperor" }))
            .await;
        assert_eq!(code(&bad), "BAD_USER_INPUT", "{bad}");
        assert_eq!(bad["errors"][0]["extensions"]["field"], json!("role"));

        // The facility's staff sees it; a coordinator confirms it; then the tie acts.
        let seen = app
            .gql_as(Some(&esi_token), REQUESTS, json!({ "f": facility }))
            .await;
        assert_eq!(
            seen["data"]["tieRequests"],
            json!([{ "makerId": ama, "role": "owner" }]),
            "{seen}"
        );
        let coordinator = app.token_for(Role::Coordinator, "kwame", None, None);
        let confirmed = app
            .gql_as(Some(&coordinator), CONFIRM, json!({ "m": ama, "f": facility }))
            .await;
        assert_eq!(confirmed["data"]["confirmTie"]["role"], json!("owner"), "{confirmed}");
        let accept = app.gql_as(Some(&ama_token), ACCEPT, json!({ "id": work })).await;
        assert_eq!(accept["data"]["transitionAssignment"]["status"], json!("ACCEPTED"), "{accept}");

        // Kofi asks to be a member; the facility's staff declines, then confirms a new ask.
        let mine = app.gql_as(Some(&kofi_token), REQUEST, json!({ "f": facility, "r": "member" })).await;
        let kofi = mine["data"]["requestTie"]["makerId"].as_str().unwrap().to_owned();
        let own = app.gql_as(Some(&kofi_token), REQUESTS, json!({})).await;
        assert_eq!(own["data"]["tieRequests"].as_array().unwrap().len(), 1, "{own}");
        let declined = app
            .gql_as(Some(&esi_token), DECLINE, json!({ "m": kofi, "f": facility }))
            .await;
        assert_eq!(declined["data"]["declineTie"]["role"], Value::Null, "{declined}");
        let again = app
            .gql_as(Some(&esi_token), CONFIRM, json!({ "m": kofi, "f": facility }))
            .await;
        assert_eq!(code(&again), "NOT_FOUND", "a declined request is gone: {again}");
        app.gql_as(Some(&kofi_token), REQUEST, json!({ "f": facility, "r": "member" }))
            .await;
        let confirmed = app
            .gql_as(Some(&esi_token), CONFIRM, json!({ "m": kofi, "f": facility }))
            .await;
        assert_eq!(confirmed["data"]["confirmTie"]["role"], json!("member"), "{confirmed}");
        let members = app
            .data(
                "query($f: ID!) { node(id: $f) { ... on Facility { makers { name } } } }",
                json!({ "f": facility }),
            )
            .await;
        let names: Vec<&str> = members["node"]["makers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        for name in ["Ama", "Esi", "Kofi"] {
            assert!(names.iter().any(|n| n.contains(name)), "{name} not in {names:?}");
        }
        app.stop().await;
    })
    .await;
}
