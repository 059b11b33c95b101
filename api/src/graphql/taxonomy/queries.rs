//! `processes`, `equipmentTypes`, `materials` and `skills`: the taxonomy's terms and the
//! skills makers declared, found by their words.

use async_graphql::{Context, Object, Result};
use makermatch_entities::skill;
use makermatch_search::resolve::fold;
use makermatch_search::skills::skill_key;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::inputs::taxonomy;
use super::types::{EquipmentType, Material, Process, Skill};
use crate::graphql::error::{bad_input, from_db};

/// Most entries a taxonomy list returns.
const MAX_TERMS: usize = 100;

/// Whether `text` (folded) occurs in any of `words`.
fn mentions<'a>(text: &str, words: impl IntoIterator<Item = &'a str>) -> bool {
    words.into_iter().any(|w| fold(w).contains(text))
}

#[derive(Default)]
pub struct TaxonomyQuery;

#[Object]
impl TaxonomyQuery {
    /// Processes whose id, label (any language), alias, Wikipedia article, Wikidata id or
    /// TSDC code contains `text`, or that `text` resolves to (typos included); all
    /// processes, parents first, without `text`.
    async fn processes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words to look for; every process when absent.")] text: Option<String>,
    ) -> Result<Vec<Process>> {
        let tax = taxonomy(ctx)?;
        let all = tax.processes_parents_first();
        let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
            return Ok(all
                .into_iter()
                .map(|p| Process(p.clone(), tax.clone()))
                .collect());
        };
        let folded = fold(&text);
        let resolved = tax.resolve_process(&text).map(|r| r.id);
        let mut found: Vec<Process> = Vec::new();
        if let Some(id) = &resolved
            && let Some(p) = tax.process(id)
        {
            found.push(Process(p.clone(), tax.clone()));
        }
        for p in all {
            if Some(&p.id) == resolved.as_ref() {
                continue;
            }
            let words = [
                Some(&p.id),
                Some(&p.en),
                p.fr.as_ref(),
                p.pt.as_ref(),
                p.sw.as_ref(),
                p.wikipedia.as_ref(),
                p.wikidata.as_ref(),
                p.tsdc.as_ref(),
            ]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .chain(p.aliases.iter().map(String::as_str));
            if mentions(&folded, words) {
                found.push(Process(p.clone(), tax.clone()));
            }
            if found.len() >= MAX_TERMS {
                break;
            }
        }
        Ok(found)
    }

    /// Equipment types whose id, label or alias contains `text` (all without it).
    async fn equipment_types(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words to look for; every equipment type when absent.")] text: Option<
            String,
        >,
    ) -> Result<Vec<EquipmentType>> {
        let tax = taxonomy(ctx)?;
        let folded = text.as_deref().map(fold).filter(|t| !t.is_empty());
        Ok(tax
            .equipment_types()
            .iter()
            .filter(|e| {
                folded.as_deref().is_none_or(|t| {
                    mentions(
                        t,
                        [e.id.as_str(), e.en.as_str()]
                            .into_iter()
                            .chain(e.aliases.iter().map(String::as_str)),
                    )
                })
            })
            .map(EquipmentType::from)
            .collect())
    }

    /// Materials whose id, label or alias contains `text` (all without it).
    async fn materials(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words to look for; every material when absent.")] text: Option<String>,
    ) -> Result<Vec<Material>> {
        let tax = taxonomy(ctx)?;
        let folded = text.as_deref().map(fold).filter(|t| !t.is_empty());
        Ok(tax
            .materials()
            .iter()
            .filter(|m| {
                folded.as_deref().is_none_or(|t| {
                    mentions(
                        t,
                        [m.id.as_str(), m.en.as_str()]
                            .into_iter()
                            .chain(m.aliases.iter().map(String::as_str)),
                    )
                })
            })
            .map(Material::from)
            .collect())
    }

    /// Skills makers have declared whose normalised key contains `text`, at most `first`
    /// (≤ 100), alphabetically.
    async fn skills(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Part of a skill's normalised key; every declared skill when absent.")]
        text: Option<String>,
        #[graphql(default = 20, desc = "Most skills returned, 1 to 100.")] first: i32,
    ) -> Result<Vec<Skill>> {
        if !(0..=MAX_TERMS as i32).contains(&first) {
            return Err(bad_input("first", format!("give 0 to {MAX_TERMS}")));
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let mut query = skill::Entity::find().order_by_asc(skill::Column::Key);
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            let key = skill_key(&text);
            let escaped = key
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            query = query.filter(skill::Column::Key.like(format!("%{escaped}%")));
        }
        Ok(query
            .limit(first as u64)
            .all(db)
            .await
            .map_err(from_db)?
            .into_iter()
            .map(Skill::from)
            .collect())
    }
}
