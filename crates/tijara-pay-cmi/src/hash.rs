//! CMI's "ver3" hash.
//!
//! 1. Take every field name actually sent or received.
//! 2. Sort the names as PHP's `natcasesort` does ([`natcase_cmp`]).
//! 3. Skip names whose lower case is `hash` or `encoding`.
//! 4. For each value, strip one trailing newline, then escape `\` as `\\` (first) and `|` as
//!    `\|` (second). A received callback's values are HTML-entity-decoded first, as CMI's own
//!    callback sample does ([`verify`]).
//! 5. Join the values, each followed by `|`; append the store key, escaped the same way.
//! 6. SHA-512 of the UTF-8 bytes; base64 of the raw 64-byte digest (not of its hex text).

use base64::Engine;
use sha2::{Digest, Sha512};
use std::cmp::Ordering;

fn escape(value: &str) -> String {
    let v = value.strip_suffix('\n').unwrap_or(value);
    v.replace('\\', "\\\\").replace('|', "\\|")
}

/// Compares two digit runs starting at `i` and `j`. `fractional` (a run starting with `0`)
/// compares digit by digit from the left; otherwise the longer run is the larger number.
fn compare_digits(
    a: &[u8],
    mut i: usize,
    b: &[u8],
    mut j: usize,
    fractional: bool,
) -> (Ordering, usize, usize) {
    let digit = |s: &[u8], k: usize| k < s.len() && s[k].is_ascii_digit();
    let mut bias = Ordering::Equal;
    loop {
        match (digit(a, i), digit(b, j)) {
            (false, false) => return (bias, i, j),
            (false, true) => return (Ordering::Less, i, j),
            (true, false) => return (Ordering::Greater, i, j),
            (true, true) => {
                let o = a[i].cmp(&b[j]);
                if o != Ordering::Equal {
                    if fractional {
                        return (o, i, j);
                    }
                    if bias == Ordering::Equal {
                        bias = o;
                    }
                }
            }
        }
        i += 1;
        j += 1;
    }
}

/// PHP's `strnatcasecmp`: digit runs compare as numbers (`item9` < `item10`); other bytes
/// compare after ASCII upper-casing, so `_` sorts after letters; white space is skipped.
pub fn natcase_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && a[i].is_ascii_whitespace() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if i >= a.len() || j >= b.len() {
            return (a.len() - i.min(a.len())).cmp(&(b.len() - j.min(b.len())));
        }
        let (ca, cb) = (a[i], b[j]);
        if ca.is_ascii_digit() && cb.is_ascii_digit() {
            let (o, ni, nj) = compare_digits(a, i, b, j, ca == b'0' || cb == b'0');
            if o != Ordering::Equal {
                return o;
            }
            i = ni;
            j = nj;
            continue;
        }
        let o = ca.to_ascii_uppercase().cmp(&cb.to_ascii_uppercase());
        if o != Ordering::Equal {
            return o;
        }
        i += 1;
        j += 1;
    }
}

/// The text that is hashed: the sorted, escaped values and the escaped key.
pub fn canonical(fields: &[(String, String)], store_key: &str) -> String {
    let mut sorted: Vec<&(String, String)> = fields
        .iter()
        .filter(|(k, _)| {
            let l = k.to_ascii_lowercase();
            l != "hash" && l != "encoding"
        })
        .collect();
    sorted.sort_by(|x, y| natcase_cmp(&x.0, &y.0));
    let mut out = String::new();
    for (_, v) in sorted {
        out.push_str(&escape(v));
        out.push('|');
    }
    out.push_str(&escape(store_key));
    out
}

