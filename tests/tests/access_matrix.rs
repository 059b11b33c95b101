//! Who may do what, on the real server (DESIGN §8): every role against every private field
//! and every mutation, as one table. A refused call answers `FORBIDDEN` (or
//! `UNAUTHENTICATED` without a token), never shows the private value, and leaves every
//! table exactly as it was; an allowed one answers without errors (and shows the value).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::actor::Role;
use makermatch_entities::prelude::*;
use makermatch_tests::{TestApp, TestDb, TestIssuer, on_each_backend};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

/// What a caller should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Answered without errors.
    Ok,
    /// `FORBIDDEN`, nothing shown, nothing changed.
    Forbidden,
    /// `UNAUTHENTICATED`, nothing shown, nothing changed.
    Unauthenticated,
    /// No error, but the object is not there for this caller (a private profile).
    Hidden,
    /// No error, and the secret is left out of an answer that is otherwise there (a
    /// private member in a facility's list).
    Absent,
}

const A: Want = Want::Ok;
const F: Want = Want::Forbidden;
const U: Want = Want::Unauthenticated;
const H: Want = Want::Hidden;
const X: Want = Want::Absent;

/// The callers, in the order of each case's `want` row.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Anonymous,
    Admin,
    Coordinator,
    /// The QA inspector of the prototype job.
    Inspector,
    /// Bound to issuer 1.
    Issuer,
    /// A maker token bound to the maker the operation is about.
    MakerSelf,
    /// A maker token bound to another maker.
    MakerOther,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::Admin,
    Caller::Coordinator,
    Caller::Inspector,
    Caller::Issuer,
    Caller::MakerSelf,
    Caller::MakerOther,
];

/// What each case touches; `prepare` turns it into variables.
#[derive(Debug, Clone, Copy)]
enum Op {
    MakerA,
    MakerSharing,
    PrivateMaker,
    FacilityF,
    MyPassport,
    Programme,
    JobJ,
    CreateFacility,
    UpdateFacility,
    DeleteFacility,
    CreateMaker,
    UpdateMaker,
    /// A maker's passport naming itself the owner of a facility it is only a member of.
    TakeOwnership,
    /// A maker's passport naming a facility it has no tie to.
    TakeTie,
    /// A maker's passport without the tie it has.
    DropTie,
    DeleteMaker,
    ErasePassport,
    ProposeAssignment,
    Accept,
    ApprovePrototype,
    Cancel,
    CreateJob,
    UpdateJob,
    DeleteJob,
    CreateProgramme,
    UpdateProgramme,
    CreateIssuer,
    UpdateIssuer,
    TrustIssuer,
    VerifyCredential,
    CreateAchievement,
    IssueCredential,
    RevokeOwnCredential,
    RevokeOthersCredential,
    Import,
    /// A maker asks for a tie (it grants nothing until confirmed).
    RequestTie,
    /// A pending tie request to facility F.
    ConfirmTie,
    DeclineTie,
}

struct Case {
    name: &'static str,
    op: Op,
    query: &'static str,
    /// For: anonymous, admin, coordinator, inspector, issuer, the maker, another maker.
    want: [Want; 7],
    /// A private value that must show when allowed and never when refused.
    secret: Option<&'static str>,
}

const EMAIL: &str = "ama.owusu@private.example";
const PHONE: &str = "+233 24 555 0101";
const BORN: &str = "1991-02-03";
const NATIONALITY: &str = "NG";
const HOME_LAT: &str = "6.69312";
const SHARED_LAT: &str = "5.55123";
const FACILITY_EMAIL: &str = "hello@hive.example";
const FACILITY_PHONE: &str = "+233 30 222 0101";
const HIDDEN_NAME: &str = "Hidden Hannah";
const INSPECTOR: &str = "qa@matrix.test";
const OKW: &str = include_str!("../fixtures/import/okw-camel.json");

