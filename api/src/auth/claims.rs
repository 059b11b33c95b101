//! The actor a verified token's claims stand for. makermatch's own tokens carry `role`,
//! `maker_id` and `issuer_id`; an identity provider puts them where it likes, so the claim
//! holding each is configured (`auth.role_claim`, `auth.maker_id_claim`,
//! `auth.issuer_id_claim`) and its role names are mapped to ours (`auth.role_map`).
//!
//! The rules:
//! - A claim setting names a top-level claim (a namespaced one such as
//!   `https://example.org/roles` included) or, when the token has no such claim, a dotted
//!   path into nested objects (`realm_access.roles`).
//! - A token without the configured claim is read with makermatch's own claim name, which
//!   is what `makermatch token` writes.
//! - A role value counts when `auth.role_map` maps it, or else when it is exactly `admin`,
//!   `coordinator`, `inspector`, `issuer` or `maker` (no case folding, no trimming). In an
//!   array the first entry that counts is the role. A string that does not count, or an
//!   array without an entry that does, refuses the token.
//! - A maker token needs its maker id, an issuer token its issuer id: a UUID or the global
//!   id the API shows. Other claims are not read.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::AuthError;
use super::ids::node_uuid;
use crate::config::AuthConfig;
use crate::graphql::relay::NodeType;
use crate::services::actor::{Actor, Role};

/// makermatch's own claim names, written by `makermatch token`.
const ROLE: &str = "role";
const MAKER_ID: &str = "maker_id";
const ISSUER_ID: &str = "issuer_id";

const ROLE_NAMES: &str = "admin, coordinator, inspector, issuer or maker";

/// Where the claims an actor is made of are found, and what the provider's roles mean.
#[derive(Debug, Clone)]
pub struct ClaimMapping {
    role_claim: String,
    role_map: BTreeMap<String, Role>,
    maker_id_claim: String,
    issuer_id_claim: String,
}

/// Checks the `[auth]` claim settings; the error names the setting.
pub fn check_config(auth: &AuthConfig) -> Result<(), String> {
    ClaimMapping::new(auth).map(|_| ())
}

impl ClaimMapping {
    pub fn new(auth: &AuthConfig) -> Result<ClaimMapping, String> {
        for (setting, value) in [
            ("auth.role_claim", &auth.role_claim),
            ("auth.maker_id_claim", &auth.maker_id_claim),
            ("auth.issuer_id_claim", &auth.issuer_id_claim),
        ] {
            if value.trim().is_empty() {
                return Err(format!(
                    "{setting} is empty; name the claim, e.g. `role` or `realm_access.roles`"
                ));
            }
        }
        let mut role_map = BTreeMap::new();
        for (theirs, ours) in &auth.role_map {
            let role = Role::parse(ours).ok_or_else(|| {
                format!(
                    "auth.role_map maps `{theirs}` to `{ours}`, which is not a role; use {ROLE_NAMES}"
                )
            })?;
            role_map.insert(theirs.clone(), role);
        }
        Ok(ClaimMapping {
            role_claim: auth.role_claim.clone(),
            role_map,
            maker_id_claim: auth.maker_id_claim.clone(),
            issuer_id_claim: auth.issuer_id_claim.clone(),
        })
    }