/// The ver3 hash of `fields` with `store_key`.
pub fn ver3(fields: &[(String, String)], store_key: &str) -> String {
    let digest = Sha512::digest(canonical(fields, store_key).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// True when the received `HASH` (or `hash`) matches the fields, compared in constant time.
///
/// CMI's callback sample decodes HTML entities in each received value before hashing
/// (`html_entity_decode`, so a `BillToName` of `A &amp; B` is hashed as `A & B`); the hash is
/// checked over the decoded values, and over the values as received when decoding changed
/// one of them.
pub fn verify(fields: &[(String, String)], store_key: &str) -> bool {
    let Some((_, received)) = fields.iter().find(|(k, _)| k.eq_ignore_ascii_case("hash")) else {
        return false;
    };
    let received = received.trim().as_bytes();
    let matches = |fields: &[(String, String)]| -> bool {
        subtle::ConstantTimeEq::ct_eq(received, ver3(fields, store_key).as_bytes()).into()
    };
    let decoded: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), html_escape::decode_html_entities(v).into_owned()))
        .collect();
    matches(&decoded) || (decoded.as_slice() != fields && matches(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn canonicalization_vectors() {
        let fields = f(&[
            ("item10", "ten"),
            ("item9", "nine"),
            ("HASH", "x"),
            ("encoding", "UTF-8"),
        ]);
        assert_eq!(canonical(&fields, "secret"), "nine|ten|secret");
        assert_eq!(canonical(&f(&[("x", "a|b")]), "secret"), "a\\|b|secret");
    }

    #[test]
    fn natural_case_insensitive_order_like_php() {
        let mut names = vec![
            "ab",
            "a_b",
            "aC",
            "A0",
            "a.b",
            "a1",
            "BillToStreet12",
            "BillToStreet2",
        ];
        names.sort_by(|a, b| natcase_cmp(a, b));
        assert_eq!(
            names,
            [
                "a.b",
                "A0",
                "a1",
                "ab",
                "aC",
                "a_b",
                "BillToStreet2",
                "BillToStreet12"
            ]
        );
        assert_eq!(natcase_cmp("item9", "item10"), Ordering::Less);
        assert_eq!(natcase_cmp("x01", "x1"), Ordering::Less);
        assert_eq!(natcase_cmp("TranType", "trantype"), Ordering::Equal);
    }

    #[test]
    fn request_vector() {
        let fields = f(&[
            ("clientid", "600000001"),
            ("storetype", "3D_PAY_HOSTING"),
            ("TranType", "PreAuth"),
            ("amount", "250.00"),
            ("currency", "504"),
            ("oid", "TJR-2024-0001"),
            ("okUrl", "https://shop.example.ma/cmi/ok"),
            ("failUrl", "https://shop.example.ma/cmi/fail"),
            ("callbackUrl", "https://shop.example.ma/cmi/callback"),
            ("shopurl", "https://shop.example.ma/checkout"),
            ("lang", "fr"),
            ("rnd", "1700000000"),
            ("hashAlgorithm", "ver3"),
            ("encoding", "UTF-8"),
            ("email", "fatimatou@example.ma"),
            ("BillToName", "Fatimatou Ahmed"),
            ("BillToCompany", "Coop A|B \\ Dakhla"),
            ("BillToCity", "Dakhla"),
            ("BillToCountry", "504"),
            ("tel", "0612345678"),
        ]);
        assert_eq!(
            canonical(&fields, "TEST1234"),
            "250.00|Dakhla|Coop A\\|B \\\\ Dakhla|504|Fatimatou Ahmed|https://shop.example.ma/cmi/callback|600000001|504|\
             fatimatou@example.ma|https://shop.example.ma/cmi/fail|ver3|fr|TJR-2024-0001|https://shop.example.ma/cmi/ok|\
             1700000000|https://shop.example.ma/checkout|3D_PAY_HOSTING|0612345678|PreAuth|TEST1234"
        );
        assert_eq!(
            ver3(&fields, "TEST1234"),
            "AqkAe5DsAs/kYsekH2JYLuOjQa5VGfwa9dV2h1XUzOTioGjZcNhU8Nk0k1SUEm++U0ssvh6uq4fz9YCOHXV8dQ=="
        );
    }

    #[test]
    fn trailing_newline_and_missing_hash() {
        assert_eq!(canonical(&f(&[("a", "x\n")]), "k"), "x|k");
        assert!(!verify(&f(&[("a", "x")]), "k"));
    }

    #[test]
    fn callback_values_are_hashed_html_decoded_like_cmis_sample() {
        // CMI hashed the decoded name and posted it HTML-encoded.
        let plain = f(&[("BillToName", "Coop A & B \"l'Oasis\""), ("oid", "TJR-1")]);
        let hash = ver3(&plain, "k");
        let mut posted = f(&[
            ("BillToName", "Coop A &amp; B &quot;l&#039;Oasis&quot;"),
            ("oid", "TJR-1"),
        ]);
        posted.push(("HASH".into(), hash));
        assert!(verify(&posted, "k"));
        // A value signed as received (no entities decoded by the signer) still verifies.
        let raw = f(&[("ErrMsg", "a &lt; b")]);
        let mut signed = raw.clone();
        signed.push(("HASH".into(), ver3(&raw, "k")));
        assert!(verify(&signed, "k"));
        // Decoding never turns a wrong value into a right one.
        posted[1].1 = "TJR-2".into();
        assert!(!verify(&posted, "k"));
    }

    fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
        prop::collection::btree_map("[a-zA-Z][a-zA-Z0-9_.]{0,12}", "[ -~éà|\\\\]{0,20}", 1..15)
            .prop_map(|m| {
                let mut seen = std::collections::BTreeSet::new();
                m.into_iter()
                    .filter(|(k, _)| {
                        !["hash", "encoding"].contains(&k.to_ascii_lowercase().as_str())
                    })
                    .filter(|(k, _)| seen.insert(k.to_ascii_lowercase()))
                    .collect()
            })
    }

    proptest! {
        #[test]
        fn sign_then_verify_and_any_change_fails(fs in fields(), key in "[a-zA-Z0-9|\\\\]{1,16}", pick in any::<prop::sample::Index>(), extra in "[a-z]{1,3}") {
            prop_assume!(!fs.is_empty());
            let mut signed = fs.clone();
            signed.push(("HASH".to_owned(), ver3(&fs, &key)));
            signed.push(("encoding".to_owned(), "UTF-8".to_owned()));
            prop_assert!(verify(&signed, &key));
            // Another key fails.
            let other_key = key.clone() + "x";
            prop_assert!(!verify(&signed, &other_key));
            // Any changed value fails.
            let i = pick.index(fs.len());
            let mut changed = signed.clone();
            changed[i].1.push_str(&extra);
            prop_assert!(!verify(&changed, &key));
            // An added field fails.
            let mut added = signed.clone();
            added.push(("zzExtra".to_owned(), extra.clone()));
            prop_assert!(!verify(&added, &key));
            // Field order does not matter.
            let mut reversed = signed.clone();
            reversed.reverse();
            prop_assert!(verify(&reversed, &key));
        }
    }
}