const TRANSITION: &str = "mutation($id: ID!, $step: AssignmentStep!) { transitionAssignment(id: $id, step: $step) { id status } }";

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let case = |name, op, query, want, secret| Case { name, op, query, want, secret };
    vec![
        //                                                                                                    anon admin coord insp issuer self other
        // Private maker fields: the maker, coordinators and admins.
        case("Maker.email", Op::MakerA, "query($id: ID!) { maker(id: $id) { email } }",                       [F, A, A, F, F, A, F], Some(EMAIL)),
        case("Maker.phone", Op::MakerA, "query($id: ID!) { maker(id: $id) { phone } }",                       [F, A, A, F, F, A, F], Some(PHONE)),
        case("Maker.dateOfBirth", Op::MakerA, "query($id: ID!) { maker(id: $id) { dateOfBirth } }",           [F, A, A, F, F, A, F], Some(BORN)),
        case("Maker.nationality", Op::MakerA, "query($id: ID!) { maker(id: $id) { nationality } }",           [F, A, A, F, F, A, F], Some(NATIONALITY)),
        // The home: the maker always; staff only with consent.
        case("Maker.exactLocation (not shared)", Op::MakerA, "query($id: ID!) { maker(id: $id) { exactLocation { lat lon } } }", [F, F, F, F, F, A, F], Some(HOME_LAT)),
        case("Maker.exactLocation (shared)", Op::MakerSharing, "query($id: ID!) { maker(id: $id) { exactLocation { lat lon } } }", [F, A, A, F, F, A, F], Some(SHARED_LAT)),
        // A passport without public consent: the maker and staff only.
        case("maker (private profile)", Op::PrivateMaker, "query($id: ID!) { maker(id: $id) { name } }",       [H, A, A, H, H, A, H], Some(HIDDEN_NAME)),
        case("node (private profile)", Op::PrivateMaker, "query($id: ID!) { node(id: $id) { ... on Maker { name } } }", [H, A, A, H, H, A, H], Some(HIDDEN_NAME)),
        // The same passport through lists: a facility's members, text search, makers.
        case("Facility.makers (a private member)", Op::FacilityF, "query($id: ID!) { facility(id: $id) { makers { name } } }", [X, A, A, X, X, X, X], Some(HIDDEN_NAME)),
        case("search (a private profile)", Op::MyPassport, "{ search(text: \"Hannah\", kinds: [MAKER], first: 10) { node { ... on Maker { name } } } }", [X, A, A, X, X, X, X], Some(HIDDEN_NAME)),
        case("makers (a private profile)", Op::MyPassport, "{ makers(text: \"Hannah\") { nodes { name } } }", [X, A, A, X, X, X, X], Some(HIDDEN_NAME)),
        // The map and a nested search draw the same passports as every other door.
        case("mapFeatures (a private profile)", Op::MyPassport, "{ mapFeatures(bbox: { minLat: 9.0, minLon: -1.2, maxLat: 9.8, maxLon: -0.4 }, zoom: 16, layers: [MAKERS]) }", [X, A, A, X, X, X, X], Some(HIDDEN_NAME)),
        case("Facility.nearbyMakers (a private profile)", Op::FacilityF, "query($id: ID!) { facility(id: $id) { nearbyMakers(radiusKm: 400) { name } } }", [X, A, A, X, X, X, X], Some(HIDDEN_NAME)),
        // Facility contacts: staff.
        case("Facility.contactEmail", Op::FacilityF, "query($id: ID!) { facility(id: $id) { contactEmail } }", [F, A, A, F, F, F, F], Some(FACILITY_EMAIL)),
        case("Facility.contactPhone", Op::FacilityF, "query($id: ID!) { facility(id: $id) { contactPhone } }", [F, A, A, F, F, F, F], Some(FACILITY_PHONE)),
        // Passport export.
        case("exportPassport", Op::MakerA, "query($id: ID!) { exportPassport(makerId: $id) }",                 [U, A, A, F, F, A, F], Some(EMAIL)),
        case("myPassport", Op::MyPassport, "{ myPassport }",                                                   [U, F, F, F, F, A, A], None),
        // Staff reads.
        case("skillGaps", Op::Programme, "{ skillGaps(within: { minLat: 4.5, minLon: -3.3, maxLat: 11.2, maxLon: 1.2 }) { openJobs } }", [U, A, A, F, F, F, F], None),
        case("programmeSummary", Op::Programme, "query($id: ID!) { programmeSummary(programmeId: $id) { total { proposed } } }", [U, A, A, F, F, F, F], None),
        // A job's work: staff and its inspector see all of it, a maker only their facility's.
        case("assignments (of a job)", Op::JobJ, "query($id: ID!) { assignments(jobId: $id) { unitPriceMinor history { actor } } }", [U, A, A, A, F, A, F], Some("admin@test")),
        case("node (an assignment)", Op::Accept, "query($id: ID!) { node(id: $id) { ... on Assignment { unitPriceMinor } } }", [H, A, A, A, H, A, H], None),
        case("Maker.matchingJobs", Op::MakerA, "query($id: ID!) { maker(id: $id) { matchingJobs { team { score } } } }", [F, A, A, F, F, A, F], None),
        case("Facility.matchingJobs", Op::FacilityF, "query($id: ID!) { facility(id: $id) { matchingJobs { team { score } } } }", [F, A, A, F, F, F, F], None),
        case("matchJob", Op::JobJ, "query($id: ID!) { matchJob(jobId: $id) { score } }",                        [U, A, A, F, F, F, F], None),
        case("matchDesign", Op::MyPassport, "{ matchDesign(manifest: \"title: Lamp\\nokh-manifest-version: 1.0.0\\nmanufacturing-processes: [PCB]\") { score } }", [U, A, A, F, F, F, F], None),
        // Every mutation.
        case("createFacility", Op::CreateFacility, "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }", [U, A, A, F, F, F, F], None),
        case("updateFacility", Op::UpdateFacility, "mutation($id: ID!, $input: FacilityInput!) { updateFacility(id: $id, input: $input) { id } }", [U, A, A, F, F, F, F], None),
        case("deleteFacility", Op::DeleteFacility, "mutation($id: ID!) { deleteFacility(id: $id) { id } }",    [U, A, A, F, F, F, F], None),
        case("createMaker", Op::CreateMaker, "mutation($input: MakerInput!) { createMaker(input: $input) { id } }", [U, A, A, F, F, F, F], None),
        case("updateMaker", Op::UpdateMaker, "mutation($id: ID!, $input: MakerInput!) { updateMaker(id: $id, input: $input) { id } }", [U, A, A, F, F, A, F], None),
        // Ties to a facility let a maker act for it: granted by staff, never taken.
        case("updateMaker (raise own tie to owner)", Op::TakeOwnership, "mutation($id: ID!, $input: MakerInput!) { updateMaker(id: $id, input: $input) { id } }", [U, A, A, F, F, F, F], None),
        case("updateMaker (tie to another facility)", Op::TakeTie, "mutation($id: ID!, $input: MakerInput!) { updateMaker(id: $id, input: $input) { id } }", [U, A, A, F, F, F, F], None),
        case("updateMaker (drop own tie)", Op::DropTie, "mutation($id: ID!, $input: MakerInput!) { updateMaker(id: $id, input: $input) { id } }", [U, A, A, F, F, A, F], None),
        case("deleteMaker", Op::DeleteMaker, "mutation($id: ID!) { deleteMaker(id: $id) { id } }",              [U, A, A, F, F, A, F], None),
        case("erasePassport", Op::ErasePassport, "mutation($id: ID!) { erasePassport(makerId: $id) { id } }",  [U, A, F, F, F, A, F], None),
        case("proposeAssignment", Op::ProposeAssignment, "mutation($input: ProposeAssignmentInput!) { proposeAssignment(input: $input) { id } }", [U, A, A, F, F, F, F], None),
        case("transitionAssignment ACCEPT", Op::Accept, TRANSITION,                                            [U, A, A, F, F, A, F], None),
        case("transitionAssignment APPROVE_PROTOTYPE", Op::ApprovePrototype, TRANSITION,                      [U, F, F, A, F, F, F], None),
        case("transitionAssignment CANCEL", Op::Cancel, TRANSITION,                                            [U, A, A, F, F, F, F], None),
        case("allocateJob", Op::JobJ, "mutation($id: ID!) { allocateJob(jobId: $id, options: { dryRun: true }) { complete } }", [U, A, A, F, F, F, F], None),
        case("allocateProgramme", Op::Programme, "mutation($id: ID!) { allocateProgramme(programmeId: $id, options: { dryRun: true }) { complete } }", [U, A, A, F, F, F, F], None),
        case("createJob", Op::CreateJob, "mutation($input: JobInput!) { createJob(input: $input) { id } }",    [U, A, A, F, F, F, F], None),
        case("updateJob", Op::UpdateJob, "mutation($id: ID!, $input: JobInput!) { updateJob(id: $id, input: $input) { id } }", [U, A, A, F, F, F, F], None),
        case("deleteJob", Op::DeleteJob, "mutation($id: ID!) { deleteJob(id: $id) { id } }",                  [U, A, A, F, F, F, F], None),
        case("createProgramme", Op::CreateProgramme, "mutation($input: ProgrammeInput!) { createProgramme(input: $input) { id } }", [U, A, A, F, F, F, F], None),
        case("updateProgramme", Op::UpdateProgramme, "mutation($id: ID!, $input: ProgrammeInput!) { updateProgramme(id: $id, input: $input) { id } }", [U, A, A, F, F, F, F], None),
        case("createIssuer", Op::CreateIssuer, "mutation($input: IssuerInput!) { createIssuer(input: $input) { id } }", [U, A, F, F, F, F, F], None),
        case("updateIssuer", Op::UpdateIssuer, "mutation($id: ID!, $input: IssuerUpdateInput!) { updateIssuer(id: $id, input: $input) { id } }", [U, A, F, F, F, F, F], None),
        case("trustIssuer", Op::TrustIssuer, "mutation($identifier: String!) { trustIssuer(identifier: $identifier) { id } }", [U, A, F, F, F, F, F], None),
        case("verifyCredential", Op::VerifyCredential, "mutation($id: ID!) { verifyCredential(id: $id) { id } }", [U, A, A, F, F, F, F], None),
        case("createAchievement", Op::CreateAchievement, "mutation($input: AchievementInput!) { createAchievement(input: $input) { id } }", [U, A, F, F, A, F, F], None),
        case("issueCredential", Op::IssueCredential, "mutation($input: CredentialInput!) { issueCredential(input: $input) { id } }", [U, A, F, F, A, F, F], None),
        case("revokeCredential (its own)", Op::RevokeOwnCredential, "mutation($id: ID!) { revokeCredential(id: $id, reason: \"matrix\") { id } }", [U, A, F, F, A, F, F], None),
        case("revokeCredential (another issuer's)", Op::RevokeOthersCredential, "mutation($id: ID!) { revokeCredential(id: $id, reason: \"matrix\") { id } }", [U, A, F, F, F, F, F], None),
        case("requestTie", Op::RequestTie, "mutation($f: ID!) { requestTie(facilityId: $f, role: \"owner\") { role } }", [U, F, F, F, F, A, A], None),
        case("confirmTie", Op::ConfirmTie, "mutation($m: ID!, $f: ID!) { confirmTie(makerId: $m, facilityId: $f) { makerId } }", [U, A, A, F, F, F, F], None),
        case("declineTie", Op::DeclineTie, "mutation($m: ID!, $f: ID!) { declineTie(makerId: $m, facilityId: $f) { makerId } }", [U, A, A, F, F, F, F], None),
        case("importDocument", Op::Import, "mutation($content: String!) { importDocument(format: OKW, content: $content, dryRun: true) { dryRun } }", [U, A, A, F, F, F, F], None),
    ]
}

