//! Facilities (OKW manufacturing facilities) over GraphQL: the `Facility` type over the
//! stored row, `facilities(…)` and `nearestFacilities(…)` read through the search engine,
//! and the create / update / delete mutations through the service layer.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::parser::types::Field;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject, Value};
use chrono::{DateTime, NaiveDate, Utc};
use makermatch_entities::{equipment_property, facility};
use makermatch_search::{Filters, Kind, SearchRequest, Within};
use uuid::Uuid;

use super::access::{sees_maker, shown, staff, staff_only_field};
use super::error::{bad_input, from_service};
use super::geo::{BoundingBox, GeoFilter, point};
use super::loader::{
    AppLoader, FacilityEquipmentWithProperties, FacilityId, FacilityMakersWithClaims,
    FacilityMaterials, FacilityProcesses, MachineWithProperties, load_now, ordered,
};
use super::makers::Maker;
use super::plain::{Plain, PlainList, SharedList, Viewed, plain, plain_list};
use super::relay::{NodeType, Page, PageArgs, expect_id, global_id, page, wants_total};
use super::search_support::{index, run_search};
use super::taxonomy::{Material, Process, equipment_type_id, material_id, process_id, taxonomy};
use crate::services::facilities::{
    self as service, ContactInput, EquipmentInput, FacilityInput as ServiceInput, LocationInput,
    PropertyInput, TermLink,
};
use crate::services::string_list;

/// OKW facility status.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::facility::FacilityStatus")]
pub enum FacilityStatus {
    Active,
    Planned,
    TemporaryClosure,
    Closed,
}

/// OKW access type.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::facility::AccessType")]
pub enum AccessType {
    Restricted,
    RestrictedWithPublicHours,
    SharedSpace,
    Public,
    Membership,
}

/// OKW typical batch size: 0–50, 50–500, 500–5,000 or over 5,000 units.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::facility::BatchSize")]
pub enum BatchSize {
    UpTo50,
    UpTo500,
    UpTo5000,
    Over5000,
}

fn status_code(s: FacilityStatus) -> String {
    let s: makermatch_entities::facility::FacilityStatus = s.into();
    sea_orm::ActiveEnum::to_value(&s)
}

fn access_code(a: AccessType) -> String {
    let a: makermatch_entities::facility::AccessType = a.into();
    sea_orm::ActiveEnum::to_value(&a)
}

fn batch_code(b: BatchSize) -> String {
    let b: makermatch_entities::facility::BatchSize = b.into();
    sea_orm::ActiveEnum::to_value(&b)
}

/// Where a facility is (OKW §6). Coordinates are WGS 84 degrees.
#[derive(SimpleObject)]
pub struct Location {
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub directions: Option<String>,
}

/// A numeric or textual technical property of a machine: a view of its row.
pub struct EquipmentProperty<'a>(&'a equipment_property::Model);

/// A numeric or textual technical property of a machine (bed size, laser power, …).
#[Object]
impl EquipmentProperty<'_> {
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn number(&self) -> Option<f64> {
        self.0.number_value
    }
    async fn text(&self) -> Option<&str> {
        self.0.text_value.as_deref()
    }
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }
}

impl Plain for EquipmentProperty<'_> {
    fn plain_field(&self, field: &Field) -> Option<Value> {
        match field.name.node.as_str() {
            "key" => plain(self.0.key.as_str()),
            "number" => plain(self.0.number_value),
            "text" => plain(self.0.text_value.as_deref()),
            "unit" => plain(self.0.unit.as_deref()),
            _ => None,
        }
    }
}

impl Viewed for equipment_property::Model {
    type View<'a> = EquipmentProperty<'a>;
    fn view(&self) -> EquipmentProperty<'_> {
        EquipmentProperty(self)
    }
}

/// A machine: a view of its row and properties as the loaders read them, or its own copy
/// (`node(id:)`).
pub struct Equipment<'a>(Cow<'a, MachineWithProperties>);

