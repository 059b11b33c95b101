//! The access policy (`services::policy`) as GraphQL sees it: the request's actor and
//! visibility, and its refusals as coded errors. Nothing here decides who may do what.

use async_graphql::{Context, Result};

use super::Viewer;
use super::error::{Code, coded};
use crate::services::actor::Actor;
use crate::services::policy::{self, Refusal, Rule, Visibility};

/// The caller's actor, if any.
pub fn viewer<'a>(ctx: &Context<'a>) -> Option<&'a Actor> {
    ctx.data_opt::<Viewer>().and_then(|v| v.actor.as_ref())
}

/// What this request sees (the public's view when no viewer was set).
pub fn visibility<'a>(ctx: &Context<'a>) -> std::borrow::Cow<'a, Visibility> {
    match ctx.data_opt::<Viewer>() {
        Some(v) => std::borrow::Cow::Borrowed(&v.visibility),
        None => std::borrow::Cow::Owned(Visibility::public()),
    }
}

/// A refusal as the error GraphQL answers with.
pub fn refused(refusal: Refusal) -> async_graphql::Error {
    match refusal {
        Refusal::SignIn => coded(Code::Unauthenticated, policy::SIGN_IN),
        Refusal::Forbidden(message) => coded(Code::Forbidden, message),
    }
}

/// The caller, when `rule` lets them act.
pub fn require<'a>(ctx: &Context<'a>, rule: Rule) -> Result<&'a Actor> {
    policy::require(viewer(ctx), rule).map_err(refused)
}

/// The caller, who must be authenticated.
pub fn signed_in<'a>(ctx: &Context<'a>) -> Result<&'a Actor> {
    require(ctx, Rule::SignedIn)
}

/// The caller, who must be an admin or a coordinator.
pub fn staff<'a>(ctx: &Context<'a>) -> Result<&'a Actor> {
    require(ctx, Rule::Staff)
}

/// The caller, who must be an admin.
pub fn admin<'a>(ctx: &Context<'a>) -> Result<&'a Actor> {
    require(ctx, Rule::Admin)
}

/// A nullable field behind an access rule: its value when `check` passed; else `null` in
/// `data` and a `FORBIDDEN` error naming it, as the GraphQL spec has a field that errors
/// (returning the error would make async-graphql leave the field out of its object,
/// which breaks client caches).
pub fn shown<T>(
    ctx: &Context<'_>,
    check: Result<(), Refusal>,
    value: impl FnOnce() -> Option<T>,
) -> Result<Option<T>> {
    match check {
        Ok(()) => Ok(value()),
        Err(refusal) => {
            let error = refused(refusal).into_server_error(ctx.item.pos);
            ctx.add_error(ctx.set_error_path(error));
            Ok(None)
        }
    }
}

/// The caller, who must be staff or the maker `maker_id` itself: a maker edits only their
/// own passport.
pub fn self_or_staff<'a>(ctx: &Context<'a>, maker_id: uuid::Uuid) -> Result<&'a Actor> {
    require(ctx, Rule::MakerOrStaff(maker_id))
}

/// The caller, who must be an admin or the maker `maker_id` itself: erasing a passport is
/// the maker's right, and an admin's duty when asked.
pub fn self_or_admin<'a>(ctx: &Context<'a>, maker_id: uuid::Uuid) -> Result<&'a Actor> {
    require(ctx, Rule::MakerOrAdmin(maker_id))
}

/// The caller, who must be an admin or the `issuer` token of `issuer_id`.
pub fn issuer_or_admin<'a>(ctx: &Context<'a>, issuer_id: uuid::Uuid) -> Result<&'a Actor> {
    require(ctx, Rule::IssuerOrAdmin(issuer_id))
}

/// Whether the caller may see `maker` at all.
pub fn sees_maker(ctx: &Context<'_>, maker: &makermatch_entities::maker::Model) -> bool {
    visibility(ctx).sees_maker(maker)
}

/// Whether the caller's searches include passports that are not public.
pub fn sees_private_profiles(ctx: &Context<'_>) -> bool {
    visibility(ctx).private_profiles()
}

/// Which maker positions this caller's queries may use.
pub fn positions(ctx: &Context<'_>) -> makermatch_search::PositionAccess {
    visibility(ctx).positions()
}

/// For staff-only fields (a facility's contacts); see [`shown`].
pub fn staff_only_field(ctx: &Context<'_>, field: &str) -> Result<(), Refusal> {
    visibility(ctx).staff_field(field)
}

/// For a maker's private fields: the maker themself, coordinators and admins.
pub fn self_or_staff_field(
    ctx: &Context<'_>,
    maker_id: uuid::Uuid,
    field: &str,
) -> Result<(), Refusal> {
    visibility(ctx).maker_private(maker_id, field)
}

/// For a maker's home: the maker, and staff when the maker shares it.
pub fn home_field(
    ctx: &Context<'_>,
    maker: &makermatch_entities::maker::Model,
    field: &str,
) -> Result<(), Refusal> {
    visibility(ctx).maker_home(maker, field)
}
