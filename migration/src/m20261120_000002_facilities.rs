//! Facilities (OKW) with their equipment, processes and materials.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_taxonomy::{Materials, Processes};
use crate::util::{drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Facilities {
    Table,
    Id,
    Name,
    Description,
    Status,
    AccessType,
    StreetAddress,
    Locality,
    Region,
    PostalCode,
    Country,
    Lat,
    Lon,
    Directions,
    OwnerName,
    ContactName,
    ContactEmail,
    ContactPhone,
    Website,
    Affiliations,
    OpeningHours,
    DateFounded,
    WheelchairAccessible,
    TypicalBatchSize,
    FloorSizeM2,
    Certifications,
    BackupGenerator,
    UninterruptedPowerSupply,
    RoadAccess,
    LoadingDock,
    Headcount,
    OnProbation,
    UnresolvedTerms,
    DateCreated,
    LastUpdated,
    DateVerified,
    VerifiedBy,
    Source,
    SourceId,
}

#[derive(DeriveIden)]
enum FacilityProcesses {
    Table,
    FacilityId,
    ProcessId,
    SourceTerm,
}

#[derive(DeriveIden)]
enum FacilityMaterials {
    Table,
    FacilityId,
    MaterialId,
    SourceTerm,
}

// Column `equipment_type` is named as OKW names it, prefix and all.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
pub enum Equipment {
    Table,
    Id,
    FacilityId,
    EquipmentType,
    ProcessId,
    Make,
    Model,
    SerialNumber,
    Quantity,
    Condition,
    Notes,
}

#[derive(DeriveIden)]
enum EquipmentProperties {
    Table,
    EquipmentId,
    Key,
    NumberValue,
    TextValue,
    Unit,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Facilities::Table)
                    .col(pk_uuid(Facilities::Id))
                    .col(string(Facilities::Name))
                    .col(text_null(Facilities::Description))
                    .col(string_len(Facilities::Status, 24))
                    .col(string_len_null(Facilities::AccessType, 32))
                    .col(string_null(Facilities::StreetAddress))
                    .col(string_null(Facilities::Locality))
                    .col(string_null(Facilities::Region))
                    .col(string_len_null(Facilities::PostalCode, 32))
                    .col(string_len_null(Facilities::Country, 2))
                    .col(double_null(Facilities::Lat))
                    .col(double_null(Facilities::Lon))
                    .col(text_null(Facilities::Directions))
                    .col(string_null(Facilities::OwnerName))
                    .col(string_null(Facilities::ContactName))
                    .col(string_null(Facilities::ContactEmail))
                    .col(string_len_null(Facilities::ContactPhone, 64))
                    .col(string_null(Facilities::Website))
                    .col(json_binary(Facilities::Affiliations))
                    .col(text_null(Facilities::OpeningHours))
                    .col(date_null(Facilities::DateFounded))
                    .col(boolean_null(Facilities::WheelchairAccessible))
                    .col(string_len_null(Facilities::TypicalBatchSize, 12))
                    .col(double_null(Facilities::FloorSizeM2))
                    .col(json_binary(Facilities::Certifications))
                    .col(boolean_null(Facilities::BackupGenerator))
                    .col(boolean_null(Facilities::UninterruptedPowerSupply))
                    .col(boolean_null(Facilities::RoadAccess))
                    .col(boolean_null(Facilities::LoadingDock))
                    .col(integer_null(Facilities::Headcount))
                    .col(boolean(Facilities::OnProbation).default(false))
                    .col(json_binary(Facilities::UnresolvedTerms))
                    .col(timestamp_with_time_zone(Facilities::DateCreated))
                    .col(timestamp_with_time_zone(Facilities::LastUpdated))
                    .col(timestamp_with_time_zone_null(Facilities::DateVerified))
                    .col(string_null(Facilities::VerifiedBy))
                    .col(string_len(Facilities::Source, 64))
                    .col(string_null(Facilities::SourceId))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "uq_facilities_source",
                Facilities::Table,
                [
                    Facilities::Source.into_iden(),
                    Facilities::SourceId.into_iden(),
                ],
                true,
            ),
            index(
                "idx_facilities_country",
                Facilities::Table,
                [Facilities::Country.into_iden()],
                false,
            ),
            index(
                "idx_facilities_status",
                Facilities::Table,
                [Facilities::Status.into_iden()],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(FacilityProcesses::Table)
                    .col(uuid(FacilityProcesses::FacilityId))
                    .col(string_len(FacilityProcesses::ProcessId, 64))
                    .col(string_null(FacilityProcesses::SourceTerm))
                    .primary_key(
                        Index::create()
                            .col(FacilityProcesses::FacilityId)
                            .col(FacilityProcesses::ProcessId),
                    )
                    .foreign_key(&mut fk(
                        FacilityProcesses::Table,
                        FacilityProcesses::FacilityId,
                        Facilities::Table,
                        Facilities::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        FacilityProcesses::Table,
                        FacilityProcesses::ProcessId,
                        Processes::Table,
                        Processes::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // "Which facilities offer process P" is the lookup matching needs.
        manager
            .create_index(index(
                "idx_facility_processes_process",
                FacilityProcesses::Table,
                [FacilityProcesses::ProcessId.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FacilityMaterials::Table)
                    .col(uuid(FacilityMaterials::FacilityId))
                    .col(string_len(FacilityMaterials::MaterialId, 64))
                    .col(string_null(FacilityMaterials::SourceTerm))
                    .primary_key(
                        Index::create()
                            .col(FacilityMaterials::FacilityId)
                            .col(FacilityMaterials::MaterialId),
                    )
                    .foreign_key(&mut fk(
                        FacilityMaterials::Table,
                        FacilityMaterials::FacilityId,
                        Facilities::Table,
                        Facilities::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        FacilityMaterials::Table,
                        FacilityMaterials::MaterialId,
                        Materials::Table,
                        Materials::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_facility_materials_material",
                FacilityMaterials::Table,
                [FacilityMaterials::MaterialId.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Equipment::Table)
                    .col(pk_uuid(Equipment::Id))
                    .col(uuid(Equipment::FacilityId))
                    .col(string_len(Equipment::EquipmentType, 128))
                    .col(string_len_null(Equipment::ProcessId, 64))
                    .col(string_null(Equipment::Make))
                    .col(string_null(Equipment::Model))
                    .col(string_null(Equipment::SerialNumber))
                    .col(integer(Equipment::Quantity).default(1))
                    .col(string_len_null(Equipment::Condition, 64))
                    .col(text_null(Equipment::Notes))
                    .foreign_key(&mut fk(
                        Equipment::Table,
                        Equipment::FacilityId,
                        Facilities::Table,
                        Facilities::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Equipment::Table,
                        Equipment::ProcessId,
                        Processes::Table,
                        Processes::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "idx_equipment_facility",
                Equipment::Table,
                [Equipment::FacilityId.into_iden()],
                false,
            ),
            index(
                "idx_equipment_type",
                Equipment::Table,
                [Equipment::EquipmentType.into_iden()],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(EquipmentProperties::Table)
                    .col(uuid(EquipmentProperties::EquipmentId))
                    .col(string_len(EquipmentProperties::Key, 64))
                    .col(double_null(EquipmentProperties::NumberValue))
                    .col(text_null(EquipmentProperties::TextValue))
                    .col(string_len_null(EquipmentProperties::Unit, 16))
                    .primary_key(
                        Index::create()
                            .col(EquipmentProperties::EquipmentId)
                            .col(EquipmentProperties::Key),
                    )
                    .foreign_key(&mut fk(
                        EquipmentProperties::Table,
                        EquipmentProperties::EquipmentId,
                        Equipment::Table,
                        Equipment::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                EquipmentProperties::Table.into_iden(),
                Equipment::Table.into_iden(),
                FacilityMaterials::Table.into_iden(),
                FacilityProcesses::Table.into_iden(),
                Facilities::Table.into_iden(),
            ],
        )
        .await
    }
}
