//! People and Skills (PSS) maker records in the three shapes found in the wild: the PSS
//! user schema (`personal.*`, `addresses`, `affiliations`), the flat PubPub names
//! (`firstName`, `lastName`, `preferredFirstName`, `nationality`, `residenceCountry`,
//! `dateCreated`), and maker-passport profiles (name, bio, location, skills,
//! certifications with issuer name and date).

use makermatch_entities::skill_claim::SkillLevel;
use makermatch_search::Taxonomy;
use makermatch_search::resolve::fold;
use makermatch_search::skills::skill_process;
use serde_json::Value;

use super::record::{MakerRecord, Parsed, Position, Record, RecordKind, StatedCertification};
use super::values::{self, FieldError, Obj};
use crate::services::makers::{AvailabilityInput, ExperienceInput, MakerInput, SkillClaimInput};
use crate::services::values::Country;

pub const SOURCE: &str = "pss";

pub fn looks_like(o: &Obj) -> bool {
    o.obj(&["personal"]).is_some()
        || o.has(&[
            "firstName",
            "lastName",
            "preferredFirstName",
            "residenceCountry",
            "nationality",
        ])
        || (o.has(&["skills"]) && o.has(&["name", "bio", "displayName"]))
}

pub fn parse(record: &Value, at: Position, taxonomy: &Taxonomy) -> Parsed {
    let outcome = maker(record, taxonomy)
        .map(|m| Record::Maker(Box::new(m)))
        .map_err(|e| (e.field, e.reason));
    Parsed {
        at,
        kind: RecordKind::Maker,
        outcome,
        unresolved: Vec::new(),
        notes: Vec::new(),
    }
}

fn maker(record: &Value, taxonomy: &Taxonomy) -> Result<MakerRecord, FieldError> {
    let o = Obj::from(record).ok_or_else(|| FieldError::new("record", "expected an object"))?;
    let personal = o.obj(&["personal"]);
    let pick = |names: &[&str]| {
        personal
            .and_then(|p| p.text(names))
            .or_else(|| o.text(names))
    };
    let mut input = MakerInput {
        first_name: pick(&["firstName", "givenName"]),
        last_name: pick(&["lastName", "familyName", "surname"]),
        middle_name: pick(&["middleName"]),
        preferred_first_name: pick(&["preferredFirstName"]),
        display_name: o
            .text(&["displayName", "name", "fullName"])
            .or_else(|| o.text(&["username"])),
        bio: o.text(&["bio", "about", "description"]),
        languages: o.texts(&["languages", "language"], &["name", "code"]),
        nationality: pick(&["nationality"]).map(|c| values::country("nationality", c)),
        residence_country: pick(&["residenceCountry"])
            .map(|c| values::country("residenceCountry", c)),
        email: pick(&["email"]),
        phone: pick(&["mobilePhone", "phone"]),
        public_profile: true,
        share_exact_location: false,
        source: Some(SOURCE.to_owned()),
        ..Default::default()
    };
    input.date_created = o
        .get(&["dateCreated"])
        .map(|v| values::timestamp("dateCreated", v))
        .transpose()?
        .flatten();
    if input.first_name.is_none()
        && input.last_name.is_none()
        && input.preferred_first_name.is_none()
        && input.display_name.is_none()
    {
        return Err(FieldError::new(
            "name",
            "give at least one of firstName, lastName, preferredFirstName or name",
        ));
    }
    if let Some(v) = personal
        .and_then(|p| p.get(&["dateOfBirth"]))
        .or_else(|| o.get(&["dateOfBirth"]))
    {
        input.date_of_birth = values::date("dateOfBirth", v)?;
    }
    if let Some(v) = o.get(&["publicProfile", "public"]) {
        input.public_profile = values::flag("publicProfile", v)?.unwrap_or(true);
    }
    // An account that is not active, or has expired (PSS user schema `active`,
    // `expirationDate`), is nobody's public profile, whatever else the record says.
    let active = o
        .get(&["active"])
        .map(|v| values::flag("active", v))
        .transpose()?
        .flatten()
        .unwrap_or(true);
    let expired = o
        .get(&["expirationDate"])
        .map(|v| values::timestamp("expirationDate", v))
        .transpose()?
        .flatten()
        .is_some_and(|at| at <= chrono::Utc::now());
    if !active || expired {
        input.public_profile = false;
    }
    if let Some(v) = o.get(&["shareExactLocation"]) {
        input.share_exact_location = values::flag("shareExactLocation", v)?.unwrap_or(false);
    }
    location(&o, personal, &mut input)?;
    // "welding, soldering" written as one text is two skills, as a list of them would be.
    let skills: Vec<Value> = o
        .list(&["skills"])
        .into_iter()
        .flat_map(|s| match s {
            Value::String(text) => {
                let items = values::split_list(text);
                if items.len() > 1 {
                    super::notes::changed(
                        "skills",
                        format!("one text \"{text}\" read as {} skills", items.len()),
                    );
                }
                items.into_iter().map(Value::String).collect()
            }
            other => vec![other.clone()],
        })
        .collect();
    for (i, s) in skills.iter().enumerate() {
        if let Some(claim) = skill(s, i, taxonomy)? {
            input.skills.push(claim);
        }
    }
    for (i, e) in o
        .list(&["experiences", "experience"])
        .into_iter()
        .enumerate()
    {
        input.experiences.push(experience(e, i, taxonomy)?);
    }
    if let Some(a) = o.obj(&["availability"]) {
        let hours =
            values::optional_number(&a, "availability.hoursPerWeek", &["hoursPerWeek", "hours"])?;
        if let Some(hours) = hours {
            input.availability.push(AvailabilityInput {
                hours_per_week: hours,
                available_from: a
                    .get(&["from", "availableFrom"])
                    .map(|v| values::date("availability.from", v))
                    .transpose()?
                    .flatten(),
                available_to: a
                    .get(&["to", "availableTo"])
                    .map(|v| values::date("availability.to", v))
                    .transpose()?
                    .flatten(),
            });
        }
    }
    let mut certifications = Vec::new();
    for (i, c) in o
        .list(&["certifications", "certificates", "credentials"])
        .into_iter()
        .enumerate()
    {
        certifications.push(certification(c, i)?);
    }
    let affiliations = o.texts(&["affiliations"], &["id", "name"]);
    input.source_id = Some(
        o.text(&["id", "uuid", "@id"])
            .or_else(|| o.text(&["username"]).map(|u| format!("username:{u}")))
            .or_else(|| {
                input
                    .email
                    .clone()
                    .map(|e| format!("email:{}", e.to_lowercase()))
            })
            .unwrap_or_else(|| {
                let name = [&input.first_name, &input.last_name, &input.display_name]
                    .iter()
                    .filter_map(|n| n.as_deref())
                    .collect::<Vec<_>>()
                    .join(" ");
                format!(
                    "derived:{}|{}",
                    fold(&name),
                    input.city.as_deref().map(fold).unwrap_or_default()
                )
            }),
    );
    // A record makermatch exported keeps the identity it was exported with.
    let provenance = super::provenance::read(o)?;
    if let Some((source, key)) = provenance.as_ref().and_then(|p| p.key()) {
        input.source = Some(source);
        input.source_id = Some(key);
    }
    Ok(MakerRecord {
        input,
        exported: provenance.is_some(),
        public_export: provenance.is_some_and(|p| p.public),
        affiliations,
        certifications,
    })
}

