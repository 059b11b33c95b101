//! Issuers, achievements and credentials (Open Badges 2.0 / 3.0 shapes, DESIGN §3) over
//! GraphQL. A maker's skill is verified when an unexpired, unrevoked credential from a
//! trusted issuer aligns to it; issuing, revoking and changing trust re-index the makers
//! concerned, and the mutations return once searches see it.

mod inputs;
mod mutations;
mod queries;
mod types;

pub use mutations::CredentialsMutation;
pub use queries::{CredentialsQuery, public_credential};
pub use types::{Achievement, Credential, Issuer};
