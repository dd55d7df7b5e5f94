//! E-mail verification: a single-use link, [`VERIFY_HOURS`] long, sent at sign-up. Opening it
//! proves the account holds its e-mail; only then are the guest orders placed with that
//! e-mail attached to the account (an account made with someone else's e-mail never sees
//! their orders).

use super::reset::{check_link, new_link, token_account};
use super::{Account, Accounts, LinkMail, account_change};
use crate::docs::{OrderDoc, OrderStorage, guest_email_owner};
use crate::engine::Loaded;
use crate::error::{LinkProblem, LinkPurpose, TijaraError};
use crate::ports::storage::{Changeset, DocKind, ListQuery};
use crate::usecases::catalog::MAX_PAGE;
use chrono::Duration;
use tijara_core::OrderId;

/// How long an e-mail verification link works.
pub const VERIFY_HOURS: i64 = 48;

/// What opening a verification link did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmailVerified {
    /// The account, now verified.
    pub account: Account,
    /// The guest orders attached to it.
    pub attached: Vec<OrderId>,
}

impl Accounts<'_> {
    /// A new verification link for an account's e-mail (the previous one no longer works).
    /// An account already verified needs none: `None`.
    pub async fn start_email_verification(
        self,
        account_id: &str,
    ) -> Result<Option<LinkMail>, TijaraError> {
        let e = self.engine;
        let now = e.now();
        let expires_at = now + Duration::hours(VERIFY_HOURS);
        let (token, link) = new_link(account_id, expires_at);
        let link = &link;
        let saved: Option<Account> = e
            .mutate("start_email_verification", None, &(), || async move {
                let Loaded {
                    value: mut account,
                    version,
                } = e.load::<Account>(DocKind::Account, account_id).await?;
                if account.email_verified_at.is_some() {
                    return Ok((None, Changeset::default()));
                }
                account.verify_link = Some(link.clone());
                let changes = account_change(&account, Some(version))?;
                Ok((Some(account), changes))
            })
            .await?;
        Ok(saved.map(|account| LinkMail {
            account_id: account.id,
            email: account.email,
            name: account.name,
            lang: account.lang,
            token,
            expires_at,
        }))
    }

    /// Opens a verification link: the account's e-mail is marked verified, the link used up,
    /// and the guest orders placed with that e-mail attached to the account
    /// ([`Accounts::attach_guest_orders`]). [`TijaraError::LinkRefused`] if the link is
    /// unknown, expired or used (nothing is written then).
    pub async fn verify_email(self, token: &str) -> Result<EmailVerified, TijaraError> {
        let e = self.engine;
        let refused = |problem| TijaraError::LinkRefused {
            purpose: LinkPurpose::EmailVerification,
            problem,
        };
        let Some(id) = token_account(token) else {
            return Err(refused(LinkProblem::Unknown));
        };
        let now = e.now();
        let account = e
            .mutate("verify_email", None, &(), || async move {
                let Loaded {
                    value: mut account,
                    version,
                } = match e.load::<Account>(DocKind::Account, id).await {
                    Err(TijaraError::NotFound { .. }) => {
                        return Err(refused(LinkProblem::Unknown));
                    }
                    other => other?,
                };
                check_link(
                    account.verify_link.as_ref(),
                    token,
                    now,
                    LinkPurpose::EmailVerification,
                )?;
                if let Some(link) = account.verify_link.as_mut() {
                    link.used_at = Some(now);
                }
                account.email_verified_at.get_or_insert(now);
                let changes = account_change(&account, Some(version))?;
                Ok((account, changes))
            })
            .await?;
        let attached = self.attach_guest_orders(&account).await?;
        Ok(EmailVerified { account, attached })
    }

    /// Attaches to a verified account the guest orders placed with its e-mail (they then list
    /// among its orders); returns their ids. An unverified account gets none.
    pub async fn attach_guest_orders(self, account: &Account) -> Result<Vec<OrderId>, TijaraError> {
        let e = self.engine;
        if account.email_verified_at.is_none() {
            return Ok(vec![]);
        }
        let customer = account.customer_id()?;
        let owner = guest_email_owner(&account.email);
        let mut attached = Vec::new();
        // Each attached order leaves the owner row: read the first page again until it is
        // empty (bounded, in case an order cannot be attached).
        for _ in 0..100 {
            let page = e
                .inner
                .storage
                .list(&ListQuery::new(DocKind::Order, MAX_PAGE).owner(owner.clone()))
                .await?;
            let mut moved = false;
            for doc in &page {
                let id = doc.id.as_str();
                let customer = &customer;
                let email = account.email.as_str();
                let done: Option<OrderId> = e
                    .mutate("attach_guest_order", None, &(), || async move {
                        let Loaded {
                            value: mut order,
                            version,
                        } = e.load::<OrderDoc>(DocKind::Order, id).await?;
                        if order.order.customer.is_some()
                            || !order.order.email.trim().eq_ignore_ascii_case(email)
                        {
                            return Ok((None, Changeset::default()));
                        }
                        order.order.customer = Some(customer.clone());
                        let write = e.order_write(&order, version)?;
                        debug_assert!(!order.owners().contains(&guest_email_owner(email)));
                        Ok((
                            Some(order.order.id.clone()),
                            Changeset {
                                docs: vec![write],
                                ..Changeset::default()
                            },
                        ))
                    })
                    .await?;
                if let Some(o) = done {
                    attached.push(o);
                    moved = true;
                }
            }
            if !moved || page.len() < MAX_PAGE as usize {
                break;
            }
        }
        Ok(attached)
    }
}
