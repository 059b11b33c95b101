//! What a verifier fetches to check this deployment's credentials: its DID document
//! (`did:web` resolves to `/.well-known/did.json`), its key as a JWKS for JOSE tools, and
//! its signed revocation list.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::Mutex;

use super::routes::AppState;
use crate::services::issuance::{DeploymentIssuer, status_list};

/// The deployment's identity, and its last signed list (re-signed only when a revocation
/// changed the bits, so a burst of requests costs one signature).
pub struct Published {
    pub deployment: DeploymentIssuer,
    list: Mutex<Option<(Vec<i64>, Value)>>,
}

impl Published {
    pub fn new(deployment: DeploymentIssuer) -> Arc<Published> {
        Arc::new(Published {
            deployment,
            list: Mutex::new(None),
        })
    }
}

const MAX_AGE: &str = "public, max-age=300";

fn json(value: Value, media: &'static str, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, media),
            (header::CACHE_CONTROL, cache),
        ],
        Json(value),
    )
        .into_response()
}

pub async fn did_document(State(state): State<AppState>) -> Response {
    let document = state.published.deployment.did_document().clone();
    json(document, "application/did+json", MAX_AGE)
}

pub async fn jwks(State(state): State<AppState>) -> Response {
    json(
        state.published.deployment.jwks(),
        "application/json",
        MAX_AGE,
    )
}

pub async fn status_list(State(state): State<AppState>) -> Response {
    let revoked = match status_list::revoked_places(&state.db).await {
        Ok(places) => places,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the revocation list");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the revocation list cannot be read now; try again shortly",
            )
                .into_response();
        }
    };
    let mut held = state.published.list.lock().await;
    if let Some((bits, signed)) = held.as_ref()
        && *bits == revoked
    {
        return json(signed.clone(), "application/vc+ld+json", "no-cache");
    }
    match status_list::list_credential(&state.published.deployment, &revoked).await {
        Ok(signed) => {
            *held = Some((revoked, signed.clone()));
            json(signed, "application/vc+ld+json", "no-cache")
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot sign the revocation list");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot sign the revocation list",
            )
                .into_response()
        }
    }
}
