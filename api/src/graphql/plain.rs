//! Plain resolution of the objects a facility page lists by the hundred: machines, their
//! properties, members and their skill claims. async-graphql runs every field of every
//! object as its own boxed future, collected through a `FuturesUnordered` into a hashed
//! map; a 20-facility page with its machines and members made some 2,000 such futures
//! for values read off rows already in memory, and they were most of the page's time.
//! A list of such objects is now written straight into the response when every field
//! selected on it is plain (read off the row: no context, arguments or waiting).
//! Anything else (fragments, directives, a field with an access rule or a loader) sends
//! the list through the executor as before. The answer is the same either way, in
//! selection order (`tests/tests/plain_resolution.rs` compares the two).

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::resolver_utils::resolve_list;
use async_graphql::{
    ContextSelectionSet, ID, OutputType, Positioned, ScalarType, ServerResult, Value, registry,
};

/// An object whose fields can be read without the executor.
pub trait Plain: OutputType {
    /// The value of `field` when it is plain; `None` when it needs the executor.
    fn plain_field(&self, field: &Field) -> Option<Value>;
}

/// A row type with a borrowed GraphQL view (lists of it are shown without copies).
pub trait Viewed: Send + Sync + 'static {
    type View<'a>: Plain;
    fn view(&self) -> Self::View<'_>;
}

/// The selected fields of `item` in selection order, or `None` when one is not plain.
pub fn plain_object<T: Plain + ?Sized>(item: &T, selection: &SelectionSet) -> Option<Value> {
    let mut fields = IndexMap::with_capacity(selection.items.len());
    for selected in &selection.items {
        let Selection::Field(field) = &selected.node else {
            return None;
        };
        let field = &field.node;
        if !field.directives.is_empty() {
            return None;
        }
        let value = if field.name.node == "__typename" {
            Value::String(item.introspection_type_name().into_owned())
        } else {
            item.plain_field(field)?
        };
        // The executor merges a key selected twice; leave that to it.
        if fields
            .insert(field.response_key().node.clone(), value)
            .is_some()
        {
            return None;
        }
    }
    Some(Value::Object(fields))
}

/// Each item's selected fields, or `None` when one of them is not plain.
pub fn plain_list<T: Plain>(
    items: impl IntoIterator<Item = T>,
    selection: &SelectionSet,
) -> Option<Value> {
    items
        .into_iter()
        .map(|item| plain_object(&item, selection))
        .collect::<Option<Vec<_>>>()
        .map(Value::List)
}

/// Resolves a list field: plainly when it can, else through the executor.
async fn resolve_items<T: Plain>(
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
    items: impl Iterator<Item = T> + Clone,
    len: usize,
) -> ServerResult<Value> {
    // The schema has no extensions (`build_schema`), which would expect to see every field.
    if let Some(value) = plain_list(items.clone(), &ctx.item.node) {
        return Ok(value);
    }
    resolve_list(ctx, field, items, Some(len)).await
}

fn list_type_name(item: String) -> Cow<'static, str> {
    Cow::Owned(format!("[{item}]"))
}

/// A GraphQL list (`[View!]!`) over a shared slice of rows, each shown through its view.
pub struct SharedList<T>(pub Arc<[T]>);

impl<T: Viewed> OutputType for SharedList<T> {
    fn type_name() -> Cow<'static, str> {
        list_type_name(T::View::<'static>::qualified_type_name())
    }

    fn create_type_info(registry: &mut registry::Registry) -> String {
        T::View::<'static>::create_type_info(registry);
        Self::qualified_type_name()
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_items(ctx, field, self.0.iter().map(T::view), self.0.len()).await
    }
}

/// A GraphQL list (`[T!]!`) of owned objects.
pub struct PlainList<T>(pub Vec<T>);

impl<T: Plain> OutputType for PlainList<T> {
    fn type_name() -> Cow<'static, str> {
        list_type_name(T::qualified_type_name())
    }

    fn create_type_info(registry: &mut registry::Registry) -> String {
        T::create_type_info(registry);
        Self::qualified_type_name()
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_items(ctx, field, self.0.iter(), self.0.len()).await
    }
}

impl<T: Plain> Plain for &T {
    fn plain_field(&self, field: &Field) -> Option<Value> {
        (**self).plain_field(field)
    }
}

/// A field's Rust value as the executor would write it.
pub trait PlainValue {
    fn plain(self) -> Value;
}

// Strings are moved or copied once, not cloned again by `ScalarType::to_value`.
impl PlainValue for &str {
    fn plain(self) -> Value {
        Value::String(self.to_owned())
    }
}

impl PlainValue for String {
    fn plain(self) -> Value {
        Value::String(self)
    }
}

impl PlainValue for ID {
    fn plain(self) -> Value {
        Value::String(self.0)
    }
}

/// Scalars the executor writes through their `ScalarType`.
macro_rules! as_scalar {
    ($($t:ty),*) => {$(
        impl PlainValue for $t {
            fn plain(self) -> Value {
                ScalarType::to_value(&self)
            }
        }
    )*};
}

as_scalar!(f64, i32, bool, chrono::DateTime<chrono::Utc>, uuid::Uuid);

impl<T: PlainValue> PlainValue for Option<T> {
    fn plain(self) -> Value {
        self.map_or(Value::Null, PlainValue::plain)
    }
}

impl<T: PlainValue> PlainValue for Vec<T> {
    fn plain(self) -> Value {
        Value::List(self.into_iter().map(PlainValue::plain).collect())
    }
}

/// A plain field's value.
pub fn plain(value: impl PlainValue) -> Option<Value> {
    Some(value.plain())
}
