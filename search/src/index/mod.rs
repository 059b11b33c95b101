//! Everything about the tantivy side: schema, analyzers, taxonomy expansion, document
//! conversion, and the small files that live next to the index.

pub(crate) mod analyzer;
pub(crate) mod convert;
pub(crate) mod expand;
pub(crate) mod geo_cell;
pub(crate) mod payload;
pub(crate) mod schema;
pub(crate) mod taxonomy_tokenizer;
pub(crate) mod version;
