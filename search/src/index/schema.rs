//! The tantivy schema: one index for makers, facilities and jobs, told apart by a `kind`
//! field. One index rather than one per kind because the indexer applies one ordered
//! outbox: a single commit then records a single applied sequence number atomically, one
//! writer lock guards the whole folder, and cross-kind `search` ranks with one set of
//! BM25 statistics. The cost, document frequencies shared across kinds, is small next to
//! the field boosts, and a `kind` term filter is nearly free.
//!
//! Any change here must bump [`SCHEMA_VERSION`]: an index written by another version is
//! rebuilt from the database rather than read wrongly.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

use super::analyzer::{ENGLISH, FOLDED, TAXONOMY};

/// Version of the schema and of what gets indexed into it (analyzers, expansions).
/// 2: facilities and jobs carry `visibility: public`.
/// 3: makers and facilities carry their matching profile (`profile`).
/// 4: makers carry their links to facilities (`linked`, and in the profile).
pub const SCHEMA_VERSION: u32 = 4;

/// Handles of every field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// The engine's compact entity number: R-tree payload, delete key.
    pub ord: Field,
    pub kind: Field,
    /// The entity UUID as two halves, read back when the engine opens.
    pub id_hi: Field,
    pub id_lo: Field,
    /// Positions, read back when the engine opens to rebuild the R-trees.
    pub lat: Field,
    pub lon: Field,
    pub coarse_lat: Field,
    pub coarse_lon: Field,

    pub name: Field,
    pub body: Field,
    pub place: Field,
    pub skills: Field,
    /// The entity's own process ids, indexed as the labels (every language) and aliases
    /// they expand to.
    pub taxonomy: Field,
    /// Their ancestors, likewise: "3D printing" on an FDM space.
    pub taxonomy_broader: Field,
    pub equipment: Field,
    pub materials: Field,
    /// English-stemmed copy of the prose and skill labels.
    pub stemmed: Field,

    pub country: Field,
    /// Process ids with all their ancestors, so a filter on a parent finds children.
    pub process: Field,
    pub verified_process: Field,
    /// Skill keys, and `key:LEVEL` for every level up to the claimed one.
    pub skill: Field,
    pub verified_skill: Field,
    pub equipment_type: Field,
    pub material: Field,
    pub status: Field,
    pub access: Field,
    pub batch: Field,
    pub tier: Field,
    pub language: Field,
    /// `public` or `private` (makers).
    pub visibility: Field,
    /// `KIND:term` of every job requirement.
    pub requirement: Field,
    /// Makers and facilities: the profile `matchJob` scores (`matching::MakerProfile`,
    /// `matching::FacilityProfile`) as JSON, so a match reads it with the document instead
    /// of from a dozen tables.
    pub profile: Field,
    /// Makers: the ids of the facilities they are affiliated with or cleared at, so a
    /// match finds the makers tied to its candidate facilities without the database.
    pub linked: Field,
}

fn text(stored: bool, analyzer: &str) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            // Frequencies for BM25; no positions: queries are bags of words, and
            // positions would cost a third more index for nothing.
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

impl Fields {
    pub(crate) fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let fast_f64 = || NumericOptions::default().set_fast();
        let fields = Fields {
            ord: b.add_u64_field("ord", INDEXED | FAST),
            kind: b.add_u64_field("kind", INDEXED | FAST),
            id_hi: b.add_u64_field("id_hi", FAST),
            id_lo: b.add_u64_field("id_lo", FAST),
            lat: b.add_f64_field("lat", fast_f64()),
            lon: b.add_f64_field("lon", fast_f64()),
            coarse_lat: b.add_f64_field("coarse_lat", fast_f64()),
            coarse_lon: b.add_f64_field("coarse_lon", fast_f64()),
            name: b.add_text_field("name", text(true, FOLDED)),
            body: b.add_text_field("body", text(true, FOLDED)),
            place: b.add_text_field("place", text(true, FOLDED)),
            skills: b.add_text_field("skills", text(true, FOLDED)),
            taxonomy: b.add_text_field("taxonomy", text(false, TAXONOMY)),
            taxonomy_broader: b.add_text_field("taxonomy_broader", text(false, TAXONOMY)),
            equipment: b.add_text_field("equipment", text(true, FOLDED)),
            materials: b.add_text_field("materials", text(false, FOLDED)),
            stemmed: b.add_text_field("stemmed", text(false, ENGLISH)),
            country: b.add_text_field("country", STRING | FAST),
            process: b.add_text_field("process", STRING),
            verified_process: b.add_text_field("verified_process", STRING),
            skill: b.add_text_field("skill", STRING),
            verified_skill: b.add_text_field("verified_skill", STRING),
            equipment_type: b.add_text_field("equipment_type", STRING),
            material: b.add_text_field("material", STRING),
            status: b.add_text_field("status", STRING | FAST),
            access: b.add_text_field("access", STRING | FAST),
            batch: b.add_text_field("batch", STRING),
            tier: b.add_text_field("tier", STRING),
            language: b.add_text_field("language", STRING),
            visibility: b.add_text_field("visibility", STRING),
            requirement: b.add_text_field("requirement", STRING),
            profile: b.add_bytes_field("profile", STORED),
            linked: b.add_text_field("linked", STRING),
        };
        (b.build(), fields)
    }
}

/// Stored text fields, in the order highlights are reported.
pub(crate) fn highlight_fields(f: &Fields) -> [(Field, &'static str); 5] {
    [
        (f.name, "name"),
        (f.skills, "skills"),
        (f.equipment, "equipment"),
        (f.body, "body"),
        (f.place, "place"),
    ]
}
