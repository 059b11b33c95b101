//! A maker's passport as a W3C Verifiable Presentation: their credentials as received, each
//! with its own proof, enveloped (`data:application/vc;base64,…` for JSON-LD,
//! `data:application/vc+jwt,…` for a VC-JWT), and a passport
//! credential this deployment signs, summing up their skills with what verifies each; the
//! deployment, which hosts the passport, signs the whole (`authentication`, with the
//! verifier's challenge and domain when given). Only
//! what the public sees of a passport goes into the summary: no contact, birth date,
//! nationality or position. Import reads such a presentation back.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use chrono::{SecondsFormat, Utc};
use makermatch_entities::{
    achievement, achievement_alignment, credential, issuer, maker, skill, skill_claim,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::DeploymentIssuer;
use crate::services::credentials::evidence;
use crate::services::credentials::verification::{Incoming, Status};
use crate::services::{ServiceError, ServiceResult};

/// How a credential received as JSON-LD (with its embedded proof) travels in a presentation.
pub const JSON_LD_ENVELOPE: &str = "data:application/vc;base64,";

/// How a VC-JWT travels in a presentation.
pub const JWT_ENVELOPE: &str = "data:application/vc+jwt,";

/// What a verifier asks the presentation to be bound to (its nonce and its domain).
#[derive(Debug, Clone, Default)]
pub struct Binding {
    pub challenge: Option<String>,
    pub domain: Option<String>,
}

/// The presentation of maker `id`'s passport, signed by the deployment (an
/// `authentication` proof, bound to `binding`).
pub async fn presentation<C: ConnectionTrait>(
    db: &C,
    deployment: &DeploymentIssuer,
    id: Uuid,
    binding: Binding,
) -> ServiceResult<Value> {
    let m = maker::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|m| m.erased_at.is_none())
        .ok_or_else(|| ServiceError::NotFound {
            kind: "maker",
            id: id.to_string(),
        })?;
    let held = credential::Entity::find()
        .filter(credential::Column::MakerId.eq(id))
        .order_by_asc(credential::Column::IssuedOn)
        .all(db)
        .await?;
    let achievements: HashMap<Uuid, achievement::Model> = achievement::Entity::find()
        .filter(achievement::Column::Id.is_in(held.iter().map(|c| c.achievement_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let issuers: HashMap<Uuid, issuer::Model> = issuer::Entity::find()
        .filter(issuer::Column::Id.is_in(achievements.values().map(|a| a.issuer_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let alignments = achievement_alignment::Entity::find()
        .filter(achievement_alignment::Column::AchievementId.is_in(achievements.keys().copied()))
        .all(db)
        .await?;
    let now = Utc::now();
    // Which credentials count now, and the skills each verifies.
    let mut verified_by: HashMap<Uuid, Vec<String>> = HashMap::new();
    let mut originals = Vec::new();
    let mut summaries = Vec::new();
    for c in &held {
        let Some(a) = achievements.get(&c.achievement_id) else {
            continue;
        };
        let i = issuers.get(&a.issuer_id);
        let counts = i.is_some_and(|i| evidence::trusted_signer(c, i))
            && Status::parse(&c.verification_status) == Status::Verified
            && !c.revoked
            && c.expires.is_none_or(|e| e > now);
        let reference = c
            .source_id
            .clone()
            .unwrap_or_else(|| format!("urn:uuid:{}", c.id));
        if counts {
            for al in alignments.iter().filter(|al| al.achievement_id == a.id) {
                if let Some(skill) = al.skill_id {
                    verified_by
                        .entry(skill)
                        .or_default()
                        .push(reference.clone());
                }
            }
        }
        summaries.push(json!({
            "id": reference,
            "achievement": a.name,
            "issuer": i.and_then(|i| i.identifier.clone()),
            "issuerName": i.map(|i| i.name.clone()),
            "verification": c.verification_status,
            "countsAsVerified": counts,
        }));
        // Enveloped, each byte as received: the presentation's proof then covers a data
        // URL rather than the credential's own JSON-LD (which verifiers expand differently
        // when it is nested), and the original's proof is checked on the original.
        let envelope = match c.document.as_deref().and_then(Incoming::from_stored) {
            Some(Incoming::Json { text, .. }) => Some(format!(
                "{JSON_LD_ENVELOPE}{}",
                base64::engine::general_purpose::STANDARD.encode(text)
            )),
            Some(Incoming::Jws(jwt)) => Some(format!("{JWT_ENVELOPE}{jwt}")),
            None => None,
        };
        if let Some(id) = envelope {
            originals.push(json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "EnvelopedVerifiableCredential",
                "id": id,
            }));
        }
    }
    let claims = skill_claim::Entity::find()
        .filter(skill_claim::Column::MakerId.eq(id))
        .find_also_related(skill::Entity)
        .all(db)
        .await?;
    let mut seen = HashSet::new();
    let skills: Vec<Value> = claims
        .into_iter()
        .filter(|(c, _)| seen.insert(c.skill_id))
        .map(|(c, s)| {
            let by = verified_by.remove(&c.skill_id).unwrap_or_default();
            json!({
                "name": s.map(|s| s.label),
                "level": c.level,
                "years": c.years,
                "verification": if by.is_empty() { "SELF_DECLARED" } else { "VERIFIED" },
                "verifiedBy": by,
            })
        })
        .collect();
    let subject = format!("urn:uuid:{id}");
    let name = m.display_name.clone().or_else(|| {
        let full: Vec<&str> = [m.first_name.as_deref(), m.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!full.is_empty()).then(|| full.join(" "))
    });
    let passport = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            { "@vocab": "https://www.w3.org/ns/credentials/issuer-dependent#" }
        ],
        "id": format!("urn:uuid:{}", Uuid::now_v7()),
        "type": ["VerifiableCredential", "MakerPassportCredential"],
        "issuer": deployment.did(),
        "validFrom": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "credentialSubject": {
            "id": subject,
            "name": name,
            "skills": skills,
            "credentials": summaries,
        },
    });
    let passport = deployment
        .key()
        .sign(passport)
        .await
        .map_err(|e| ServiceError::Conflict(format!("cannot sign the passport: {e}")))?;
    originals.push(passport);
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "id": format!("urn:uuid:{}", Uuid::now_v7()),
        "holder": subject,
        "verifiableCredential": originals,
    });
    deployment
        .key()
        .sign_presentation(unsigned, binding.challenge, binding.domain)
        .await
        .map_err(|e| {
            ServiceError::Conflict(format!(
                "cannot sign the presentation: {e}; a credential written with a JSON-LD context \
                 this deployment does not ship cannot be presented signed"
            ))
        })
}