    /// The actor of a token whose signature and time claims were checked.
    pub fn actor(&self, claims: &Map<String, Value>) -> Result<Actor, AuthError> {
        let subject = match claims.get("sub") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => return Err(AuthError::BadClaims("empty `sub`".into())),
        };
        let role = self.role(claims)?;
        let maker_id = match role {
            Role::Maker => Some(self.id(claims, &self.maker_id_claim, MAKER_ID, role)?),
            _ => None,
        };
        let issuer_id = match role {
            Role::Issuer => Some(self.id(claims, &self.issuer_id_claim, ISSUER_ID, role)?),
            _ => None,
        };
        Ok(Actor {
            subject,
            role,
            maker_id,
            issuer_id,
        })
    }

    fn role(&self, claims: &Map<String, Value>) -> Result<Role, AuthError> {
        let Some((name, value)) = find(claims, &self.role_claim, ROLE) else {
            return Err(AuthError::BadRole(missing(&self.role_claim, ROLE)));
        };
        match value {
            Value::String(text) => self.map_role(text).ok_or_else(|| {
                AuthError::BadRole(format!(
                    "`{name}` is {}, not {ROLE_NAMES} (compared exactly){}",
                    shown(text),
                    self.map_hint()
                ))
            }),
            Value::Array(entries) => entries
                .iter()
                .filter_map(Value::as_str)
                .find_map(|text| self.map_role(text))
                .ok_or_else(|| {
                    AuthError::BadRole(format!(
                        "no entry of `{name}` is {ROLE_NAMES} (compared exactly){}",
                        self.map_hint()
                    ))
                }),
            _ => Err(AuthError::BadRole(format!(
                "`{name}` is neither a string nor an array of strings"
            ))),
        }
    }

    fn map_role(&self, text: &str) -> Option<Role> {
        self.role_map
            .get(text)
            .copied()
            .or_else(|| Role::parse(text))
    }

    fn map_hint(&self) -> &'static str {
        if self.role_map.is_empty() {
            ""
        } else {
            " nor a name auth.role_map maps"
        }
    }

    fn id(
        &self,
        claims: &Map<String, Value>,
        configured: &str,
        own: &str,
        role: Role,
    ) -> Result<Uuid, AuthError> {
        let ty = match role {
            Role::Issuer => NodeType::Issuer,
            _ => NodeType::Maker,
        };
        let article = if role == Role::Issuer { "an" } else { "a" };
        let Some((name, value)) = find(claims, configured, own) else {
            let wanted = if configured == own {
                format!("`{own}`")
            } else {
                format!("`{configured}` (or `{own}`)")
            };
            return Err(AuthError::BadClaims(format!(
                "{article} {} token needs {wanted}",
                role.as_str()
            )));
        };
        value
            .as_str()
            .ok_or_else(|| format!("`{name}` is not a string"))
            .and_then(|text| node_uuid(text, ty))
            .map_err(|reason| AuthError::BadClaims(format!("`{name}`: {reason}")))
    }
}

/// The claim at `configured`, or else at makermatch's own name `own`, with the name found.
fn find<'a>(
    claims: &'a Map<String, Value>,
    configured: &'a str,
    own: &'a str,
) -> Option<(&'a str, &'a Value)> {
    lookup(claims, configured)
        .map(|v| (configured, v))
        .or_else(|| lookup(claims, own).map(|v| (own, v)))
}

/// A top-level claim named `name`, or else the value at the dotted path `name`; `null` is
/// absent.
fn lookup<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    let found = match claims.get(name) {
        Some(value) => Some(value),
        None => {
            let mut parts = name.split('.');
            let first = claims.get(parts.next()?);
            parts.try_fold(first?, |value, part| value.as_object()?.get(part))
        }
    };
    found.filter(|v| !v.is_null())
}

fn missing(configured: &str, own: &str) -> String {
    if configured == own {
        format!("no `{own}` claim")
    } else {
        format!("no `{configured}` claim (nor `{own}`)")
    }
}

