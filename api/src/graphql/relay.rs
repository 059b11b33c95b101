//! Relay conventions (DESIGN §7): opaque global ids (`base64url("Facility:<uuid>")`),
//! offset cursors, and connections with `pageInfo` and `totalCount` capped at 100 a page.

use std::borrow::Cow;

use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields, PageInfo};
use async_graphql::{Context, Error, ErrorExtensions, ID, Object, OutputType, TypeName};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use super::error::{Code, bad_input};

/// The largest `first` (DESIGN §9).
pub const MAX_FIRST: i32 = 100;
/// `first` when none is given.
pub const DEFAULT_FIRST: i32 = 20;

/// The types a global id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Facility,
    Maker,
    Job,
    Programme,
    Issuer,
    Achievement,
    Credential,
    Assignment,
    Equipment,
}

impl NodeType {
    const ALL: [NodeType; 9] = [
        NodeType::Facility,
        NodeType::Maker,
        NodeType::Job,
        NodeType::Programme,
        NodeType::Issuer,
        NodeType::Achievement,
        NodeType::Credential,
        NodeType::Assignment,
        NodeType::Equipment,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NodeType::Facility => "Facility",
            NodeType::Maker => "Maker",
            NodeType::Job => "Job",
            NodeType::Programme => "Programme",
            NodeType::Issuer => "Issuer",
            NodeType::Achievement => "Achievement",
            NodeType::Credential => "Credential",
            NodeType::Assignment => "Assignment",
            NodeType::Equipment => "Equipment",
        }
    }
}

/// The global id of `id` of type `ty`.
pub fn global_id(ty: NodeType, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", ty.name(), id)))
}

/// Decodes any global id.
pub fn decode(id: &ID) -> Option<(NodeType, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str().trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (name, uuid) = text.split_once(':')?;
    let ty = NodeType::ALL.into_iter().find(|t| t.name() == name)?;
    Some((ty, Uuid::parse_str(uuid).ok()?))
}

/// Decodes a global id that must name `ty`; `field` is the argument, for the error.
/// A plain UUID is accepted too, so ids from exports and imports can be used as they are.
pub fn expect_id(field: &str, id: &ID, ty: NodeType) -> Result<Uuid, Error> {
    if let Ok(uuid) = Uuid::parse_str(id.as_str().trim()) {
        return Ok(uuid);
    }
    match decode(id) {
        Some((found, uuid)) if found == ty => Ok(uuid),
        Some((found, _)) => Err(bad_input(
            field,
            format!(
                "this is the id of a {}, a {} id is expected",
                found.name(),
                ty.name()
            ),
        )),
        None => Err(bad_input(
            field,
            format!("`{}` is not a {} id", id.as_str(), ty.name()),
        )),
    }
}

/// An offset into an ordered result, opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetCursor(pub usize);

impl CursorType for OffsetCursor {
    type Error = CursorError;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| CursorError)?;
        let text = String::from_utf8(bytes).map_err(|_| CursorError)?;
        let offset = text.strip_prefix("o:").ok_or(CursorError)?;
        offset.parse().map(OffsetCursor).map_err(|_| CursorError)
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("o:{}", self.0))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not a cursor of this list; pass an `endCursor` from a previous page")]
pub struct CursorError;

