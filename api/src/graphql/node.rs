//! Relay's `node(id)`: any object by its global id.

use async_graphql::{Context, ID, Interface, Object, Result};

use super::facilities::Facility;
use super::loader::{AppLoader, FacilityId, MakerId};
use super::makers::Maker;
use super::relay::{NodeType, decode};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Facility(Facility),
    Maker(Maker),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, or null when there is none (or it is not public).
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let Some((ty, uuid)) = decode(&id) else {
            return Err(super::error::bad_input(
                "id",
                format!(
                    "`{}` is not a global id; use the `id` of an object",
                    id.as_str()
                ),
            ));
        };
        let loader = ctx.data::<AppLoader>()?;
        Ok(match ty {
            NodeType::Facility => loader
                .load_one(FacilityId(uuid))
                .await?
                .map(|r| Node::Facility(Facility::new(r))),
            NodeType::Maker => loader
                .load_one(MakerId(uuid))
                .await?
                .filter(|m| m.public_profile)
                .map(|r| Node::Maker(Maker::new(r))),
            _ => None,
        })
    }
}
