//! Processes, equipment types, materials and skills as GraphQL shows them.

use std::sync::Arc;

use async_graphql::{Object, SimpleObject};
use makermatch_entities::skill;
use makermatch_search::Taxonomy;

/// A label in another language.
#[derive(SimpleObject, Clone)]
pub struct LocalizedLabel {
    /// `fr`, `pt` or `sw`.
    pub language: String,
    /// The label in that language.
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

/// A manufacturing process of the taxonomy (FDM ⊂ 3D printing ⊂ additive manufacturing).
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
    /// Other names and spellings that resolve to it.
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
    /// The next broader process; null at the top.
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
    /// Canonical id, e.g. `laser-cutter`.
    pub id: String,
    /// English label.
    pub label: String,
    /// French, Portuguese and Swahili labels where known.
    pub labels: Vec<LocalizedLabel>,
    /// Other names and spellings that resolve to it.
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
    /// Canonical id, e.g. `pla`.
    pub id: String,
    /// English label.
    pub label: String,
    /// French, Portuguese and Swahili labels where known.
    pub labels: Vec<LocalizedLabel>,
    /// Wikidata item, e.g. `Q146368`.
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
    /// The skill's label, as makers write it.
    pub label: String,
    /// The process the skill belongs to, when it names one.
    pub process_id: Option<String>,
    /// The ESCO skill URI, when known.
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
