//! What a credential proves about its holder's skills: the one rule the index (matching,
//! `verifiedOnly`) and GraphQL (`Credential.valid`) both follow. A skill is verified only by
//! a credential whose proof checked out, bound to an issuer identifier an admin trusts, and
//! that is neither expired nor revoked (`makermatch_search::matching::credential_status`).

use makermatch_entities::{achievement, credential, issuer};
use makermatch_search::matching::{CredentialEvidence, ProofState};

use super::verification::Status;

/// The proof state a stored outcome stands for. Expiry and revocation are judged from the
/// credential's own fields, so an outcome of EXPIRED or REVOKED still had a good proof.
pub fn proof_state(c: &credential::Model) -> ProofState {
    match Status::parse(&c.verification_status) {
        Status::Verified | Status::Expired | Status::Revoked => ProofState::Verified,
        Status::Invalid => ProofState::Invalid,
        Status::Unverified => ProofState::Unverified,
    }
}

/// Whether an admin trusts the identifier the credential's proof is bound to: trust in an
/// issuer's *name* verifies nothing.
pub fn trusted_signer(c: &credential::Model, i: &issuer::Model) -> bool {
    i.trusted
        && i.identifier.is_some()
        && c.verified_issuer.is_some()
        && i.identifier == c.verified_issuer
}

/// The evidence the index keeps for a credential.
pub fn evidence(
    c: &credential::Model,
    a: &achievement::Model,
    i: &issuer::Model,
) -> CredentialEvidence {
    CredentialEvidence {
        id: c.id,
        achievement: a.name.clone(),
        issuer: i.name.clone(),
        issuer_trusted: trusted_signer(c, i),
        proof: proof_state(c),
        issued_on: c.issued_on,
        expires: c.expires,
        revoked: c.revoked || Status::parse(&c.verification_status) == Status::Revoked,
    }
}
