//! A canonical manufacturing process of the taxonomy (DESIGN §4), mirrored from the
//! taxonomy file so that facility and requirement links can be foreign keys.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "processes")]
pub struct Model {
    /// Canonical id, e.g. `fdm`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The broader process (`fdm` → `3d-printing`); `None` for a root.
    pub parent_id: Option<String>,
    pub label: String,
    /// English Wikipedia article slug, as OKW classifies processes by Wikipedia URL.
    pub wikipedia: Option<String>,
    pub wikidata: Option<String>,
    /// DIN SPEC 3105 TsDC code, e.g. `3DP`.
    pub tsdc: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "SetNull"
    )]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
