//! Mirrors the taxonomy's processes and materials into the database, so links to them can
//! be foreign keys. Runs at start-up; upserts, never deletes (old links stay valid).

use makermatch_entities::{material, process};
use makermatch_search::Taxonomy;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};

use super::ServiceResult;

pub async fn sync(db: &DatabaseConnection, taxonomy: &Taxonomy) -> ServiceResult<()> {
    let tx = crate::db::begin_write(db).await?;
    let processes: Vec<process::ActiveModel> = taxonomy
        .processes_parents_first()
        .into_iter()
        .map(|p| process::ActiveModel {
            id: Set(p.id.clone()),
            parent_id: Set(p.parent.clone()),
            label: Set(p.en.clone()),
            wikipedia: Set(p.wikipedia.clone()),
            wikidata: Set(p.wikidata.clone()),
            tsdc: Set(p.tsdc.clone()),
        })
        .collect();
    // Parents come before children, so the self-reference holds as rows go in.
    for chunk in processes.chunks(500) {
        process::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(process::Column::Id)
                    .update_columns([
                        process::Column::ParentId,
                        process::Column::Label,
                        process::Column::Wikipedia,
                        process::Column::Wikidata,
                        process::Column::Tsdc,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&tx)
            .await?;
    }
    let materials: Vec<material::ActiveModel> = taxonomy
        .materials()
        .iter()
        .map(|m| material::ActiveModel {
            id: Set(m.id.clone()),
            label: Set(m.en.clone()),
            wikipedia: Set(m.wikipedia.clone()),
            wikidata: Set(m.wikidata.clone()),
        })
        .collect();
    for chunk in materials.chunks(500) {
        material::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(material::Column::Id)
                    .update_columns([
                        material::Column::Label,
                        material::Column::Wikipedia,
                        material::Column::Wikidata,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