impl Equipment<'static> {
    pub fn owned(machine: MachineWithProperties) -> Self {
        Equipment(Cow::Owned(machine))
    }
}

impl Viewed for MachineWithProperties {
    type View<'a> = Equipment<'a>;
    fn view(&self) -> Equipment<'_> {
        Equipment(Cow::Borrowed(self))
    }
}

impl Plain for Equipment<'_> {
    fn plain_field(&self, field: &Field) -> Option<Value> {
        match field.name.node.as_str() {
            "equipmentType" => plain(self.0.machine.equipment_type.as_str()),
            "make" => plain(self.0.machine.make.as_deref()),
            "model" => plain(self.0.machine.model.as_deref()),
            "quantity" => plain(self.0.machine.quantity),
            "condition" => plain(self.0.machine.condition.as_deref()),
            "notes" => plain(self.0.machine.notes.as_deref()),
            "id" => plain(global_id(NodeType::Equipment, self.0.machine.id)),
            "properties" => plain_list(
                self.0.properties.iter().map(Viewed::view),
                &field.selection_set.node,
            ),
            _ => None,
        }
    }
}

/// A machine of a facility (OKW §7).
#[Object]
impl Equipment<'_> {
    /// Taxonomy equipment type id, or the source's words when they did not resolve.
    async fn equipment_type(&self) -> &str {
        &self.0.machine.equipment_type
    }
    async fn make(&self) -> Option<&str> {
        self.0.machine.make.as_deref()
    }
    async fn model(&self) -> Option<&str> {
        self.0.machine.model.as_deref()
    }
    async fn quantity(&self) -> i32 {
        self.0.machine.quantity
    }
    async fn condition(&self) -> Option<&str> {
        self.0.machine.condition.as_deref()
    }
    async fn notes(&self) -> Option<&str> {
        self.0.machine.notes.as_deref()
    }
    pub async fn id(&self) -> ID {
        global_id(NodeType::Equipment, self.0.machine.id)
    }
    /// The main process the machine performs, when known.
    async fn process(&self, ctx: &Context<'_>) -> Result<Option<Process>> {
        let tax = taxonomy(ctx)?;
        Ok(self
            .0
            .machine
            .process_id
            .as_deref()
            .and_then(|id| tax.process(id))
            .map(|p| Process(p.clone(), tax.clone())))
    }
    async fn properties(&self) -> SharedList<equipment_property::Model> {
        SharedList(self.0.properties.clone())
    }
}

/// A manufacturing facility (OKW): a makerspace, fab lab or workshop and its machines.
pub struct Facility {
    pub row: Arc<facility::Model>,
    /// Kilometres from the `near` point of the query that found it.
    pub distance_km: Option<f64>,
}

impl Facility {
    pub fn new(row: impl Into<Arc<facility::Model>>) -> Facility {
        Facility {
            row: row.into(),
            distance_km: None,
        }
    }
}