/// Every mutation of the schema appears in the table (a new one must be added to it).
#[test]
fn the_table_covers_every_mutation() {
    let sdl = makermatch_api::graphql::sdl();
    let block = sdl.split("type Mutation {").nth(1).unwrap();
    let block = &block[..block.find("\n}").unwrap()];
    let mut mutations: Vec<&str> = block
        .lines()
        .filter_map(|l| {
            // A field starts a line at one tab: `\tname(args): Type`, or `\tname(` when its
            // arguments have descriptions and take a line each (two tabs); doc strings hold
            // prose and start with `"`.
            let line = l.strip_prefix('\t')?;
            let end = line.find(['(', ':'])?;
            let name = &line[..end];
            let field = name.starts_with(|c: char| c.is_ascii_lowercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric());
            field.then_some(name)
        })
        .collect();
    mutations.sort();
    mutations.dedup();
    let covered: Vec<String> = cases().iter().map(|c| c.query.to_owned()).collect();
    for m in &mutations {
        assert!(
            covered.iter().any(|q| q.contains(&format!("{{ {m}("))),
            "mutation `{m}` has no row in the access matrix"
        );
    }
    assert!(mutations.len() >= 22, "{mutations:?}");
}

/// The shared objects the cases read and (when refused) try to change.
struct Scene {
    facility: String,
    /// A facility none of the makers is tied to.
    other_facility: String,
    maker_a: String,
    maker_a_uuid: Uuid,
    sharing: String,
    sharing_uuid: Uuid,
    private: String,
    private_uuid: Uuid,
    other_uuid: Uuid,
    issuer_1: String,
    issuer_1_uuid: Uuid,
    achievement_1: String,
    achievement_2: String,
    credential_1: String,
    /// A credential imported with its signed document (one `verifyCredential` can check).
    signed: String,
    credential_2: String,
    programme: String,
    job: String,
    prototype_job: String,
    proposed: String,
    submitted: String,
}

