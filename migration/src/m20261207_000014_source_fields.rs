//! The fields of an imported record that the model has no column for, kept as the source
//! wrote them (a sparse copy of the record: `{"storage": …, "location": {"address":
//! {"district": …}}}`), so an export gives them back.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveIden, Clone, Copy)]
enum Facilities {
    Table,
    SourceFields,
}

#[derive(DeriveIden, Clone, Copy)]
enum Makers {
    Table,
    SourceFields,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Facilities::Table)
                    .add_column(json_binary_null(Facilities::SourceFields))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Makers::Table)
                    .add_column(json_binary_null(Makers::SourceFields))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Makers::Table)
                    .drop_column(Makers::SourceFields)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Facilities::Table)
                    .drop_column(Facilities::SourceFields)
                    .to_owned(),
            )
            .await
    }
}
