//! Outbox retention: how far the outbox has been pruned. Rows below `pruned_below` are
//! gone, so an index that stopped before it must be rebuilt rather than tail the outbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxRetention {
    Table,
    Id,
    PrunedBelow,
    PrunedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxRetention::Table)
                    .col(integer(OutboxRetention::Id).primary_key())
                    .col(big_integer(OutboxRetention::PrunedBelow))
                    .col(timestamp_with_time_zone(OutboxRetention::PrunedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboxRetention::Table).to_owned())
            .await
    }
}
