//! Who may see and do what (DESIGN §8), decided here and nowhere else. Every door — GraphQL
//! over HTTP and WebSocket, the command line's import and export, the demo — asks this
//! module; the doors only translate its answers into their own errors.
//!
//! - [`require`]: may this actor take this kind of action at all ([`Rule`]).
//! - [`Visibility`]: what one request sees (which passports, which positions, which private
//!   fields), computed once from its actor.
//! - [`work`]: who follows and moves a job's or a facility's production work, and who
//!   decides a facility's ties (these read the ties).

mod visibility;
pub mod work;

pub use visibility::Visibility;
pub use work::{
    assignment, decides_ties_of, follows_facility, job_assignments, may_follow_facility,
    may_follow_job, may_hold_ties, may_step, oversees_job, works_at,
};

use uuid::Uuid;

use super::ServiceError;
use super::actor::{Actor, Role};

/// A kind of action, as far as it depends on who the actor is (not on stored ties, which
/// [`work`] reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone with a valid token.
    SignedIn,
    /// Programme staff: admins and coordinators (catalogue edits, jobs, allocation,
    /// imports, staff reports).
    Staff,
    /// Admins only (issuers, erasure on request).
    Admin,
    /// The maker's own passport, or staff: editing it.
    MakerOrStaff(Uuid),
    /// The maker themself, or an admin: erasing a passport.
    MakerOrAdmin(Uuid),
    /// The issuer itself, or an admin: issuing and revoking its credentials.
    IssuerOrAdmin(Uuid),
    /// A maker acting for themself (a maker token): requesting ties, their own passport.
    AnyMaker,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nobody is signed in and the action needs someone.
    SignIn,
    /// The actor is known and may not do this; the message says who may.
    Forbidden(String),
}

impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> ServiceError {
        match r {
            Refusal::SignIn => ServiceError::Unauthenticated(SIGN_IN.to_owned()),
            Refusal::Forbidden(message) => ServiceError::Forbidden(message),
        }
    }
}

/// What a caller without a token is told.
pub const SIGN_IN: &str = "this needs a token: send `Authorization: Bearer <token>`";

/// The actor, when `rule` lets them act.
pub fn require(actor: Option<&Actor>, rule: Rule) -> Result<&Actor, Refusal> {
    let actor = actor.ok_or(Refusal::SignIn)?;
    let allowed = match rule {
        Rule::SignedIn => true,
        Rule::Staff => actor.is_staff(),
        Rule::Admin => actor.role == Role::Admin,
        Rule::MakerOrStaff(maker) => actor.is_staff() || is_maker(actor, maker),
        Rule::MakerOrAdmin(maker) => actor.role == Role::Admin || is_maker(actor, maker),
        Rule::IssuerOrAdmin(issuer) => {
            actor.role == Role::Admin
                || (actor.role == Role::Issuer && actor.issuer_id == Some(issuer))
        }
        Rule::AnyMaker => actor.role == Role::Maker && actor.maker_id.is_some(),
    };
    if allowed {
        Ok(actor)
    } else {
        Err(Refusal::Forbidden(who_may(rule, actor.role)))
    }
}

/// Whether `actor` is the maker token of `maker`.
pub fn is_maker(actor: &Actor, maker: Uuid) -> bool {
    actor.role == Role::Maker && actor.maker_id == Some(maker)
}

fn who_may(rule: Rule, role: Role) -> String {
    let role = role.as_str();
    match rule {
        Rule::SignedIn => "this needs a token".to_owned(),
        Rule::Staff => format!("only coordinators and admins may do this (your role: {role})"),
        Rule::Admin => format!("only admins may do this (your role: {role})"),
        Rule::MakerOrStaff(_) => "a maker edits only their own passport".to_owned(),
        Rule::MakerOrAdmin(_) => {
            format!("only the maker themself or an admin may do this (your role: {role})")
        }
        Rule::IssuerOrAdmin(_) => "only the issuer itself (or an admin) may do this".to_owned(),
        Rule::AnyMaker => format!("only a maker's own token may do this (your role: {role})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, maker: Option<Uuid>, issuer: Option<Uuid>) -> Actor {
        Actor {
            subject: "t".to_owned(),
            role,
            maker_id: maker,
            issuer_id: issuer,
        }
    }

    #[test]
    fn every_rule_refuses_the_anonymous_caller_with_sign_in() {
        let id = Uuid::nil();
        for rule in [
            Rule::SignedIn,
            Rule::Staff,
            Rule::Admin,
            Rule::MakerOrStaff(id),
            Rule::MakerOrAdmin(id),
            Rule::IssuerOrAdmin(id),
            Rule::AnyMaker,
        ] {
            assert_eq!(require(None, rule), Err(Refusal::SignIn), "{rule:?}");
        }
    }

    #[test]
    fn a_maker_acts_for_themself_only() {
        let me = Uuid::from_u128(1);
        let other = Uuid::from_u128(2);
        let maker = actor(Role::Maker, Some(me), None);
        assert!(require(Some(&maker), Rule::MakerOrStaff(me)).is_ok());
        assert!(require(Some(&maker), Rule::MakerOrStaff(other)).is_err());
        assert!(require(Some(&maker), Rule::MakerOrAdmin(me)).is_ok());
        assert!(require(Some(&maker), Rule::Staff).is_err());
        // An issuer token that happens to carry a maker id is not that maker.
        let issuer = actor(Role::Issuer, Some(me), Some(other));
        assert!(require(Some(&issuer), Rule::MakerOrStaff(me)).is_err());
        assert!(require(Some(&issuer), Rule::IssuerOrAdmin(other)).is_ok());
        assert!(require(Some(&issuer), Rule::IssuerOrAdmin(me)).is_err());
    }

    #[test]
    fn coordinators_are_staff_but_not_admins() {
        let c = actor(Role::Coordinator, None, None);
        assert!(require(Some(&c), Rule::Staff).is_ok());
        assert!(require(Some(&c), Rule::Admin).is_err());
        assert!(require(Some(&c), Rule::MakerOrAdmin(Uuid::nil())).is_err());
        assert!(require(Some(&c), Rule::MakerOrStaff(Uuid::nil())).is_ok());
    }
}
