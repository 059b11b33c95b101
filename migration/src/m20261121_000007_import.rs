//! What importing needs: a fingerprint of each imported record's content, so re-importing
//! an unchanged file changes nothing, and the machine catalog that types equipment.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SourceHash {
    SourceHash,
}

#[derive(DeriveIden)]
enum MachineModels {
    Table,
    Id,
    Brand,
    Model,
    EquipmentType,
    Technology,
    Properties,
    Materials,
    Source,
    SourceId,
    SourceHash,
}

/// Tables holding imported records.
const IMPORTED: &[&str] = &[
    "facilities",
    "makers",
    "jobs",
    "issuers",
    "achievements",
    "credentials",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in IMPORTED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(*table))
                        .add_column(string_len_null(SourceHash::SourceHash, 32))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(MachineModels::Table)
                    .col(pk_uuid(MachineModels::Id))
                    .col(string_null(MachineModels::Brand))
                    .col(string(MachineModels::Model))
                    .col(string_len(MachineModels::EquipmentType, 128))
                    .col(string_null(MachineModels::Technology))
                    .col(json_binary(MachineModels::Properties))
                    .col(json_binary(MachineModels::Materials))
                    .col(string_len(MachineModels::Source, 64))
                    .col(string(MachineModels::SourceId))
                    .col(string_len_null(MachineModels::SourceHash, 32))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "uq_machine_models_source",
                MachineModels::Table,
                [
                    MachineModels::Source.into_iden(),
                    MachineModels::SourceId.into_iden(),
                ],
                true,
            ),
            index(
                "idx_machine_models_brand_model",
                MachineModels::Table,
                [
                    MachineModels::Brand.into_iden(),
                    MachineModels::Model.into_iden(),
                ],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(MachineModels::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        for table in IMPORTED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(*table))
                        .drop_column(SourceHash::SourceHash)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