fn location(o: &Obj, personal: Option<Obj>, input: &mut MakerInput) -> Result<(), FieldError> {
    let address = personal
        .and_then(|p| p.list(&["addresses"]).into_iter().next())
        .or_else(|| o.list(&["addresses"]).into_iter().next())
        .and_then(Obj::from);
    if let Some(a) = address {
        input.city = a.text(&["city"]);
        input.country = a.text(&["countryId", "country"]);
    }
    match o.get(&["location"]) {
        Some(Value::String(s)) => {
            // "Nairobi, KE" or "Nairobi, Kenya": the city, then the country when it is one.
            let parts = values::split_list(s);
            input.city = input.city.take().or_else(|| parts.first().cloned());
            if let Some(country) = parts.last().filter(|_| parts.len() > 1)
                && Country::recognise(country).is_some()
            {
                input.country = input.country.take().or_else(|| Some(country.clone()));
            }
        }
        Some(v @ Value::Object(_)) => {
            let l =
                Obj::from(v).ok_or_else(|| FieldError::new("location", "expected an object"))?;
            input.city = input.city.take().or_else(|| l.text(&["city", "locality"]));
            input.country = input
                .country
                .take()
                .or_else(|| l.text(&["country", "countryCode"]));
            if let Some((lat, lon)) = values::position("location", v)? {
                input.lat = Some(lat);
                input.lon = Some(lon);
            }
        }
        _ => {}
    }
    if input.lat.is_none()
        && let (Some(lat), Some(lon)) = (
            o.get(&["lat", "latitude"]),
            o.get(&["lon", "lng", "longitude"]),
        )
    {
        let (lat, lon) = values::check_position(
            "location",
            values::number("lat", lat)?,
            values::number("lon", lon)?,
        )?;
        input.lat = Some(lat);
        input.lon = Some(lon);
    }
    // Names and alpha-3 codes become the alpha-2 code the service takes; text that names
    // no country is left as written, for the service to refuse naming the field.
    input.country = input.country.take().map(|c| values::country("country", c));
    Ok(())
}

