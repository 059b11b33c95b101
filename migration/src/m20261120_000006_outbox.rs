//! The outbox every write appends to, and each index replica's position in it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_tables, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Seq,
    Kind,
    EntityId,
    Op,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IndexCursors {
    Table,
    Replica,
    AppliedSeq,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Seq))
                    .col(string_len(Outbox::Kind, 16))
                    .col(uuid(Outbox::EntityId))
                    .col(string_len(Outbox::Op, 8))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_outbox_entity",
                Outbox::Table,
                [Outbox::Kind.into_iden(), Outbox::EntityId.into_iden()],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IndexCursors::Table)
                    .col(string_len(IndexCursors::Replica, 128).primary_key())
                    .col(big_integer(IndexCursors::AppliedSeq))
                    .col(timestamp_with_time_zone(IndexCursors::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [IndexCursors::Table.into_iden(), Outbox::Table.into_iden()],
        )
        .await
    }
}
