//! The process taxonomy over GraphQL (DESIGN §4): processes, equipment types, materials,
//! and the skills makers have declared; plus turning a filter's words into taxonomy ids.

use std::sync::Arc;

use async_graphql::{Context, Error, Object, Result, SimpleObject};
use makermatch_entities::skill;
use makermatch_search::Taxonomy;
use makermatch_search::resolve::fold;
use makermatch_search::skills::skill_key;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::error::{bad_input, from_db};

/// Most entries a taxonomy list returns.
const MAX_TERMS: usize = 100;

pub fn taxonomy<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Taxonomy>> {
    ctx.data::<Arc<Taxonomy>>()
}

/// A label in another language.
#[derive(SimpleObject, Clone)]
pub struct LocalizedLabel {
    /// `fr`, `pt` or `sw`.
    pub language: String,
    pub label: String,
}

fn localized(fr: &Option<String>, pt: &Option<String>, sw: &Option<String>) -> Vec<LocalizedLabel> {
    [("fr", fr), ("pt", pt), ("sw", sw)]
        .into_iter()
        .filter_map(|(language, label)| {
            label.as_ref().map(|l| LocalizedLabel {
                language: language.to_owned(),
                label: l.clone(),
            })
        })
        .collect()
}

/// A manufacturing process of the taxonomy (FDM ⊂ 3D printing ⊂ additive manufacturing).
pub struct Process(pub makermatch_search::taxonomy::Process, pub Arc<Taxonomy>);

#[Object]
impl Process {
    /// Canonical id, e.g. `fdm`.
    async fn id(&self) -> &str {
        &self.0.id
    }
    /// English label.
    async fn label(&self) -> &str {
        &self.0.en
    }
    /// French, Portuguese and Swahili labels where known.
    async fn labels(&self) -> Vec<LocalizedLabel> {
        localized(&self.0.fr, &self.0.pt, &self.0.sw)
    }
    async fn aliases(&self) -> &[String] {
        &self.0.aliases
    }
    /// The English Wikipedia article OKW classifies the process by.
    async fn wikipedia_url(&self) -> Option<String> {
        self.0
            .wikipedia
            .as_ref()
            .map(|slug| format!("https://en.wikipedia.org/wiki/{slug}"))
    }
    /// Wikidata item, e.g. `Q1128813`.
    async fn wikidata(&self) -> Option<&str> {
        self.0.wikidata.as_deref()
    }
    /// DIN SPEC 3105 TSDC code, e.g. `3DP`.
    async fn tsdc(&self) -> Option<&str> {
        self.0.tsdc.as_deref()
    }
    async fn parent(&self) -> Option<Process> {
        let parent = self.0.parent.as_deref()?;
        self.1
            .process(parent)
            .map(|p| Process(p.clone(), self.1.clone()))
    }
    /// Broader processes, nearest first.
    async fn ancestors(&self) -> Vec<Process> {
        self.1
            .ancestors(&self.0.id)
            .into_iter()
            .filter(|id| *id != self.0.id)
            .filter_map(|id| self.1.process(id))
            .map(|p| Process(p.clone(), self.1.clone()))
            .collect()
    }
}

/// A kind of machine and the processes it performs.
#[derive(SimpleObject, Clone)]
pub struct EquipmentType {
    pub id: String,
    pub label: String,
    pub labels: Vec<LocalizedLabel>,
    pub aliases: Vec<String>,
    /// Process ids this type of machine performs.
    pub process_ids: Vec<String>,
}

impl From<&makermatch_search::taxonomy::EquipmentType> for EquipmentType {
    fn from(e: &makermatch_search::taxonomy::EquipmentType) -> Self {
        EquipmentType {
            id: e.id.clone(),
            label: e.en.clone(),
            labels: localized(&e.fr, &e.pt, &e.sw),
            aliases: e.aliases.clone(),
            process_ids: e.processes.clone(),
        }
    }
}

/// A material of the taxonomy.
#[derive(SimpleObject, Clone)]
pub struct Material {
    pub id: String,
    pub label: String,
    pub labels: Vec<LocalizedLabel>,
    pub wikidata: Option<String>,
}

impl From<&makermatch_search::taxonomy::Material> for Material {
    fn from(m: &makermatch_search::taxonomy::Material) -> Self {
        Material {
            id: m.id.clone(),
            label: m.en.clone(),
            labels: localized(&m.fr, &m.pt, &m.sw),
            wikidata: m.wikidata.clone(),
        }
    }
}

/// A skill as makers declare it, normalised.
#[derive(SimpleObject, Clone)]
pub struct Skill {
    /// The normalised key filters use.
    pub key: String,
    pub label: String,
    /// The process the skill belongs to, when it names one.
    pub process_id: Option<String>,
    pub esco_uri: Option<String>,
}

impl From<skill::Model> for Skill {
    fn from(s: skill::Model) -> Self {
        Skill {
            key: s.key,
            label: s.label,
            process_id: s.process_id,
            esco_uri: s.esco_uri,
        }
    }
}

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
    async fn processes(&self, ctx: &Context<'_>, text: Option<String>) -> Result<Vec<Process>> {
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
        text: Option<String>,
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
    async fn materials(&self, ctx: &Context<'_>, text: Option<String>) -> Result<Vec<Material>> {
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
        text: Option<String>,
        #[graphql(default = 20)] first: i32,
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

/// A filter's process term (id, label, alias, Wikipedia URL, TSDC code…) as a process id.
pub fn process_id(tax: &Taxonomy, field: &str, term: &str) -> Result<String, Error> {
    tax.resolve_process(term).map(|r| r.id).ok_or_else(|| {
        bad_input(
            field,
            format!("`{term}` is not a process of the taxonomy; list them with `processes(text:)`"),
        )
    })
}

pub fn equipment_type_id(tax: &Taxonomy, field: &str, term: &str) -> Result<String, Error> {
    tax.resolve_equipment_type(term).map(|r| r.id).ok_or_else(|| {
        bad_input(
            field,
            format!("`{term}` is not an equipment type of the taxonomy; list them with `equipmentTypes(text:)`"),
        )
    })
}

pub fn material_id(tax: &Taxonomy, field: &str, term: &str) -> Result<String, Error> {
    tax.resolve_material(term).map(|r| r.id).ok_or_else(|| {
        bad_input(
            field,
            format!(
                "`{term}` is not a material of the taxonomy; list them with `materials(text:)`"
            ),
        )
    })
}
