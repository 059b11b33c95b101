//! Importing a public export over the records it was made from. A public export leaves
//! out what only staff may see (a facility's e-mail and phone, a maker's contact details,
//! nationality, date of birth, exact home and the source's other fields); read back, those
//! absences are not edits, so an update keeps the stored values where the record is
//! silent instead of clearing them.

use std::collections::HashMap;

use makermatch_entities::{facility, maker};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use crate::db::InsertSink;
use crate::export::source_fields::{CONTACT_KEYS, add_missing, withheld_part};
use crate::services::batch::BatchItem;
use crate::services::facilities::FacilityInput;
use crate::services::makers::MakerWrite;

/// Gives the updates in `batch` at positions `which` (from public exports) the contact
/// details their stored facilities hold and the export left out.
pub async fn keep_facility_contacts<C: InsertSink>(
    tx: &C,
    batch: &mut [BatchItem<FacilityInput>],
    which: &[usize],
) -> Result<(), DbErr> {
    with_stored::<facility::Entity, _, _>(
        tx,
        batch,
        which,
        facility::Column::Id,
        |f| f.id,
        |input, f| {
            let contact = &mut input.contact;
            contact.email = contact.email.take().or_else(|| f.contact_email.clone());
            contact.phone = contact.phone.take().or_else(|| f.contact_phone.clone());
            let withheld = f
                .source_fields
                .as_ref()
                .and_then(|kept| withheld_part(kept, CONTACT_KEYS));
            input.source_fields = merged(input.source_fields.take(), withheld);
        },
    )
    .await
}

/// Gives the updates in `batch` at positions `which` (from public exports) the private
/// fields their stored makers hold and the export left out. The export gave the public,
/// city-level position: where the record still says that one, the exact home stays.
pub async fn keep_maker_private_fields<C: InsertSink>(
    tx: &C,
    batch: &mut [BatchItem<MakerWrite>],
    which: &[usize],
) -> Result<(), DbErr> {
    with_stored::<maker::Entity, _, _>(
        tx,
        batch,
        which,
        maker::Column::Id,
        |m| m.id,
        |write, m| {
            let p = &mut write.passport;
            p.email = p.email.take().or_else(|| m.email.clone());
            p.phone = p.phone.take().or_else(|| m.phone.clone());
            p.nationality = p.nationality.take().or_else(|| m.nationality.clone());
            p.date_of_birth = p.date_of_birth.or(m.date_of_birth);
            p.share_exact_location |= m.share_exact_location;
            let public_position = m.coarse_lat.zip(m.coarse_lon);
            if p.lat
                .zip(p.lon)
                .is_some_and(|given| Some(given) == public_position)
            {
                p.lat = m.lat;
                p.lon = m.lon;
            }
            p.source_fields = merged(p.source_fields.take(), m.source_fields.clone());
        },
    )
    .await
}

/// Calls `keep` with each item of `batch` at positions `which` and its stored row.
async fn with_stored<E, I, C>(
    tx: &C,
    batch: &mut [BatchItem<I>],
    which: &[usize],
    id: E::Column,
    id_of: impl Fn(&E::Model) -> Uuid,
    keep: impl Fn(&mut I, &E::Model),
) -> Result<(), DbErr>
where
    E: EntityTrait,
    C: InsertSink,
{
    let ids: Vec<Uuid> = which
        .iter()
        .filter_map(|i| batch.get(*i).map(|b| b.id))
        .collect();
    let mut stored = HashMap::new();
    for chunk in ids.chunks(500) {
        for row in E::find().filter(id.is_in(chunk.to_vec())).all(tx).await? {
            stored.insert(id_of(&row), row);
        }
    }
    for i in which {
        if let Some(item) = batch.get_mut(*i)
            && let Some(row) = stored.get(&item.id)
        {
            keep(&mut item.input, row);
        }
    }
    Ok(())
}

/// The fields a record kept, with `stored` added where the record lacks them.
fn merged(kept: Option<Value>, stored: Option<Value>) -> Option<Value> {
    match (kept, stored) {
        (Some(Value::Object(mut kept)), Some(Value::Object(stored))) => {
            add_missing(&mut kept, &stored);
            Some(Value::Object(kept))
        }
        (None, stored) => stored,
        (kept, _) => kept,
    }
}
