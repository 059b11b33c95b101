//! `machineModels`: the machine catalog (the IoPA machine lists imported with
//! `makermatch import`), so the models a facility's machines are typed from can be seen.

use async_graphql::{Context, Object, Result, SimpleObject};
use makermatch_entities::machine_model;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::inputs::taxonomy;
use super::types::EquipmentType;
use crate::graphql::error::{bad_input, from_db};
use crate::graphql::relay;

/// A machine model of the catalog.
#[derive(SimpleObject)]
pub struct MachineModel {
    /// Its id (a UUID).
    pub id: async_graphql::ID,
    /// The maker of the machine, e.g. `Prusa Research`.
    pub brand: Option<String>,
    /// The model, e.g. `MK4`.
    pub model: String,
    /// What kind of machine it is; null when the taxonomy no longer knows the type.
    pub equipment_type: Option<EquipmentType>,
    /// The technology the catalog names, e.g. `FDM`.
    pub technology: Option<String>,
    /// Its typed properties as the catalog gives them (build volume, power…).
    pub properties: async_graphql::Json<serde_json::Value>,
    /// Materials it works: taxonomy ids where the taxonomy knows them, else as the catalog
    /// names them.
    pub materials: Vec<String>,
}

#[derive(Default)]
pub struct MachineModelsQuery;

#[Object]
impl MachineModelsQuery {
    /// Machine models of the catalog whose brand or model contains `text` (ignoring
    /// case), of one equipment type when given; by brand, then model.
    async fn machine_models(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words of the brand or model; every model when absent.")] text: Option<
            String,
        >,
        #[graphql(
            desc = "Only models of this equipment type (an id, label or alias, e.g. `laser cutter`)."
        )]
        equipment_type: Option<String>,
        #[graphql(desc = "Most models returned, 1 to 100 (default 20).")] first: Option<i32>,
    ) -> Result<Vec<MachineModel>> {
        let limit = relay::page_size("first", first, 20)?;
        let tax = taxonomy(ctx)?;
        let mut query = machine_model::Entity::find();
        if let Some(term) = equipment_type
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let id = tax
                .equipment_type(term)
                .map(|e| e.id.clone())
                .or_else(|| tax.resolve_equipment_type(term).map(|r| r.id))
                .ok_or_else(|| {
                    bad_input(
                        "equipmentType",
                        format!("`{term}` is no equipment type; see `equipmentTypes`"),
                    )
                })?;
            query = query.filter(machine_model::Column::EquipmentType.eq(id));
        }
        if let Some(text) = text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            // Wildcards in the text are matched as themselves.
            let escaped = text
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            let like = |column: machine_model::Column| {
                Expr::expr(Func::lower(Expr::col(column)))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
            };
            query = query.filter(
                Condition::any()
                    .add(like(machine_model::Column::Brand))
                    .add(like(machine_model::Column::Model)),
            );
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let rows = query
            .order_by_asc(machine_model::Column::Brand)
            .order_by_asc(machine_model::Column::Model)
            .order_by_asc(machine_model::Column::Id)
            .limit(limit as u64)
            .all(db)
            .await
            .map_err(from_db)?;
        Ok(rows
            .into_iter()
            .map(|m| MachineModel {
                id: async_graphql::ID(m.id.to_string()),
                equipment_type: tax
                    .equipment_type(&m.equipment_type)
                    .map(EquipmentType::from),
                brand: m.brand,
                model: m.model,
                technology: m.technology,
                materials: serde_json::from_value(m.materials).unwrap_or_default(),
                properties: async_graphql::Json(m.properties),
            })
            .collect())
    }
}
