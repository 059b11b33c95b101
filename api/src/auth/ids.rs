//! Ids in tokens and on the `makermatch token` command line: a UUID, or the global id the
//! API shows (`node(id:)`, `maker { id }`), so an id copied from either works.

use async_graphql::ID;
use uuid::Uuid;

use crate::graphql::relay::{self, NodeType};

/// The UUID of `text`, a UUID or a global id that must name a `ty`.
pub fn node_uuid(text: &str, ty: NodeType) -> Result<Uuid, String> {
    let text = text.trim();
    if let Ok(uuid) = Uuid::parse_str(text) {
        return Ok(uuid);
    }
    match relay::decode(&ID(text.to_owned())) {
        Some((found, uuid)) if found == ty => Ok(uuid),
        Some((found, _)) => Err(format!(
            "`{text}` is the id of a {}, not of a {}",
            found.name(),
            ty.name()
        )),
        None => Err(format!(
            "`{text}` is neither a UUID nor a {} id as the API shows it",
            ty.name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_and_global_ids_of_the_right_type_are_read() {
        let id = Uuid::now_v7();
        assert_eq!(node_uuid(&id.to_string(), NodeType::Maker), Ok(id));
        let global = relay::global_id(NodeType::Maker, id);
        assert_eq!(node_uuid(global.as_str(), NodeType::Maker), Ok(id));
        assert!(node_uuid(global.as_str(), NodeType::Issuer).is_err());
        assert!(node_uuid("ama", NodeType::Maker).is_err());
    }
}
