//! Makers out, as PSS records the PSS importer reads back. Without `--include-private`:
//! public profiles only, the coarse position, and no contact details, date of birth or
//! nationality (DESIGN §8).

use std::collections::HashMap;
use std::io::Write;

use makermatch_entities::skill_claim::SkillLevel;
use makermatch_entities::{
    achievement, availability, credential, experience, facility, issuer, maker, maker_affiliation,
    skill, skill_claim,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::source_fields::as_given;
use super::{ExportFormat, ExportOptions, JsonStream, PAGE, feature, io};
use crate::error::AppError;
use crate::import::{provenance, values};

struct Passport {
    skills: Vec<Value>,
    skill_names: Vec<String>,
    experiences: Vec<Value>,
    availability: Option<Value>,
    affiliations: Vec<String>,
    certifications: Vec<Value>,
}

fn level(l: SkillLevel) -> &'static str {
    match l {
        SkillLevel::Novice => "NOVICE",
        SkillLevel::Intermediate => "INTERMEDIATE",
        SkillLevel::Advanced => "ADVANCED",
        SkillLevel::Expert => "EXPERT",
    }
}

async fn passports<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Passport>, AppError> {
    let mut out: HashMap<Uuid, Passport> = ids
        .iter()
        .map(|id| {
            (
                *id,
                Passport {
                    skills: vec![],
                    skill_names: vec![],
                    experiences: vec![],
                    availability: None,
                    affiliations: vec![],
                    certifications: vec![],
                },
            )
        })
        .collect();
    let claims = skill_claim::Entity::find()
        .filter(skill_claim::Column::MakerId.is_in(ids.to_vec()))
        .find_also_related(skill::Entity)
        .order_by_asc(skill_claim::Column::Id)
        .all(db)
        .await?;
    for (c, s) in claims {
        let (Some(p), Some(s)) = (out.get_mut(&c.maker_id), s) else {
            continue;
        };
        p.skill_names.push(s.label.clone());
        p.skills.push(json!({ "name": s.label, "level": level(c.level), "years": c.years, "evidence": c.evidence_url }));
    }
    for e in experience::Entity::find()
        .filter(experience::Column::MakerId.is_in(ids.to_vec()))
        .order_by_asc(experience::Column::Id)
        .all(db)
        .await?
    {
        if let Some(p) = out.get_mut(&e.maker_id) {
            p.experiences.push(json!({
                "title": e.title, "organisation": e.organisation, "from": e.date_from, "to": e.date_to,
                "description": e.description, "processes": e.processes,
            }));
        }
    }
    for a in availability::Entity::find()
        .filter(availability::Column::MakerId.is_in(ids.to_vec()))
        .order_by_asc(availability::Column::Id)
        .all(db)
        .await?
    {
        if let Some(p) = out.get_mut(&a.maker_id) {
            p.availability.get_or_insert(json!({ "hoursPerWeek": a.hours_per_week, "from": a.available_from, "to": a.available_to }));
        }
    }
    let affiliations = maker_affiliation::Entity::find()
        .filter(maker_affiliation::Column::MakerId.is_in(ids.to_vec()))
        .order_by_asc(maker_affiliation::Column::FacilityId)
        .all(db)
        .await?;
    // Facilities are named as their own export names them, so an import into another
    // data dir finds them by their source's id.
    let mut facility_ids: Vec<Uuid> = affiliations.iter().map(|a| a.facility_id).collect();
    facility_ids.dedup();
    let mut named: HashMap<Uuid, String> = HashMap::new();
    for chunk in facility_ids.chunks(1000) {
        let rows: Vec<(Uuid, Option<String>)> = facility::Entity::find()
            .select_only()
            .column(facility::Column::Id)
            .column(facility::Column::SourceId)
            .filter(facility::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, source_id) in rows {
            named.insert(id, provenance::standard_id(id, source_id.as_deref()));
        }
    }
    for a in affiliations {
        if let Some(p) = out.get_mut(&a.maker_id) {
            p.affiliations.push(
                named
                    .get(&a.facility_id)
                    .cloned()
                    .unwrap_or_else(|| a.facility_id.to_string()),
            );
        }
    }
    let creds = credential::Entity::find()
        .filter(credential::Column::MakerId.is_in(ids.to_vec()))
        .filter(credential::Column::Revoked.eq(false))
        .find_also_related(achievement::Entity)
        .order_by_asc(credential::Column::Id)
        .all(db)
        .await?;
    let issuer_ids: Vec<Uuid> = creds
        .iter()
        .filter_map(|(_, a)| a.as_ref().map(|a| a.issuer_id))
        .collect();
    let issuers: HashMap<Uuid, String> = issuer::Entity::find()
        .filter(issuer::Column::Id.is_in(issuer_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    for (c, a) in creds {
        let (Some(p), Some(a)) = (out.get_mut(&c.maker_id), a) else {
            continue;
        };
        p.certifications.push(
            json!({ "name": a.name, "issuer": issuers.get(&a.issuer_id), "date": c.issued_on }),
        );
    }
    Ok(out)
}

/// One passport as a PSS record; `private` adds its private fields and `home` its exact
/// position (else the public, city-level one).
fn record(
    m: &maker::Model,
    p: &Passport,
    private: bool,
    home: bool,
) -> (Value, Option<(f64, f64)>) {
    let position = if home {
        m.lat.zip(m.lon)
    } else {
        m.coarse_lat.zip(m.coarse_lon)
    };
    let kept = m.source_fields.as_ref();
    let mut o = json!({
        "id": provenance::standard_id(m.id, m.source_id.as_deref()),
        "firstName": m.first_name, "lastName": m.last_name, "middleName": m.middle_name,
        "preferredFirstName": m.preferred_first_name, "displayName": m.display_name,
        "bio": m.bio, "languages": m.languages,
        "location": { "city": m.city, "country": m.country,
                      "lat": position.map(|p| p.0), "lon": position.map(|p| p.1) },
        "residenceCountry": m.residence_country,
        "publicProfile": m.public_profile,
        "skills": p.skills, "experiences": p.experiences, "availability": p.availability,
        "affiliations": p.affiliations, "certifications": p.certifications,
        "dateCreated": as_given(kept, "dateCreated", json!(m.date_created), |v| {
            values::timestamp("", v).ok().flatten() == Some(m.date_created)
        }),
    });
    o[provenance::KEY] = provenance::write(m.id, &m.source, m.source_id.as_deref(), private);
    if private {
        o["email"] = json!(m.email);
        o["phone"] = json!(m.phone);
        o["nationality"] = json!(m.nationality);
        o["dateOfBirth"] = as_given(kept, "dateOfBirth", json!(m.date_of_birth), |v| {
            values::date("", v).ok().flatten() == m.date_of_birth
        });
        o["shareExactLocation"] = json!(m.share_exact_location);
    }
    if let Some(map) = o.as_object_mut() {
        map.retain(|_, v| !v.is_null() && *v != json!([]));
    }
    if private {
        // What else the source said of the person may be personal: private exports only.
        super::source_fields::give_back(&mut o, m.source_fields.as_ref(), &[]);
    }
    (o, position)
}

/// The makers of `ids` as a PSS export renders them now (`private`: with their private
/// fields and exact home), by id.
pub(crate) async fn pss_records<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    private: bool,
) -> Result<HashMap<Uuid, Value>, AppError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(PAGE as usize) {
        let page = maker::Entity::find()
            .filter(maker::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        let passports = passports(db, chunk).await?;
        for m in &page {
            if let Some(p) = passports.get(&m.id) {
                out.insert(m.id, record(m, p, private, private).0);
            }
        }
    }
    Ok(out)
}

const CSV_HEADER: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "display_name",
    "country",
    "city",
    "lat",
    "lon",
    "skills",
    "affiliations",
    "email",
    "phone",
];