#[Object]
impl Facility {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Facility, self.row.id)
    }
    /// The id as a plain UUID (as in exports).
    async fn uuid(&self) -> Uuid {
        self.row.id
    }
    async fn name(&self) -> &str {
        &self.row.name
    }
    async fn description(&self) -> Option<&str> {
        self.row.description.as_deref()
    }
    async fn facility_status(&self) -> FacilityStatus {
        self.row.status.into()
    }
    async fn access_type(&self) -> Option<AccessType> {
        self.row.access_type.map(Into::into)
    }
    async fn location(&self) -> Location {
        let r = &self.row;
        Location {
            street_address: r.street_address.clone(),
            locality: r.locality.clone(),
            region: r.region.clone(),
            postal_code: r.postal_code.clone(),
            country: r.country.clone(),
            lat: r.lat,
            lon: r.lon,
            directions: r.directions.clone(),
        }
    }
    /// Haversine kilometres from the `near` point (or `nearestFacilities` point) of the
    /// query; null elsewhere.
    async fn distance_km(&self) -> Option<f64> {
        self.distance_km
    }
    async fn owner_name(&self) -> Option<&str> {
        self.row.owner_name.as_deref()
    }
    async fn contact_name(&self) -> Option<&str> {
        self.row.contact_name.as_deref()
    }
    /// Contact e-mail: coordinators and admins only (others get null and a `FORBIDDEN`
    /// error on this field).
    async fn contact_email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let check = staff_only_field(ctx, "contactEmail");
        shown(ctx, check, || self.row.contact_email.as_deref())
    }
    /// Contact phone: coordinators and admins only.
    async fn contact_phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let check = staff_only_field(ctx, "contactPhone");
        shown(ctx, check, || self.row.contact_phone.as_deref())
    }
    async fn website(&self) -> Option<&str> {
        self.row.website.as_deref()
    }
    async fn opening_hours(&self) -> Option<&str> {
        self.row.opening_hours.as_deref()
    }
    async fn date_founded(&self) -> Option<NaiveDate> {
        self.row.date_founded
    }
    async fn wheelchair_accessible(&self) -> Option<bool> {
        self.row.wheelchair_accessible
    }
    async fn typical_batch_size(&self) -> Option<BatchSize> {
        self.row.typical_batch_size.map(Into::into)
    }
    async fn floor_size_m2(&self) -> Option<f64> {
        self.row.floor_size_m2
    }
    async fn certifications(&self) -> Vec<String> {
        string_list(&self.row.certifications)
    }
    /// Organisations the facility is affiliated with (OKW affiliations).
    async fn affiliations(&self) -> Vec<String> {
        string_list(&self.row.affiliations)
    }
    async fn backup_generator(&self) -> Option<bool> {
        self.row.backup_generator
    }
    async fn uninterrupted_power_supply(&self) -> Option<bool> {
        self.row.uninterrupted_power_supply
    }
    async fn road_access(&self) -> Option<bool> {
        self.row.road_access
    }
    async fn loading_dock(&self) -> Option<bool> {
        self.row.loading_dock
    }
    /// Human capacity: people working there.
    async fn headcount(&self) -> Option<i32> {
        self.row.headcount
    }
    /// No completed assignment yet: allocations cap what it gets.
    async fn on_probation(&self) -> bool {
        self.row.on_probation
    }
    /// Process and material words of the source that the taxonomy did not know.
    async fn unresolved_terms(&self) -> Vec<String> {
        string_list(&self.row.unresolved_terms)
    }
    async fn date_created(&self) -> DateTime<Utc> {
        self.row.date_created
    }
    async fn last_updated(&self) -> DateTime<Utc> {
        self.row.last_updated
    }
    async fn date_verified(&self) -> Option<DateTime<Utc>> {
        self.row.date_verified
    }
    async fn verified_by(&self) -> Option<&str> {
        self.row.verified_by.as_deref()
    }
    /// Where the record came from (`makermatch`, an importer) and its id there.
    async fn source(&self) -> &str {
        &self.row.source
    }
    async fn source_id(&self) -> Option<&str> {
        self.row.source_id.as_deref()
    }
    async fn equipment(&self, ctx: &Context<'_>) -> Result<SharedList<MachineWithProperties>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(SharedList(
            loader
                .load_one(FacilityEquipmentWithProperties(self.row.id))
                .await?
                .unwrap_or_default(),
        ))
    }
    /// OKW manufacturing processes, as taxonomy processes.
    async fn processes(&self, ctx: &Context<'_>) -> Result<Vec<Process>> {
        let loader = ctx.data::<AppLoader>()?;
        let tax = taxonomy(ctx)?;
        Ok(loader
            .load_one(FacilityProcesses(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| tax.process(&l.process_id).cloned())
            .map(|p| Process(p, tax.clone()))
            .collect())
    }
    /// OKW typical materials, as taxonomy materials.
    async fn materials(&self, ctx: &Context<'_>) -> Result<Vec<Material>> {
        let loader = ctx.data::<AppLoader>()?;
        let tax = taxonomy(ctx)?;
        Ok(loader
            .load_one(FacilityMaterials(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| tax.material(&l.material_id).map(Material::from))
            .collect())
    }
    /// Makers affiliated with the facility (members, staff): those whose passports the
    /// caller may see.
    async fn makers(&self, ctx: &Context<'_>) -> Result<PlainList<Maker>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(PlainList(
            loader
                .load_one(FacilityMakersWithClaims(self.row.id))
                .await?
                .unwrap_or_default()
                .iter()
                .filter(|m| sees_maker(ctx, &m.maker))
                .map(|m| Maker::with_claims(m.maker.clone(), m.claims.clone()))
                .collect(),
        ))
    }
    /// Makers within `radiusKm` of the facility who have every skill in `skills` (matched
    /// like the `skills` filter of `makers`), nearest first, each with `distanceKm`; at
    /// most `first` (1–100, default 20). Like `makers`: public profiles measured on public
    /// positions, and for coordinators and admins every passport measured on the homes
    /// their makers share. Empty when the facility has no coordinates.
    #[graphql(
        complexity = "first.unwrap_or(super::relay::DEFAULT_FIRST).clamp(0, super::relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn nearby_makers(
        &self,
        ctx: &Context<'_>,
        skills: Option<Vec<String>>,
        radius_km: f64,
        first: Option<i32>,
    ) -> Result<Vec<Maker>> {
        super::makers::nearby_makers(ctx, &self.row, skills, radius_km, first).await
    }
}

