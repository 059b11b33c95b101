//! The `Facility` type, its machines, and what a delete returns.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use makermatch_entities::{equipment_property, facility};
use uuid::Uuid;

use crate::graphql::access::shown;
use crate::graphql::access::visibility;
use crate::graphql::loader::{
    AppLoader, FacilityEquipmentWithProperties, FacilityMakersWithClaims, FacilityMaterials,
    FacilityProcesses, MachineWithProperties,
};
use crate::graphql::makers::{self, Maker};
use crate::graphql::plain::{PlainList, SharedList, Viewed, plain_fields};
use crate::graphql::relay::{self, NodeType, global_id};
use crate::graphql::scalars::{Date, Timestamp};
use crate::graphql::taxonomy::{Material, Process, taxonomy};
use crate::services::string_list;

/// OKW facility status.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::facility::FacilityStatus")]
pub enum FacilityStatus {
    /// Open and producing.
    Active,
    /// Not open yet; left out of matching unless `includePlanned`.
    Planned,
    /// Closed for now, expected to reopen.
    TemporaryClosure,
    /// Closed for good; never matched.
    Closed,
}

/// OKW access type.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::facility::AccessType")]
pub enum AccessType {
    /// Staff and invited people only.
    Restricted,
    /// Restricted, with hours open to the public.
    RestrictedWithPublicHours,
    /// A space shared by several organisations.
    SharedSpace,
    /// Open to anyone.
    Public,
    /// Open to members.
    Membership,
}

/// OKW typical batch size: 0–50, 50–500, 500–5,000 or over 5,000 units.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::facility::BatchSize")]
pub enum BatchSize {
    /// Up to 50 units.
    UpTo50,
    /// 50 to 500 units.
    UpTo500,
    /// 500 to 5,000 units.
    UpTo5000,
    /// Over 5,000 units.
    Over5000,
}

/// Where a facility is (OKW §6). Coordinates are WGS 84 degrees.
#[derive(SimpleObject)]
pub struct Location {
    /// Street and number.
    pub street_address: Option<String>,
    /// Town or city.
    pub locality: Option<String>,
    /// State, province or district.
    pub region: Option<String>,
    /// Postal code, as written locally.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Latitude in WGS 84 degrees; null when the facility has no coordinates (then it is
    /// not on the map).
    pub lat: Option<f64>,
    /// Longitude in WGS 84 degrees; null together with `lat`.
    pub lon: Option<f64>,
    /// Free-text directions for finding the place.
    pub directions: Option<String>,
}

/// A numeric or textual technical property of a machine: a view of its row.
pub struct EquipmentProperty<'a>(&'a equipment_property::Model);

