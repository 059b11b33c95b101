//! Ties a maker asks for: a maker requests membership (or a staff or owner role) at a
//! facility, and the facility's staff or a coordinator confirms or declines it. Until then
//! the request grants nothing.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TieRequests {
    Table,
    MakerId,
    FacilityId,
    Role,
    RequestedAt,
}

#[derive(DeriveIden)]
enum Makers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Facilities {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TieRequests::Table)
                    .col(uuid(TieRequests::MakerId))
                    .col(uuid(TieRequests::FacilityId))
                    .col(string_len(TieRequests::Role, 32))
                    .col(timestamp_with_time_zone(TieRequests::RequestedAt))
                    .primary_key(
                        Index::create()
                            .col(TieRequests::MakerId)
                            .col(TieRequests::FacilityId),
                    )
                    .foreign_key(&mut fk(
                        TieRequests::Table,
                        TieRequests::MakerId,
                        Makers::Table,
                        Makers::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        TieRequests::Table,
                        TieRequests::FacilityId,
                        Facilities::Table,
                        Facilities::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TieRequests::Table).to_owned())
            .await
    }
}