/// Facet filters of `facilities(…)`. Lists of codes match any of their values; lists of
/// capabilities need all of them. Process, equipment and material terms may be ids,
/// labels in any language, aliases or Wikipedia URLs; a process matches its descendants
/// (asking for `3d-printing` finds FDM printers).
#[derive(InputObject, Default)]
pub struct FacilityFilter {
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Option<Vec<String>>,
    pub processes: Option<Vec<String>>,
    pub equipment_types: Option<Vec<String>>,
    pub materials: Option<Vec<String>>,
    pub statuses: Option<Vec<FacilityStatus>>,
    pub access_types: Option<Vec<AccessType>>,
    pub batch_sizes: Option<Vec<BatchSize>>,
}

impl FacilityFilter {
    fn to_filters(&self, ctx: &Context<'_>) -> Result<Filters> {
        let tax = taxonomy(ctx)?;
        let mut f = Filters::default();
        for (i, c) in self.countries.iter().flatten().enumerate() {
            let code = c.trim().to_uppercase();
            if code.len() != 2 || !code.chars().all(|ch| ch.is_ascii_uppercase()) {
                return Err(bad_input(
                    &format!("filter.countries[{i}]"),
                    format!("`{c}` is not an ISO 3166-1 alpha-2 code such as GH, KE or ZA"),
                ));
            }
            f.countries.push(code);
        }
        for (i, p) in self.processes.iter().flatten().enumerate() {
            f.processes
                .push(process_id(tax, &format!("filter.processes[{i}]"), p)?);
        }
        for (i, e) in self.equipment_types.iter().flatten().enumerate() {
            f.equipment_types.push(equipment_type_id(
                tax,
                &format!("filter.equipmentTypes[{i}]"),
                e,
            )?);
        }
        for (i, m) in self.materials.iter().flatten().enumerate() {
            f.materials
                .push(material_id(tax, &format!("filter.materials[{i}]"), m)?);
        }
        f.statuses = self
            .statuses
            .iter()
            .flatten()
            .map(|s| status_code(*s))
            .collect();
        f.access_types = self
            .access_types
            .iter()
            .flatten()
            .map(|a| access_code(*a))
            .collect();
        f.batch_sizes = self
            .batch_sizes
            .iter()
            .flatten()
            .map(|b| batch_code(*b))
            .collect();
        Ok(f)
    }
}

