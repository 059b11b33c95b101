//! Allocation as a coordinator would sign it: a programme's region (the countries its jobs
//! are made in) and participants (the facilities taking part, e.g. a programme's
//! awardees), and the answers of allocation calls kept under their idempotency keys so a
//! retried call changes nothing and answers the same.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Region,
    Participants,
}

#[derive(DeriveIden)]
enum AllocationRequests {
    Table,
    Key,
    Subject,
    Fingerprint,
    Answer,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Programmes::Table)
                    .add_column(json_binary_null(Programmes::Region))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Programmes::Table)
                    .add_column(json_binary_null(Programmes::Participants))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AllocationRequests::Table)
                    .col(string(AllocationRequests::Key).primary_key())
                    .col(string(AllocationRequests::Subject))
                    .col(string(AllocationRequests::Fingerprint))
                    .col(text(AllocationRequests::Answer))
                    .col(timestamp_with_time_zone(AllocationRequests::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AllocationRequests::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Programmes::Table)
                    .drop_column(Programmes::Participants)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Programmes::Table)
                    .drop_column(Programmes::Region)
                    .to_owned(),
            )
            .await
    }
}
