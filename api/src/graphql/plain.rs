//! Plain resolution of the objects a facility page lists by the hundred: machines, their
//! properties, members and their skill claims. async-graphql runs every field of every
//! object as its own boxed future, collected through a `FuturesUnordered` into a hashed
//! map; a 20-facility page with its machines and members made some 2,000 such futures
//! for values read off rows already in memory, and they were most of the page's time.
//! A list of such objects is now written straight into the response when every field
//! selected on it is plain (read off the row: no context, arguments or waiting).
//! Anything else (fragments, directives, a field with an access rule or a loader) sends
//! the list through the executor as before. The answer is the same either way, in
//! selection order (`tests/tests/plain_resolution.rs` compares the two on every field the
//! schema lists for these types).
//!
//! Each plain field is declared once, in `plain_fields!`, which makes both its resolver
//! and its arm of `Plain::plain_field` from that one declaration, so the two cannot drift.

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

as_scalar!(f64, i32, bool, super::scalars::Timestamp, uuid::Uuid);

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

/// A plain field's value as the executor would write it for `field`.
pub trait PlainField {
    fn plain_in(self, field: &Field) -> Option<Value>;
}

impl<T: PlainValue> PlainField for T {
    fn plain_in(self, _: &Field) -> Option<Value> {
        Some(self.plain())
    }
}

/// A nested list (a machine's properties, a member's claims) stays plain under the
/// field's own selection.
impl<T: Viewed> PlainField for SharedList<T> {
    fn plain_in(self, field: &Field) -> Option<Value> {
        plain_list(self.0.iter().map(T::view), &field.selection_set.node)
    }
}

