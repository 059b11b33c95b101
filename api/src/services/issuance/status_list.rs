//! The revocation list of what this deployment issues: a `BitstringStatusListCredential`
//! (W3C Bitstring Status List) signed by the deployment, one bit per issued credential (its
//! `status_index`, a random free place), set when the credential is revoked.

use chrono::{SecondsFormat, Utc};
use makermatch_entities::credential;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};
use ssi_status::bitstring_status_list::{SizedStatusList, StatusPurpose, StatusSize, TimeToLive};

use super::DeploymentIssuer;

/// Where the list is served.
pub const PATH: &str = "/credentials/status/1";

/// Places in the list: the spec's minimum size (16 KiB of bits), which keeps a holder among
/// many.
pub const CAPACITY: i64 = 131_072;

/// The places of revoked credentials.
pub async fn revoked_places<C: ConnectionTrait>(db: &C) -> Result<Vec<i64>, DbErr> {
    let mut places: Vec<i64> = credential::Entity::find()
        .select_only()
        .column(credential::Column::StatusIndex)
        .filter(credential::Column::StatusIndex.is_not_null())
        .filter(credential::Column::Revoked.eq(true))
        .into_tuple::<Option<i64>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    places.sort_unstable();
    Ok(places)
}

/// The signed list credential with the bits of `revoked` set.
pub async fn list_credential(
    deployment: &DeploymentIssuer,
    revoked: &[i64],
) -> Result<Value, String> {
    let mut list = SizedStatusList::new(StatusSize::DEFAULT, TimeToLive::DEFAULT);
    for _ in 0..CAPACITY {
        list.push(0)
            .map_err(|e| format!("cannot build the status list: {e}"))?;
    }
    for place in revoked {
        let place = usize::try_from(*place).map_err(|_| format!("bad status place {place}"))?;
        list.set(place, 1)
            .map_err(|e| format!("cannot set status place {place}: {e}"))?;
    }
    let subject = serde_json::to_value(list.to_credential_subject(None, StatusPurpose::Revocation))
        .map_err(|e| format!("cannot encode the status list: {e}"))?;
    let url = deployment.public_url().join(PATH);
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": deployment.did(),
        "validFrom": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": subject["encodedList"],
        },
    });
    deployment.key().sign(unsigned).await
}