pub async fn export(
    db: &DatabaseConnection,
    options: &ExportOptions,
    out: &mut impl Write,
) -> Result<u64, AppError> {
    let mut stream = match options.format {
        ExportFormat::Csv => None,
        f => Some(JsonStream::start(out, f == ExportFormat::Geojson)?),
    };
    let mut csv = csv::Writer::from_writer(Vec::new());
    if options.format == ExportFormat::Csv {
        csv.write_record(CSV_HEADER).map_err(io)?;
    }
    let mut count = 0u64;
    let mut after: Option<Uuid> = None;
    loop {
        // Erased passports are tombstones kept for assignments, not passports to export.
        let mut query = maker::Entity::find()
            .filter(maker::Column::ErasedAt.is_null())
            .order_by_asc(maker::Column::Id)
            .limit(PAGE);
        if let Some(a) = after {
            query = query.filter(maker::Column::Id.gt(a));
        }
        let page = query.all(db).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        // The policy alone decides which passports this export shows.
        let page: Vec<maker::Model> = page
            .into_iter()
            .filter(|m| options.visibility.sees_maker(m))
            .collect();
        let ids: Vec<Uuid> = page.iter().map(|m| m.id).collect();
        let passports = passports(db, &ids).await?;
        for m in &page {
            let Some(p) = passports.get(&m.id) else {
                continue;
            };
            count += 1;
            let private = options.visibility.maker_private(m.id, "email").is_ok();
            let home = options.visibility.maker_home(m, "location").is_ok();
            let (mut value, position) = record(m, p, private, home);
            match (&mut stream, options.format) {
                (Some(s), ExportFormat::Geojson) => {
                    if let Some(map) = value.as_object_mut() {
                        map.remove("id");
                    }
                    s.item(out, &feature(m.id.to_string(), position, value))?;
                }
                (Some(s), _) => s.item(out, &value)?,
                (None, _) => {
                    let private = |v: &Option<String>| {
                        if private {
                            v.clone().unwrap_or_default()
                        } else {
                            String::new()
                        }
                    };
                    csv.write_record([
                        m.id.to_string(),
                        m.first_name.clone().unwrap_or_default(),
                        m.last_name.clone().unwrap_or_default(),
                        m.display_name.clone().unwrap_or_default(),
                        m.country.clone().unwrap_or_default(),
                        m.city.clone().unwrap_or_default(),
                        position.map(|p| p.0.to_string()).unwrap_or_default(),
                        position.map(|p| p.1.to_string()).unwrap_or_default(),
                        p.skill_names.join("; "),
                        p.affiliations.join("; "),
                        private(&m.email),
                        private(&m.phone),
                    ])
                    .map_err(io)?;
                }
            }
        }
        if options.format == ExportFormat::Csv {
            let bytes = std::mem::replace(&mut csv, csv::Writer::from_writer(Vec::new()))
                .into_inner()
                .map_err(io)?;
            out.write_all(&bytes).map_err(io)?;
        }
    }
    if let Some(s) = stream {
        s.finish(out)?;
    }
    Ok(count)
}
