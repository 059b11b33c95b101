//! The request's taxonomy, and an input's words (ids, labels in any language, aliases,
//! Wikipedia URLs, TSDC codes) as taxonomy ids: what every domain's inputs resolve
//! through.

use std::sync::Arc;

use async_graphql::{Context, Error, Result};
use makermatch_search::Taxonomy;
use makermatch_search::resolve::Resolution;

use crate::graphql::error::bad_input;

pub fn taxonomy<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Taxonomy>> {
    ctx.data::<Arc<Taxonomy>>()
}

/// A filter's process term (id, label, alias, Wikipedia URL, TSDC code…) as a process id.
pub fn process_id(tax: &Taxonomy, field: &str, term: &str) -> Result<String, Error> {
    process_read(tax, field, term).map(|r| r.id)
}

/// A process term as read: the id, how it was recognised, how sure.
pub fn process_read(tax: &Taxonomy, field: &str, term: &str) -> Result<Resolution, Error> {
    tax.resolve_process(term).ok_or_else(|| {
        bad_input(
            field,
            format!("`{term}` is not a process of the taxonomy; list them with `processes(text:)`"),
        )
    })
}

pub fn equipment_type_id(tax: &Taxonomy, field: &str, term: &str) -> Result<String, Error> {
    equipment_type_read(tax, field, term).map(|r| r.id)
}

pub fn equipment_type_read(tax: &Taxonomy, field: &str, term: &str) -> Result<Resolution, Error> {
    tax.resolve_equipment_type(term).ok_or_else(|| {
        bad_input(
            field,
            format!("`{term}` is not an equipment type of the taxonomy; list them with `equipmentTypes(text:)`"),
        )
    })
}

pub fn material_id(tax: &Taxonomy, field: &str, term: &str) -> Result<String, Error> {
    material_read(tax, field, term).map(|r| r.id)
}

pub fn material_read(tax: &Taxonomy, field: &str, term: &str) -> Result<Resolution, Error> {
    tax.resolve_material(term).ok_or_else(|| {
        bad_input(
            field,
            format!(
                "`{term}` is not a material of the taxonomy; list them with `materials(text:)`"
            ),
        )
    })
}
