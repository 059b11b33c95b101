//! Rate budgets shared by replicas: how much of each caller's per-minute budget the
//! replicas on one PostgreSQL database have taken, per clock minute (`auth::shared_budget`);
//! callers are kept as a SHA-256 of their key (a token subject or an address), not in clear.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RateBudgets {
    Table,
    Caller,
    WindowStart,
    Used,
    Granted,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateBudgets::Table)
                    .col(string_len(RateBudgets::Caller, 64))
                    .col(big_integer(RateBudgets::WindowStart))
                    .col(big_integer(RateBudgets::Used))
                    .col(big_integer(RateBudgets::Granted))
                    .primary_key(
                        Index::create()
                            .col(RateBudgets::Caller)
                            .col(RateBudgets::WindowStart),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RateBudgets::Table).to_owned())
            .await
    }
}