/// A page request: `offset` and `limit`, from `first` and `after`.
/// The one rule for every page size (`first`, `k`, `options.first`): 1 to 100 items,
/// `default` when not given. Past 100 is `LIMIT_EXCEEDED` (ask for the next page
/// instead); below 1 is `BAD_USER_INPUT`. Both name the argument.
pub fn page_size(field: &str, value: Option<i32>, default: i32) -> Result<usize, Error> {
    let n = value.unwrap_or(default);
    if n > MAX_FIRST {
        let field = field.to_owned();
        return Err(Error::new(format!(
            "{field}: at most {MAX_FIRST} items a page; page on with `after` where there is one"
        ))
        .extend_with(move |_, e| {
            e.set("code", Code::LimitExceeded.as_str());
            e.set("field", field.clone());
        }));
    }
    if n < 1 {
        return Err(bad_input(field, format!("give 1 to {MAX_FIRST}")));
    }
    Ok(n as usize)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageArgs {
    pub offset: usize,
    pub limit: usize,
}

impl PageArgs {
    /// Checks `first` ([`page_size`]) and decodes `after`.
    pub fn new(first: Option<i32>, after: Option<&str>) -> Result<PageArgs, Error> {
        let first = page_size("first", first, DEFAULT_FIRST)?;
        let offset = match after {
            Some(cursor) => OffsetCursor::decode_cursor(cursor)
                .map_err(|e| bad_input("after", e))?
                .0
                .saturating_add(1),
            None => 0,
        };
        Ok(PageArgs {
            offset,
            limit: first,
        })
    }
}

/// One page of a list, as a Relay connection. Its own type rather than async-graphql's
/// `Connection` so that every `…Connection` type carries a description in the schema.
pub struct Page<T: OutputType> {
    connection: Connection<OffsetCursor, T>,
    total: u64,
}

impl<T: OutputType> TypeName for Page<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", T::type_name()).into()
    }
}

/// One page of a list (a Relay connection): its items in order as `edges` or `nodes`,
/// `pageInfo` to ask for the next page with `after`, and `totalCount` over every page.
#[Object(name_type)]
impl<T: OutputType> Page<T> {
    /// Information to aid in pagination.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.connection.has_previous_page,
            has_next_page: self.connection.has_next_page,
            start_cursor: self
                .connection
                .edges
                .first()
                .map(|e| e.cursor.encode_cursor()),
            end_cursor: self
                .connection
                .edges
                .last()
                .map(|e| e.cursor.encode_cursor()),
        }
    }

    /// A list of edges.
    async fn edges(&self) -> &[Edge<OffsetCursor, T, EmptyFields>] {
        &self.connection.edges
    }

    /// A list of nodes.
    async fn nodes(&self) -> Vec<&T> {
        self.connection.edges.iter().map(|e| &e.node).collect()
    }

    /// All matching items, over every page.
    async fn total_count(&self) -> u64 {
        self.total
    }
}

/// Whether the connection being resolved shows its total (`totalCount`, or `pageInfo`
/// whose `hasNextPage` needs it). Counting a whole area costs more than finding a page
/// of it, so a query that shows neither is not counted.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    let look = ctx.look_ahead();
    look.field("totalCount").exists() || look.field("pageInfo").exists()
}

/// A connection from one page of items starting at `args.offset`.
pub fn page<T: OutputType>(args: PageArgs, items: Vec<T>, total: u64) -> Page<T> {
    let end = args.offset + items.len();
    let mut connection = Connection::new(args.offset > 0, (end as u64) < total);
    connection.edges.extend(
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| Edge::new(OffsetCursor(args.offset + i), item)),
    );
    Page { connection, total }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_name_their_type() {
        let id = Uuid::now_v7();
        let gid = global_id(NodeType::Maker, id);
        assert_eq!(decode(&gid), Some((NodeType::Maker, id)));
        assert!(expect_id("id", &gid, NodeType::Maker).is_ok());
        let wrong = expect_id("id", &gid, NodeType::Facility).unwrap_err();
        assert!(wrong.message.contains("Maker"), "{}", wrong.message);
        assert!(expect_id("id", &ID("garbage".into()), NodeType::Maker).is_err());
        assert_eq!(
            expect_id("id", &ID(id.to_string()), NodeType::Maker).unwrap(),
            id
        );
    }

    #[test]
    fn cursors_and_first() {
        let c = OffsetCursor(41).encode_cursor();
        assert_eq!(PageArgs::new(Some(10), Some(&c)).unwrap().offset, 42);
        assert!(PageArgs::new(Some(101), None).is_err());
        assert!(PageArgs::new(Some(10), Some("nope")).is_err());
    }
}
