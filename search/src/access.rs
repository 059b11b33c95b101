//! Which maker positions a query may use. Exact home positions are private (DESIGN §5, §8):
//! the default is the coarse, city-level one, and the exact variant can only be built from
//! an [`ExactPositions`] grant, which the caller must construct on purpose after checking
//! the requester's rights. Facilities and jobs have one position and ignore this.

/// Proof that the caller decided the requester may see exact maker positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactPositions {
    granted_to: String,
}

impl ExactPositions {
    /// Grants exact positions; `granted_to` says to whom and why (e.g.
    /// `"coordinator user-42"`), for logs.
    pub fn granted_by(granted_to: impl Into<String>) -> ExactPositions {
        ExactPositions {
            granted_to: granted_to.into(),
        }
    }

    pub fn granted_to(&self) -> &str {
        &self.granted_to
    }
}

/// The maker positions a query uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PositionAccess {
    /// City-level positions (about 0.1°), safe for anyone.
    #[default]
    Coarse,
    /// Home positions, only with a grant.
    Exact(ExactPositions),
}

impl PositionAccess {
    pub fn exact(grant: ExactPositions) -> PositionAccess {
        PositionAccess::Exact(grant)
    }

    pub fn is_exact(&self) -> bool {
        matches!(self, PositionAccess::Exact(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_is_the_default() {
        assert_eq!(PositionAccess::default(), PositionAccess::Coarse);
        let exact = PositionAccess::exact(ExactPositions::granted_by("admin alice"));
        assert!(exact.is_exact());
        if let PositionAccess::Exact(grant) = exact {
            assert_eq!(grant.granted_to(), "admin alice");
        }
    }
}
