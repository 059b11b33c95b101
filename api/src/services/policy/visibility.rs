//! What one request sees, decided once from its actor: which passports (public only, or
//! all), which maker positions (city-level, or homes shared with staff), and which private
//! fields. Every door that shows data reads it — resolvers, loaders' callers, search
//! filters, the map, exports and subscriptions.

use makermatch_entities::maker;
use makermatch_search::{ExactPositions, PositionAccess};
use uuid::Uuid;

use super::Refusal;
use crate::services::actor::{Actor, Role};

/// One request's view of the data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visibility {
    /// Staff (and the operator): passports whose owner did not make them public, private
    /// contact details, exact positions where consented.
    staff: bool,
    /// The maker a maker token acts for: their own passport in full.
    own_maker: Option<Uuid>,
    /// Who the staff grant is for, for logs.
    subject: Option<String>,
    /// The operator at the command line, who holds the database itself: everything,
    /// homes included (a full export is a copy of what the operator already has).
    operator: bool,
}

impl Visibility {
    /// What `actor` sees (no actor: the public).
    pub fn of(actor: Option<&Actor>) -> Visibility {
        Visibility {
            staff: actor.is_some_and(Actor::is_staff),
            own_maker: actor
                .filter(|a| a.role == Role::Maker)
                .and_then(|a| a.maker_id),
            subject: actor.map(|a| a.subject.clone()),
            operator: false,
        }
    }

    /// What anyone may see: public passports, city-level positions, no private fields.
    pub fn public() -> Visibility {
        Visibility::of(None)
    }

    /// The operator at the command line, who holds the database itself (an export with
    /// private fields).
    pub fn operator() -> Visibility {
        Visibility {
            operator: true,
            ..Visibility::of(Some(&Actor::operator()))
        }
    }

    /// Whether passports not made public are shown (searches, lists, the map).
    pub fn private_profiles(&self) -> bool {
        self.staff
    }

    /// Whether `maker`'s passport is shown at all: public, or staff, or the maker.
    pub fn sees_maker(&self, maker: &maker::Model) -> bool {
        maker.public_profile || self.staff || self.own_maker == Some(maker.id)
    }

    /// Whether maker `maker_id`'s private fields (e-mail, phone, date of birth,
    /// nationality, home) are shown: to the maker and to staff.
    pub fn maker_private(&self, maker_id: Uuid, field: &str) -> Result<(), Refusal> {
        if self.staff || self.own_maker == Some(maker_id) {
            Ok(())
        } else {
            Err(Refusal::Forbidden(format!(
                "`{field}` is visible to the maker, coordinators and admins only"
            )))
        }
    }

    /// Whether a maker's exact home is shown: to the maker always; to staff only when the
    /// maker consented to share it (DESIGN §5).
    pub fn maker_home(&self, maker: &maker::Model, field: &str) -> Result<(), Refusal> {
        self.maker_private(maker.id, field)?;
        if self.operator || self.own_maker == Some(maker.id) || maker.share_exact_location {
            Ok(())
        } else {
            Err(Refusal::Forbidden(format!(
                "`{field}` is withheld: the maker has not consented to share it \
                 (shareExactLocation is false)"
            )))
        }
    }

    /// Whether staff-only fields (a facility's contact details) are shown.
    pub fn staff_field(&self, field: &str) -> Result<(), Refusal> {
        if self.staff {
            Ok(())
        } else {
            Err(Refusal::Forbidden(format!(
                "`{field}` is visible to coordinators and admins only"
            )))
        }
    }

    /// The maker positions this request's geo queries use: for staff the "exact" layer
    /// (a maker's home only where they consented, their public position otherwise), the
    /// city-level positions for everyone else.
    pub fn positions(&self) -> PositionAccess {
        match (&self.subject, self.staff) {
            (Some(subject), true) => {
                PositionAccess::exact(ExactPositions::granted_by(subject.clone()))
            }
            _ => PositionAccess::Coarse,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maker(id: u128, public: bool, shares: bool) -> maker::Model {
        let input = crate::services::makers::MakerInput {
            display_name: Some("Ama".to_owned()),
            public_profile: public,
            share_exact_location: shares,
            ..Default::default()
        };
        #[allow(clippy::unwrap_used)] // test code: a valid input
        input
            .to_row(Uuid::from_u128(id), chrono::Utc::now())
            .unwrap()
    }

    fn token(role: Role, maker_id: Option<u128>) -> Actor {
        Actor {
            subject: "s".to_owned(),
            role,
            maker_id: maker_id.map(Uuid::from_u128),
            issuer_id: None,
        }
    }

    #[test]
    fn the_public_sees_public_passports_and_no_private_field() {
        let v = Visibility::public();
        assert!(v.sees_maker(&maker(1, true, true)));
        assert!(!v.sees_maker(&maker(1, false, true)));
        assert!(v.maker_private(Uuid::from_u128(1), "email").is_err());
        assert!(v.staff_field("contactEmail").is_err());
        assert_eq!(v.positions(), PositionAccess::Coarse);
    }

    #[test]
    fn a_maker_sees_all_of_their_own_passport_and_nobody_elses_private_part() {
        let v = Visibility::of(Some(&token(Role::Maker, Some(1))));
        assert!(v.sees_maker(&maker(1, false, false)));
        assert!(!v.sees_maker(&maker(2, false, false)));
        assert!(
            v.maker_home(&maker(1, false, false), "exactLocation")
                .is_ok()
        );
        assert!(v.maker_private(Uuid::from_u128(2), "email").is_err());
        assert_eq!(v.positions(), PositionAccess::Coarse);
    }

    #[test]
    fn staff_see_a_home_only_with_consent() {
        let v = Visibility::of(Some(&token(Role::Coordinator, None)));
        assert!(v.sees_maker(&maker(1, false, false)));
        assert!(v.maker_private(Uuid::from_u128(1), "email").is_ok());
        assert!(
            v.maker_home(&maker(1, true, false), "exactLocation")
                .is_err()
        );
        assert!(v.maker_home(&maker(1, true, true), "exactLocation").is_ok());
        assert!(v.positions().is_exact());
        assert!(Visibility::operator().private_profiles());
        let operator = Visibility::operator();
        assert!(
            operator
                .maker_home(&maker(1, false, false), "location")
                .is_ok()
        );
    }

    #[test]
    fn an_inspector_or_issuer_sees_what_the_public_sees() {
        for role in [Role::Inspector, Role::Issuer] {
            let v = Visibility::of(Some(&token(role, Some(1))));
            assert!(!v.sees_maker(&maker(1, false, false)), "{role:?}");
            assert!(v.maker_private(Uuid::from_u128(1), "email").is_err());
        }
    }
}