/// An `#[Object]` whose plain fields are each declared once: the macro writes the
/// resolver (named with `#[graphql(name = …)]`) and the `Plain::plain_field` arm from the
/// same name, type and expression. Items come in schema order:
///
/// - `#[plain("gqlName")] async fn name(&self) -> T { … }`, after its doc comment (the only
///   other attribute it takes): a plain field. The body reads the value off `self` (no
///   context, arguments or waiting) and `T` is a `PlainValue` or a `SharedList` of plain
///   rows.
/// - the same followed by `else |ctx| { … }`: the body gives `Option<T>`; `Some` is
///   plain, and on `None` the resolver evaluates the second block (with `ctx`, `?`
///   allowed) while `plain_field` answers `None`, sending the list to the executor.
/// - any other `async fn` with a return type, kept verbatim: a field that needs context,
///   arguments, an access rule or a loader, answered only by the executor.
macro_rules! plain_fields {
    (
        $(#[$($object_attr:tt)*])*
        impl $ty:ident $(<$lt:lifetime>)? { $($items:tt)* }
    ) => {
        $crate::graphql::plain::plain_fields! {
            @item [[$(#[$($object_attr)*])*] [$ty $(<$lt>)?]] [] [] []
            $($items)*
        }
    };

    // A plain field that may have no plain value: the resolver then runs the fallback.
    (
        @item $head:tt [$($resolvers:tt)*] [$($reads:tt)*] $this:tt
        $(#[doc = $doc:tt])*
        #[plain($name:tt)]
        $vis:vis async fn $method:ident(&$self:ident) -> $out:ty { $($body:tt)* }
        else |$ctx:ident| { $($fallback:tt)* }
        $($rest:tt)*
    ) => {
        $crate::graphql::plain::plain_fields! {
            @item $head
            [
                $($resolvers)*
                $(#[doc = $doc])*
                #[graphql(name = $name)]
                $vis async fn $method(
                    &$self,
                    $ctx: &::async_graphql::Context<'_>,
                ) -> ::async_graphql::Result<$out> {
                    let plain: ::core::option::Option<$out> = { $($body)* };
                    ::core::result::Result::Ok(match plain {
                        ::core::option::Option::Some(value) => value,
                        ::core::option::Option::None => { $($fallback)* }
                    })
                }
            ]
            [$($reads)* { $name [$out] { $($body)* } }]
            [$self]
            $($rest)*
        }
    };

    // A plain field.
    (
        @item $head:tt [$($resolvers:tt)*] [$($reads:tt)*] $this:tt
        $(#[doc = $doc:tt])*
        #[plain($name:tt)]
        $vis:vis async fn $method:ident(&$self:ident) -> $out:ty { $($body:tt)* }
        $($rest:tt)*
    ) => {
        $crate::graphql::plain::plain_fields! {
            @item $head
            [
                $($resolvers)*
                $(#[doc = $doc])*
                #[graphql(name = $name)]
                $vis async fn $method(&$self) -> $out { $($body)* }
            ]
            [$($reads)* { $name [$out] { ::core::option::Option::Some({ $($body)* }) } }]
            [$self]
            $($rest)*
        }
    };

    // Any other resolver, verbatim. Its return type is passed on as written (`Result`
    // must stay visible to `#[Object]`), read a few tokens a step up to the body to keep
    // the expansion shallow.
    (
        @item $head:tt $resolvers:tt $reads:tt $this:tt
        $(#[$($attr:tt)*])*
        $vis:vis async fn $method:ident $args:tt -> $($rest:tt)*
    ) => {
        $crate::graphql::plain::plain_fields! {
            @verbatim $head $resolvers $reads $this
            [$(#[$($attr)*])* $vis async fn $method $args ->]
            $($rest)*
        }
    };
    (
        @verbatim $head:tt [$($resolvers:tt)*] $reads:tt $this:tt [$($sig:tt)*]
        { $($body:tt)* } $($rest:tt)*
    ) => {
        $crate::graphql::plain::plain_fields! {
            @item $head [$($resolvers)* $($sig)* { $($body)* }] $reads $this
            $($rest)*
        }
    };
    (
        @verbatim $head:tt [$($resolvers:tt)*] $reads:tt $this:tt [$($sig:tt)*]
        $a:tt { $($body:tt)* } $($rest:tt)*
    ) => {
        $crate::graphql::plain::plain_fields! {
            @item $head [$($resolvers)* $($sig)* $a { $($body)* }] $reads $this
            $($rest)*
        }
    };
    (
        @verbatim $head:tt [$($resolvers:tt)*] $reads:tt $this:tt [$($sig:tt)*]
        $a:tt $b:tt { $($body:tt)* } $($rest:tt)*
    ) => {
        $crate::graphql::plain::plain_fields! {
            @item $head [$($resolvers)* $($sig)* $a $b { $($body)* }] $reads $this
            $($rest)*
        }
    };
    (
        @verbatim $head:tt [$($resolvers:tt)*] $reads:tt $this:tt [$($sig:tt)*]
        $a:tt $b:tt $c:tt { $($body:tt)* } $($rest:tt)*
    ) => {
        $crate::graphql::plain::plain_fields! {
            @item $head [$($resolvers)* $($sig)* $a $b $c { $($body)* }] $reads $this
            $($rest)*
        }
    };
    (
        @verbatim $head:tt $resolvers:tt $reads:tt $this:tt [$($sig:tt)*]
        $a:tt $b:tt $c:tt $d:tt $($rest:tt)*
    ) => {
        $crate::graphql::plain::plain_fields! {
            @verbatim $head $resolvers $reads $this [$($sig)* $a $b $c $d]
            $($rest)*
        }
    };

    // Every item read: the object, and `Plain` with one arm per plain field. `field` and
    // `value` are named in this expansion only (hygiene keeps each expansion's locals
    // apart).
    (
        @item [[$($object_attr:tt)*] [$($ty:tt)*]] [$($resolvers:tt)*]
        [$({ $name:tt [$out:ty] $read:block })*] [$this:tt]
    ) => {
        $($object_attr)*
        #[::async_graphql::Object]
        impl $($ty)* {
            $($resolvers)*
        }

        impl $crate::graphql::plain::Plain for $($ty)* {
            fn plain_field(
                &$this,
                field: &::async_graphql::parser::types::Field,
            ) -> ::core::option::Option<::async_graphql::Value> {
                match field.name.node.as_str() {
                    $($name => {
                        let value: ::core::option::Option<$out> = $read;
                        $crate::graphql::plain::PlainField::plain_in(value?, field)
                    })*
                    _ => ::core::option::Option::None,
                }
            }
        }
    };
}

pub(crate) use plain_fields;
