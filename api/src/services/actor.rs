//! Who is asking: the subject of a verified token and the role it carries (DESIGN §8). The
//! service layer decides what each actor may do; the HTTP layer only establishes who the
//! actor is.

use uuid::Uuid;

/// The roles of DESIGN §8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Coordinator,
    Inspector,
    /// Acts for one issuer of credentials.
    Issuer,
    /// Acts for one maker (their own passport).
    Maker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Inspector => "inspector",
            Role::Issuer => "issuer",
            Role::Maker => "maker",
        }
    }

    /// The role named exactly `text`: `"ADMIN"` or `"admin "` name none, so a token's
    /// claim means one thing whoever reads it.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "coordinator" => Some(Role::Coordinator),
            "inspector" => Some(Role::Inspector),
            "issuer" => Some(Role::Issuer),
            "maker" => Some(Role::Maker),
            _ => None,
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The token's subject, recorded in audit trails.
    pub subject: String,
    pub role: Role,
    /// The maker a `maker` token is bound to.
    pub maker_id: Option<Uuid>,
    /// The issuer an `issuer` token is bound to.
    pub issuer_id: Option<Uuid>,
}

impl Actor {
    /// Admins and coordinators: the programme staff.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Coordinator)
    }

    /// The operator running the command line (imports, demo data): acts as an admin.
    pub fn operator() -> Actor {
        Actor {
            subject: "operator".to_owned(),
            role: Role::Admin,
            maker_id: None,
            issuer_id: None,
        }
    }
}