pub(crate) fn level(field: &str, v: &Value) -> Result<SkillLevel, FieldError> {
    if let Value::Number(n) = v {
        return match n.as_f64().map(|x| x.round() as i64) {
            Some(1) => Ok(SkillLevel::Novice),
            Some(2) => Ok(SkillLevel::Intermediate),
            Some(3) => Ok(SkillLevel::Advanced),
            Some(4) | Some(5) => Ok(SkillLevel::Expert),
            _ => Err(FieldError::new(field, format!("level {n} is not 1 to 5"))),
        };
    }
    let text = values::text(v).unwrap_or_default();
    match fold(&text).as_str() {
        "novice" | "beginner" | "basic" | "junior" => Ok(SkillLevel::Novice),
        "intermediate" | "competent" | "medium" => Ok(SkillLevel::Intermediate),
        "advanced" | "proficient" | "senior" => Ok(SkillLevel::Advanced),
        "expert" | "master" => Ok(SkillLevel::Expert),
        _ => Err(FieldError::new(
            field,
            format!("\"{text}\" is not one of NOVICE, INTERMEDIATE, ADVANCED, EXPERT"),
        )),
    }
}

fn skill(v: &Value, i: usize, taxonomy: &Taxonomy) -> Result<Option<SkillClaimInput>, FieldError> {
    let field = |f: &str| format!("skills[{i}].{f}");
    let (name, level_value, years, evidence) = match v {
        Value::String(s) => (Some(s.trim().to_owned()), None, None, None),
        Value::Object(_) => {
            let o =
                Obj::from(v).ok_or_else(|| FieldError::new(field("name"), "expected a skill"))?;
            (
                o.text(&["name", "skill", "title", "label"]),
                o.get(&["level", "proficiency"]),
                values::optional_number(
                    &o,
                    &field("years"),
                    &["years", "yearsOfExperience", "experienceYears"],
                )?,
                o.text(&["evidence", "evidenceUrl", "url"]),
            )
        }
        _ => {
            return Err(FieldError::new(
                format!("skills[{i}]"),
                "expected a skill name or an object",
            ));
        }
    };
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err(FieldError::new(field("name"), "every skill needs a name"));
    };
    if years.is_some_and(|y| y < 0.0) {
        return Err(FieldError::new(field("years"), "must be zero or more"));
    }
    let level = match level_value {
        Some(l) => level(&field("level"), l)?,
        // Self-declared without a level: the middle of the scale, not a claim of expertise.
        None => SkillLevel::Intermediate,
    };
    Ok(Some(SkillClaimInput {
        process_id: skill_process(taxonomy, &name),
        skill: name,
        level,
        years,
        evidence_url: evidence,
    }))
}

fn experience(v: &Value, i: usize, taxonomy: &Taxonomy) -> Result<ExperienceInput, FieldError> {
    let field = |f: &str| format!("experiences[{i}].{f}");
    let o = Obj::from(v)
        .ok_or_else(|| FieldError::new(format!("experiences[{i}]"), "expected an object"))?;
    let title = o
        .text(&["title", "role", "position"])
        .ok_or_else(|| FieldError::new(field("title"), "every experience needs a title"))?;
    Ok(ExperienceInput {
        title,
        organisation: o.text(&["organisation", "organization", "company", "employer"]),
        facility_id: None,
        date_from: o
            .get(&["from", "startDate", "dateFrom"])
            .map(|v| values::date(&field("from"), v))
            .transpose()?
            .flatten(),
        date_to: o
            .get(&["to", "endDate", "dateTo"])
            .map(|v| values::date(&field("to"), v))
            .transpose()?
            .flatten(),
        description: o.text(&["description"]),
        processes: o
            .texts(&["processes"], &["name"])
            .iter()
            .filter_map(|p| taxonomy.resolve_process(p).map(|r| r.id))
            .collect(),
    })
}

fn certification(v: &Value, i: usize) -> Result<StatedCertification, FieldError> {
    match v {
        Value::String(s) => Ok(StatedCertification {
            name: s.trim().to_owned(),
            issuer_name: None,
            issued_on: None,
        }),
        Value::Object(_) => {
            let o = Obj::from(v).ok_or_else(|| {
                FieldError::new(format!("certifications[{i}]"), "expected an object")
            })?;
            let name = o.text(&["name", "title", "certification"]).ok_or_else(|| {
                FieldError::new(
                    format!("certifications[{i}].name"),
                    "every certification needs a name",
                )
            })?;
            let issuer_name = o
                .text(&["issuer", "issuerName", "issuedBy", "authority"])
                .or_else(|| o.obj(&["issuer"]).and_then(|i| i.text(&["name"])));
            let issued_on = o
                .get(&["date", "issuedOn", "issued", "year"])
                .map(|d| values::timestamp(&format!("certifications[{i}].date"), d))
                .transpose()?
                .flatten();
            Ok(StatedCertification {
                name,
                issuer_name,
                issued_on,
            })
        }
        _ => Err(FieldError::new(
            format!("certifications[{i}]"),
            "expected a name or an object",
        )),
    }
}
