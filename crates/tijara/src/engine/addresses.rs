//! Checkout's addresses, checked and resolved once per distinct address.
//!
//! Every shipping quote, shipping choice and order reads the shopper's address as checkout uses
//! it ([`Address::normalized`], then [`tijara_core::Region::resolve_city`]). Matching the city
//! used to compute the key of every spelling of every city of the region on each call (some
//! 300 Unicode normalizations), and the phone's normalization parses it with the phone-number
//! library: together about a quarter of the server's instructions per HTTP checkout
//! (`docs/benchmarks.md`). Here the spellings' keys are computed once per engine
//! ([`CityIndex`]), and the resolved form of recent addresses is remembered: one checkout
//! sends the same address three or four times (quotes, a choice per seller, the order).
//!
//! Both are caches of pure functions of the region and the address: the answers are the ones
//! the uncached code gives (tested below and in `tijara-core`).

use std::collections::HashMap;
use std::sync::Mutex;
use tijara_core::order::{Address, CheckedAddress, OrderError};
use tijara_core::region::{CityIndex, Region, resolve_city_as};

/// How many resolved addresses are remembered; past it the memory starts again empty.
const MEMO: usize = 4096;

/// The region's city index and the recently resolved addresses.
#[derive(Debug, Default)]
pub(crate) struct Addresses {
    index: CityIndex,
    memo: Mutex<Memo>,
}

/// Resolved addresses by the address given, hashed with foldhash (a random seed per map)
/// rather than SipHash: an address's eight fields are hashed three or four times per checkout
/// (issue 15's step 45).
type Memo = HashMap<Address, CheckedAddress, foldhash::fast::RandomState>;

impl Addresses {
    /// For the cities of `region`.
    pub(crate) fn new(region: &Region) -> Self {
        Addresses {
            index: CityIndex::new(&region.cities),
            memo: Mutex::default(),
        }
    }

    /// `address` as checkout uses it: checked and tidied ([`Address::checked`]), its city
    /// written as the region's carriers know it and its postal code filled from the region's
    /// cities (what [`Region::resolve_city`] gives), checked again but for its phone
    /// ([`CheckedAddress::with_city`]): the order takes it as it is.
    pub(crate) fn resolve(
        &self,
        region: &Region,
        address: &Address,
    ) -> Result<CheckedAddress, OrderError> {
        if let Some(hit) = self.memo.lock().ok().and_then(|m| m.get(address).cloned()) {
            return Ok(hit);
        }
        let checked = address.checked()?;
        let city = self.index.find(&region.cities, &checked.city);
        let found = resolve_city_as(city, &checked);
        let resolved = checked.with_city(found.city, found.postal_code)?;
        if let Ok(mut memo) = self.memo.lock() {
            if memo.len() >= MEMO {
                memo.clear();
            }
            memo.insert(address.clone(), resolved.clone());
        }
        Ok(resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(city: &str, phone: &str, postal: Option<&str>) -> Address {
        Address {
            name: " Fatima ".into(),
            line1: "1 rue".into(),
            line2: None,
            city: city.into(),
            postal_code: postal.map(str::to_owned),
            state: None,
            country: "ma".into(),
            phone: phone.into(),
        }
    }

    #[test]
    fn answers_what_normalizing_and_resolving_give_first_time_and_again() {
        let region = Region::dakhla();
        let a = Addresses::new(&region);
        for (city, phone, postal) in [
            ("الداخلة", "06 12 34 56 78", None),
            ("casa", "0612345678", Some("20250")),
            ("Marrakesh", "+212 612 34 56 78", None),
            ("Nowhere", "0612345678", None),
        ] {
            let given = address(city, phone, postal);
            let expected = region.resolve_city(&given.normalized().expect("valid"));
            let first = a.resolve(&region, &given).expect("first");
            assert_eq!(first.as_address(), &expected);
            // What the order takes is what checking the resolved address gives.
            assert_eq!(expected.checked().as_ref(), Ok(&first));
            assert_eq!(a.resolve(&region, &given).expect("remembered"), first);
        }
        // A refused address is refused every time (refusals are not remembered).
        let bad = address("Dakhla", "not a phone", None);
        assert!(a.resolve(&region, &bad).is_err());
        assert!(a.resolve(&region, &bad).is_err());
    }

    #[test]
    fn the_memory_is_bounded() {
        let region = Region::dakhla();
        let a = Addresses::new(&region);
        for i in 0..(MEMO + 10) {
            let mut x = address("Dakhla", "0612345678", None);
            x.line1 = format!("{i} rue");
            a.resolve(&region, &x).expect("valid");
        }
        assert!(a.memo.lock().expect("lock").len() <= MEMO);
    }
}