/// A claim value for an error message: quoted so stray spaces show, and cut short.
fn shown(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn mapping(role_claim: &str, map: &[(&str, &str)]) -> ClaimMapping {
        let auth = AuthConfig {
            role_claim: role_claim.to_owned(),
            role_map: map
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            ..AuthConfig::default()
        };
        ClaimMapping::new(&auth).unwrap()
    }

    #[test]
    fn roles_are_compared_exactly() {
        let m = mapping("role", &[]);
        let admin = m.actor(&claims(json!({ "sub": "a", "role": "admin" })));
        assert_eq!(admin.map(|a| a.role), Ok(Role::Admin));
        for loose in ["ADMIN", "admin ", " admin", "Admin"] {
            let refused = m.actor(&claims(json!({ "sub": "a", "role": loose })));
            assert!(
                matches!(&refused, Err(AuthError::BadRole(why)) if why.contains(&format!("{loose:?}"))),
                "{loose:?}: {refused:?}"
            );
        }
    }

    #[test]
    fn nested_array_claims_map_through_the_configured_names() {
        let m = mapping(
            "realm_access.roles",
            &[("mm-admins", "admin"), ("mm-coord", "coordinator")],
        );
        let token =
            |roles: Value| claims(json!({ "sub": "k", "realm_access": { "roles": roles } }));
        let first = m.actor(&token(json!(["offline_access", "mm-coord", "mm-admins"])));
        assert_eq!(first.map(|a| a.role), Ok(Role::Coordinator));
        let none = m.actor(&token(json!(["offline_access", "Admin"])));
        assert!(matches!(none, Err(AuthError::BadRole(_))), "{none:?}");
        // makermatch's own tokens carry `role`, not the provider's claim.
        let own = m.actor(&claims(json!({ "sub": "op", "role": "inspector" })));
        assert_eq!(own.map(|a| a.role), Ok(Role::Inspector));
        // A namespaced top-level claim with dots in its name is found whole.
        let ns = mapping("https://mm.example.org/roles", &[("mm-admins", "admin")]);
        let found = ns.actor(&claims(
            json!({ "sub": "k", "https://mm.example.org/roles": "mm-admins" }),
        ));
        assert_eq!(found.map(|a| a.role), Ok(Role::Admin));
    }

    #[test]
    fn maker_and_issuer_tokens_need_their_id_as_uuid_or_global_id() {
        let m = mapping("role", &[]);
        let id = Uuid::now_v7();
        let global = crate::graphql::relay::global_id(NodeType::Maker, id);
        for given in [json!(id.to_string()), json!(global.as_str())] {
            let actor = m.actor(&claims(
                json!({ "sub": "a", "role": "maker", "maker_id": given }),
            ));
            assert_eq!(actor.map(|a| a.maker_id), Ok(Some(id)));
        }
        let missing = m.actor(&claims(json!({ "sub": "a", "role": "issuer" })));
        assert!(
            matches!(&missing, Err(AuthError::BadClaims(why)) if why.contains("issuer_id")),
            "{missing:?}"
        );
        let facility = crate::graphql::relay::global_id(NodeType::Facility, id);
        let wrong = m.actor(&claims(
            json!({ "sub": "a", "role": "maker", "maker_id": facility.as_str() }),
        ));
        assert!(matches!(wrong, Err(AuthError::BadClaims(_))), "{wrong:?}");
    }

    #[test]
    fn a_map_to_no_role_is_a_configuration_error() {
        let auth = AuthConfig {
            role_map: [("mm-admins".to_owned(), "Admin".to_owned())].into(),
            ..AuthConfig::default()
        };
        let err = check_config(&auth).unwrap_err();
        assert!(err.contains("auth.role_map"), "{err}");
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type
mod config_tests {
    use crate::config::{Config, ConfigSource, FlagOverrides};
    use figment::Jail;

    #[test]
    fn claim_settings_come_from_the_file_and_the_environment() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "mm.toml",
                "[auth]\nrole_claim = \"realm_access.roles\"\nrole_map = { \"mm-Admins\" = \"admin\" }\n",
            )?;
            let file = ConfigSource::Explicit("mm.toml".into());
            let config = Config::load(&file, &FlagOverrides::default()).unwrap();
            assert_eq!(config.auth.role_claim, "realm_access.roles");
            assert_eq!(config.auth.role_map["mm-Admins"], "admin");
            jail.set_env("MAKERMATCH_AUTH__ROLE_MAP", r#"{"mm-Coord"="coordinator"}"#);
            jail.set_env("MAKERMATCH_AUTH__MAKER_ID_CLAIM", "attributes.maker");
            let config = Config::load(&file, &FlagOverrides::default()).unwrap();
            assert_eq!(config.auth.role_map["mm-Coord"], "coordinator");
            assert_eq!(config.auth.maker_id_claim, "attributes.maker");
            jail.set_env("MAKERMATCH_AUTH__ROLE_MAP", r#"{"mm-Coord"="Coordinator"}"#);
            let err = Config::load(&file, &FlagOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("auth.role_map"), "{err}");
            Ok(())
        });
    }
}
