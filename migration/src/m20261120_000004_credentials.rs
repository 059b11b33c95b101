//! Open Badges: issuers, achievements (badge classes) with their alignments, credentials.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261120_000001_taxonomy::{Processes, Skills};
use crate::m20261120_000003_makers::Makers;
use crate::util::{drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Issuers {
    Table,
    Id,
    Name,
    Url,
    Email,
    Description,
    Trusted,
    PublicKey,
    Source,
    SourceId,
    DateCreated,
}

#[derive(DeriveIden)]
enum Achievements {
    Table,
    Id,
    IssuerId,
    Name,
    Description,
    Criteria,
    Image,
    Source,
    SourceId,
    DateCreated,
}

#[derive(DeriveIden)]
enum AchievementAlignments {
    Table,
    Id,
    AchievementId,
    SkillId,
    ProcessId,
    TargetName,
    TargetUrl,
}

#[derive(DeriveIden)]
enum Credentials {
    Table,
    Id,
    MakerId,
    AchievementId,
    IssuedOn,
    Expires,
    EvidenceUrl,
    Revoked,
    RevocationReason,
    Source,
    SourceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Issuers::Table)
                    .col(pk_uuid(Issuers::Id))
                    .col(string(Issuers::Name))
                    .col(string_null(Issuers::Url))
                    .col(string_null(Issuers::Email))
                    .col(text_null(Issuers::Description))
                    .col(boolean(Issuers::Trusted).default(false))
                    .col(text_null(Issuers::PublicKey))
                    .col(string_len(Issuers::Source, 64))
                    .col(string_null(Issuers::SourceId))
                    .col(timestamp_with_time_zone(Issuers::DateCreated))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_issuers_source",
                Issuers::Table,
                [Issuers::Source.into_iden(), Issuers::SourceId.into_iden()],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Achievements::Table)
                    .col(pk_uuid(Achievements::Id))
                    .col(uuid(Achievements::IssuerId))
                    .col(string(Achievements::Name))
                    .col(text_null(Achievements::Description))
                    .col(text_null(Achievements::Criteria))
                    .col(string_null(Achievements::Image))
                    .col(string_len(Achievements::Source, 64))
                    .col(string_null(Achievements::SourceId))
                    .col(timestamp_with_time_zone(Achievements::DateCreated))
                    .foreign_key(&mut fk(
                        Achievements::Table,
                        Achievements::IssuerId,
                        Issuers::Table,
                        Issuers::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "uq_achievements_source",
                Achievements::Table,
                [
                    Achievements::Source.into_iden(),
                    Achievements::SourceId.into_iden(),
                ],
                true,
            ),
            index(
                "idx_achievements_issuer",
                Achievements::Table,
                [Achievements::IssuerId.into_iden()],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AchievementAlignments::Table)
                    .col(pk_uuid(AchievementAlignments::Id))
                    .col(uuid(AchievementAlignments::AchievementId))
                    .col(uuid_null(AchievementAlignments::SkillId))
                    .col(string_len_null(AchievementAlignments::ProcessId, 64))
                    .col(string(AchievementAlignments::TargetName))
                    .col(string_null(AchievementAlignments::TargetUrl))
                    .foreign_key(&mut fk(
                        AchievementAlignments::Table,
                        AchievementAlignments::AchievementId,
                        Achievements::Table,
                        Achievements::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        AchievementAlignments::Table,
                        AchievementAlignments::SkillId,
                        Skills::Table,
                        Skills::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        AchievementAlignments::Table,
                        AchievementAlignments::ProcessId,
                        Processes::Table,
                        Processes::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "idx_achievement_alignments_achievement",
                AchievementAlignments::Table,
                [AchievementAlignments::AchievementId.into_iden()],
                false,
            ),
            index(
                "idx_achievement_alignments_skill",
                AchievementAlignments::Table,
                [AchievementAlignments::SkillId.into_iden()],
                false,
            ),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Credentials::Table)
                    .col(pk_uuid(Credentials::Id))
                    .col(uuid(Credentials::MakerId))
                    .col(uuid(Credentials::AchievementId))
                    .col(timestamp_with_time_zone(Credentials::IssuedOn))
                    .col(timestamp_with_time_zone_null(Credentials::Expires))
                    .col(string_null(Credentials::EvidenceUrl))
                    .col(boolean(Credentials::Revoked).default(false))
                    .col(text_null(Credentials::RevocationReason))
                    .col(string_len(Credentials::Source, 64))
                    .col(string_null(Credentials::SourceId))
                    .foreign_key(&mut fk(
                        Credentials::Table,
                        Credentials::MakerId,
                        Makers::Table,
                        Makers::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Credentials::Table,
                        Credentials::AchievementId,
                        Achievements::Table,
                        Achievements::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index(
                "uq_credentials_source",
                Credentials::Table,
                [
                    Credentials::Source.into_iden(),
                    Credentials::SourceId.into_iden(),
                ],
                true,
            ),
            index(
                "idx_credentials_maker",
                Credentials::Table,
                [Credentials::MakerId.into_iden()],
                false,
            ),
            index(
                "idx_credentials_achievement",
                Credentials::Table,
                [Credentials::AchievementId.into_iden()],
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
                Credentials::Table.into_iden(),
                AchievementAlignments::Table.into_iden(),
                Achievements::Table.into_iden(),
                Issuers::Table.into_iden(),
            ],
        )
        .await
    }
}
