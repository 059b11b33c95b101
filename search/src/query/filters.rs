//! Facet filters → sets of terms, normalised exactly as `index::convert` wrote them.
//! Filters never score: relevance comes from text alone.

use tantivy::Term;
use tantivy::schema::Field;

use super::matcher::FilterPlan;
use super::request::{Filters, SkillFilter};
use crate::document::Kind;
use crate::index::convert::{code_term, id_term, skill_level_term};
use crate::index::schema::Fields;
use crate::skills::skill_key;

fn plan(field: Field, values: impl IntoIterator<Item = String>) -> Option<FilterPlan> {
    let mut values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
    values.sort();
    values.dedup();
    (!values.is_empty()).then(|| FilterPlan {
        any_of: values
            .iter()
            .map(|v| Term::from_field_text(field, v))
            .collect(),
    })
}

/// Matches documents of `kind`.
pub(crate) fn kind_filter(kind: Kind, fields: &Fields) -> FilterPlan {
    FilterPlan {
        any_of: vec![Term::from_field_u64(fields.kind, kind.code())],
    }
}

/// One filter per constraint; all must hold.
pub(crate) fn filter_plans(filters: &Filters, fields: &Fields) -> Vec<FilterPlan> {
    let mut out: Vec<Option<FilterPlan>> = Vec::new();
    let any_of = |field: Field, values: &[String], norm: fn(&str) -> String| {
        plan(field, values.iter().map(|v| norm(v)))
    };
    out.push(any_of(fields.country, &filters.countries, code_term));
    out.push(any_of(fields.status, &filters.statuses, code_term));
    out.push(any_of(fields.access, &filters.access_types, code_term));
    out.push(any_of(fields.batch, &filters.batch_sizes, |s| {
        s.trim().to_string()
    }));
    out.push(any_of(fields.tier, &filters.tiers, code_term));
    out.push(any_of(fields.language, &filters.languages, id_term));
    let all_of = [
        (fields.process, &filters.processes),
        (fields.verified_process, &filters.verified_processes),
        (fields.equipment_type, &filters.equipment_types),
        (fields.material, &filters.materials),
    ];
    for (field, values) in all_of {
        for v in values {
            out.push(plan(field, [id_term(v)]));
        }
    }
    for r in &filters.requirements {
        // `KIND:term`: the kind is upper case, the term as ids are.
        let term = match r.split_once(':') {
            Some((kind, term)) => format!("{}:{}", code_term(kind), id_term(term)),
            None => r.trim().to_string(),
        };
        out.push(plan(fields.requirement, [term]));
    }
    for s in &filters.skills {
        let (field, term) = skill_term(s, fields);
        out.push(plan(field, [term]));
    }
    for alternatives in &filters.skill_alternatives {
        let mut any_of: Vec<Term> = alternatives
            .iter()
            .filter(|s| !skill_key(&s.key).is_empty())
            .map(|s| skill_term(s, fields))
            .map(|(field, term)| Term::from_field_text(field, &term))
            .collect();
        any_of.sort();
        any_of.dedup();
        if !any_of.is_empty() {
            out.push(Some(FilterPlan { any_of }));
        }
    }
    if filters.public_only {
        // Only makers have a visibility; facilities and jobs are public records, so a
        // query across kinds must keep them.
        let mut any_of = vec![Term::from_field_text(fields.visibility, "public")];
        any_of.extend(
            Kind::ALL
                .into_iter()
                .filter(|k| *k != Kind::Maker)
                .map(|k| Term::from_field_u64(fields.kind, k.code())),
        );
        out.push(Some(FilterPlan { any_of }));
    }
    out.into_iter().flatten().collect()
}

/// The field and term a skill filter looks for.
pub(crate) fn skill_term(s: &SkillFilter, fields: &Fields) -> (Field, String) {
    let key = skill_key(&s.key);
    let term = match s.min_level {
        Some(level) => skill_level_term(&key, level),
        None => key,
    };
    let field = if s.verified {
        fields.verified_skill
    } else {
        fields.skill
    };
    (field, term)
}