fn id(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

fn maker_a_input(facility: &str) -> Value {
    json!({
        "firstName": "Ama", "lastName": "Owusu", "email": EMAIL, "phone": PHONE,
        "dateOfBirth": BORN, "nationality": NATIONALITY, "publicProfile": true,
        "location": { "country": "GH", "city": "Kumasi", "lat": 6.69312, "lon": -1.61876 },
        "affiliations": [{ "facilityId": facility, "role": "member" }],
    })
}

async fn create_maker(app: &TestApp, input: Value) -> (String, Uuid) {
    let m = app
        .data(
            "mutation($input: MakerInput!) { createMaker(input: $input) { id uuid } }",
            json!({ "input": input }),
        )
        .await["createMaker"]
        .clone();
    (id(&m["id"]), m["uuid"].as_str().unwrap().parse().unwrap())
}

async fn propose(app: &TestApp, job: &str, facility: &str, maker: &str) -> String {
    id(&app
        .data(
            "mutation($input: ProposeAssignmentInput!) { proposeAssignment(input: $input) { id } }",
            json!({ "input": { "jobId": job, "facilityId": facility, "quantity": 1, "makerIds": [maker] } }),
        )
        .await["proposeAssignment"]["id"])
}

async fn step(app: &TestApp, assignment: &str, step: &str) {
    app.data(TRANSITION, json!({ "id": assignment, "step": step }))
        .await;
}

/// An assignment of the prototype job waiting for its QA inspector.
async fn submitted(app: &TestApp, s_job: &str, facility: &str, maker: &str) -> String {
    let a = propose(app, s_job, facility, maker).await;
    step(app, &a, "ACCEPT").await;
    step(app, &a, "SUBMIT_PROTOTYPE").await;
    a
}

async fn credential(app: &TestApp, achievement: &str, maker: &str) -> String {
    id(&app
        .data(
            "mutation($input: CredentialInput!) { issueCredential(input: $input) { id } }",
            json!({ "input": { "makerId": maker, "achievementId": achievement } }),
        )
        .await["issueCredential"]["id"])
}

async fn scene(app: &TestApp) -> Scene {
    let facility = id(&app
        .data(
            "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }",
            json!({ "input": {
                "name": "Kumasi Hive", "contactEmail": FACILITY_EMAIL, "contactPhone": FACILITY_PHONE,
                "location": { "lat": 6.6885, "lon": -1.6244, "country": "GH" },
            }}),
        )
        .await["createFacility"]["id"]);
    let other_facility = id(&app
        .data(
            "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }",
            json!({ "input": { "name": "Accra Works", "location": { "lat": 5.6, "lon": -0.19, "country": "GH" } } }),
        )
        .await["createFacility"]["id"]);
    let (maker_a, maker_a_uuid) = create_maker(app, maker_a_input(&facility)).await;
    let (sharing, sharing_uuid) = create_maker(
        app,
        json!({ "displayName": "Sharing Sena", "publicProfile": true, "shareExactLocation": true,
                "location": { "lat": 5.55123, "lon": -0.2 } }),
    )
    .await;
    let (private, private_uuid) = create_maker(
        app,
        json!({ "displayName": HIDDEN_NAME, "publicProfile": false,
                "location": { "country": "GH", "city": "Tamale", "lat": 9.4008, "lon": -0.8393 },
                "affiliations": [{ "facilityId": facility, "role": "member" }] }),
    )
    .await;
    let (_, other_uuid) = create_maker(
        app,
        json!({ "displayName": "Other Kofi", "publicProfile": true }),
    )
    .await;
    let issuer = |name: &'static str| async move {
        let i = app
            .data(
                "mutation($input: IssuerInput!) { createIssuer(input: $input) { id uuid } }",
                json!({ "input": { "name": name, "trusted": true, "identifier": format!("did:web:{}.example", name.to_lowercase().replace(' ', "-")) } }),
            )
            .await["createIssuer"]
            .clone();
        (
            id(&i["id"]),
            i["uuid"].as_str().unwrap().parse::<Uuid>().unwrap(),
        )
    };
    let (issuer_1, issuer_1_uuid) = issuer("Issuer One").await;
    let (issuer_2, _) = issuer("Issuer Two").await;
    let achievement = |issuer: String| async move {
        id(&app
                .data(
                    "mutation($input: AchievementInput!) { createAchievement(input: $input) { id } }",
                    json!({ "input": { "issuerId": issuer, "name": "Welder", "alignments": [{ "skill": "welding" }] } }),
                )
                .await["createAchievement"]["id"])
    };
    let achievement_1 = achievement(issuer_1.clone()).await;
    let achievement_2 = achievement(issuer_2.clone()).await;
    let credential_1 = credential(app, &achievement_1, &maker_a).await;
    let credential_2 = credential(app, &achievement_2, &maker_a).await;
    let outside = TestIssuer::new();
    let document = outside
        .award(
            "urn:uuid:matrix-1",
            EMAIL,
            ("https://badges.example.org/matrix", "Matrix badge"),
            "welding",
        )
        .await;
    let signed = outside.import(app, &document, &maker_a).await;
    let programme = id(&app
        .data(
            "mutation($input: ProgrammeInput!) { createProgramme(input: $input) { id } }",
            json!({ "input": { "name": "Matrix trial" } }),
        )
        .await["createProgramme"]["id"]);
    let job = |title: &'static str, prototype: bool| {
        let programme = programme.clone();
        async move {
            id(&app
                .data(
                    "mutation($input: JobInput!) { createJob(input: $input) { id } }",
                    json!({ "input": {
                        "programmeId": programme, "title": title, "quantity": 10_000,
                        "unitPrice": { "amountMinor": 200, "currency": "USD" },
                        "prototypeFirst": prototype, "qaInspector": INSPECTOR, "status": "OPEN",
                        "deliveryPoint": { "lat": 6.7, "lon": -1.6, "name": "Clinic" },
                        "requirements": [{ "kind": "PROCESS", "term": "fdm" }],
                    }}),
                )
                .await["createJob"]["id"])
        }
    };
    let job_j = job("Oximeter housings", false).await;
    let prototype_job = job("Splints", true).await;
    let proposed = propose(app, &job_j, &facility, &maker_a).await;
    let submitted = submitted(app, &prototype_job, &facility, &maker_a).await;
    Scene {
        facility,
        other_facility,
        maker_a,
        maker_a_uuid,
        sharing,
        sharing_uuid,
        private,
        private_uuid,
        other_uuid,
        issuer_1,
        issuer_1_uuid,
        achievement_1,
        achievement_2,
        credential_1,
        signed,
        credential_2,
        programme,
        job: job_j,
        prototype_job,
        proposed,
        submitted,
    }
}

