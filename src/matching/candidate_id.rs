//! Opaque candidate ids: what employers see instead of a youth's account id.
//!
//! A candidate id is the youth's 128-bit account id encrypted with a keyed pseudorandom
//! permutation (a four-round Feistel network with HMAC-SHA256 rounds, keyed per vacancy). It
//! is stable for one vacancy, unrelated across vacancies, and reveals nothing without the
//! server's key; the server decrypts it back when the employer swipes. Ids that do not
//! decrypt to a candidate of that vacancy are simply unknown (404).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::ids::{AccountId, VacancyId};

type HmacSha256 = Hmac<Sha256>;

pub struct CandidateIds {
    key: Vec<u8>,
}

impl CandidateIds {
    /// Derives the key from the server secret, separated from its use for JWTs.
    pub fn new(secret: &str) -> CandidateIds {
        let key = HmacSha256::new_from_slice(secret.as_bytes())
            .map(|mut m| {
                m.update(b"werkmatch candidate ids v1");
                m.finalize().into_bytes().to_vec()
            })
            .unwrap_or_else(|_| secret.as_bytes().to_vec());
        CandidateIds { key }
    }

    fn round(&self, vacancy: &VacancyId, round: u8, half: &[u8; 8]) -> [u8; 8] {
        let mut out = [0u8; 8];
        if let Ok(mut mac) = HmacSha256::new_from_slice(&self.key) {
            mac.update(vacancy.as_str().as_bytes());
            mac.update(&[round]);
            mac.update(half);
            out.copy_from_slice(&mac.finalize().into_bytes()[..8]);
        }
        out
    }

    fn permute(&self, vacancy: &VacancyId, block: [u8; 16], decrypt: bool) -> [u8; 16] {
        let (mut l, mut r) = ([0u8; 8], [0u8; 8]);
        l.copy_from_slice(&block[..8]);
        r.copy_from_slice(&block[8..]);
        if !decrypt {
            for i in 0..4 {
                let f = self.round(vacancy, i, &r);
                let next_r: [u8; 8] = std::array::from_fn(|k| l[k] ^ f[k]);
                l = r;
                r = next_r;
            }
        } else {
            for i in (0..4).rev() {
                let f = self.round(vacancy, i, &l);
                let prev_l: [u8; 8] = std::array::from_fn(|k| r[k] ^ f[k]);
                r = l;
                l = prev_l;
            }
        }
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&l);
        out[8..].copy_from_slice(&r);
        out
    }

    /// The candidate id of `youth` for `vacancy`.
    pub fn encode(&self, vacancy: &VacancyId, youth: &AccountId) -> String {
        let bytes = uuid::Uuid::parse_str(youth.as_str())
            .map(|u| *u.as_bytes())
            .unwrap_or_default();
        URL_SAFE_NO_PAD.encode(self.permute(vacancy, bytes, false))
    }

    /// The youth behind a candidate id of `vacancy`, if it is well-formed.
    pub fn decode(&self, vacancy: &VacancyId, candidate: &str) -> Option<AccountId> {
        let raw = URL_SAFE_NO_PAD.decode(candidate).ok()?;
        let block: [u8; 16] = raw.try_into().ok()?;
        let plain = self.permute(vacancy, block, true);
        AccountId::parse(&uuid::Uuid::from_bytes(plain).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_differ_per_vacancy() {
        let ids = CandidateIds::new("a-secret-a-secret-a-secret-a-secret");
        let youth = AccountId::generate();
        let (a, b) = (VacancyId::generate(), VacancyId::generate());
        let ca = ids.encode(&a, &youth);
        assert_eq!(ca, ids.encode(&a, &youth), "stable per vacancy");
        assert_ne!(ca, ids.encode(&b, &youth), "unrelated across vacancies");
        assert!(!ca.contains(&youth.as_str()[..8]));
        assert_eq!(ids.decode(&a, &ca), Some(youth.clone()));
        assert_ne!(
            ids.decode(&b, &ca),
            Some(youth),
            "an id of one vacancy means nothing for another"
        );
        assert_eq!(ids.decode(&a, "not base64!"), None);
        assert_eq!(ids.decode(&a, "c2hvcnQ"), None);
    }

    #[test]
    fn another_key_gives_other_ids() {
        let youth = AccountId::generate();
        let v = VacancyId::generate();
        let one = CandidateIds::new("first-secret-first-secret-first-secret").encode(&v, &youth);
        let two = CandidateIds::new("other-secret-other-secret-other-secret").encode(&v, &youth);
        assert_ne!(one, two);
    }
}
