//! Programmes, jobs and their requirements, assignments, the makers named on them and the
//! assignment audit trail.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000002_facilities::Facilities;
use crate::m20261120_000003_makers::Makers;
use crate::util::{drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
    Name,
    Description,
    Sponsor,
    StartsOn,
    EndsOn,
    DateCreated,
    LastUpdated,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    ProgrammeId,
    Title,
    Description,
    DesignRef,
    DesignManifest,
    Quantity,
    Tier,
    UnitPriceMinor,
    Currency,
    Deadline,
    DeliveryName,
    DeliveryLat,
    DeliveryLon,
    MaxDistanceKm,
    PrototypeFirst,
    QaInspector,
    Status,
    Source,
    SourceId,
    DateCreated,
    LastUpdated,
}

#[derive(DeriveIden)]
enum JobRequirements {
    Table,
    Id,
    JobId,
    Kind,
    Term,
    Required,
    MinLevel,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
    JobId,
    FacilityId,
    Quantity,
    UnitPriceMinor,
    Currency,
    Status,
    PrototypeRequired,
    DueOn,
    DateCreated,
    LastUpdated,
    DeliveredAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum AssignmentMakers {
    Table,
    AssignmentId,
    MakerId,
}

#[derive(DeriveIden)]
enum AssignmentEvents {
    Table,
    Id,
    AssignmentId,
    FromStatus,
    ToStatus,
    Actor,
    Note,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Programmes::Table)
                    .col(pk_uuid(Programmes::Id))
                    .col(string(Programmes::Name))
                    .col(text_null(Programmes::Description))
                    .col(string_null(Programmes::Sponsor))
                    .col(date_null(Programmes::StartsOn))
                    .col(date_null(Programmes::EndsOn))
                    .col(timestamp_with_time_zone(Programmes::DateCreated))
                    .col(timestamp_with_time_zone(Programmes::LastUpdated))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(pk_uuid(Jobs::Id))
                    .col(uuid_null(Jobs::ProgrammeId))
                    .col(string(Jobs::Title))
                    .col(text_null(Jobs::Description))
                    .col(string_null(Jobs::DesignRef))
                    .col(json_binary_null(Jobs::DesignManifest))
                    .col(integer(Jobs::Quantity))
                    .col(string_len_null(Jobs::Tier, 64))
                    .col(big_integer_null(Jobs::UnitPriceMinor))
                    .col(string_len_null(Jobs::Currency, 3))
                    .col(date_null(Jobs::Deadline))
                    .col(string_null(Jobs::DeliveryName))
                    .col(double_null(Jobs::DeliveryLat))
                    .col(double_null(Jobs::DeliveryLon))
                    .col(double_null(Jobs::MaxDistanceKm))
                    .col(boolean(Jobs::PrototypeFirst).default(false))
                    .col(string_null(Jobs::QaInspector))
                    .col(string_len(Jobs::Status, 16))
                    .col(string_len(Jobs::Source, 64))
                    .col(string_null(Jobs::SourceId))
                    .col(timestamp_with_time_zone(Jobs::DateCreated))
                    .col(timestamp_with_time_zone(Jobs::LastUpdated))
                    .check(Expr::col(Jobs::Quantity).gt(0))
                    .foreign_key(&mut fk(
                        Jobs::Table,
                        Jobs::ProgrammeId,
                        Programmes::Table,
                        Programmes::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "uq_jobs_source",
                Jobs::Table,
                [Jobs::Source.into_iden(), Jobs::SourceId.into_iden()],
                true,
            ),
            index(
                "idx_jobs_programme",
                Jobs::Table,
                [Jobs::ProgrammeId.into_iden()],
                false,
            ),
            index(
                "idx_jobs_status",
                Jobs::Table,
                [Jobs::Status.into_iden()],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(JobRequirements::Table)
                    .col(pk_uuid(JobRequirements::Id))
                    .col(uuid(JobRequirements::JobId))
                    .col(string_len(JobRequirements::Kind, 16))
                    .col(string(JobRequirements::Term))
                    .col(boolean(JobRequirements::Required).default(true))
                    .col(string_len_null(JobRequirements::MinLevel, 16))
                    .foreign_key(&mut fk(
                        JobRequirements::Table,
                        JobRequirements::JobId,
                        Jobs::Table,
                        Jobs::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_job_requirements_job_kind_term",
                JobRequirements::Table,
                [
                    JobRequirements::JobId.into_iden(),
                    JobRequirements::Kind.into_iden(),
                    JobRequirements::Term.into_iden(),
                ],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Assignments::Table)
                    .col(pk_uuid(Assignments::Id))
                    .col(uuid(Assignments::JobId))
                    .col(uuid(Assignments::FacilityId))
                    .col(integer(Assignments::Quantity))
                    .col(big_integer_null(Assignments::UnitPriceMinor))
                    .col(string_len_null(Assignments::Currency, 3))
                    .col(string_len(Assignments::Status, 24))
                    .col(boolean(Assignments::PrototypeRequired).default(false))
                    .col(date_null(Assignments::DueOn))
                    .col(timestamp_with_time_zone(Assignments::DateCreated))
                    .col(timestamp_with_time_zone(Assignments::LastUpdated))
                    .col(timestamp_with_time_zone_null(Assignments::DeliveredAt))
                    .col(timestamp_with_time_zone_null(Assignments::CompletedAt))
                    .check(Expr::col(Assignments::Quantity).gt(0))
                    .foreign_key(&mut fk(
                        Assignments::Table,
                        Assignments::JobId,
                        Jobs::Table,
                        Jobs::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Assignments::Table,
                        Assignments::FacilityId,
                        Facilities::Table,
                        Facilities::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "idx_assignments_job",
                Assignments::Table,
                [Assignments::JobId.into_iden()],
                false,
            ),
            index(
                "idx_assignments_facility",
                Assignments::Table,
                [
                    Assignments::FacilityId.into_iden(),
                    Assignments::Status.into_iden(),
                ],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AssignmentMakers::Table)
                    .col(uuid(AssignmentMakers::AssignmentId))
                    .col(uuid(AssignmentMakers::MakerId))
                    .primary_key(
                        Index::create()
                            .col(AssignmentMakers::AssignmentId)
                            .col(AssignmentMakers::MakerId),
                    )
                    .foreign_key(&mut fk(
                        AssignmentMakers::Table,
                        AssignmentMakers::AssignmentId,
                        Assignments::Table,
                        Assignments::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        AssignmentMakers::Table,
                        AssignmentMakers::MakerId,
                        Makers::Table,
                        Makers::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_assignment_makers_maker",
                AssignmentMakers::Table,
                [AssignmentMakers::MakerId.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AssignmentEvents::Table)
                    .col(big_pk_auto(AssignmentEvents::Id))
                    .col(uuid(AssignmentEvents::AssignmentId))
                    .col(string_len_null(AssignmentEvents::FromStatus, 24))
                    .col(string_len(AssignmentEvents::ToStatus, 24))
                    .col(string(AssignmentEvents::Actor))
                    .col(text_null(AssignmentEvents::Note))
                    .col(timestamp_with_time_zone(AssignmentEvents::At))
                    .foreign_key(&mut fk(
                        AssignmentEvents::Table,
                        AssignmentEvents::AssignmentId,
                        Assignments::Table,
                        Assignments::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_assignment_events_assignment",
                AssignmentEvents::Table,
                [AssignmentEvents::AssignmentId.into_iden()],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                AssignmentEvents::Table.into_iden(),
                AssignmentMakers::Table.into_iden(),
                Assignments::Table.into_iden(),
                JobRequirements::Table.into_iden(),
                Jobs::Table.into_iden(),
                Programmes::Table.into_iden(),
            ],
        )
        .await
    }
}
