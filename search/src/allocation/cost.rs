//! The objective as a lexicographic triple, compared field by field: first the units left
//! unplaced, then money, then the spread term that breaks ties evenly. Keeping the three
//! apart (instead of one number with "big-M" weights) makes the order exact: no amount of
//! spread can ever buy a cent, and no saving can ever leave a unit unplaced.

use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// A cost, ordered lexicographically by `(shortfall, money, spread)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub(crate) struct Cost {
    /// Units of demand not placed.
    pub shortfall: i128,
    /// Minor currency units (price plus transport).
    pub money: i128,
    /// Σ weight·x² over assignment arcs: smaller is more even.
    pub spread: i128,
}

impl Cost {
    pub const ZERO: Cost = Cost {
        shortfall: 0,
        money: 0,
        spread: 0,
    };

    pub fn shortfall(units: i128) -> Cost {
        Cost {
            shortfall: units,
            ..Cost::ZERO
        }
    }

    pub fn money(minor: i128) -> Cost {
        Cost {
            money: minor,
            ..Cost::ZERO
        }
    }

    pub fn spread(value: i128) -> Cost {
        Cost {
            spread: value,
            ..Cost::ZERO
        }
    }
}

impl Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost {
            shortfall: self.shortfall + o.shortfall,
            money: self.money + o.money,
            spread: self.spread + o.spread,
        }
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        *self = *self + o;
    }
}

impl Sub for Cost {
    type Output = Cost;
    fn sub(self, o: Cost) -> Cost {
        self + (-o)
    }
}

impl SubAssign for Cost {
    fn sub_assign(&mut self, o: Cost) {
        *self = *self - o;
    }
}

impl Neg for Cost {
    type Output = Cost;
    fn neg(self) -> Cost {
        Cost {
            shortfall: -self.shortfall,
            money: -self.money,
            spread: -self.spread,
        }
    }
}

impl Mul<i128> for Cost {
    type Output = Cost;
    fn mul(self, k: i128) -> Cost {
        Cost {
            shortfall: self.shortfall * k,
            money: self.money * k,
            spread: self.spread * k,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_lexicographic() {
        let one_unit_short = Cost::shortfall(1);
        let a_fortune = Cost::money(1_000_000_000_000);
        assert!(a_fortune < one_unit_short);
        assert!(Cost::spread(i128::from(i64::MAX)) < Cost::money(1));
        assert_eq!(Cost::money(3) * 2 - Cost::money(6), Cost::ZERO);
    }
}
