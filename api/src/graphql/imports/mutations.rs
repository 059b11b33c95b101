//! `importDocument`, through the importers of `crate::import`.

use async_graphql::{Context, Object, Result};
use makermatch_search::Taxonomy;
use sea_orm::DatabaseConnection;

use super::types::{ImportFormat, ImportResult};
use crate::graphql::access::require;
use crate::graphql::error::{bad_input, from_db, internal};
use crate::graphql::request::consistency::wait_for_write;
use crate::graphql::taxonomy::taxonomy;
use crate::import;
use crate::services::credentials::verification::CredentialVerifier;
use crate::services::policy::Rule;

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports one document: OKW facilities, the IoPA map export, a machine catalog, PSS
    /// makers, Open Badges or OKH manifests. `format` is detected when left out. Records
    /// upsert on their source id, so importing the same document twice changes nothing.
    /// Bad records are rejected one by one (see `rejections`); a document that is not the
    /// format given, or no format at all, is refused whole (`BAD_USER_INPUT` on
    /// `content`). With `dryRun` everything is checked and nothing kept (on SQLite it
    /// imports into a copy of the database, so it takes time in proportion to the
    /// database's size, but holds up no other write). Returns once searches on this server
    /// see the import.
    async fn import_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's format; detected from the content when absent.")]
        format: Option<ImportFormat>,
        #[graphql(desc = "The whole document as text (JSON, YAML, CSV or TOML).")] content: String,
        #[graphql(default, desc = "Check everything and keep nothing.")] dry_run: bool,
    ) -> Result<ImportResult> {
        require(ctx, Rule::Staff)?;
        if content.trim().is_empty() {
            return Err(bad_input("content", "the document is empty"));
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let tax: &Taxonomy = taxonomy(ctx)?;
        let verifier = ctx.data::<CredentialVerifier>()?;
        let mut summary = import::import_text(
            db,
            tax,
            verifier,
            "document",
            &content,
            format.map(Into::into),
            dry_run,
        )
        .await
        .map_err(internal)?;
        if let Some((_, reason)) = summary.unreadable_files.pop() {
            return Err(bad_input("content", reason));
        }
        if !dry_run
            && let Some(seq) = crate::services::outbox::last_seq(db)
                .await
                .map_err(from_db)?
        {
            wait_for_write(ctx, seq).await?;
        }
        Ok(summary.into())
    }
}
