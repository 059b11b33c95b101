//! Processes, materials and normalised skills: the vocabulary the rest links to.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::{drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Processes {
    Table,
    Id,
    ParentId,
    Label,
    Wikipedia,
    Wikidata,
    Tsdc,
}

#[derive(DeriveIden)]
pub enum Materials {
    Table,
    Id,
    Label,
    Wikipedia,
    Wikidata,
}

#[derive(DeriveIden)]
pub enum Skills {
    Table,
    Id,
    Key,
    Label,
    ProcessId,
    EscoUri,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Processes::Table)
                    .col(string_len(Processes::Id, 64).primary_key())
                    .col(string_len_null(Processes::ParentId, 64))
                    .col(string(Processes::Label))
                    .col(string_null(Processes::Wikipedia))
                    .col(string_len_null(Processes::Wikidata, 32))
                    .col(string_len_null(Processes::Tsdc, 16))
                    .foreign_key(&mut fk(
                        Processes::Table,
                        Processes::ParentId,
                        Processes::Table,
                        Processes::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_processes_parent",
                Processes::Table,
                [Processes::ParentId.into_iden()],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Materials::Table)
                    .col(string_len(Materials::Id, 64).primary_key())
                    .col(string(Materials::Label))
                    .col(string_null(Materials::Wikipedia))
                    .col(string_len_null(Materials::Wikidata, 32))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Skills::Table)
                    .col(pk_uuid(Skills::Id))
                    .col(string_uniq(Skills::Key))
                    .col(string(Skills::Label))
                    .col(string_len_null(Skills::ProcessId, 64))
                    .col(string_null(Skills::EscoUri))
                    .foreign_key(&mut fk(
                        Skills::Table,
                        Skills::ProcessId,
                        Processes::Table,
                        Processes::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_skills_process",
                Skills::Table,
                [Skills::ProcessId.into_iden()],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                Skills::Table.into_iden(),
                Materials::Table.into_iden(),
                Processes::Table.into_iden(),
            ],
        )
        .await
    }
}
