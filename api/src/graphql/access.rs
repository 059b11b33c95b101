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
