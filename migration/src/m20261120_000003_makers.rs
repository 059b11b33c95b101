//! Makers (PSS passports): skills claimed, experience, availability, affiliations and
//! machine clearances.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_taxonomy::Skills;
use crate::m20261120_000002_facilities::{Equipment, Facilities};
use crate::util::{drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Makers {
    Table,
    Id,
    FirstName,
    LastName,
    MiddleName,
    PreferredFirstName,
    DisplayName,
    Bio,
    Languages,
    Country,
    City,
    Lat,
    Lon,
    CoarseLat,
    CoarseLon,
    Nationality,
    ResidenceCountry,
    DateOfBirth,
    Email,
    Phone,
    PublicProfile,
    ShareExactLocation,
    Source,
    SourceId,
    DateCreated,
    LastUpdated,
}

#[derive(DeriveIden)]
enum SkillClaims {
    Table,
    Id,
    MakerId,
    SkillId,
    Level,
    Years,
    EvidenceUrl,
    DateCreated,
}

#[derive(DeriveIden)]
enum Experiences {
    Table,
    Id,
    MakerId,
    Title,
    Organisation,
    FacilityId,
    DateFrom,
    DateTo,
    Description,
    Processes,
}

#[derive(DeriveIden)]
enum Availabilities {
    Table,
    Id,
    MakerId,
    HoursPerWeek,
    AvailableFrom,
    AvailableTo,
}

#[derive(DeriveIden)]
enum MakerAffiliations {
    Table,
    MakerId,
    FacilityId,
    Role,
}

#[derive(DeriveIden)]
enum MachineClearances {
    Table,
    Id,
    MakerId,
    EquipmentId,
    FacilityId,
    GrantedBy,
    GrantedOn,
    ExpiresOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Makers::Table)
                    .col(pk_uuid(Makers::Id))
                    .col(string_null(Makers::FirstName))
                    .col(string_null(Makers::LastName))
                    .col(string_null(Makers::MiddleName))
                    .col(string_null(Makers::PreferredFirstName))
                    .col(string_null(Makers::DisplayName))
                    .col(text_null(Makers::Bio))
                    .col(json_binary(Makers::Languages))
                    .col(string_len_null(Makers::Country, 2))
                    .col(string_null(Makers::City))
                    .col(double_null(Makers::Lat))
                    .col(double_null(Makers::Lon))
                    .col(double_null(Makers::CoarseLat))
                    .col(double_null(Makers::CoarseLon))
                    .col(string_len_null(Makers::Nationality, 64))
                    .col(string_len_null(Makers::ResidenceCountry, 64))
                    .col(date_null(Makers::DateOfBirth))
                    .col(string_null(Makers::Email))
                    .col(string_len_null(Makers::Phone, 64))
                    .col(boolean(Makers::PublicProfile).default(true))
                    .col(boolean(Makers::ShareExactLocation).default(false))
                    .col(string_len(Makers::Source, 64))
                    .col(string_null(Makers::SourceId))
                    .col(timestamp_with_time_zone(Makers::DateCreated))
                    .col(timestamp_with_time_zone(Makers::LastUpdated))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "uq_makers_source",
                Makers::Table,
                [Makers::Source.into_iden(), Makers::SourceId.into_iden()],
                true,
            ),
            index(
                "idx_makers_country",
                Makers::Table,
                [Makers::Country.into_iden()],
                false,
            ),
            index(
                "idx_makers_email",
                Makers::Table,
                [Makers::Email.into_iden()],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(SkillClaims::Table)
                    .col(pk_uuid(SkillClaims::Id))
                    .col(uuid(SkillClaims::MakerId))
                    .col(uuid(SkillClaims::SkillId))
                    .col(string_len(SkillClaims::Level, 16))
                    .col(double_null(SkillClaims::Years))
                    .col(string_null(SkillClaims::EvidenceUrl))
                    .col(timestamp_with_time_zone(SkillClaims::DateCreated))
                    .foreign_key(&mut fk(
                        SkillClaims::Table,
                        SkillClaims::MakerId,
                        Makers::Table,
                        Makers::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        SkillClaims::Table,
                        SkillClaims::SkillId,
                        Skills::Table,
                        Skills::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "uq_skill_claims_maker_skill",
                SkillClaims::Table,
                [
                    SkillClaims::MakerId.into_iden(),
                    SkillClaims::SkillId.into_iden(),
                ],
                true,
            ),
            index(
                "idx_skill_claims_skill",
                SkillClaims::Table,
                [SkillClaims::SkillId.into_iden()],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Experiences::Table)
                    .col(pk_uuid(Experiences::Id))
                    .col(uuid(Experiences::MakerId))
                    .col(string(Experiences::Title))
                    .col(string_null(Experiences::Organisation))
                    .col(uuid_null(Experiences::FacilityId))
                    .col(date_null(Experiences::DateFrom))
                    .col(date_null(Experiences::DateTo))
                    .col(text_null(Experiences::Description))
                    .col(json_binary(Experiences::Processes))
                    .foreign_key(&mut fk(
                        Experiences::Table,
                        Experiences::MakerId,
                        Makers::Table,
                        Makers::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Experiences::Table,
                        Experiences::FacilityId,
                        Facilities::Table,
                        Facilities::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "idx_experiences_maker",
                Experiences::Table,
                [Experiences::MakerId.into_iden()],
                false,
            ),
            index(
                "idx_experiences_facility",
                Experiences::Table,
                [Experiences::FacilityId.into_iden()],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Availabilities::Table)
                    .col(pk_uuid(Availabilities::Id))
                    .col(uuid(Availabilities::MakerId))
                    .col(double(Availabilities::HoursPerWeek))
                    .col(date_null(Availabilities::AvailableFrom))
                    .col(date_null(Availabilities::AvailableTo))
                    .foreign_key(&mut fk(
                        Availabilities::Table,
                        Availabilities::MakerId,
                        Makers::Table,
                        Makers::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_availabilities_maker",
                Availabilities::Table,
                [Availabilities::MakerId.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MakerAffiliations::Table)
                    .col(uuid(MakerAffiliations::MakerId))
                    .col(uuid(MakerAffiliations::FacilityId))
                    .col(string_len(MakerAffiliations::Role, 32))
                    .primary_key(
                        Index::create()
                            .col(MakerAffiliations::MakerId)
                            .col(MakerAffiliations::FacilityId),
                    )
                    .foreign_key(&mut fk(
                        MakerAffiliations::Table,
                        MakerAffiliations::MakerId,
                        Makers::Table,
                        Makers::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        MakerAffiliations::Table,
                        MakerAffiliations::FacilityId,
                        Facilities::Table,
                        Facilities::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // "Who works at facility F" (the primary key covers maker → facilities).
        manager
            .create_index(index(
                "idx_maker_affiliations_facility",
                MakerAffiliations::Table,
                [MakerAffiliations::FacilityId.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MachineClearances::Table)
                    .col(pk_uuid(MachineClearances::Id))
                    .col(uuid(MachineClearances::MakerId))
                    .col(uuid(MachineClearances::EquipmentId))
                    .col(uuid(MachineClearances::FacilityId))
                    .col(string(MachineClearances::GrantedBy))
                    .col(date(MachineClearances::GrantedOn))
                    .col(date_null(MachineClearances::ExpiresOn))
                    .foreign_key(&mut fk(
                        MachineClearances::Table,
                        MachineClearances::MakerId,
                        Makers::Table,
                        Makers::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        MachineClearances::Table,
                        MachineClearances::EquipmentId,
                        Equipment::Table,
                        Equipment::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        MachineClearances::Table,
                        MachineClearances::FacilityId,
                        Facilities::Table,
                        Facilities::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "uq_machine_clearances_maker_equipment",
                MachineClearances::Table,
                [
                    MachineClearances::MakerId.into_iden(),
                    MachineClearances::EquipmentId.into_iden(),
                ],
                true,
            ),
            index(
                "idx_machine_clearances_facility",
                MachineClearances::Table,
                [MachineClearances::FacilityId.into_iden()],
                false,
            ),
            index(
                "idx_machine_clearances_equipment",
                MachineClearances::Table,
                [MachineClearances::EquipmentId.into_iden()],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                MachineClearances::Table.into_iden(),
                MakerAffiliations::Table.into_iden(),
                Availabilities::Table.into_iden(),
                Experiences::Table.into_iden(),
                SkillClaims::Table.into_iden(),
                Makers::Table.into_iden(),
            ],
        )
        .await
    }
}
