//! The machine catalog: makes and models typed by the taxonomy, which type equipment that
//! names only its make and model. Not indexed on its own: no outbox rows.

use makermatch_entities::machine_model;
use sea_orm::{ActiveModelTrait, DbErr};
use serde_json::{Value, json};
use uuid::Uuid;

use super::batch::{BatchItem, Op, Refused};
use super::facilities::PropertyInput;
use super::{ServiceResult, bulk, validate};
use crate::db::InsertSink;

/// Columns of a catalog row, for sizing multi-row inserts.
const COLUMNS: usize = 11;

#[derive(Debug, Clone, PartialEq)]
pub struct MachineModelInput {
    pub brand: Option<String>,
    pub model: String,
    /// An equipment type of the taxonomy.
    pub equipment_type: String,
    /// The catalog's own words for the technology.
    pub technology: Option<String>,
    /// Technical properties: a number (with its unit) or, where the catalog's value is
    /// no plain measurement, a text.
    pub properties: Vec<PropertyInput>,
    /// Material ids, or the catalog's words where unresolved.
    pub materials: Vec<String>,
    pub source: String,
    pub source_id: String,
}

impl MachineModelInput {
    fn to_row(&self, id: Uuid) -> ServiceResult<machine_model::Model> {
        let model = validate::non_empty("model", &self.model)?;
        let equipment_type = validate::non_empty("equipmentType", &self.equipment_type)?;
        let properties: Vec<Value> = self
            .properties
            .iter()
            .filter_map(|p| match (p.number, &p.text) {
                (Some(number), _) => {
                    Some(json!({ "key": p.key, "number": number, "unit": p.unit }))
                }
                (None, Some(text)) => Some(json!({ "key": p.key, "text": text })),
                (None, None) => None,
            })
            .collect();
        Ok(machine_model::Model {
            id,
            brand: self.brand.clone(),
            model,
            equipment_type,
            technology: self.technology.clone(),
            properties: Value::Array(properties),
            materials: json!(self.materials),
            source: self.source.clone(),
            source_id: self.source_id.clone(),
            source_hash: None,
        })
    }
}

/// Writes catalog entries in the caller's transaction: new ones inserted, stored ones
/// replaced.
pub async fn write_batch<C: InsertSink>(
    tx: &C,
    items: Vec<BatchItem<MachineModelInput>>,
) -> Result<Refused, DbErr> {
    let mut refused = Vec::new();
    let mut inserts = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let mut row = match item.input.to_row(item.id) {
            Ok(row) => row,
            Err(e) => {
                refused.push((i, e));
                continue;
            }
        };
        row.source_hash = item.source_hash;
        match item.op {
            Op::Insert => inserts.push(row),
            Op::Update => {
                machine_model::ActiveModel::from(row)
                    .reset_all()
                    .update(tx)
                    .await?;
            }
        }
    }
    bulk::insert_models::<machine_model::Entity, _>(tx, inserts, COLUMNS).await?;
    Ok(refused)
}