/// The variables of `op`, and the maker the "maker" caller is bound to. When `fresh`, an
/// allowed change gets objects of its own so that the shared ones stay as they are.
async fn prepare(app: &TestApp, s: &Scene, op: Op, fresh: bool) -> (Value, Uuid) {
    let a = s.maker_a_uuid;
    let spare_maker = || async {
        create_maker(
            app,
            json!({ "displayName": "Spare Maker", "publicProfile": true }),
        )
        .await
    };
    match op {
        Op::MakerA => (json!({ "id": s.maker_a }), a),
        Op::MakerSharing => (json!({ "id": s.sharing }), s.sharing_uuid),
        Op::PrivateMaker => (json!({ "id": s.private }), s.private_uuid),
        Op::FacilityF => (json!({ "id": s.facility }), a),
        Op::MyPassport => (json!({}), a),
        Op::Programme => (json!({ "id": s.programme }), a),
        Op::JobJ => (json!({ "id": s.job }), a),
        Op::CreateFacility => (json!({ "input": { "name": "Matrix Lab" } }), a),
        Op::UpdateFacility | Op::DeleteFacility => {
            let target = if fresh {
                id(&app
                    .data(
                        "mutation { createFacility(input: { name: \"Spare Lab\" }) { id } }",
                        json!({}),
                    )
                    .await["createFacility"]["id"])
            } else {
                s.facility.clone()
            };
            (
                json!({ "id": target, "input": { "name": "Renamed Lab" } }),
                a,
            )
        }
        Op::CreateMaker => (json!({ "input": { "displayName": "New Maker" } }), a),
        // The same passport again: an allowed update leaves maker A as it was.
        Op::UpdateMaker => (
            json!({ "id": s.maker_a, "input": maker_a_input(&s.facility) }),
            a,
        ),
        Op::TakeOwnership | Op::TakeTie | Op::DropTie => {
            // Allowed changes go to a spare member of the facility, refused ones to maker A.
            let (target, uuid) = if fresh {
                create_maker(
                    app,
                    json!({ "displayName": "Spare Member", "publicProfile": true,
                            "affiliations": [{ "facilityId": s.facility, "role": "member" }] }),
                )
                .await
            } else {
                (s.maker_a.clone(), a)
            };
            let mut input = maker_a_input(&s.facility);
            input["affiliations"] = match op {
                Op::TakeOwnership => json!([{ "facilityId": s.facility, "role": "owner" }]),
                Op::TakeTie => json!([
                    { "facilityId": s.facility, "role": "member" },
                    { "facilityId": s.other_facility, "role": "staff" },
                ]),
                _ => json!([]),
            };
            (json!({ "id": target, "input": input }), uuid)
        }
        Op::DeleteMaker | Op::ErasePassport => {
            if fresh {
                let (m, uuid) = spare_maker().await;
                (json!({ "id": m }), uuid)
            } else {
                (json!({ "id": s.maker_a }), a)
            }
        }
        Op::ProposeAssignment => (
            json!({ "input": { "jobId": s.job, "facilityId": s.facility, "quantity": 1, "makerIds": [s.maker_a] } }),
            a,
        ),
        Op::Accept | Op::Cancel => {
            let target = if fresh {
                propose(app, &s.job, &s.facility, &s.maker_a).await
            } else {
                s.proposed.clone()
            };
            let step = if matches!(op, Op::Accept) {
                "ACCEPT"
            } else {
                "CANCEL"
            };
            (json!({ "id": target, "step": step }), a)
        }
        Op::ApprovePrototype => {
            let target = if fresh {
                submitted(app, &s.prototype_job, &s.facility, &s.maker_a).await
            } else {
                s.submitted.clone()
            };
            (json!({ "id": target, "step": "APPROVE_PROTOTYPE" }), a)
        }
        Op::CreateJob => (
            json!({ "input": { "title": "Matrix job", "quantity": 5 } }),
            a,
        ),
        Op::UpdateJob | Op::DeleteJob => {
            let target = if fresh {
                id(&app
                    .data(
                        "mutation { createJob(input: { title: \"Spare job\", quantity: 3 }) { id } }",
                        json!({}),
                    )
                    .await["createJob"]["id"])
            } else {
                s.job.clone()
            };
            (
                json!({ "id": target, "input": { "title": "Renamed job", "quantity": 7 } }),
                a,
            )
        }
        Op::CreateProgramme => (json!({ "input": { "name": "Another trial" } }), a),
        Op::UpdateProgramme => (
            json!({ "id": s.programme, "input": { "name": "Matrix trial" } }),
            a,
        ),
        Op::CreateIssuer => (
            json!({ "input": { "name": "Rogue issuer", "trusted": true, "identifier": format!("did:web:rogue-{}.example", Uuid::new_v4().simple()) } }),
            a,
        ),
        Op::UpdateIssuer => (json!({ "id": s.issuer_1, "input": { "trusted": true } }), a),
        Op::VerifyCredential => (json!({ "id": s.signed }), a),
        Op::TrustIssuer => (
            json!({ "identifier": format!("did:web:trusted-{}.example", Uuid::new_v4().simple()) }),
            a,
        ),
        Op::CreateAchievement => (
            json!({ "input": { "issuerId": s.issuer_1, "name": "Another badge" } }),
            a,
        ),
        Op::IssueCredential => (
            json!({ "input": { "makerId": s.maker_a, "achievementId": s.achievement_1 } }),
            a,
        ),
        Op::RevokeOwnCredential | Op::RevokeOthersCredential => {
            let (achievement, shared) = match op {
                Op::RevokeOwnCredential => (&s.achievement_1, &s.credential_1),
                _ => (&s.achievement_2, &s.credential_2),
            };
            let target = if fresh {
                credential(app, achievement, &s.maker_a).await
            } else {
                shared.clone()
            };
            (json!({ "id": target }), a)
        }
        Op::Import => (json!({ "content": OKW }), a),
        Op::RequestTie => (json!({ "f": s.other_facility }), a),
        Op::ConfirmTie | Op::DeclineTie => {
            // An allowed decision needs a pending request of its own; a refused one is
            // refused before the request is looked for.
            let target = if fresh {
                let (m, uuid) = spare_maker().await;
                let token = app.token_for(Role::Maker, "spare-maker", Some(uuid), None);
                let asked = app
                    .gql_as(
                        Some(&token),
                        "mutation($f: ID!) { requestTie(facilityId: $f) { role } }",
                        json!({ "f": s.facility }),
                    )
                    .await;
                assert!(asked.get("errors").is_none(), "{asked}");
                m
            } else {
                s.maker_a.clone()
            };
            (json!({ "m": target, "f": s.facility }), a)
        }
    }
}