plain_fields! {
    /// A numeric or textual technical property of a machine (bed size, laser power, …).
    impl EquipmentProperty<'_> {
        /// What is measured or described, e.g. `bed_size_x` or `laser_power`.
        #[plain("key")]
        async fn key(&self) -> &str {
            &self.0.key
        }
        /// The value when numeric, in `unit`.
        #[plain("number")]
        async fn number(&self) -> Option<f64> {
            self.0.number_value
        }
        /// The value when textual.
        #[plain("text")]
        async fn text(&self) -> Option<&str> {
            self.0.text_value.as_deref()
        }
        /// The unit of `number` as the source gives it, e.g. `mm` or `W`.
        #[plain("unit")]
        async fn unit(&self) -> Option<&str> {
            self.0.unit.as_deref()
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

plain_fields! {
    /// A machine of a facility (OKW §7).
    impl Equipment<'_> {
        /// Taxonomy equipment type id, or the source's words when they did not resolve.
        #[plain("equipmentType")]
        async fn equipment_type(&self) -> &str {
            &self.0.machine.equipment_type
        }
        /// Manufacturer.
        #[plain("make")]
        async fn make(&self) -> Option<&str> {
            self.0.machine.make.as_deref()
        }
        /// Model name.
        #[plain("model")]
        async fn model(&self) -> Option<&str> {
            self.0.machine.model.as_deref()
        }
        /// How many such machines the facility has.
        #[plain("quantity")]
        async fn quantity(&self) -> i32 {
            self.0.machine.quantity
        }
        /// Working condition as the facility states it.
        #[plain("condition")]
        async fn condition(&self) -> Option<&str> {
            self.0.machine.condition.as_deref()
        }
        /// Free-text notes on the machine.
        #[plain("notes")]
        async fn notes(&self) -> Option<&str> {
            self.0.machine.notes.as_deref()
        }
        /// Global id of the machine.
        #[plain("id")]
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
        /// Technical properties (bed size, power, …), as stated.
        #[plain("properties")]
        async fn properties(&self) -> SharedList<equipment_property::Model> {
            SharedList(self.0.properties.clone())
        }
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

/// A manufacturing facility (Open Know-Where): a makerspace, fab lab or workshop, its
/// machines, processes and materials. Anyone may read it; contacts are for coordinators and
/// admins.
#[Object]
impl Facility {
    /// Global id (Relay), usable with `node` and every `id` argument.
    pub async fn id(&self) -> ID {
        global_id(NodeType::Facility, self.row.id)
    }
    /// The id as a plain UUID (as in exports).
    async fn uuid(&self) -> Uuid {
        self.row.id
    }
    /// The facility's name.
    async fn name(&self) -> &str {
        &self.row.name
    }
    /// What the facility is and does, in its own words.
    async fn description(&self) -> Option<&str> {
        self.row.description.as_deref()
    }
    /// Whether it is open, planned or closed.
    async fn facility_status(&self) -> FacilityStatus {
        self.row.status.into()
    }
    /// Who may use it; null when unknown.
    async fn access_type(&self) -> Option<AccessType> {
        self.row.access_type.map(Into::into)
    }
    /// Address and WGS 84 position.
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
    /// The owning person or organisation.
    async fn owner_name(&self) -> Option<&str> {
        self.row.owner_name.as_deref()
    }
    /// Who to contact; public.
    async fn contact_name(&self) -> Option<&str> {
        self.row.contact_name.as_deref()
    }
    /// Contact e-mail: coordinators and admins only (others get null and a `FORBIDDEN`
    /// error on this field).
    async fn contact_email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let check = visibility(ctx).staff_field("contactEmail");
        shown(ctx, check, || self.row.contact_email.as_deref())
    }
    /// Contact phone: coordinators and admins only.
    async fn contact_phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let check = visibility(ctx).staff_field("contactPhone");
        shown(ctx, check, || self.row.contact_phone.as_deref())
    }
    /// Its web site URL.
    async fn website(&self) -> Option<&str> {
        self.row.website.as_deref()
    }
    /// Opening hours as free text.
    async fn opening_hours(&self) -> Option<&str> {
        self.row.opening_hours.as_deref()
    }
    /// When it was founded.
    async fn date_founded(&self) -> Option<Date> {
        self.row.date_founded.map(Into::into)
    }
    /// Whether the site is wheelchair accessible; null when unknown.
    async fn wheelchair_accessible(&self) -> Option<bool> {
        self.row.wheelchair_accessible
    }
    /// The batch size it usually produces.
    async fn typical_batch_size(&self) -> Option<BatchSize> {
        self.row.typical_batch_size.map(Into::into)
    }
    /// Floor area in square metres.
    async fn floor_size_m2(&self) -> Option<f64> {
        self.row.floor_size_m2
    }
    /// Quality or safety certifications held, e.g. `ISO 9001`.
    async fn certifications(&self) -> Vec<String> {
        string_list(&self.row.certifications)
    }
    /// Organisations the facility is affiliated with (OKW affiliations).
    async fn affiliations(&self) -> Vec<String> {
        string_list(&self.row.affiliations)
    }
    /// Has a backup generator; null when unknown.
    async fn backup_generator(&self) -> Option<bool> {
        self.row.backup_generator
    }
    /// Has an uninterruptible power supply; null when unknown.
    async fn uninterrupted_power_supply(&self) -> Option<bool> {
        self.row.uninterrupted_power_supply
    }
    /// Reachable by road for deliveries; null when unknown.
    async fn road_access(&self) -> Option<bool> {
        self.row.road_access
    }
    /// Has a loading dock; null when unknown.
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
    /// When the record was created here.
    async fn date_created(&self) -> Timestamp {
        self.row.date_created.into()
    }
    /// When the record last changed.
    async fn last_updated(&self) -> Timestamp {
        self.row.last_updated.into()
    }
    /// When someone last checked the record against the real facility.
    async fn date_verified(&self) -> Option<Timestamp> {
        self.row.date_verified.map(Into::into)
    }
    /// Who last verified the record.
    async fn verified_by(&self) -> Option<&str> {
        self.row.verified_by.as_deref()
    }
    /// Where the record came from (`makermatch`, an importer) and its id there.
    async fn source(&self) -> &str {
        &self.row.source
    }
    /// The record's id in its source; null for records made here.
    async fn source_id(&self) -> Option<&str> {
        self.row.source_id.as_deref()
    }
    /// Its machines.
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
                .filter(|m| visibility(ctx).sees_maker(&m.maker))
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
        complexity = "first.unwrap_or(relay::DEFAULT_FIRST).clamp(0, relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn nearby_makers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Skills every maker must have, as makers write them; any maker when absent."
        )]
        skills: Option<Vec<String>>,
        #[graphql(desc = "Radius around the facility in kilometres, more than 0.")] radius_km: f64,
        #[graphql(desc = "Most makers returned, 1 to 100 (default 20).")] first: Option<i32>,
    ) -> Result<Vec<Maker>> {
        makers::nearby_makers(ctx, &self.row, skills, radius_km, first).await
    }

    /// The open jobs this facility could take (coordinators and admins): of the 50 open
    /// jobs nearest it (within `radiusKm` when given), those whose every required
    /// requirement its team meets and whose reach it is within, nearest delivery point
    /// first, each with the team scored and explained as `matchJob` does.
    #[graphql(
        complexity = "first.unwrap_or(10).clamp(0, relay::MAX_FIRST) as usize * (child_complexity + 20) + 1"
    )]
    async fn matching_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only jobs delivered within this many kilometres of the facility.")]
        radius_km: Option<f64>,
        #[graphql(desc = "Most jobs returned, 1 to 100 (default 10).")] first: Option<i32>,
    ) -> Result<Option<Vec<crate::graphql::matching::MatchingJob>>> {
        // Refused to others as the contact fields are: null and a `FORBIDDEN` error on
        // this field, the rest of the facility readable.
        let check = visibility(ctx).staff_field("matchingJobs");
        if shown(ctx, check, || Some(()))?.is_none() {
            return Ok(None);
        }
        let taker = crate::graphql::matching::Taker::facility(&self.row);
        crate::graphql::matching::matching_jobs(ctx, taker, radius_km, first)
            .await
            .map(Some)
    }
}

/// What a delete removed.
#[derive(SimpleObject)]
pub struct Deleted {
    /// Global id of the deleted object.
    pub id: ID,
}
