//! How a job requirement's term was read when it was written: the words as given, the
//! taxonomy id, the way of naming (exact, alias, TsDC, Wikidata, fuzzy, inferred), the
//! confidence and, for an inferred one, what it was inferred from. Imports resolve terms
//! to ids; without this, "millin" read as CNC milling would look exact ever after.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveIden, Clone, Copy)]
enum JobRequirements {
    Table,
    Resolution,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(JobRequirements::Table)
                    .add_column(json_binary_null(JobRequirements::Resolution))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(JobRequirements::Table)
                    .drop_column(JobRequirements::Resolution)
                    .to_owned(),
            )
            .await
    }
}
