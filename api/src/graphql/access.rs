//! Who may do what over GraphQL, in terms of the request's `Viewer` (DESIGN §8).

use async_graphql::{Context, Result};
use makermatch_search::{ExactPositions, PositionAccess};

use super::Viewer;
use super::error::{Code, coded};
use crate::services::actor::Actor;

/// The caller's actor, if any.
pub fn viewer<'a>(ctx: &Context<'a>) -> Option<&'a Actor> {
    ctx.data_opt::<Viewer>().and_then(|v| v.0.as_ref())
}

/// The caller, who must be authenticated.
pub fn signed_in<'a>(ctx: &Context<'a>) -> Result<&'a Actor> {
    viewer(ctx).ok_or_else(|| {
        coded(
            Code::Unauthenticated,
            "this needs a token: send `Authorization: Bearer <token>`",
        )
    })
}

/// The caller, who must be an admin or a coordinator.
pub fn staff<'a>(ctx: &Context<'a>) -> Result<&'a Actor> {
    let actor = signed_in(ctx)?;
    if actor.is_staff() {
        Ok(actor)
    } else {
        Err(coded(
            Code::Forbidden,
            format!(
                "only coordinators and admins may do this (your role: {})",
                actor.role.as_str()
            ),
        ))
    }
}

/// Which maker positions this caller's queries may use: for staff the "exact" layer (which
/// holds a maker's home only when they consented to share it, their public position
/// otherwise), the public positions for everyone else (DESIGN §5).
pub fn positions(ctx: &Context<'_>) -> PositionAccess {
    match viewer(ctx) {
        Some(a) if a.is_staff() => {
            PositionAccess::exact(ExactPositions::granted_by(a.subject.clone()))
        }
        _ => PositionAccess::Coarse,
    }
}

/// For private fields: staff only; anyone else, anonymous callers included, is refused
/// (`FORBIDDEN`, not `UNAUTHENTICATED`, so a public page shows the field as withheld).
/// `Err` holds the refusal's message, for [`shown`].
pub fn staff_only_field(ctx: &Context<'_>, field: &str) -> Result<(), String> {
    match viewer(ctx) {
        Some(a) if a.is_staff() => Ok(()),
        _ => Err(format!(
            "`{field}` is visible to coordinators and admins only"
        )),
    }
}

/// A nullable field behind an access rule: its value when `check` passed; else `null` in
/// `data` and a `FORBIDDEN` error naming it, as the GraphQL spec has a field that errors
/// (returning the error would make async-graphql leave the field out of its object,
/// which breaks client caches).
pub fn shown<T>(
    ctx: &Context<'_>,
    check: Result<(), String>,
    value: impl FnOnce() -> Option<T>,
) -> Result<Option<T>> {
    match check {
        Ok(()) => Ok(value()),
        Err(message) => {
            let error = coded(Code::Forbidden, message).into_server_error(ctx.item.pos);
            ctx.add_error(ctx.set_error_path(error));
            Ok(None)
        }
    }
}

/// Whether the caller may see `maker` at all (`policy::sees_maker`).
pub fn sees_maker(ctx: &Context<'_>, maker: &makermatch_entities::maker::Model) -> bool {
    crate::services::policy::sees_maker(viewer(ctx), maker)
}

/// Whether the caller's searches include passports that are not public.
pub fn sees_private_profiles(ctx: &Context<'_>) -> bool {
    crate::services::policy::sees_private_profiles(viewer(ctx))
}

/// Whether the caller may read the private part of maker `maker_id`'s passport: the maker
/// themself, coordinators and admins (DESIGN §8).
pub fn sees_private(ctx: &Context<'_>, maker_id: uuid::Uuid) -> bool {
    viewer(ctx).is_some_and(|a| a.is_staff() || a.maker_id == Some(maker_id))
}

/// For a maker's private fields: the maker themself, coordinators and admins; anyone else
/// is refused as by `staff_only_field`.
pub fn self_or_staff_field(
    ctx: &Context<'_>,
    maker_id: uuid::Uuid,
    field: &str,
) -> Result<(), String> {
    if sees_private(ctx, maker_id) {
        Ok(())
    } else {
        Err(format!(
            "`{field}` is visible to the maker, coordinators and admins only"
        ))
    }
}

/// The caller, who must be an admin or the maker `maker_id` itself: erasing a passport is
/// the maker's right, and an admin's duty when asked.
pub fn self_or_admin<'a>(ctx: &Context<'a>, maker_id: uuid::Uuid) -> Result<&'a Actor> {
    let actor = signed_in(ctx)?;
    if actor.role == crate::services::actor::Role::Admin || actor.maker_id == Some(maker_id) {
        Ok(actor)
    } else {
        Err(coded(
            Code::Forbidden,
            format!(
                "only the maker themself or an admin may do this (your role: {})",
                actor.role.as_str()
            ),
        ))
    }
}

/// The caller, who must be an admin.
pub fn admin<'a>(ctx: &Context<'a>) -> Result<&'a Actor> {
    let actor = signed_in(ctx)?;
    if actor.role == crate::services::actor::Role::Admin {
        Ok(actor)
    } else {
        Err(coded(
            Code::Forbidden,
            format!(
                "only admins may do this (your role: {})",
                actor.role.as_str()
            ),
        ))
    }
}

/// The caller, who must be an admin or the `issuer` token of `issuer_id`: an issuer
/// issues and revokes only as itself.
pub fn issuer_or_admin<'a>(ctx: &Context<'a>, issuer_id: uuid::Uuid) -> Result<&'a Actor> {
    let actor = signed_in(ctx)?;
    match actor.role {
        crate::services::actor::Role::Admin => Ok(actor),
        crate::services::actor::Role::Issuer if actor.issuer_id == Some(issuer_id) => Ok(actor),
        _ => Err(coded(
            Code::Forbidden,
            "only the issuer itself (or an admin) may do this",
        )),
    }
}

/// The caller, who must be staff or the maker `maker_id` itself: a maker edits only their
/// own passport.
pub fn self_or_staff<'a>(ctx: &Context<'a>, maker_id: uuid::Uuid) -> Result<&'a Actor> {
    let actor = signed_in(ctx)?;
    if actor.is_staff() || actor.maker_id == Some(maker_id) {
        Ok(actor)
    } else {
        Err(coded(
            Code::Forbidden,
            "a maker edits only their own passport",
        ))
    }
}
