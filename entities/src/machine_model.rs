//! A make and model of machine from a catalog (the IoPA 3D-printer and laser-cutter
//! catalogs): used to type equipment that names only its make and model.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "machine_models")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub brand: Option<String>,
    pub model: String,
    /// Canonical equipment type of the taxonomy.
    pub equipment_type: String,
    /// The catalog's own words, e.g. "FDM (Fused Deposition Modeling)", "CO2".
    pub technology: Option<String>,
    /// Typed technical properties as `[{key, number, text, unit}]`.
    #[sea_orm(column_type = "JsonBinary")]
    pub properties: Json,
    /// Material ids (or the catalog's words where unresolved).
    #[sea_orm(column_type = "JsonBinary")]
    pub materials: Json,
    pub source: String,
    pub source_id: String,
    pub source_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
