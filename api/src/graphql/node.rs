//! Relay's `node(id)`: any object by its global id.

use async_graphql::{Context, ID, Interface, Object, Result};

use super::assignments::Assignment;
use super::credentials::{Achievement, Credential, Issuer, public_credential};
use super::facilities::{Equipment, Facility};
use super::jobs::{Job, Programme};
use super::loader::MachineWithProperties;
use super::loader::{AchievementId, IssuerId, JobId, ProgrammeId};
use super::loader::{AppLoader, FacilityId, MakerId};
use super::makers::Maker;
use super::relay::{NodeType, decode};
use crate::graphql::access::visibility;

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Global id (Relay): opaque, stable, accepted by `node` and every `id` argument."
))]
// Made once per `node` or `search` hit and handed to the resolver at once: boxing the
// larger variants would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Node {
    Facility(Facility),
    Maker(Maker),
    Job(Job),
    Programme(Programme),
    Issuer(Issuer),
    Achievement(Achievement),
    Credential(Credential),
    Assignment(Assignment),
    Equipment(Equipment<'static>),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, or null when there is none or the caller may not
    /// see it (a passport that is not public; an assignment outside the caller's work).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as every node's `id` field gives it.")] id: ID,
    ) -> Result<Option<Node>> {
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
                .filter(|m| visibility(ctx).sees_maker(m))
                .map(|r| Node::Maker(Maker::new(r))),
            NodeType::Job => loader
                .load_one(JobId(uuid))
                .await?
                .map(|r| Node::Job(Job::new(r))),
            NodeType::Programme => loader
                .load_one(ProgrammeId(uuid))
                .await?
                .map(|r| Node::Programme(Programme(r))),
            NodeType::Issuer => loader
                .load_one(IssuerId(uuid))
                .await?
                .map(|r| Node::Issuer(Issuer(r))),
            NodeType::Achievement => loader
                .load_one(AchievementId(uuid))
                .await?
                .map(|r| Node::Achievement(Achievement(r))),
            NodeType::Credential => public_credential(ctx, uuid).await?.map(Node::Credential),
            NodeType::Assignment => {
                let db = ctx.data::<sea_orm::DatabaseConnection>()?;
                crate::services::policy::assignment(db, super::access::viewer(ctx), uuid)
                    .await
                    .map_err(super::error::from_query_service)?
                    .map(|a| Node::Assignment(Assignment(a)))
            }
            NodeType::Equipment => {
                let db = ctx.data::<sea_orm::DatabaseConnection>()?;
                machine(db, uuid)
                    .await
                    .map_err(super::error::from_db)?
                    .map(|m| Node::Equipment(Equipment::owned(m)))
            }
        })
    }
}

/// A machine and its properties (machines are public, as their facilities are).
async fn machine(
    db: &sea_orm::DatabaseConnection,
    id: uuid::Uuid,
) -> Result<Option<MachineWithProperties>, sea_orm::DbErr> {
    use makermatch_entities::{equipment, equipment_property};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let Some(row) = equipment::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let properties = equipment_property::Entity::find()
        .filter(equipment_property::Column::EquipmentId.eq(id))
        .order_by_asc(equipment_property::Column::Key)
        .all(db)
        .await?;
    Ok(Some(MachineWithProperties {
        machine: std::sync::Arc::new(row),
        properties: properties.into(),
    }))
}
