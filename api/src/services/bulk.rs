//! Batched inserts: one statement per chunk, sized to stay under SQLite's limit of
//! 32,766 bound parameters (PostgreSQL allows 65,535).

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};

const MAX_PARAMS: usize = 30_000;

/// Inserts `models` of an entity with `columns` columns, in as few statements as fit.
pub async fn insert_models<E, M>(
    db: &impl ConnectionTrait,
    models: Vec<M>,
    columns: usize,
) -> Result<(), DbErr>
where
    E: EntityTrait,
    M: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    if models.is_empty() {
        return Ok(());
    }
    let per_chunk = (MAX_PARAMS / columns.max(1)).max(1);
    let mut rows: Vec<E::ActiveModel> = models
        .into_iter()
        .map(IntoActiveModel::into_active_model)
        .collect();
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(per_chunk));
        E::insert_many(rows).exec_without_returning(db).await?;
        rows = rest;
    }
    Ok(())
}
