//! Verifiable credentials: every credential keeps the document it came as and the outcome
//! of checking its proof; an issuer is known by the identifier (DID or URL) its credentials
//! name, which is what an admin trusts; credentials this deployment issues hold a position
//! in its revocation list; a programme may issue proof-of-practice credentials.

use sea_orm_migration::{prelude::*, schema::*};

use crate::util::index;

#[derive(DeriveIden, Clone, Copy)]
enum Credentials {
    Table,
    VerificationStatus,
    VerificationMethod,
    VerificationReason,
    VerificationCheckedAt,
    VerifiedIssuer,
    RecheckAfter,
    Document,
    StatusListCredential,
    StatusListIndex,
    StatusIndex,
}

#[derive(DeriveIden, Clone, Copy)]
enum Issuers {
    Table,
    Identifier,
}

#[derive(DeriveIden, Clone, Copy)]
enum Programmes {
    Table,
    IssueProofOfPractice,
}

/// Columns added one statement each: SQLite alters one column at a time.
async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + Copy + 'static,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let mut column = column;
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

async fn drop(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + Copy + 'static,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Credentials as C;
        add(
            manager,
            C::Table,
            string_len(C::VerificationStatus, 12)
                .default("UNVERIFIED")
                .to_owned(),
        )
        .await?;
        add(manager, C::Table, string_null(C::VerificationMethod)).await?;
        add(manager, C::Table, text_null(C::VerificationReason)).await?;
        add(
            manager,
            C::Table,
            timestamp_with_time_zone_null(C::VerificationCheckedAt),
        )
        .await?;
        add(manager, C::Table, string_null(C::VerifiedIssuer)).await?;
        add(
            manager,
            C::Table,
            timestamp_with_time_zone_null(C::RecheckAfter),
        )
        .await?;
        add(manager, C::Table, text_null(C::Document)).await?;
        add(manager, C::Table, string_null(C::StatusListCredential)).await?;
        add(manager, C::Table, big_integer_null(C::StatusListIndex)).await?;
        add(manager, C::Table, big_integer_null(C::StatusIndex)).await?;
        manager
            .create_index(index(
                "idx_credentials_verification_status",
                C::Table,
                [C::VerificationStatus.into_iden()],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_credentials_status_index",
                C::Table,
                [C::StatusIndex.into_iden()],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_credentials_recheck_after",
                C::Table,
                [C::RecheckAfter.into_iden()],
                false,
            ))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE credentials SET verification_reason = \
                 'recorded before makermatch checked proofs' \
                 WHERE verification_reason IS NULL",
            )
            .await?;

        add(manager, Issuers::Table, string_null(Issuers::Identifier)).await?;
        manager
            .create_index(index(
                "idx_issuers_identifier",
                Issuers::Table,
                [Issuers::Identifier.into_iden()],
                true,
            ))
            .await?;
        // Issuers an Open Badges import created are known by the IRI their documents gave.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE issuers SET identifier = source_id \
                 WHERE source = 'openbadges' AND source_id IS NOT NULL",
            )
            .await?;

        add(
            manager,
            Programmes::Table,
            boolean(Programmes::IssueProofOfPractice)
                .default(false)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Credentials as C;
        drop(manager, Programmes::Table, Programmes::IssueProofOfPractice).await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_issuers_identifier")
                    .table(Issuers::Table)
                    .to_owned(),
            )
            .await?;
        drop(manager, Issuers::Table, Issuers::Identifier).await?;
        for name in [
            "idx_credentials_verification_status",
            "idx_credentials_status_index",
            "idx_credentials_recheck_after",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(C::Table).to_owned())
                .await?;
        }
        for column in [
            C::StatusIndex,
            C::StatusListIndex,
            C::StatusListCredential,
            C::Document,
            C::RecheckAfter,
            C::VerifiedIssuer,
            C::VerificationCheckedAt,
            C::VerificationReason,
            C::VerificationMethod,
            C::VerificationStatus,
        ] {
            drop(manager, C::Table, column).await?;
        }
        Ok(())
    }
}
