//! When a maker's passport was erased at their request: the row stays as an anonymous
//! tombstone so the assignments naming it keep their history, and this marks it as one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Makers {
    Table,
    ErasedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Makers::Table)
                    .add_column(timestamp_with_time_zone_null(Makers::ErasedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Makers::Table)
                    .drop_column(Makers::ErasedAt)
                    .to_owned(),
            )
            .await
    }
}
