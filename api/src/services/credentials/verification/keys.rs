//! Where a proof's key comes from. DIDs resolve through ssi's methods (`did:key`, `did:jwk`
//! computed locally; `did:web` from documents the fetcher got beforehand, or this
//! deployment's own); keys named by an https URL (an issuer profile listing its keys) come
//! from a map filled the same way. ssi itself never does I/O.

use std::borrow::Cow;
use std::collections::HashMap;

use did_jwk::DIDJWK;
use did_method_key::DIDKey;
use ssi_dids_core::{
    DIDMethod, DIDMethodResolver, DIDResolver, VerificationMethodDIDResolver,
    document::representation::MediaType,
    resolution::{self, Output},
};
use ssi_verification_methods::{
    AnyMethod, ControllerError, ControllerProvider, ProofPurpose, ReferenceOrOwnedRef,
    ResolutionOptions, VerificationMethodResolutionError, VerificationMethodResolver,
};

/// `did:web` documents by method-specific id (`example.org%3A8443`), fetched beforehand.
#[derive(Clone, Default, Debug)]
pub struct PrefetchedWeb(pub HashMap<String, Vec<u8>>);

impl DIDMethod for PrefetchedWeb {
    const DID_METHOD_NAME: &'static str = "web";
}

impl DIDMethodResolver for PrefetchedWeb {
    async fn resolve_method_representation<'a>(
        &'a self,
        method_specific_id: &'a str,
        _options: resolution::Options,
    ) -> Result<Output<Vec<u8>>, resolution::Error> {
        match self.0.get(method_specific_id) {
            Some(doc) => Ok(Output::from_content(
                doc.clone(),
                Some(MediaType::Json.to_string()),
            )),
            None => Err(resolution::Error::NotFound),
        }
    }
}

pub type DidResolver = VerificationMethodDIDResolver<(DIDKey, DIDJWK, PrefetchedWeb), AnyMethod>;

/// Every key a check may use.
pub struct KeyResolver {
    pub dids: DidResolver,
    pub urls: HashMap<iref::IriBuf, AnyMethod>,
}

impl KeyResolver {
    pub fn new(web: PrefetchedWeb, urls: HashMap<iref::IriBuf, AnyMethod>) -> Self {
        Self {
            dids: (DIDKey, DIDJWK, web).into_vm_resolver(),
            urls,
        }
    }

    /// Whether `method` may make assertions for the DID `controller` (its document lists the
    /// method under `assertionMethod`).
    pub async fn asserts_for(&self, controller: &str, method: &str) -> Result<bool, String> {
        let controller_iri = iref::Iri::new(controller)
            .map_err(|_| format!("the issuer {controller} is not an IRI"))?;
        let method_iri =
            iref::Iri::new(method).map_err(|_| format!("the key {method} is not an IRI"))?;
        self.dids
            .allows_verification_method(controller_iri, method_iri, ProofPurpose::Assertion.into())
            .await
            // ControllerError implements neither Display nor Debug.
            .map_err(|e| match e {
                ControllerError::NotFound(id) => format!("the DID document of {id} was not found"),
                ControllerError::Invalid => format!("the DID document of {controller} is invalid"),
                ControllerError::Unsupported(id) => format!("{id} is not a supported DID method"),
                ControllerError::InternalError(e) => e,
            })
    }
}

impl VerificationMethodResolver for KeyResolver {
    type Method = AnyMethod;

    async fn resolve_verification_method_with(
        &'_ self,
        issuer: Option<&iref::Iri>,
        method: Option<ReferenceOrOwnedRef<'_, AnyMethod>>,
        options: ResolutionOptions,
    ) -> Result<Cow<'_, AnyMethod>, VerificationMethodResolutionError> {
        match method {
            Some(ReferenceOrOwnedRef::Reference(id)) if id.scheme().as_str() != "did" => {
                self.urls
                    .resolve_verification_method_with(issuer, method, options)
                    .await
            }
            _ => {
                self.dids
                    .resolve_verification_method_with(issuer, method, options)
                    .await
            }
        }
    }
}