/// Fetches, in one query each, the relations the query asks of a list of facilities
/// (`selection` is the `Facility` selection), so the per-item resolvers find them in the
/// request's loader cache. The loader's own batching also does this, but it depends on
/// timing; this does not.
async fn prefetch(
    loader: &AppLoader,
    selection: async_graphql::Lookahead<'_>,
    ids: &[Uuid],
) -> Result<()> {
    if selection.field("equipment").exists() {
        let keys: Vec<FacilityEquipmentWithProperties> = ids
            .iter()
            .map(|id| FacilityEquipmentWithProperties(*id))
            .collect();
        load_now(loader, &keys).await?;
    }
    if selection.field("processes").exists() {
        let keys: Vec<FacilityProcesses> = ids.iter().map(|id| FacilityProcesses(*id)).collect();
        load_now(loader, &keys).await?;
    }
    if selection.field("materials").exists() {
        let keys: Vec<FacilityMaterials> = ids.iter().map(|id| FacilityMaterials(*id)).collect();
        load_now(loader, &keys).await?;
    }
    if selection.field("makers").exists() {
        let keys: Vec<FacilityMakersWithClaims> =
            ids.iter().map(|id| FacilityMakersWithClaims(*id)).collect();
        load_now(loader, &keys).await?;
    }
    Ok(())
}

/// Loads the facilities of `hits` in hit order, carrying their distances, and prefetches
/// the relations `selection` asks for.
async fn facilities_of(
    ctx: &Context<'_>,
    hits: &[makermatch_search::Hit],
    selection: async_graphql::Lookahead<'_>,
) -> Result<Vec<Facility>> {
    let loader = ctx.data::<AppLoader>()?;
    let rows = ordered(loader, hits.iter().map(|h| FacilityId(h.id)).collect()).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    prefetch(loader, selection, &ids).await?;
    let distances: std::collections::HashMap<Uuid, Option<f64>> =
        hits.iter().map(|h| (h.id, h.distance_km)).collect();
    Ok(rows
        .into_iter()
        .map(|row| Facility {
            distance_km: distances.get(&row.id).copied().flatten(),
            row,
        })
        .collect())
}

#[derive(Default)]
pub struct FacilitiesQuery;

#[Object]
impl FacilitiesQuery {
    /// Facilities matching `text` (names, descriptions, processes in any language,
    /// machines, materials), `filter`, and `near` or `within`. Ordered by relevance when
    /// there is text (distance breaks ties), else nearest first under `near`, else by id.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "first.unwrap_or(super::relay::DEFAULT_FIRST).clamp(0, super::relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn facilities(
        &self,
        ctx: &Context<'_>,
        text: Option<String>,
        filter: Option<FacilityFilter>,
        near: Option<GeoFilter>,
        within: Option<BoundingBox>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Facility>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let mut request = SearchRequest::new(Kind::Facility).page(args.offset, args.limit);
        request.count_total = wants_total(ctx);
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            request = request.text(text);
        }
        if let Some(filter) = &filter {
            request = request.filters(filter.to_filters(ctx)?);
        }
        if let Some(near) = near {
            request.near = Some(near.to_near("near")?);
        }
        if let Some(within) = within {
            request = request.within(Within::Box(within.to_engine("within")?));
        }
        let result = run_search(ctx, request).await?;
        let look = ctx.look_ahead();
        let selection = if look.field("nodes").exists() {
            look.field("nodes")
        } else {
            look.field("edges").field("node")
        };
        let items = facilities_of(ctx, &result.hits, selection).await?;
        let total = result.total.unwrap_or(args.offset + items.len()) as u64;
        Ok(page(args, items, total))
    }

    /// The `k` (1–100) facilities nearest to a point, anywhere on Earth, optionally only
    /// those offering `process` (or a more specific one). Each carries `distanceKm`.
    #[graphql(complexity = "k.clamp(0, super::relay::MAX_FIRST) as usize * child_complexity + 1")]
    async fn nearest_facilities(
        &self,
        ctx: &Context<'_>,
        lat: f64,
        lon: f64,
        #[graphql(default = 10)] k: i32,
        process: Option<String>,
    ) -> Result<Vec<Facility>> {
        let k = super::relay::page_size("k", Some(k), 10)?;
        let center = point("", lat, lon).map_err(|e| {
            bad_input(
                if lat.abs() > 90.0 || !lat.is_finite() {
                    "lat"
                } else {
                    "lon"
                },
                e.message,
            )
        })?;
        let mut filters = Filters::default();
        if let Some(p) = process {
            filters
                .processes
                .push(process_id(taxonomy(ctx)?, "process", &p)?);
        }
        let request = SearchRequest::new(Kind::Facility)
            .nearest_to(center)
            .filters(filters)
            .page(0, k);
        let result = run_search(ctx, request).await?;
        facilities_of(ctx, &result.hits, ctx.look_ahead()).await
    }

    /// One facility by id (global or plain UUID).
    async fn facility(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Facility>> {
        let uuid = expect_id("id", &id, NodeType::Facility)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(FacilityId(uuid)).await?.map(Facility::new))
    }
}