fn token(app: &TestApp, s: &Scene, caller: Caller, own: Uuid) -> Option<String> {
    match caller {
        Caller::Anonymous => None,
        Caller::Admin => Some(app.token.clone()),
        Caller::Coordinator => {
            Some(app.token_for(Role::Coordinator, "coord@matrix.test", None, None))
        }
        Caller::Inspector => Some(app.token_for(Role::Inspector, INSPECTOR, None, None)),
        Caller::Issuer => {
            Some(app.token_for(Role::Issuer, "issuer-one", None, Some(s.issuer_1_uuid)))
        }
        Caller::MakerSelf => Some(app.token_for(Role::Maker, "maker-self", Some(own), None)),
        Caller::MakerOther => {
            // Another maker, never the one the operation is about.
            let other = if own == s.other_uuid {
                s.maker_a_uuid
            } else {
                s.other_uuid
            };
            Some(app.token_for(Role::Maker, "maker-other", Some(other), None))
        }
    }
}

/// Every row of the tables a call could change, serialised: equal before and after a
/// refused call means nothing changed.
async fn everything(db: &DatabaseConnection) -> String {
    macro_rules! rows {
        ($($e:ty),*) => {{
            let mut out = String::new();
            $(
                let rows = <$e>::find().all(db).await.unwrap();
                out.push_str(&serde_json::to_string(&rows).unwrap());
                out.push('\n');
            )*
            out
        }};
    }
    rows!(
        Facility,
        Equipment,
        Maker,
        SkillClaim,
        Experience,
        Availability,
        MakerAffiliation,
        MachineClearance,
        Credential,
        Issuer,
        Achievement,
        AchievementAlignment,
        Programme,
        Job,
        JobRequirement,
        Assignment,
        AssignmentMaker,
        AssignmentEvent,
        Outbox
    )
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

#[tokio::test]
async fn every_role_against_every_protected_field_and_mutation() {
    on_each_backend(|t: TestDb| async move {
        let mut config = t.config.clone();
        config.auth.rate_limit_per_minute = 0; // one test makes hundreds of calls
        let app = TestApp::spawn_with(&t, config).await;
        let s = scene(&app).await;
        let mut failures = Vec::new();
        for case in cases() {
            for (caller, want) in CALLERS.into_iter().zip(case.want) {
                let (vars, own) = prepare(&app, &s, case.op, want == Want::Ok).await;
                let before = everything(&app.db).await;
                let body = app
                    .gql_as(token(&app, &s, caller, own).as_deref(), case.query, vars)
                    .await;
                let text = body.to_string();
                let what = format!("{} as {caller:?}", case.name);
                let ok = match want {
                    Want::Ok => {
                        body.get("errors").is_none()
                            && body["data"]
                                .as_object()
                                .unwrap()
                                .values()
                                .all(|v| !v.is_null())
                            && case.secret.is_none_or(|secret| text.contains(secret))
                    }
                    Want::Hidden => {
                        body.get("errors").is_none()
                            && body["data"]
                                .as_object()
                                .unwrap()
                                .values()
                                .all(Value::is_null)
                    }
                    Want::Absent => {
                        body.get("errors").is_none()
                            && body["data"]
                                .as_object()
                                .unwrap()
                                .values()
                                .all(|v| !v.is_null())
                    }
                    Want::Forbidden | Want::Unauthenticated => {
                        let expected = if want == Want::Forbidden {
                            "FORBIDDEN"
                        } else {
                            "UNAUTHENTICATED"
                        };
                        code(&body) == Some(expected)
                    }
                };
                if !ok {
                    failures.push(format!("{what}: wanted {want:?}, got {text}"));
                    continue;
                }
                if want != Want::Ok {
                    if let Some(secret) = case.secret {
                        assert!(!text.contains(secret), "{what} shows `{secret}`: {text}");
                    }
                    // A refused field of an object is `null` beside its error (GraphQL
                    // spec), not missing: clients cache by the shape they asked for.
                    if want == Want::Forbidden
                        && let Some((_, field)) = case.name.split_once('.')
                    {
                        let field = field.split(' ').next().unwrap();
                        if !text.contains(&format!("\"{field}\":null")) {
                            failures.push(format!("{what}: `{field}` is not null in data: {text}"));
                        }
                    }
                    assert_eq!(
                        before,
                        everything(&app.db).await,
                        "{what} was refused but changed something"
                    );
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of the matrix went wrong:\n{}",
            failures.len(),
            failures.join("\n")
        );
        app.stop().await;
    })
    .await;
}

/// A subscription through the WebSocket door, for each caller: an allowed one delivers the
/// next transition of the job's (or facility's) work, with its price's actor; a refused one
/// answers its code and delivers nothing.
#[tokio::test]
async fn every_role_against_every_subscription() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    async fn next(
        ws: &mut tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    ) -> Value {
        loop {
            let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
                .await
                .expect("a message within 10 s")
                .expect("the socket stays open")
                .unwrap();
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] != "ping" {
                    return v;
                }
            }
        }
    }

    on_each_backend(|t: TestDb| async move {
        let mut config = t.config.clone();
        config.auth.rate_limit_per_minute = 0;
        let app = TestApp::spawn_with(&t, config).await;
        let s = scene(&app).await;
        let cases = [
            // anon admin coord insp issuer self other
            (
                "jobEvents",
                "subscription($id: ID!) { jobEvents(jobId: $id) { toStatus actor } }",
                s.job.clone(),
                [U, A, A, A, F, F, F],
            ),
            (
                "assignmentEvents",
                "subscription($id: ID!) { assignmentEvents(facilityId: $id) { toStatus actor } }",
                s.facility.clone(),
                [U, A, A, F, F, A, F],
            ),
        ];
        let mut failures = Vec::new();
        for (name, query, target, wants) in cases {
            for (caller, want) in CALLERS.into_iter().zip(wants) {
                let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
                let mut request = url.into_client_request().unwrap();
                request.headers_mut().insert(
                    "sec-websocket-protocol",
                    "graphql-transport-ws".parse().unwrap(),
                );
                let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
                let init = match token(&app, &s, caller, s.maker_a_uuid) {
                    Some(t) => json!({ "token": t }),
                    None => json!({}),
                };
                ws.send(Message::text(
                    json!({ "type": "connection_init", "payload": init }).to_string(),
                ))
                .await
                .unwrap();
                assert_eq!(next(&mut ws).await["type"], "connection_ack");
                ws.send(Message::text(
                    json!({ "id": "1", "type": "subscribe",
                            "payload": { "query": query, "variables": { "id": target } } })
                    .to_string(),
                ))
                .await
                .unwrap();
                let what = format!("{name} as {caller:?}");
                let got = if want == Want::Ok {
                    // Give the subscription a moment to be registered, then make work.
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    propose(&app, &s.job, &s.facility, &s.maker_a).await;
                    next(&mut ws).await
                } else {
                    next(&mut ws).await
                };
                let ok = match want {
                    Want::Ok => {
                        got["type"] == "next"
                            && got["payload"]["data"][name]["toStatus"] == "PROPOSED"
                            && got["payload"]["data"][name]["actor"] == "admin@test"
                    }
                    Want::Forbidden => {
                        got["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
                    }
                    _ => got["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED",
                };
                if !ok {
                    failures.push(format!("{what}: wanted {want:?}, got {got}"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} subscriptions went wrong:\n{}",
            failures.len(),
            failures.join("\n")
        );
        app.stop().await;
    })
    .await;
}

/// The command line's export door: the public export shows none of the table's secrets in
/// any format; the operator's (`--include-private`) shows every one of them.
#[tokio::test]
async fn the_export_door_shows_what_its_visibility_allows() {
    use makermatch_api::export::{ExportFormat, ExportKind, ExportOptions, export};
    use makermatch_api::services::policy::Visibility;

    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        scene(&app).await;
        let dump = |visibility: Visibility| {
            let db = app.db.clone();
            async move {
                let mut all = String::new();
                for kind in [ExportKind::Facilities, ExportKind::Makers] {
                    for format in [
                        ExportFormat::OkwJson,
                        ExportFormat::Geojson,
                        ExportFormat::Csv,
                    ] {
                        let mut buf = Vec::new();
                        let options = ExportOptions {
                            kind,
                            format,
                            visibility: visibility.clone(),
                        };
                        export(&db, options, &mut buf).await.unwrap();
                        all.push_str(&String::from_utf8(buf).unwrap());
                    }
                }
                all
            }
        };
        let public = dump(Visibility::public()).await;
        let operator = dump(Visibility::operator()).await;
        assert!(
            public.contains("Kumasi Hive") && public.contains("Owusu"),
            "{public}"
        );
        // The nationality is a bare code: look for it as a JSON string.
        let nationality = format!("\"{NATIONALITY}\"");
        for secret in [
            EMAIL,
            PHONE,
            BORN,
            &nationality,
            HOME_LAT,
            SHARED_LAT,
            FACILITY_EMAIL,
            FACILITY_PHONE,
            HIDDEN_NAME,
        ] {
            assert!(
                !public.contains(secret),
                "the public export shows `{secret}`"
            );
            assert!(
                operator.contains(secret),
                "the operator's export lacks `{secret}`"
            );
        }
        app.stop().await;
    })
    .await;
}