/// A facility's address and position. Latitude and longitude go together.
#[derive(InputObject, Default)]
pub struct LocationInputGql {
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub directions: Option<String>,
}

/// A property of a machine: a number (with its unit) or a text.
#[derive(InputObject)]
pub struct EquipmentPropertyInput {
    pub key: String,
    pub number: Option<f64>,
    pub text: Option<String>,
    pub unit: Option<String>,
}

/// A machine. `equipmentType` may be a taxonomy id, a label or an alias ("laser cutter").
#[derive(InputObject)]
pub struct EquipmentInputGql {
    pub equipment_type: String,
    /// The process it performs, when not the type's obvious one.
    pub process: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    #[graphql(default = 1)]
    pub quantity: i32,
    pub condition: Option<String>,
    pub notes: Option<String>,
    #[graphql(default)]
    pub properties: Vec<EquipmentPropertyInput>,
}

/// A facility as written by `createFacility` and `updateFacility` (which replaces every
/// field with these).
#[derive(InputObject)]
#[graphql(name = "FacilityInput")]
pub struct FacilityInputGql {
    pub name: String,
    pub description: Option<String>,
    #[graphql(default_with = "FacilityStatus::Active")]
    pub facility_status: FacilityStatus,
    pub access_type: Option<AccessType>,
    #[graphql(default)]
    pub location: LocationInputGql,
    pub owner_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub website: Option<String>,
    #[graphql(default)]
    pub affiliations: Vec<String>,
    pub opening_hours: Option<String>,
    pub date_founded: Option<NaiveDate>,
    pub wheelchair_accessible: Option<bool>,
    pub typical_batch_size: Option<BatchSize>,
    pub floor_size_m2: Option<f64>,
    #[graphql(default)]
    pub certifications: Vec<String>,
    pub backup_generator: Option<bool>,
    pub uninterrupted_power_supply: Option<bool>,
    pub road_access: Option<bool>,
    pub loading_dock: Option<bool>,
    pub headcount: Option<i32>,
    /// Process terms: ids, labels in any language, aliases, Wikipedia URLs, TSDC codes.
    #[graphql(default)]
    pub processes: Vec<String>,
    /// Material terms.
    #[graphql(default)]
    pub materials: Vec<String>,
    #[graphql(default)]
    pub equipment: Vec<EquipmentInputGql>,
    pub date_verified: Option<DateTime<Utc>>,
    pub verified_by: Option<String>,
}

impl FacilityInputGql {
    /// The service's input, with every taxonomy term resolved (unknown ones are errors
    /// naming the field: a mutation should say what it did not understand).
    fn into_service(self, ctx: &Context<'_>) -> Result<ServiceInput> {
        let tax = taxonomy(ctx)?;
        let mut input = ServiceInput::named(self.name);
        input.description = self.description;
        input.status = self.facility_status.into();
        input.access_type = self.access_type.map(Into::into);
        let l = self.location;
        input.location = LocationInput {
            street_address: l.street_address,
            locality: l.locality,
            region: l.region,
            postal_code: l.postal_code,
            country: l.country,
            lat: l.lat,
            lon: l.lon,
            directions: l.directions,
        };
        input.contact = ContactInput {
            owner_name: self.owner_name,
            contact_name: self.contact_name,
            email: self.contact_email,
            phone: self.contact_phone,
            website: self.website,
        };
        input.affiliations = self.affiliations;
        input.opening_hours = self.opening_hours;
        input.date_founded = self.date_founded;
        input.wheelchair_accessible = self.wheelchair_accessible;
        input.typical_batch_size = self.typical_batch_size.map(Into::into);
        input.floor_size_m2 = self.floor_size_m2;
        input.certifications = self.certifications;
        input.backup_generator = self.backup_generator;
        input.uninterrupted_power_supply = self.uninterrupted_power_supply;
        input.road_access = self.road_access;
        input.loading_dock = self.loading_dock;
        input.headcount = self.headcount;
        input.date_verified = self.date_verified;
        input.verified_by = self.verified_by;
        for (i, term) in self.processes.into_iter().enumerate() {
            let id = process_id(tax, &format!("input.processes[{i}]"), &term)?;
            if !input.processes.iter().any(|p| p.id == id) {
                input.processes.push(TermLink {
                    id,
                    source_term: Some(term),
                });
            }
        }
        for (i, term) in self.materials.into_iter().enumerate() {
            let id = material_id(tax, &format!("input.materials[{i}]"), &term)?;
            if !input.materials.iter().any(|m| m.id == id) {
                input.materials.push(TermLink {
                    id,
                    source_term: Some(term),
                });
            }
        }
        for (i, e) in self.equipment.into_iter().enumerate() {
            let field = format!("input.equipment[{i}]");
            let equipment_type =
                equipment_type_id(tax, &format!("{field}.equipmentType"), &e.equipment_type)?;
            let process = match e.process {
                Some(p) => Some(process_id(tax, &format!("{field}.process"), &p)?),
                None => tax
                    .equipment_type(&equipment_type)
                    .and_then(|t| t.processes.first().cloned()),
            };
            input.equipment.push(EquipmentInput {
                equipment_type,
                process_id: process,
                make: e.make,
                model: e.model,
                serial_number: e.serial_number,
                quantity: e.quantity,
                condition: e.condition,
                notes: e.notes,
                properties: e
                    .properties
                    .into_iter()
                    .map(|p| PropertyInput {
                        key: p.key,
                        number: p.number,
                        text: p.text,
                        unit: p.unit,
                    })
                    .collect(),
            });
        }
        Ok(input)
    }
}

/// What a delete removed.
#[derive(SimpleObject)]
pub struct Deleted {
    pub id: ID,
}

#[derive(Default)]
pub struct FacilitiesMutation;

#[Object]
impl FacilitiesMutation {
    /// Creates a facility. Returns once searches on this server include it.
    async fn create_facility(
        &self,
        ctx: &Context<'_>,
        input: FacilityInputGql,
    ) -> Result<Facility> {
        staff(ctx)?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let written = service::create(db, input).await.map_err(from_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Facility::new(written.value))
    }

    /// Replaces every field of a facility, its machines, processes and materials.
    async fn update_facility(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: FacilityInputGql,
    ) -> Result<Facility> {
        staff(ctx)?;
        let uuid = expect_id("id", &id, NodeType::Facility)?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let written = service::replace(db, uuid, input)
            .await
            .map_err(from_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Facility::new(written.value))
    }

    /// Deletes a facility and its machines. Refused (`CONFLICT`) while assignments
    /// point at it.
    async fn delete_facility(&self, ctx: &Context<'_>, id: ID) -> Result<Deleted> {
        staff(ctx)?;
        let uuid = expect_id("id", &id, NodeType::Facility)?;
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let written = service::delete(db, uuid).await.map_err(from_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Deleted {
            id: global_id(NodeType::Facility, written.value),
        })
    }
}
